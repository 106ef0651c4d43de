/**
 * A seeded synthetic regression task: inputs x ~ N(0, I) (n, d), targets y = teacher(x) +
 * noise·N(0, 1) (n, o), where the teacher is a random MLP (LeCun-normal weights, biases
 * ~ N(0, 0.1²)). The same Rng state gives the same task, bit for bit.
 */
import { DataError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { Matrix, type Matrix32 } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { Mlp } from "../nn/mlp.js";
import type { Dataset } from "./batches.js";

export interface TeacherRegressionOptions {
  /** Training samples. */
  samples: number;
  /** Test samples; default samples / 4 (at least 1). */
  testSamples?: number;
  /** Input dimension d; default 20. */
  inputs?: number;
  /** Teacher hidden widths; default [10]. */
  hidden?: readonly number[];
  /** Output dimension o; default 1. */
  outputs?: number;
  /** Teacher activation; default "tanh". */
  activation?: ActivationName;
  /** Standard deviation of the label noise; default 0. */
  noise?: number;
}

export interface TeacherRegression {
  train: { x: Matrix32; y: Matrix32 };
  test: { x: Matrix32; y: Matrix32 };
  teacher: Mlp<Float32Array>;
}

export function teacherRegression(kernels: Kernels, rng: Rng, options: TeacherRegressionOptions): TeacherRegression {
  const { samples, inputs = 20, hidden = [10], outputs = 1, activation = "tanh", noise = 0 } = options;
  const testSamples = options.testSamples ?? Math.max(1, Math.floor(samples / 4));
  for (const [name, v] of [["samples", samples], ["testSamples", testSamples], ["inputs", inputs], ["outputs", outputs]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new DataError("teacherRegression", `${name} must be a positive integer, got ${v}`);
  }
  if (!(noise >= 0)) throw new DataError("teacherRegression", `noise must be >= 0, got ${noise}`);
  const teacher = Mlp.create({ sizes: [inputs, ...hidden, outputs], activation, init: "lecun-normal" }, rng);
  for (const layer of teacher.layers) if (layer.bias !== null) rng.fillNormal(layer.bias, 0, 0.1);
  const make = (n: number): Dataset & { x: Matrix32; y: Matrix32 } => {
    const x = new Matrix(n, inputs, new Float32Array(n * inputs));
    rng.fillNormal(x.data);
    const y = teacher.forward(kernels, x).clone();
    if (noise > 0) for (let i = 0; i < y.data.length; i++) y.data[i] += noise * rng.normal();
    return { x, y };
  };
  const train = make(samples);
  const test = make(testSamples);
  teacher.clearBuffers();
  return { train, test, teacher };
}
