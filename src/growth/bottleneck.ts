/**
 * The projected desired update, the expressivity bottleneck of layer 2 (SPEC §5) and the
 * tensor N (SPEC §6).
 *
 *   V_proj = G − B̃1 δW_rawᵀ                  (n, d2)  gradient sign: V_proj = −v⊥
 *   (1/n)‖V_proj‖_F² = (1/n)‖G‖_F² − D        (Pythagoras in sample space)
 *   N = −M_prev + P δW_rawᵀ = (1/n) X̃ᵀ v⊥     (d0+β1, d2)
 */
import { ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import type { Matrix64 } from "../tensor/matrix.js";
import { augmentWithOnes, frobeniusNorm, linearCombination, matmul, requireFinite, trace } from "./linalg.js";

/**
 * V_proj = G − B̃1 δW_rawᵀ (§5), per sample.
 * @param b1 activity B1 (n, d1); augmented with ones when `layer2Bias`.
 * @param g gradient G (n, d2).
 * @param deltaRaw δW_raw (d2, d1+β2).
 */
export function projectedDesiredUpdate(b1: Matrix64, g: Matrix64, deltaRaw: Matrix64, layer2Bias: boolean, kernels: Kernels): Matrix64 {
  const op = "projectedDesiredUpdate";
  if (g.rows !== b1.rows) throw new ShapeError(op, `G with ${b1.rows} rows (as B1)`, `G of shape ${g.shape}`);
  const i1 = b1.cols + (layer2Bias ? 1 : 0);
  if (deltaRaw.rows !== g.cols || deltaRaw.cols !== i1) throw new ShapeError(op, `δW_raw of shape (${g.cols}, ${i1})`, `δW_raw of shape ${deltaRaw.shape}`);
  const bTilde = augmentWithOnes(b1, layer2Bias);
  return linearCombination(1, g, -1, matmul(kernels, bTilde, deltaRaw, { transB: true }));
}

export interface BottleneckNorms {
  /** ‖V_proj‖_F over the (n, d2) matrix. */
  froNorm: number;
  /** (1/n)‖V_proj‖_F² — the squared expressivity bottleneck per sample. */
  meanSqNorm: number;
  /** (1/n)‖G‖_F² (= tr E). */
  gradientMeanSqNorm: number;
}

/** The norms of §5 from the per-sample V_proj (n, d2) and G (n, d2). */
export function bottleneckNorms(vProj: Matrix64, g: Matrix64): BottleneckNorms {
  if (vProj.rows !== g.rows || vProj.cols !== g.cols) throw new ShapeError("bottleneckNorms", `G of shape ${vProj.shape}`, `G of shape ${g.shape}`);
  const n = vProj.rows;
  if (n === 0) throw new ShapeError("bottleneckNorms", "at least one sample", "V_proj of shape (0, *)");
  const fro = frobeniusNorm(vProj);
  const gFro = frobeniusNorm(g);
  return { froNorm: fro, meanSqNorm: (fro * fro) / n, gradientMeanSqNorm: (gFro * gFro) / n };
}

/**
 * The same norms from the statistics alone (no stored samples), by Pythagoras:
 * (1/n)‖V_proj‖_F² = tr(E) − D, ‖V_proj‖_F = sqrt(n · that). Clamped at 0 against rounding.
 */
export function bottleneckFromStatistics(e: Matrix64, decrease: number, n: number): BottleneckNorms {
  const gradientMeanSqNorm = trace(e);
  const meanSqNorm = Math.max(0, gradientMeanSqNorm - decrease);
  return { froNorm: Math.sqrt(n * meanSqNorm), meanSqNorm, gradientMeanSqNorm };
}

/**
 * N = −M_prev + P δW_rawᵀ (§6), (d0+β1, d2).
 * @param mPrev M_prev (d0+β1, d2). @param p P (d0+β1, d1+β2). @param deltaRaw δW_raw (d2, d1+β2).
 */
export function tensorN(mPrev: Matrix64, p: Matrix64, deltaRaw: Matrix64, kernels: Kernels): Matrix64 {
  const op = "tensorN";
  if (p.rows !== mPrev.rows) throw new ShapeError(op, `P with ${mPrev.rows} rows (as M_prev)`, `P of shape ${p.shape}`);
  if (deltaRaw.rows !== mPrev.cols || deltaRaw.cols !== p.cols) throw new ShapeError(op, `δW_raw of shape (${mPrev.cols}, ${p.cols})`, `δW_raw of shape ${deltaRaw.shape}`);
  requireFinite(op, "M_prev", mPrev);
  requireFinite(op, "P", p);
  return linearCombination(-1, mPrev, 1, matmul(kernels, p, deltaRaw, { transB: true }));
}
