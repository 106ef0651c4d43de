/**
 * The teacher of the DAG-growth teacher–student experiment (Douka et al., §3): input 20,
 * two hidden states of 50 with SELU, edges in→h1, h1→h2, in→h2 (the direct connection),
 * h2→out, output 1 — 4,701 parameters (every edge has its own bias). Labels are the
 * teacher's outputs, without noise.
 *
 * Scale. The paper only says the teacher is "randomly initialised" and the inputs "drawn
 * from a uniform distribution"; GroMo initialises DAG edges LeCun-normal and its notebooks
 * draw inputs with `torch.rand` (U(0, 1)). The options make both choices explicit
 * (`resolveTeacherOptions` gives the full record for a run folder):
 *
 *  - `init`: "lecun-normal" — weights N(0, 1/fan-in), biases 0 (GroMo's DAG edges) — or
 *    "torch-default" — weights and biases U(±1/√fan-in), `nn.Linear`'s default;
 *  - `inputRange`: inputs uniform on [low, high).
 *
 * Default: LeCun-normal on U(−1, 1), the only combination whose test statistics match the
 * reference teacher's (GroMo: predict-zero MSE 0.865, linear least-squares fit 0.034, ratio
 * 0.039). Measured on seeds 0–5 (3,000 train / 1,000 test, bench/dag.ts `teacherProblem`):
 *
 *   init / inputs          predict-zero   linear fit      linear / zero
 *   lecun-normal U(−1,1)   0.43–1.08      0.017–0.026     0.020–0.055 (median 0.030)
 *   lecun-normal U(0,1)    0.25–2.83      0.0023–0.0048   0.001–0.014 (mean offsets dominate)
 *   torch-default U(−1,1)  0.057–0.27     0.0007–0.0009   0.003–0.014
 *   torch-default U(0,1)   0.021–0.45     ≈ 0.0002        0.000–0.008
 *
 * With U(0, 1) inputs every pre-activation gets a constant offset Σ_i w_i/2 comparable to its
 * fluctuation, and PyTorch's init has a third of LeCun's weight variance: both make the
 * teacher far more linear (and smaller) than the reference's, so neither is the default.
 */
import { ConfigError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { DagModel } from "../dag/model.js";
import type { Dataset } from "./batches.js";

export type TeacherInit = "lecun-normal" | "torch-default";

export const TEACHER_INITS: readonly TeacherInit[] = ["lecun-normal", "torch-default"];

export interface TeacherOptions {
  /** Default 20. */
  inputSize?: number;
  /** Width of both hidden states; default 50. */
  hiddenSize?: number;
  /** Default 1. */
  outputSize?: number;
  /** Default "selu". */
  activation?: ActivationName;
  /** Weight and bias initialisation (default "lecun-normal"; see the file comment). */
  init?: TeacherInit;
  /** Inputs uniform on [low, high) (default [−1, 1)). */
  inputRange?: readonly [number, number];
}

export const DEFAULT_TEACHER_INPUT_RANGE: readonly [number, number] = [-1, 1];

/** Every teacher option with its default filled in (what a run records). */
export function resolveTeacherOptions(options: TeacherOptions = {}): Required<TeacherOptions> {
  return {
    inputSize: options.inputSize ?? 20,
    hiddenSize: options.hiddenSize ?? 50,
    outputSize: options.outputSize ?? 1,
    activation: options.activation ?? "selu",
    init: options.init ?? "lecun-normal",
    inputRange: options.inputRange ?? DEFAULT_TEACHER_INPUT_RANGE,
  };
}

/** The teacher DAG, initialised from `rng` (edges in the order in→h1, h1→h2, in→h2, h2→out). */
export function buildTeacher(rng: Rng, options: TeacherOptions = {}): DagModel<Float32Array> {
  const { inputSize, hiddenSize, outputSize, activation, init } = resolveTeacherOptions(options);
  if (!TEACHER_INITS.includes(init)) throw new ConfigError([{ source: "teacher options", path: "teacher.init", message: `expected one of ${TEACHER_INITS.join(", ")}, got "${String(init)}"` }]);
  const m = DagModel.empty(inputSize, outputSize, { activation });
  m.addNode("h1", hiddenSize);
  m.addNode("h2", hiddenSize);
  for (const [u, v] of [["in", "h1"], ["h1", "h2"], ["in", "h2"], ["h2", "out"]] as const) {
    if (init === "lecun-normal") m.addEdge(u, v, { init: "lecun-normal", rng });
    else {
      const layer = m.addEdge(u, v);
      const bound = 1 / Math.sqrt(layer.weight.cols);
      rng.fillUniform(layer.weight.data, -bound, bound);
      rng.fillUniform(layer.bias as Float32Array, -bound, bound);
    }
  }
  return m;
}

/** n samples: x uniform on [low, high) (default [−1, 1), `DEFAULT_TEACHER_INPUT_RANGE`), y = teacher(x). */
export function teacherDataset(kernels: Kernels, teacher: DagModel<Float32Array>, n: number, rng: Rng, inputRange: readonly [number, number] = DEFAULT_TEACHER_INPUT_RANGE): Dataset {
  if (!(inputRange[0] < inputRange[1])) {
    throw new ConfigError([{ source: "teacher options", path: "teacher.inputRange", message: `expected low < high, got [${inputRange[0]}, ${inputRange[1]}]` }]);
  }
  const x = new Matrix(n, teacher.inputSize, new Float32Array(n * teacher.inputSize));
  rng.fillUniform(x.data, inputRange[0], inputRange[1]);
  const y = teacher.forwardAll(kernels, x).z.get(teacher.outputName) as Matrix<Float32Array>;
  return { x, y: y.clone() };
}
