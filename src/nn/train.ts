/**
 * The training loop: for each mini-batch, forward → loss (+ dLoss/dpred in one pass) →
 * zeroGrad → backward → optimizer step. Per step it allocates nothing: the batch, model and
 * dPred buffers are reused (dPred cached per batch size in the TrainState).
 *
 * Steps are numbered globally from 1 (the first mini-batch of training is step 1). A loss
 * that is NaN or infinite stops training before the parameters are touched, with a
 * TrainingError naming that step.
 *
 * Reported losses are per-sample means over the dataset: for reduction 'mean' the batch
 * losses are weighted by batch size (the loss of the whole dataset, as PyTorch would give
 * it); for 'sum' the total is divided by the number of samples.
 */
import { TrainingError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { BatchIterator, hasLabels, type Dataset } from "../data/batches.js";
import { Matrix, type Matrix32 } from "../tensor/matrix.js";
import { batchLoss, type LossSpec } from "./losses/loss.js";
import { argmaxRows } from "./losses/softmax-cross-entropy.js";
import type { Model } from "./model.js";
import type { Optimizer } from "./optim/optimizer.js";

export interface TrainSetup {
  kernels: Kernels;
  model: Model;
  loss: LossSpec;
  optimizer: Optimizer;
  batches: BatchIterator;
}

/** Mutable loop state, explicit so it can be checkpointed: steps done and reusable buffers. */
export interface TrainState {
  /** Optimizer steps taken so far. */
  step: number;
  /** dLoss/dpred buffers by batch size. */
  readonly dPred: Map<number, Matrix32>;
}

export function createTrainState(step = 0): TrainState {
  return { step, dPred: new Map() };
}

function dPredBuffer(state: TrainState, rows: number, cols: number): Matrix32 {
  let m = state.dPred.get(rows);
  if (m === undefined || m.cols !== cols) {
    m = new Matrix(rows, cols, new Float32Array(rows * cols));
    state.dPred.set(rows, m);
  }
  return m;
}

/** One epoch over `setup.batches`; returns the epoch's mean loss (see the module comment). */
export function trainEpoch(setup: TrainSetup, state: TrainState): number {
  const { kernels, model, loss, optimizer, batches } = setup;
  let total = 0;
  let samples = 0;
  for (let batch = batches.begin(); batch !== null; batch = batches.next()) {
    const pred = model.forward(kernels, batch.x);
    const dPred = dPredBuffer(state, pred.rows, pred.cols);
    const value = batchLoss(loss, pred, batch, dPred);
    const step = state.step + 1;
    if (!Number.isFinite(value)) throw new TrainingError(step, `loss is ${value}`);
    optimizer.zeroGrad();
    model.backward(kernels, dPred);
    optimizer.step(kernels);
    state.step = step;
    total += loss.reduction === "mean" ? value * batch.size : value;
    samples += batch.size;
  }
  return samples > 0 ? total / samples : NaN;
}

export interface TrainOptions {
  epochs: number;
  /** Called after each epoch with its index (from 0) and mean loss. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Continue from this state (default: a fresh one, step 0). */
  state?: TrainState;
}

/** Trains for `epochs` epochs; returns the per-epoch mean losses. */
export function train(setup: TrainSetup, options: TrainOptions): number[] {
  const state = options.state ?? createTrainState();
  const losses: number[] = [];
  for (let e = 0; e < options.epochs; e++) {
    const value = trainEpoch(setup, state);
    losses.push(value);
    options.onEpoch?.(e, value);
  }
  return losses;
}

export interface Evaluation {
  /** Per-sample mean loss over the dataset (see the module comment). */
  loss: number;
  /** Fraction of argmax predictions equal to the label (labelled datasets only). */
  accuracy?: number;
}

/** Loss (and accuracy for labelled data) of `model` on `dataset`, in batches, without training. */
export function evaluate(kernels: Kernels, model: Model, dataset: Dataset, loss: LossSpec, batchSize = 1024): Evaluation {
  const it = new BatchIterator(dataset, { batchSize });
  const labelled = hasLabels(dataset);
  const predicted = new Int32Array(it.batchSize);
  let total = 0;
  let correct = 0;
  for (let batch = it.begin(); batch !== null; batch = it.next()) {
    const pred = model.forward(kernels, batch.x);
    const value = batchLoss(loss, pred, batch, null);
    total += loss.reduction === "mean" ? value * batch.size : value;
    if (labelled && batch.labels !== null) {
      argmaxRows(pred, predicted);
      for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) correct++;
    }
  }
  const n = it.size;
  return labelled ? { loss: total / n, accuracy: correct / n } : { loss: total / n };
}
