/**
 * The optimal new neurons (α, ω) of TINY (SPEC §7).
 *
 *   S_growth = Q diag(λ) Qᵀ,  S_growth^{-1/2} = Q_kept diag(λ_kept^{-1/2}) Q_keptᵀ   λ_kept > τ_num (strict)
 *   Π = S_growth^{-1/2} N = U diag(s) Vᵀ     (d0+β1, d2), thin SVD, s descending
 *   keep s_j ≥ min(τ_stat, max s), then at most `maximumAddedNeurons`   → k neurons
 *   α_j = √s_j S_growth^{-1/2} u_j  (rows of α, (k, d0+β1)),   ω_j = √s_j v_j  (columns of ω, (d2, k))
 *
 * Sign rule (golden README): neuron j is flipped jointly (row j of α, column j of ω) so that
 * the entry of largest absolute value of ω[:, j] is positive (first index on ties).
 *
 * Deviation from GroMo (SPEC §13.8, following the paper): GroMo keeps all r neurons with
 * s = 0 when N = 0. Here singular values that are numerically zero —
 * s_j ≤ zeroTolerance · ‖S_growth^{-1/2}‖₂ · referenceScale, referenceScale being the size
 * of N before any cancellation (default ‖N‖_F) — are never kept, so a zero bottleneck
 * adds no neuron. The golden cases are unaffected (their kept s are ≥ 1e-3).
 */
import { NumericalError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import { column, frobeniusNorm, matmul, requireFinite, requireSquare, sliceColumns } from "./linalg.js";

export interface NewNeuronOptions {
  /** τ_num: eigenvalues of S_growth kept if strictly above (default 1e-6). */
  numericalThreshold?: number;
  /** τ_stat: singular values kept if ≥ min(τ_stat, max s) (default 1e-3). */
  statisticalThreshold?: number;
  /** Cap on the number of neurons (default null = no cap). */
  maximumAddedNeurons?: number | null;
  /** Relative size below which a singular value counts as exactly zero (default 1e-10; see the file comment). */
  zeroTolerance?: number;
  /** Size of N before cancellation, for the zero test (default ‖N‖_F). */
  referenceScale?: number;
  /**
   * A significance edge (significance.ts `singularValueEdge`): when given, singular values are
   * kept if strictly above it — possibly none — instead of the τ_stat rule (which always keeps
   * the largest). Default: none (SPEC §7.2).
   */
  significanceEdge?: number;
}

export interface NewNeurons {
  /** Number of neurons kept. */
  k: number;
  /** α (k, d0+β1): new rows of [W1 | b1]; the bias is the last column when layer 1 has one. */
  alpha: Matrix64;
  /** α_w = α[:, :d0], (k, d0). */
  alphaWeight: Matrix64;
  /** α_b = α[:, d0], (k), or null when layer 1 has no bias. */
  alphaBias: Float64Array | null;
  /** ω (d2, k): new columns of W2. */
  omega: Matrix64;
  /** The kept singular values s_1..s_k (GroMo's `eigenvalues_extension`), (k). */
  singularValues: Float64Array;
  /** Every singular value of Π, descending, before any threshold, (min(d0+β1, d2)). */
  allSingularValues: Float64Array;
  /** S_growth^{-1/2} (d0+β1, d0+β1), the pseudo-inverse square root. */
  sGrowthInvSqrt: Matrix64;
  /** Per kept neuron: −1 when the sign rule flipped what the kernel's SVD returned, else 1. */
  signFlips: number[];
}

const DEFAULTS = { numericalThreshold: 1e-6, statisticalThreshold: 1e-3, maximumAddedNeurons: null, zeroTolerance: 1e-10 } as const;

/** True when |a − b| ≤ atol + rtol·|b| for every entry (torch.allclose). */
function allClose(a: Matrix64, b: Matrix64, rtol: number, atol: number): boolean {
  for (let i = 0; i < a.data.length; i++) if (!(Math.abs(a.data[i] - b.data[i]) <= atol + rtol * Math.abs(b.data[i]))) return false;
  return true;
}

/**
 * S^{-1/2} of a symmetric positive semi-definite S (d, d) with a strict numerical
 * threshold (SPEC §7.1, `sqrt_inverse_matrix_semi_positive`): zero on the eigenspace of the
 * eigenvalues ≤ `threshold`. A non-symmetric S (beyond allclose rtol 1e-5, atol 1e-8) is
 * replaced by (S + Sᵀ)/2; if the eigensolver fails, 1e-15·I is added once and it retries.
 * Also returns ‖S^{-1/2}‖₂ (0 when nothing is kept).
 */
export function inverseSquareRootPsd(s: Matrix64, threshold: number, kernels: Kernels): { invSqrt: Matrix64; norm: number } {
  const d = requireSquare("inverseSquareRootPsd", "S_growth", s);
  requireFinite("inverseSquareRootPsd", "S_growth", s);
  if (d === 0) return { invSqrt: zeros64(0, 0), norm: 0 };
  let sym = s;
  const st = new Matrix(d, d, new Float64Array(d * d));
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) st.data[j * d + i] = s.data[i * d + j];
  if (!allClose(s, st, 1e-5, 1e-8)) {
    sym = zeros64(d, d);
    for (let i = 0; i < sym.data.length; i++) sym.data[i] = (s.data[i] + st.data[i]) / 2;
  }
  let eig;
  try {
    eig = kernels.eigh(sym);
  } catch (err) {
    if (!(err instanceof NumericalError)) throw err;
    const shifted = sym.clone();
    for (let i = 0; i < d; i++) shifted.data[i * d + i] += 1e-15;
    eig = kernels.eigh(shifted);
  }
  const { values, vectors } = eig;
  // Q_kept diag(λ^{-1/2}) Q_keptᵀ, built as (Q D) Qᵀ with D zero on the discarded eigenvalues.
  const qd = zeros64(d, d);
  let minKept = Infinity;
  for (let j = 0; j < d; j++) {
    const keep = values[j] > threshold;
    if (keep) minKept = Math.min(minKept, values[j]);
    const f = keep ? 1 / Math.sqrt(values[j]) : 0;
    for (let i = 0; i < d; i++) qd.data[i * d + j] = vectors.data[i * d + j] * f;
  }
  return { invSqrt: matmul(kernels, qd, vectors, { transB: true }), norm: minKept === Infinity ? 0 : 1 / Math.sqrt(minKept) };
}

/** Index of the entry of largest absolute value (first on ties). */
function argMaxAbs(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[best])) best = i;
  return best;
}

/**
 * The optimal new neurons from S_growth (d0+β1, d0+β1) and N (d0+β1, d2) (SPEC §7.1–7.3).
 * @param layer1Bias whether the last row/column of S_growth is layer 1's ones column.
 */
export function computeNewNeurons(sGrowth: Matrix64, n: Matrix64, layer1Bias: boolean, options: NewNeuronOptions, kernels: Kernels): NewNeurons {
  const op = "computeNewNeurons";
  const opts = { ...DEFAULTS, ...options };
  const i0 = requireSquare(op, "S_growth", sGrowth);
  if (n.rows !== i0) throw new ShapeError(op, `N with ${i0} rows (the size of S_growth ${sGrowth.shape})`, `N of shape ${n.shape}`);
  if (layer1Bias && i0 === 0) throw new ShapeError(op, "S_growth of size ≥ 1 (it includes layer 1's ones column)", `S_growth of shape ${sGrowth.shape}`);
  const cap = opts.maximumAddedNeurons;
  if (cap !== null && !(Number.isInteger(cap) && cap >= 0)) throw new ShapeError(op, "maximumAddedNeurons a non-negative integer or null", String(cap));
  requireFinite(op, "N", n);
  const d2 = n.cols;
  const d0 = i0 - (layer1Bias ? 1 : 0);
  const { invSqrt, norm } = inverseSquareRootPsd(sGrowth, opts.numericalThreshold, kernels);
  const r = Math.min(i0, d2);
  const empty = (allS: Float64Array): NewNeurons => ({
    k: 0,
    alpha: zeros64(0, i0),
    alphaWeight: zeros64(0, d0),
    alphaBias: layer1Bias ? new Float64Array(0) : null,
    omega: zeros64(d2, 0),
    singularValues: new Float64Array(0),
    allSingularValues: allS,
    sGrowthInvSqrt: invSqrt,
    signFlips: [],
  });
  if (r === 0) return empty(new Float64Array(0));

  const pi = matmul(kernels, invSqrt, n); // Π = S^{-1/2} N, (i0, d2)
  const { u, s, vt } = kernels.svd(pi); // u (i0, r), s (r), vt (r, d2)
  const allSingularValues = Float64Array.from(s);
  const sMax = s[0];
  const zeroFloor = opts.zeroTolerance * norm * (opts.referenceScale ?? frobeniusNorm(n));
  let k = 0;
  const edge = opts.significanceEdge;
  if (edge === undefined) while (k < r && s[k] >= Math.min(opts.statisticalThreshold, sMax) && s[k] > zeroFloor) k++;
  else while (k < r && s[k] > edge && s[k] > zeroFloor) k++;
  if (cap !== null) k = Math.min(k, cap);
  if (k === 0) return empty(allSingularValues);

  const a = matmul(kernels, invSqrt, sliceColumns(u, 0, k)); // S^{-1/2} U_k, (i0, k)
  const alpha = zeros64(k, i0);
  const omega = zeros64(d2, k);
  const signFlips: number[] = [];
  for (let j = 0; j < k; j++) {
    const root = Math.sqrt(s[j]);
    const v = vt.data.subarray(j * d2, (j + 1) * d2);
    const sign = v[argMaxAbs(Float64Array.from(v))] < 0 ? -1 : 1;
    signFlips.push(sign);
    for (let i = 0; i < i0; i++) alpha.data[j * i0 + i] = sign * root * a.data[i * k + j];
    for (let i = 0; i < d2; i++) omega.data[i * k + j] = sign * root * v[i];
  }
  return {
    k,
    alpha,
    alphaWeight: sliceColumns(alpha, 0, d0),
    alphaBias: layer1Bias ? column(alpha, d0) : null,
    omega,
    singularValues: allSingularValues.slice(0, k),
    allSingularValues,
    sGrowthInvSqrt: invSqrt,
    signFlips,
  };
}
