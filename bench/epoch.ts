/**
 * The epoch probe shared by the MNIST and CNN epoch benchmarks: one epoch of shuffled
 * mini-batch SGD (softmax cross-entropy, mean) of `model` over n random images of `features`
 * values (uniform in [0, 1)) with uniform labels — the time does not depend on the values.
 * The same loop as torch_bench.py (a fresh permutation per epoch, then forward, loss,
 * backward and step per batch).
 */
import { BatchIterator, type Dataset } from "../src/data/batches.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { Sgd } from "../src/nn/optim/sgd.js";
import { createTrainState, trainEpoch, type TrainSetup } from "../src/nn/train.js";
import { Matrix } from "../src/tensor/matrix.js";
import type { Rng } from "../src/tensor/rng.js";

export interface EpochData {
  n: number;
  features: number;
  classes: number;
  batch: number;
  lr: number;
  momentum: number;
}

/** Returns a function that trains one epoch and gives its seconds; `rng` (which built the model) draws the data. */
export function trainEpochProbe(kernels: Kernels, model: TrainSetup["model"], rng: Rng, job: EpochData): () => number {
  const x = new Matrix(job.n, job.features, new Float32Array(job.n * job.features));
  rng.fillUniform(x.data);
  const data: Dataset = { x, labels: Int32Array.from({ length: job.n }, () => rng.int(job.classes)) };
  const setup: TrainSetup = {
    kernels,
    model,
    loss: { name: "softmax-cross-entropy", reduction: "mean" },
    optimizer: new Sgd(model.params(), { lr: job.lr, momentum: job.momentum }),
    batches: new BatchIterator(data, { batchSize: job.batch, rng }),
  };
  const state = createTrainState();
  return () => {
    const t0 = process.hrtime.bigint();
    trainEpoch(setup, state);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
}
