/**
 * The sum-reduced losses the statistics are accumulated with (SPEC §2), in float64, over
 * the nn loss functions: "mse_sum" L = Σ (a − y)², G = 2(a − y); "cross_entropy_sum"
 * L = Σ_i (log Σ_c e^{a_ic} − a_{i,y_i}), G = softmax(a) − onehot(y).
 */
import { ShapeError } from "../errors.js";
import { mseLoss } from "../nn/losses/mse.js";
import { softmaxCrossEntropyLoss } from "../nn/losses/softmax-cross-entropy.js";
import { zeros64, type Matrix64 } from "../tensor/matrix.js";

export type GrowthLoss = "mse_sum" | "cross_entropy_sum";

/** Regression targets Y (n, d2) for "mse_sum", class indices (n) for "cross_entropy_sum". */
export type GrowthTargets = Matrix64 | Int32Array;

export interface LossAndGradient {
  /** L_sum over the n samples. */
  lossSum: number;
  /** G = ∂L_sum/∂A2, (n, d2): the per-sample gradient. */
  g: Matrix64;
}

/** L_sum and G for outputs A2 (n, d2). */
export function lossSumAndGradient(loss: GrowthLoss, a2: Matrix64, targets: GrowthTargets): LossAndGradient {
  const g = zeros64(a2.rows, a2.cols);
  return { lossSum: lossSumInto(loss, a2, targets, g), g };
}

/** L_sum alone (the line-search objective is L_sum / n). */
export function lossSum(loss: GrowthLoss, a2: Matrix64, targets: GrowthTargets): number {
  return lossSumInto(loss, a2, targets, null);
}

function lossSumInto(loss: GrowthLoss, a2: Matrix64, targets: GrowthTargets, g: Matrix64 | null): number {
  if (loss === "mse_sum") {
    if (targets instanceof Int32Array) throw new ShapeError("lossSum(mse_sum)", `targets Y of shape ${a2.shape}`, `class indices of length ${targets.length}`);
    return mseLoss(a2, targets, "sum", g);
  }
  if (!(targets instanceof Int32Array)) throw new ShapeError("lossSum(cross_entropy_sum)", `class indices of length ${a2.rows}`, `a matrix of shape ${targets.shape}`);
  return softmaxCrossEntropyLoss(a2, targets, "sum", g);
}
