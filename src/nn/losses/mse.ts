/**
 * Mean squared error between predictions and targets, both (B, O), PyTorch semantics:
 *   'mean': L = (1/(B·O)) Σ (p - t)²   (mean over all elements, nn.MSELoss default)
 *   'sum':  L = Σ (p - t)²
 * The loss is accumulated in float64. dPred, when given, is *overwritten* with dL/dp
 * (a loss starts the backward pass), computed in the same single pass.
 */
import { ShapeError } from "../../errors.js";
import type { FloatArray, Matrix } from "../../tensor/matrix.js";

export type Reduction = "mean" | "sum";

export function mseLoss<T extends FloatArray>(pred: Matrix<T>, target: Matrix<T>, reduction: Reduction, dPred: Matrix<T> | null = null): number {
  if (target.rows !== pred.rows || target.cols !== pred.cols) {
    throw new ShapeError("mseLoss", `target of the shape of pred ${pred.shape}`, `target ${target.shape}`);
  }
  if (dPred !== null && (dPred.rows !== pred.rows || dPred.cols !== pred.cols)) {
    throw new ShapeError("mseLoss", `dPred of the shape of pred ${pred.shape}`, `dPred ${dPred.shape}`);
  }
  const p = pred.data;
  const t = target.data;
  const n = p.length;
  const scale = reduction === "mean" ? (n > 0 ? 1 / n : 0) : 1;
  let sum = 0;
  if (dPred === null) {
    for (let i = 0; i < n; i++) {
      const r = p[i] - t[i];
      sum += r * r;
    }
  } else {
    const d = dPred.data;
    const g = 2 * scale;
    for (let i = 0; i < n; i++) {
      const r = p[i] - t[i];
      sum += r * r;
      d[i] = g * r;
    }
  }
  return sum * scale;
}
