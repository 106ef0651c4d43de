/**
 * Data as the DAG code sees it: inputs x (n, d) with regression targets y (n, o) or class
 * labels (n), in the model's element type (float32 normally; float64 in checks). A float32
 * DagData is exactly nn's `Dataset`. Losses here are nn's, by name.
 */
import { ShapeError } from "../errors.js";
import { mseLoss, type Reduction } from "../nn/losses/mse.js";
import { softmaxCrossEntropyLoss } from "../nn/losses/softmax-cross-entropy.js";
import type { LossName } from "../nn/losses/loss.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";

export type DagData<T extends FloatArray = Float32Array> = { x: Matrix<T>; y: Matrix<T> } | { x: Matrix<T>; labels: Int32Array };

/** Targets of a DagData: the y matrix or the labels. */
export type DagTargets<T extends FloatArray> = Matrix<T> | Int32Array;

export function targetsOf<T extends FloatArray>(d: DagData<T>): DagTargets<T> {
  return "labels" in d ? d.labels : d.y;
}

/** Rows [start, end) of a matrix, sharing storage. */
export function rowView<T extends FloatArray>(m: Matrix<T>, start: number, end: number): Matrix<T> {
  return new Matrix(end - start, m.cols, m.data.subarray(start * m.cols, end * m.cols) as T);
}

/** Targets of rows [start, end), sharing storage. */
export function targetRows<T extends FloatArray>(t: DagTargets<T>, start: number, end: number): DagTargets<T> {
  return t instanceof Int32Array ? t.subarray(start, end) : rowView(t, start, end);
}

/**
 * The loss of predictions (B, O) against targets with the given reduction ('mean' is
 * PyTorch's: MSE over all elements, cross-entropy over samples); dPred, when given, is
 * overwritten with dL/dpred.
 */
export function dagLoss<T extends FloatArray>(loss: LossName, pred: Matrix<T>, targets: DagTargets<T>, reduction: Reduction, dPred: Matrix<T> | null = null): number {
  if (loss === "mse") {
    if (targets instanceof Int32Array) throw new ShapeError("dagLoss(mse)", "regression targets y", "class labels");
    return mseLoss(pred, targets, reduction, dPred);
  }
  if (!(targets instanceof Int32Array)) throw new ShapeError("dagLoss(softmax-cross-entropy)", "class labels", `targets of shape ${targets.shape}`);
  return softmaxCrossEntropyLoss(pred, targets, reduction, dPred);
}
