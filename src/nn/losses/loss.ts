/**
 * A loss as the training loop uses it: which function and which reduction, applied to a
 * mini-batch whose targets are values (MSE) or class labels (softmax cross-entropy).
 */
import { ShapeError } from "../../errors.js";
import type { Batch } from "../../data/batches.js";
import type { Matrix32 } from "../../tensor/matrix.js";
import { mseLoss, type Reduction } from "./mse.js";
import { softmaxCrossEntropyLoss } from "./softmax-cross-entropy.js";

export type LossName = "mse" | "softmax-cross-entropy";

export interface LossSpec {
  name: LossName;
  reduction: Reduction;
}

/** Loss of `pred` (B, O) on the batch's targets; dPred (B, O), when given, is overwritten with dL/dpred. */
export function batchLoss(loss: LossSpec, pred: Matrix32, batch: Batch, dPred: Matrix32 | null): number {
  if (loss.name === "mse") {
    if (batch.y === null) throw new ShapeError("batchLoss(mse)", "a dataset with targets y", "a dataset with class labels");
    return mseLoss(pred, batch.y, loss.reduction, dPred);
  }
  if (batch.labels === null) throw new ShapeError("batchLoss(softmax-cross-entropy)", "a dataset with class labels", "a dataset with targets y");
  return softmaxCrossEntropyLoss(pred, batch.labels, loss.reduction, dPred);
}
