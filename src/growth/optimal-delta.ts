/**
 * The optimal update of the existing weights of layer 2, δW* (SPEC §4).
 *
 *   δW_raw = (S⁻¹ M)ᵀ                         (d2, d1+β2), by an LU solve (torch.linalg.solve)
 *   D      = tr(M δW_raw) = tr(Mᵀ S⁻¹ M) ≥ 0  first-order decrease of the per-sample loss
 *
 * δW_raw is the least-squares regression of the gradient G on B̃1, so it is a descent
 * direction when *subtracted*: W2 ← W2 − γ² δW (§9, §10). Its last column is δb when layer
 * 2 has a bias.
 *
 * Fallbacks (documented, §4 steps 3 and 5):
 *  - the LU solve throws NumericalError on an exactly singular S: then δW_raw = (S⁺ M)ᵀ with
 *    the Moore–Penrose pseudo-inverse built from `kernels.eigh` and torch.linalg.pinv's
 *    default cut-off (eigenvalues with |λ| ≤ d·ε·max|λ| are treated as zero). A nearly
 *    singular S does not trigger it (as in GroMo);
 *  - if D < 0 (numerical trouble) the pseudo-inverse is tried, and if D is still negative,
 *    δW_raw := 0 and D := 0.
 * `use_fisher` (not part of TINY) is not implemented.
 *
 * Optional Tikhonov ridge (tinygrow, not GroMo; off by default, so the default is GroMo's
 * computation exactly): with a relative λ > 0 the solve uses
 *
 *   S_μ = S + μ I,   μ = λ · tr(S) / d     (d = d1+β2; tr(S)/d is the mean eigenvalue of S)
 *   δW_raw = (S_μ⁻¹ M)ᵀ = argmin_V (1/n)‖G − B̃1 Vᵀ‖² + μ‖V‖²_F     (ridge regression of G on B̃1)
 *   D      = tr(M δW_raw) = tr(Mᵀ S_μ⁻¹ M) ≥ 0  (still the first-order decrease of −t·δW_raw)
 *
 * In the eigenbasis S = Σ λ_j q_j q_jᵀ the component of δW_rawᵀ on q_j is q_jᵀM / (λ_j + μ).
 * Since |q_jᵀM| ≤ √λ_j · sqrt(tr E) (Cauchy–Schwarz, M = (1/n) B̃1ᵀG), a plain solve can
 * blow a nearly null direction up by 1/√λ_j, whereas with the ridge every component is at most
 * sqrt(tr E)/(2√μ): ‖δW_raw‖_F ≤ sqrt(d · tr E)/(2√μ). Directions with λ_j ≫ μ are untouched.
 * μ scales with S, so the result is invariant to a common rescaling of the features.
 */
import { ConfigError, NumericalError, ShapeError } from "../errors.js";
import type { EighResult, Kernels } from "../kernels/kernels.js";
import { zeros64, type Matrix64 } from "../tensor/matrix.js";
import { column, matmul, requireFinite, requireSquare, sliceColumns, trace, transpose } from "./linalg.js";

export type OptimalDeltaMethod = "solve" | "pseudo-inverse" | "zero";

export interface OptimalDelta {
  /** δW_raw = (S⁻¹M)ᵀ, (d2, d1+β2); the bias is the last column. */
  deltaRaw: Matrix64;
  /** δW = δW_raw[:, :d1], (d2, d1). */
  deltaWeight: Matrix64;
  /** δb = δW_raw[:, d1], (d2), or null when layer 2 has no bias. */
  deltaBias: Float64Array | null;
  /** D = tr(M δW_raw) (SPEC §4 step 4). */
  decrease: number;
  /** How δW_raw was obtained: LU solve, pseudo-inverse fallback, or zeroed by the safety net. */
  method: OptimalDeltaMethod;
  /** The absolute ridge μ = λ·tr(S)/d added to S's diagonal (0 without a ridge). */
  ridge: number;
}

export interface OptimalDeltaOptions {
  /** Relative Tikhonov ridge λ ≥ 0 (file comment): solve with S + λ·(tr S / d)·I. Default 0: GroMo's plain solve. */
  ridge?: number;
  /** S's eigendecomposition for the pseudo-inverse fallback (`eigenOf`, shared with guardOptimalDelta); unused with a ridge (S + μI is another matrix). */
  eigen?: SymmetricEigen;
}

const EPS64 = 2 ** -52;

/**
 * The eigendecomposition S = Q diag(λ) Qᵀ of one S, computed on the first call and kept, so
 * that the pseudo-inverses of S at two cut-offs (computeOptimalDelta's fallback at d·ε, then
 * guardOptimalDelta's at PINV_RCOND; a 785 × 785 eigh on MNIST's input block) share one.
 */
export type SymmetricEigen = () => EighResult<Float64Array>;

export function eigenOf(kernels: Kernels, s: Matrix64): SymmetricEigen {
  let eigen: EighResult<Float64Array> | null = null;
  return () => (eigen ??= kernels.eigh(s));
}

/**
 * S⁺ B for symmetric S (d, d) and B (d, r): S⁺ = Σ_{|λ_j| > rcond·max|λ|} q_j q_jᵀ / λ_j, with
 * rcond = d·ε by default — what torch.linalg.pinv(S) @ B computes (its singular values are the |λ_j|).
 * `eigen`: S's decomposition when the caller already has it (`eigenOf`).
 */
export function pseudoInverseSolve(kernels: Kernels, s: Matrix64, b: Matrix64, rcond?: number, eigen?: SymmetricEigen): Matrix64 {
  const d = requireSquare("pseudoInverseSolve", "S", s);
  if (d === 0 || b.cols === 0) return zeros64(d, b.cols);
  const { values, vectors } = eigen === undefined ? kernels.eigh(s) : eigen(); // S = Q diag(λ) Qᵀ
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const cutoff = (rcond ?? d * EPS64) * maxAbs;
  const qtB = matmul(kernels, vectors, b, { transA: true }); // Qᵀ B, (d, r)
  for (let j = 0; j < d; j++) {
    const inv = Math.abs(values[j]) > cutoff ? 1 / values[j] : 0;
    for (let c = 0; c < b.cols; c++) qtB.data[j * b.cols + c] *= inv;
  }
  return matmul(kernels, vectors, qtB); // Q diag(λ⁺) Qᵀ B
}

function decreaseOf(m: Matrix64, sInvM: Matrix64): number {
  // D = tr(M δW_raw) = Σ_ij M_ij (S⁻¹M)_ij
  let d = 0;
  for (let i = 0; i < m.data.length; i++) d += m.data[i] * sInvM.data[i];
  return d;
}

function isFinite64(m: Matrix64): boolean {
  for (const v of m.data) if (!Number.isFinite(v)) return false;
  return true;
}

/** S + μI, a fresh matrix. */
function addToDiagonal(s: Matrix64, mu: number): Matrix64 {
  const out = s.clone();
  for (let i = 0; i < s.rows; i++) out.data[i * s.cols + i] += mu;
  return out;
}

/**
 * δW* from the statistics S (d1+β2, d1+β2) and M (d1+β2, d2) of SPEC §3.
 * @param layer2Bias whether the last row/column of S is layer 2's ones column.
 * @param options `ridge`: relative Tikhonov λ (file comment); omitted or 0 is GroMo's solve.
 */
export function computeOptimalDelta(sIn: Matrix64, m: Matrix64, layer2Bias: boolean, kernels: Kernels, options: OptimalDeltaOptions = {}): OptimalDelta {
  const op = "computeOptimalDelta";
  const i1 = requireSquare(op, "S", sIn);
  if (m.rows !== i1) throw new ShapeError(op, `M with ${i1} rows (the size of S ${sIn.shape})`, `M of shape ${m.shape}`);
  if (layer2Bias && i1 === 0) throw new ShapeError(op, "S of size ≥ 1 (it includes layer 2's ones column)", `S of shape ${sIn.shape}`);
  requireFinite(op, "S", sIn);
  requireFinite(op, "M", m);
  const lambda = options.ridge ?? 0;
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new ConfigError([{ source: op, path: "ridge", message: `expected a finite number >= 0, got ${lambda}` }]);
  // μ = λ · mean eigenvalue of S; tr(S) ≥ 0 for a Gram matrix (clamped against rounding).
  const mu = lambda > 0 && i1 > 0 ? (lambda * Math.max(0, trace(sIn))) / i1 : 0;
  const s = mu > 0 ? addToDiagonal(sIn, mu) : sIn;
  const eigen = mu === 0 && options.eigen !== undefined ? options.eigen : eigenOf(kernels, s);

  let method: OptimalDeltaMethod = "solve";
  let sInvM: Matrix64;
  if (i1 === 0 || m.cols === 0) {
    sInvM = zeros64(i1, m.cols);
  } else {
    try {
      sInvM = kernels.solve(s, m);
      if (!isFinite64(sInvM)) throw new NumericalError("solve", "non-finite solution");
    } catch (err) {
      if (!(err instanceof NumericalError)) throw err;
      method = "pseudo-inverse";
      sInvM = pseudoInverseSolve(kernels, s, m, undefined, eigen);
    }
  }
  let decrease = decreaseOf(m, sInvM);
  if (decrease < 0 && method === "solve") {
    // Safety net (§4.5): retry with the pseudo-inverse.
    method = "pseudo-inverse";
    sInvM = pseudoInverseSolve(kernels, s, m, undefined, eigen);
    decrease = decreaseOf(m, sInvM);
  }
  if (decrease < 0) {
    method = "zero";
    sInvM = zeros64(i1, m.cols);
    decrease = 0;
  }
  const deltaRaw = transpose(sInvM); // (d2, d1+β2)
  const d1 = i1 - (layer2Bias ? 1 : 0);
  return {
    deltaRaw,
    deltaWeight: sliceColumns(deltaRaw, 0, d1),
    deltaBias: layer2Bias ? column(deltaRaw, d1) : null,
    decrease,
    method,
    ridge: mu,
  };
}

/** Relative eigenvalue cut-off of the pseudo-inverse in `guardOptimalDelta`. */
export const PINV_RCOND = 1e-10;

/** Largest ρ = ‖δW_raw‖_F · tr(S) / ‖M‖_F accepted from a plain solve (`guardOptimalDelta`). */
export const MAX_SOLVE_GROWTH = 1e10;

function frobenius(m: Matrix64): number {
  let s = 0;
  for (const v of m.data) s += v * v;
  return Math.sqrt(s);
}

/**
 * Checks a plain-solve δW* and replaces it by the pseudo-inverse solution when the solve
 * failed silently (tinygrow, not GroMo; dag/statistics.ts uses it for every node, the MLP path
 * with `deltaGuard`). Two checks:
 *  1. (when the gradient energy (1/n)‖G‖² is given) 0 ≤ D ≤ (1/n)‖G‖²: D = tr(Mᵀ S⁻¹ M) is the
 *     squared norm of the projection of the per-sample gradients on span(B̃), so a larger D
 *     means the solve failed (beyond a relative 1e-8);
 *  2. for S ⪰ 0 of size d, ‖S⁻¹M‖_F ≤ ‖M‖_F / λ_min and λ_max ≤ tr S, so
 *     ρ = ‖δW_raw‖_F · tr(S) / ‖M‖_F ≤ d · cond(S); ρ > MAX_SOLVE_GROWTH means the solve
 *     amplified M along directions with λ < tr(S)/1e10 (collinear or duplicated features: huge
 *     opposite weights that cancel in exact arithmetic, not in float32). An ill-conditioned S
 *     whose M has no component along its small eigenvalues passes (the solve is harmless).
 * The fallback is S⁺ with eigenvalues below PINV_RCOND·λ_max cut (the least-norm solution on
 * the well-determined directions), or δW = 0 if even that fails. `warning` is null when the
 * solve passed, else what happened (for logs). `eigen`: S's decomposition, when the caller
 * gave the same one to computeOptimalDelta (after its own pseudo-inverse fallback, the
 * recomputation here then needs no second eigh).
 */
export function guardOptimalDelta(s: Matrix64, m: Matrix64, layer2Bias: boolean, delta: OptimalDelta, kernels: Kernels, gradientMeanSq?: number, eigen?: SymmetricEigen): { delta: OptimalDelta; warning: string | null } {
  if (delta.ridge > 0 || s.rows === 0 || m.cols === 0) return { delta, warning: null };
  const bound = gradientMeanSq === undefined ? Infinity : gradientMeanSq * (1 + 1e-8) + 1e-300;
  const mNorm = frobenius(m);
  const growth = mNorm > 0 ? (frobenius(delta.deltaRaw) * Math.max(0, trace(s))) / mNorm : 0;
  if (delta.method === "solve" && delta.decrease <= bound && growth <= MAX_SOLVE_GROWTH) return { delta, warning: null };
  const reason =
    delta.method !== "solve"
      ? `the LU solve failed (${delta.method} fallback)`
      : delta.decrease > bound
        ? `the solve gave D = ${delta.decrease.toPrecision(4)} > (1/n)‖G‖² = ${(gradientMeanSq as number).toPrecision(4)} (S rank-deficient or ill-conditioned)`
        : `the solve amplified M by ‖δW‖·tr S/‖M‖ = ${growth.toPrecision(3)} > ${MAX_SOLVE_GROWTH} (S rank-deficient: collinear features)`;
  const sInvM = pseudoInverseSolve(kernels, s, m, PINV_RCOND, eigen);
  const decrease = decreaseOf(m, sInvM);
  const ok = isFinite64(sInvM) && Number.isFinite(decrease) && decrease >= 0;
  const deltaRaw = ok ? transpose(sInvM) : zeros64(m.cols, m.rows);
  const d1 = s.rows - (layer2Bias ? 1 : 0);
  const fixed: OptimalDelta = {
    deltaRaw,
    deltaWeight: sliceColumns(deltaRaw, 0, d1),
    deltaBias: layer2Bias ? column(deltaRaw, d1) : null,
    decrease: ok ? Math.min(decrease, gradientMeanSq ?? decrease) : 0,
    method: ok ? "pseudo-inverse" : "zero",
    ridge: 0,
  };
  return { delta: fixed, warning: `${reason}; δW by ${ok ? `pseudo-inverse (eigenvalues below ${PINV_RCOND}·λ_max cut)` : "nothing (zeroed)"}` };
}
