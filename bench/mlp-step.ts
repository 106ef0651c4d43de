/**
 * Time per training step (forward, loss, backward, SGD with momentum) on one fixed batch,
 * the same loop as torch_bench.py's `bench_step`.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { batchLoss, type LossSpec } from "../src/nn/losses/loss.js";
import { Mlp } from "../src/nn/mlp.js";
import { Sgd } from "../src/nn/optim/sgd.js";
import type { ActivationName } from "../src/nn/layers/activation.js";
import type { Batch } from "../src/data/batches.js";
import { zeros32 } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { median } from "./stats.js";

export interface StepJob {
  name: string;
  sizes: number[];
  activation: ActivationName;
  loss: "mse" | "ce";
  batch: number;
  lr: number;
  momentum: number;
  steps: number;
}

export const STEP_JOBS: StepJob[] = [
  { name: "step 20-50-50-1 selu b64 mse", sizes: [20, 50, 50, 1], activation: "selu", loss: "mse", batch: 64, lr: 0.01, momentum: 0.9, steps: 2000 },
  { name: "step 784-200-10 relu b256 ce", sizes: [784, 200, 10], activation: "relu", loss: "ce", batch: 256, lr: 0.01, momentum: 0.9, steps: 200 },
];

export const torchStepJob = (job: StepJob) => ({ ...job, kind: "step", repeats: 1 });

/** Median seconds per step over `repeats` timed loops of `job.steps` steps. */
export function benchStep(kernels: Kernels, job: StepJob, repeats: number): number {
  const probe = stepProbe(kernels, job);
  return median(Array.from({ length: repeats }, probe));
}

/** Returns a function that times one loop of `job.steps` steps and gives seconds per step. */
export function stepProbe(kernels: Kernels, job: StepJob): () => number {
  const rng = new Rng(0);
  const model = Mlp.create({ sizes: job.sizes, activation: job.activation }, rng);
  const optimizer = new Sgd(model.params(), { lr: job.lr, momentum: job.momentum });
  const out = job.sizes[job.sizes.length - 1];
  const x = zeros32(job.batch, job.sizes[0]);
  rng.fillUniform(x.data);
  const loss: LossSpec = job.loss === "mse" ? { name: "mse", reduction: "mean" } : { name: "softmax-cross-entropy", reduction: "mean" };
  let batch: Batch;
  if (job.loss === "mse") {
    const y = zeros32(job.batch, out);
    rng.fillUniform(y.data);
    batch = { x, y, labels: null, size: job.batch, start: 0 };
  } else {
    const labels = new Int32Array(job.batch).map(() => rng.int(out));
    batch = { x, y: null, labels, size: job.batch, start: 0 };
  }
  const dPred = zeros32(job.batch, out);
  const step = () => {
    const pred = model.forward(kernels, x);
    batchLoss(loss, pred, batch, dPred);
    optimizer.zeroGrad();
    model.backward(kernels, dPred);
    optimizer.step(kernels);
  };
  for (let i = 0; i < Math.max(10, job.steps / 10); i++) step();
  return () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < job.steps; i++) step();
    return Number(process.hrtime.bigint() - t0) / 1e9 / job.steps;
  };
}
