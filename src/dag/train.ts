/**
 * Inter-training of a DAG between growth steps: nn's training loop (forward → loss →
 * backward → optimizer step, mean-reduced loss) with SGD (PyTorch semantics) on
 * inter-train = train-opt ∪ train-ls. A non-finite loss stops training with a TrainingError
 * that names the step and, when it can tell, the first edge with non-finite weights.
 */
import { TrainingError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { BatchIterator, type Dataset } from "../data/batches.js";
import type { LossName } from "../nn/losses/loss.js";
import { Sgd } from "../nn/optim/sgd.js";
import type { Optimizer } from "../nn/optim/optimizer.js";
import { createTrainState, train } from "../nn/train.js";
import type { Rng } from "../tensor/rng.js";
import type { DagModel } from "./model.js";

export interface InterTrainOptions {
  epochs: number;
  /** Default 0.01. */
  lr?: number;
  /** Default 0.9. */
  momentum?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default "mse". */
  loss?: LossName;
  /** Reuse an optimizer across growth steps (its parameter list is refreshed); default: a fresh SGD. */
  optimizer?: Optimizer;
}

/** Trains `model` on `data` for `options.epochs` epochs (shuffled by `rng`); returns the per-epoch mean losses. */
export function trainModel(model: DagModel<Float32Array>, data: Dataset, options: InterTrainOptions, rng: Rng, kernels: Kernels): number[] {
  const { epochs, lr = 0.01, momentum = 0.9, batchSize = 64, loss = "mse" } = options;
  const params = model.params();
  let optimizer = options.optimizer;
  if (optimizer === undefined) optimizer = new Sgd(params, { lr, momentum });
  else optimizer.setParams(params);
  const setup = { kernels, model, loss: { name: loss, reduction: "mean" as const }, optimizer, batches: new BatchIterator(data, { batchSize, rng }) };
  try {
    return train(setup, { epochs, state: createTrainState() });
  } catch (err) {
    if (!(err instanceof TrainingError)) throw err;
    const bad = model.edgeLayers().find(({ layer }) => !allFinite(layer.weight.data) || (layer.bias !== null && !allFinite(layer.bias)));
    const where = bad === undefined ? "" : `; first edge with non-finite weights: "${bad.edge.from}" -> "${bad.edge.to}"`;
    throw new TrainingError(err.step, `${err.detail}${where}`);
  }
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
