/**
 * The teacher of the DAG-growth teacher–student experiment (Douka et al., §3): input 20,
 * two hidden states of 50 with SELU, edges in→h1, h1→h2, in→h2 (the direct connection),
 * h2→out, output 1 — 4,701 parameters (every edge has its own bias). Weights are
 * LeCun-normal (N(0, 1/fan-in)) and biases 0, as GroMo initialises DAG edges. Inputs are
 * uniform on [−1, 1) (zero-mean, so no feature carries a constant offset; `inputRange`
 * changes it), labels are the teacher's outputs, without noise.
 */
import type { Kernels } from "../kernels/kernels.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { DagModel } from "../dag/model.js";
import type { Dataset } from "./batches.js";

export interface TeacherOptions {
  /** Default 20. */
  inputSize?: number;
  /** Width of both hidden states; default 50. */
  hiddenSize?: number;
  /** Default 1. */
  outputSize?: number;
  /** Default "selu". */
  activation?: ActivationName;
}

/** The teacher DAG, initialised from `rng`. */
export function buildTeacher(rng: Rng, options: TeacherOptions = {}): DagModel<Float32Array> {
  const { inputSize = 20, hiddenSize = 50, outputSize = 1, activation = "selu" } = options;
  const m = DagModel.empty(inputSize, outputSize, { activation });
  m.addNode("h1", hiddenSize);
  m.addNode("h2", hiddenSize);
  const init = { init: "lecun-normal" as const, rng };
  m.addEdge("in", "h1", init);
  m.addEdge("h1", "h2", init);
  m.addEdge("in", "h2", init);
  m.addEdge("h2", "out", init);
  return m;
}

/** n samples: x uniform on [low, high) (default [−1, 1)), y = teacher(x). */
export function teacherDataset(kernels: Kernels, teacher: DagModel<Float32Array>, n: number, rng: Rng, inputRange: readonly [number, number] = [-1, 1]): Dataset {
  const x = new Matrix(n, teacher.inputSize, new Float32Array(n * teacher.inputSize));
  rng.fillUniform(x.data, inputRange[0], inputRange[1]);
  const y = teacher.forwardAll(kernels, x).z.get(teacher.outputName) as Matrix<Float32Array>;
  return { x, y: y.clone() };
}
