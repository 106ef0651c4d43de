/**
 * Softmax cross-entropy on logits z (B, C) with integer labels y (B), PyTorch's
 * nn.CrossEntropyLoss semantics:
 *   ℓ_i = log Σ_c exp(z_ic) - z_{i,y_i}
 *   'mean': L = (1/B) Σ_i ℓ_i   (mean over samples)      'sum': L = Σ_i ℓ_i
 *   dL/dz_ic = (softmax(z_i)_c - [c = y_i]) · (1/B for 'mean')
 * Numerically stable: the row maximum is subtracted before exponentiating, so exp never
 * overflows and log Σ exp ≥ 0 after the shift. The loss is accumulated in float64;
 * dLogits, when given, is *overwritten*.
 */
import { ShapeError } from "../../errors.js";
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import type { Reduction } from "./mse.js";

export function softmaxCrossEntropyLoss<T extends FloatArray>(
  logits: Matrix<T>,
  labels: Int32Array,
  reduction: Reduction,
  dLogits: Matrix<T> | null = null,
): number {
  const op = "softmaxCrossEntropyLoss";
  const B = logits.rows;
  const C = logits.cols;
  if (labels.length !== B) throw new ShapeError(op, `labels of length B=${B} for logits ${logits.shape}`, `length ${labels.length}`);
  if (dLogits !== null && (dLogits.rows !== B || dLogits.cols !== C)) {
    throw new ShapeError(op, `dLogits of the shape of logits ${logits.shape}`, `dLogits ${dLogits.shape}`);
  }
  for (let i = 0; i < B; i++) {
    const y = labels[i];
    if (y < 0 || y >= C) throw new ShapeError(op, `labels in [0, ${C}) for logits ${logits.shape}`, `labels[${i}] = ${y}`);
  }
  const z = logits.data;
  const scale = reduction === "mean" ? (B > 0 ? 1 / B : 0) : 1;
  if (expRow.length < C) expRow = new Float64Array(C);
  const e = expRow;
  let total = 0;
  for (let i = 0; i < B; i++) {
    const off = i * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (z[off + c] > max) max = z[off + c];
    // Each exp once (kept in float64 for the gradient below).
    let sumExp = 0;
    for (let c = 0; c < C; c++) {
      const v = Math.exp(z[off + c] - max);
      e[c] = v;
      sumExp += v;
    }
    const logSumExp = Math.log(sumExp);
    total += logSumExp - (z[off + labels[i]] - max);
    if (dLogits !== null) {
      const d = dLogits.data;
      const inv = scale / sumExp;
      for (let c = 0; c < C; c++) d[off + c] = e[c] * inv;
      d[off + labels[i]] -= scale;
    }
  }
  return total * scale;
}

/** exp(z_ic − max) of one row, reused across calls (grows to the widest C seen). */
let expRow = new Float64Array(0);

/** Index of the largest logit per row (first one on ties), into `out` (B). */
export function argmaxRows<T extends FloatArray>(logits: Matrix<T>, out: Int32Array): void {
  const C = logits.cols;
  const z = logits.data;
  for (let i = 0; i < logits.rows; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < C; c++) {
      if (z[i * C + c] > bestValue) {
        bestValue = z[i * C + c];
        best = c;
      }
    }
    out[i] = best;
  }
}
