/**
 * Training a CNN: nn's training loop (forward → softmax cross-entropy, mean over the batch →
 * backward → optimizer step; nothing allocated per batch) with SGD or Adam (PyTorch
 * semantics). The optimizer can be kept across growth steps: its parameter list is
 * refreshed and the state of grown parameters was reset by Cnn.addChannels.
 */
import { ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { BatchIterator, hasLabels, type Dataset } from "../data/batches.js";
import { Adam } from "../nn/optim/adam.js";
import type { Optimizer } from "../nn/optim/optimizer.js";
import { Sgd } from "../nn/optim/sgd.js";
import { createTrainState, evaluate, train, type Evaluation, type TrainState } from "../nn/train.js";
import type { Rng } from "../tensor/rng.js";
import type { Cnn } from "./cnn.js";
import { formatShape, imageSize } from "./geometry.js";

export type OptimizerName = "sgd" | "adam";

export interface CnnTrainOptions {
  epochs: number;
  /** Default "sgd". */
  optimizer?: OptimizerName;
  /** Default 0.01 for SGD, 1e-3 for Adam. */
  lr?: number;
  /** SGD only; default 0.9. */
  momentum?: number;
  /** Default 0. */
  weightDecay?: number;
  /** Default 64. */
  batchSize?: number;
  /** Called after each epoch with its index (from 0) and mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** A fresh optimizer over the model's parameters. */
export function createOptimizer(model: Cnn, options: Pick<CnnTrainOptions, "optimizer" | "lr" | "momentum" | "weightDecay">): Optimizer {
  const { optimizer = "sgd", weightDecay = 0 } = options;
  if (optimizer === "adam") return new Adam(model.params(), { lr: options.lr ?? 1e-3, weightDecay });
  return new Sgd(model.params(), { lr: options.lr ?? 0.01, momentum: options.momentum ?? 0.9, weightDecay });
}

/** Throws a ShapeError unless `data` holds labelled images of the network's input size. */
export function checkImageDataset(model: Cnn, data: Dataset, what = "dataset"): void {
  if (!hasLabels(data)) throw new ShapeError("cnn training", `${what} with class labels`, `${what} with regression targets`);
  if (data.x.cols !== imageSize(model.input)) {
    throw new ShapeError("cnn training", `${what} images of ${imageSize(model.input)} values for the network's input ${formatShape(model.input)}`, `${data.x.cols} values per image`);
  }
}

/**
 * Trains `model` on `data` (shuffled by `rng`) for `options.epochs` epochs; returns the
 * per-epoch mean losses. `optimizer`, when given, is reused (its parameter list refreshed).
 */
export function trainCnn(model: Cnn, data: Dataset, options: CnnTrainOptions, rng: Rng, kernels: Kernels, optimizer?: Optimizer, state: TrainState = createTrainState()): number[] {
  checkImageDataset(model, data);
  model.setTraining(true);
  const opt = optimizer ?? createOptimizer(model, options);
  if (optimizer !== undefined) opt.setParams(model.params());
  const batches = new BatchIterator(data, { batchSize: options.batchSize ?? 64, rng });
  return train({ kernels, model, loss: { name: "softmax-cross-entropy", reduction: "mean" }, optimizer: opt, batches }, { epochs: options.epochs, onEpoch: options.onEpoch, state });
}

/** Mean cross-entropy and accuracy of `model` on `data` (batch norm in eval mode, then back to training). */
export function evaluateCnn(model: Cnn, data: Dataset, kernels: Kernels, batchSize = 500): Evaluation {
  checkImageDataset(model, data);
  model.setTraining(false);
  try {
    return evaluate(kernels, model, data, { name: "softmax-cross-entropy", reduction: "mean" }, batchSize);
  } finally {
    model.setTraining(true);
  }
}
