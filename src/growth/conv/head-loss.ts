/**
 * The sum-reduced loss heads of the conv goldens (SPEC-conv-growth §4), float64:
 *   mse_sum     L = Σ_{i,c,h,w} (out − Y)²,  G = 2(out − Y)
 *   ce_gap_sum  z_i = (1/(H W)) Σ_{h,w} out[i, :, h, w] (global average pooling),
 *               L = Σ_i CE(z_i, y_i),  G[i, c, h, w] = (softmax(z_i)_c − [c = y_i]) / (H W)
 * "out" is A2, or X + A2 for the residual block (then ∂L/∂A2 = ∂L/∂out).
 */
import { ShapeError } from "../../errors.js";
import { softmaxCrossEntropyLoss } from "../../nn/losses/softmax-cross-entropy.js";
import { zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { nchw64, type Nchw64 } from "./geometry.js";

export type ConvHeadLoss = "mse_sum" | "ce_gap_sum";
export type ConvTargets = Nchw64 | Int32Array;

/** Global average pooling: (n, C, H, W) → logits (n, C). */
export function globalAveragePool(a: Nchw64): Matrix64 {
  const L = a.h * a.w;
  const out = zeros64(a.n, a.c);
  for (let i = 0; i < a.n * a.c; i++) {
    let s = 0;
    for (let l = 0; l < L; l++) s += a.data[i * L + l];
    out.data[i] = s / L;
  }
  return out;
}

/** L_sum and G = ∂L_sum/∂out (same shape as out). */
export function convHeadLoss(loss: ConvHeadLoss, out: Nchw64, targets: ConvTargets, withGradient: boolean): { lossSum: number; g: Nchw64 | null } {
  if (loss === "mse_sum") {
    if (targets instanceof Int32Array || targets.data.length !== out.data.length) throw new ShapeError("convHeadLoss(mse_sum)", `targets of shape (${out.n}, ${out.c}, ${out.h}, ${out.w})`, targets instanceof Int32Array ? "class indices" : `(${targets.n}, ${targets.c}, ${targets.h}, ${targets.w})`);
    let s = 0;
    const g = withGradient ? nchw64(out.n, out.c, out.h, out.w) : null;
    for (let i = 0; i < out.data.length; i++) {
      const d = out.data[i] - targets.data[i];
      s += d * d;
      if (g) g.data[i] = 2 * d;
    }
    return { lossSum: s, g };
  }
  if (!(targets instanceof Int32Array) || targets.length !== out.n) throw new ShapeError("convHeadLoss(ce_gap_sum)", `${out.n} class indices`, targets instanceof Int32Array ? `${targets.length}` : "a tensor");
  const logits = globalAveragePool(out);
  const gLogits = withGradient ? zeros64(out.n, out.c) : null;
  const lossSum = softmaxCrossEntropyLoss(logits, targets, "sum", gLogits);
  if (!gLogits) return { lossSum, g: null };
  const L = out.h * out.w;
  const g = nchw64(out.n, out.c, out.h, out.w);
  for (let i = 0; i < out.n * out.c; i++) g.data.fill(gLogits.data[i] / L, i * L, (i + 1) * L);
  return { lossSum, g };
}
