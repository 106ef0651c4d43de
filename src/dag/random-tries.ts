/**
 * New neurons by "random tries, in a principled manner" (TINY slides, extension to graph
 * growth): forward selection of k neurons among a pool of R candidate neurons by the exact
 * least-squares decrease of the bottleneck, on train-opt.
 *
 * Why. TINY linearises the new neurons at 0: the block γ σ(γ X̃αᵀ) ωᵀ ≈ γ² σ'(0) X̃ αᵀωᵀ. When
 * the target t already receives the same sources (a new node parallel to an existing edge,
 * e.g. in→w→out beside in→out), V_t is orthogonal to span(X̃) and TINY's N = −X̃ᵀV_t/n is 0;
 * and rank(N) ≤ size_t, so a 1-D output gives at most one TINY neuron. The linearisation is
 * what fails, not the idea: the nonlinear activity σ(X̃α) does have a component outside
 * span(𝓑_t), and that component is what we fit.
 *
 * Math (all over train-opt, n samples, float64). Per candidate neuron j of the pool (rows α_j):
 *
 *   h_j = σ(X̃ α_jᵀ)  (n),   H = [h_1 … h_R]  (n, R)
 *   for each target t with in-edge activities 𝓑_t (n, |𝓑_t|), S_t = 𝓑_tᵀ𝓑_t/n:
 *     P_t = S_t⁺ 𝓑_tᵀ H / n           (|𝓑_t|, R)  coefficients of H on span(𝓑_t)
 *     H⊥  = H − 𝓑_t P_t               the part the existing in-edges cannot produce
 *     G_t = H⊥ᵀH⊥/n = HᵀH/n − (𝓑_tᵀH/n)ᵀ P_t          (R, R)
 *     c_t = H⊥ᵀV_t/n                                   (R, size_t)
 *   a subset K of the pool lowers the linearised loss by Σ_t tr(c_t[K]ᵀ G_t[K,K]⁻¹ c_t[K]),
 *   the TINY decrease tr(Nᵀ S⁻¹ N) with the exact activities in place of the linearised ones.
 *
 * Greedy forward selection (orthogonal matching pursuit on the Gram matrices): k times, add
 * the neuron with the largest marginal decrease Σ_t ‖b_tj‖² / q_tj, where q_tj and b_tj are the
 * squared norm and the residual correlation of h_j after projecting out span(𝓑_t) and the
 * neurons already chosen (a Gram–Schmidt step on G_t). A neuron whose projected norm is below
 * `MIN_RESIDUAL` of its own norm is never chosen (it would need a huge ω).
 * Then ω by least squares on the residual (desired-update sign, −V):
 *   ω_tᵀ = −G_t[K,K]⁻¹ c_t[K]   (k, size_t)
 * and, because the new block H ωᵀ also has a component 𝓑_t P_t ωᵀ that the existing in-edges
 * already give, their TINY update is corrected by it: δW_t ← δW_t + ω_t P_t[:,K]ᵀ (`deltaAdjust`),
 * so that the move of z_t is exactly −γ²(𝓑_tδW_tᵀ) + γ² H⊥ ω_tᵀ.
 *
 * The amplitude is only outside the activation (γ² ω σ(X̃αᵀ)): α is at its natural scale, not
 * a small-γ linearisation, so γ must not rescale it (this also keeps the grown weights at the
 * scale SGD handles; see `NeuronProposal.amplitude`).
 *
 * The pool: TINY's directions (each rescaled to unit RMS pre-activation) and R random neurons,
 * LeCun-normal directions standardised on train-opt (zero-mean unit-variance projection, from
 * the statistics' second moment of X̃) plus
 * an N(0, 1) offset that puts the activation's kink at a random quantile of the data. The Rng
 * is seeded per (step seed, candidate index), so workers and the main thread agree.
 */
import type { Kernels } from "../kernels/kernels.js";
import { activationForward, type ActivationName } from "../nn/layers/activation.js";
import { pseudoInverseSolve } from "../growth/optimal-delta.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";

/** Per-sample data of one target node t on train-opt. */
export interface TargetSamples {
  /** 𝓑_t (n, |𝓑_t|): activities of t's in-edge sources (+ ones), or null to project nothing. */
  basis: Matrix64 | null;
  /** S_t = 𝓑_tᵀ𝓑_t/n (|𝓑_t|, |𝓑_t|), with `basis`. */
  basisMoment: Matrix64 | null;
  /** V_t = G_t − 𝓑_t δW_tᵀ (n, size_t), gradient sign. */
  v: Matrix64;
}

/** Per-sample data of a neuron candidate on train-opt. */
export interface NeuronSamples {
  /** X̃ (n, Σ source sizes [+ 1]): the new neurons' inputs. */
  x: Matrix64;
  /** X̃ᵀX̃/n (X̃ cols, X̃ cols): the statistics' block of X̃'s columns. */
  xMoment: Matrix64;
  withOnes: boolean;
  targets: TargetSamples[];
}

export interface SelectedNeurons {
  /** Neurons chosen (≤ k). */
  k: number;
  /** α (k, X̃ cols). */
  alpha: Matrix64;
  /** ω (Σ size_t, k), targets' row blocks in order. */
  omega: Matrix64;
  /** Per target: the correction ω_t P_tᵀ of its δW (size_t, |𝓑_t|), or null. */
  deltaAdjust: (Matrix64 | null)[];
  /** Σ_t tr(c_tᵀ G_t⁻¹ c_t) over the chosen neurons: the linearised per-sample decrease at γ² = 1. */
  gain: number;
}

/** Smallest fraction of ‖h_j‖² that must remain after the projections for j to be chosen. */
const MIN_RESIDUAL = 1e-3;

/** Standard deviation of the random neurons' offsets (in units of their pre-activation spread). */
const OFFSET_STD = 1;

/** alpha · op(A) · op(B) (float64), tolerating empty dimensions. */
function product(kernels: Kernels, a: Matrix64, b: Matrix64, options: { transA?: boolean; transB?: boolean; alpha?: number } = {}): Matrix64 {
  const m = options.transA ? a.cols : a.rows;
  const inner = options.transA ? a.rows : a.cols;
  const n = options.transB ? b.rows : b.cols;
  const c = zeros64(m, n);
  if (m > 0 && n > 0 && inner > 0) kernels.gemm(a, b, c, { transA: options.transA ?? false, transB: options.transB ?? false, alpha: options.alpha ?? 1 });
  return c;
}

/** C += alpha · op(A) · op(B), tolerating empty dimensions. */
function addProduct(kernels: Kernels, a: Matrix64, b: Matrix64, c: Matrix64, options: { transA?: boolean; transB?: boolean; alpha?: number }): void {
  const inner = options.transA ? a.rows : a.cols;
  if (c.rows > 0 && c.cols > 0 && inner > 0) kernels.gemm(a, b, c, { transA: options.transA ?? false, transB: options.transB ?? false, alpha: options.alpha ?? 1, beta: 1 });
}

/**
 * Rows per block of the sample loops. The pre-activations X̃αᵀ of a pool (n, R) are never
 * held whole, only one block of rows at a time (on MNIST n × R = 20,000 × 512 float64 is
 * 82 MB per candidate, and a pool's workers each evaluate one): every statistic of them is a
 * sum over samples, accumulated block by block in sample order.
 */
export const SAMPLE_ROW_BLOCK = 2048;

/** Rows [r0, r1) of m, sharing storage. */
function rowBlock(m: Matrix64, r0: number, r1: number): Matrix64 {
  return new Matrix(r1 - r0, m.cols, m.data.subarray(r0 * m.cols, r1 * m.cols));
}

/** Calls `f(X̃[r0:r1] αᵀ, r0, r1)` for consecutive row blocks of X̃ (the block's buffer is reused: read it inside `f`). */
function forEachPreActivationBlock(x: Matrix64, alpha: Matrix64, kernels: Kernels, f: (pre: Matrix64, r0: number, r1: number) => void): void {
  const n = x.rows;
  if (n === 0) return;
  const buffer = zeros64(Math.min(SAMPLE_ROW_BLOCK, n), alpha.rows);
  for (let r0 = 0; r0 < n; r0 += SAMPLE_ROW_BLOCK) {
    const r1 = Math.min(n, r0 + SAMPLE_ROW_BLOCK);
    const pre = r1 - r0 === buffer.rows ? buffer : buffer.topRows(r1 - r0);
    if (alpha.rows > 0 && x.cols > 0) kernels.gemm(rowBlock(x, r0, r1), alpha, pre, { transB: true });
    else pre.data.fill(0);
    f(pre, r0, r1);
  }
}

/**
 * Per row j of α: the mean and the mean square over the samples of the pre-activation
 * X̃α_jᵀ, from X̃'s second moment C = X̃ᵀX̃/n alone, without a pass over the samples (on MNIST
 * that pass is 2·n·785·R flops per candidate): the mean square is α_j C α_jᵀ and, when X̃ ends
 * with the ones column, the mean is (α_j C)[ones] (C's ones row holds the column means).
 */
function preActivationMoments(xMoment: Matrix64, alpha: Matrix64, withOnes: boolean, kernels: Kernels): { mean: Float64Array; meanSq: Float64Array } {
  const { rows, cols } = alpha;
  const ac = product(kernels, alpha, xMoment); // α C (R, cols)
  const mean = new Float64Array(rows);
  const meanSq = new Float64Array(rows);
  for (let j = 0; j < rows; j++) {
    let sq = 0;
    for (let i = 0; i < cols; i++) sq += ac.data[j * cols + i] * alpha.data[j * cols + i];
    meanSq[j] = Math.max(0, sq);
    if (withOnes) mean[j] = ac.data[j * cols + cols - 1];
  }
  return { mean, meanSq };
}

/**
 * R random neurons (R, X̃ cols): w ~ N(0, 1/fan-in) on the source columns, then
 * α = [w / s | −m / s + β] with m, s the mean and standard deviation of X w over train-opt and
 * β ~ N(0, 1); without a ones column only the scaling (RMS instead of s).
 */
export function randomPool(xMoment: Matrix64, withOnes: boolean, count: number, rng: Rng, kernels: Kernels): Matrix64 {
  const cols = xMoment.cols;
  const fanIn = Math.max(1, cols - (withOnes ? 1 : 0));
  const alpha = zeros64(count, cols);
  for (let j = 0; j < count; j++) for (let i = 0; i < fanIn; i++) alpha.data[j * cols + i] = rng.normal() / Math.sqrt(fanIn);
  const offsets = Float64Array.from({ length: count }, () => (withOnes ? OFFSET_STD * rng.normal() : 0));
  const { mean, meanSq } = preActivationMoments(xMoment, alpha, withOnes, kernels);
  for (let j = 0; j < count; j++) {
    const m = mean[j];
    const spread = withOnes ? Math.sqrt(Math.max(0, meanSq[j] - m * m)) : Math.sqrt(meanSq[j]);
    const s = spread > 1e-12 ? spread : 1;
    for (let i = 0; i < fanIn; i++) alpha.data[j * cols + i] /= s;
    if (withOnes) alpha.data[j * cols + cols - 1] = -m / s + offsets[j];
  }
  return alpha;
}

/** α with every row rescaled to unit RMS pre-activation over X̃ (C = X̃ᵀX̃/n; rows with zero activity are dropped). */
export function unitScaleRows(xMoment: Matrix64, alpha: Matrix64, kernels: Kernels): Matrix64 {
  if (alpha.rows === 0) return alpha;
  const { meanSq } = preActivationMoments(xMoment, alpha, false, kernels);
  const keep: number[] = [];
  const scales: number[] = [];
  for (let j = 0; j < alpha.rows; j++) {
    const rms = Math.sqrt(meanSq[j]);
    if (rms > 1e-12 && Number.isFinite(rms)) {
      keep.push(j);
      scales.push(1 / rms);
    }
  }
  const out = zeros64(keep.length, alpha.cols);
  keep.forEach((j, i) => {
    for (let c = 0; c < alpha.cols; c++) out.data[i * alpha.cols + c] = alpha.data[j * alpha.cols + c] * scales[i];
  });
  return out;
}

/** Rows `rows` of m (a copy). */
function pickRows(m: Matrix64, rows: readonly number[]): Matrix64 {
  const out = zeros64(rows.length, m.cols);
  rows.forEach((r, i) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return out;
}

interface TargetGram {
  /** G_t (R, R). */
  g: Matrix64;
  /** c_t (R, size_t). */
  c: Matrix64;
  /** P_t (|𝓑_t|, R), or null. */
  p: Matrix64 | null;
}

/**
 * G_t, c_t and P_t of every target for the pool's activities H = σ(X̃ poolᵀ) (file comment),
 * and the norms diag(HᵀH/n). HᵀH/n, HᵀV_t/n and 𝓑_tᵀH/n are sums over the samples,
 * accumulated over row blocks of H (`forEachPreActivationBlock`), so H is never held whole.
 */
function poolGrams(data: NeuronSamples, pool: Matrix64, activation: ActivationName, kernels: Kernels): { grams: TargetGram[]; norms: Float64Array } {
  const n = data.x.rows;
  const R = pool.rows;
  const hth = zeros64(R, R);
  const projects = (t: TargetSamples): t is TargetSamples & { basis: Matrix64; basisMoment: Matrix64 } => t.basis !== null && t.basisMoment !== null && t.basis.cols > 0;
  const sums = data.targets.map((t) => ({ c: zeros64(R, t.v.cols), bh: projects(t) ? zeros64(t.basis.cols, R) : null }));
  forEachPreActivationBlock(data.x, pool, kernels, (h, r0, r1) => {
    activationForward(activation, h, h);
    addProduct(kernels, h, h, hth, { transA: true, alpha: 1 / n }); // HᵀH/n
    data.targets.forEach((t, i) => {
      addProduct(kernels, h, rowBlock(t.v, r0, r1), sums[i].c, { transA: true, alpha: 1 / n }); // HᵀV/n
      const bh = sums[i].bh;
      if (bh !== null) addProduct(kernels, rowBlock(t.basis as Matrix64, r0, r1), h, bh, { transA: true, alpha: 1 / n }); // 𝓑ᵀH/n (|𝓑|, R)
    });
  });
  const grams = data.targets.map((t, i): TargetGram => {
    const { c, bh } = sums[i];
    if (bh === null || !projects(t)) return { g: hth, c, p: null };
    const p = pseudoInverseSolve(kernels, t.basisMoment, bh); // S⁺ 𝓑ᵀH/n
    const g = hth.clone();
    addProduct(kernels, bh, p, g, { transA: true, alpha: -1 }); // HᵀH/n − (𝓑ᵀH/n)ᵀ P
    const bv = product(kernels, t.basis, t.v, { transA: true, alpha: 1 / n }); // 𝓑ᵀV/n (≈ 0 by construction of δW)
    addProduct(kernels, p, bv, c, { transA: true, alpha: -1 }); // H⊥ᵀV/n = HᵀV/n − Pᵀ 𝓑ᵀV/n
    return { g, c, p };
  });
  return { grams, norms: Float64Array.from({ length: R }, (_, j) => hth.data[j * R + j]) };
}

/** Greedy forward selection of at most k pool indices whose gain exceeds `minGain` (see the file comment). */
function forwardSelect(grams: TargetGram[], norms: Float64Array, k: number, minGain: number): number[] {
  const R = norms.length;
  const q = grams.map((t) => Float64Array.from({ length: R }, (_, j) => t.g.data[j * R + j]));
  const b = grams.map((t) => t.c.clone());
  const basis: Float64Array[][] = grams.map(() => []); // per target, the Gram–Schmidt coefficient rows
  const chosen: number[] = [];
  const taken = new Uint8Array(R);
  for (let step = 0; step < k; step++) {
    let best = -1;
    let bestGain = 0;
    for (let j = 0; j < R; j++) {
      if (taken[j]) continue;
      let gain = 0;
      let ok = true;
      for (let t = 0; t < grams.length && ok; t++) {
        const qj = q[t][j];
        if (!(qj > MIN_RESIDUAL * norms[j])) ok = false;
        else {
          const d = b[t].cols;
          let s = 0;
          for (let o = 0; o < d; o++) s += b[t].data[j * d + o] ** 2;
          gain += s / qj;
        }
      }
      if (ok && gain > bestGain) {
        best = j;
        bestGain = gain;
      }
    }
    if (best < 0 || !(bestGain > minGain)) break;
    chosen.push(best);
    taken[best] = 1;
    grams.forEach((t, ti) => {
      const sq = Math.sqrt(q[ti][best]);
      const row = new Float64Array(R);
      for (let j = 0; j < R; j++) {
        let v = t.g.data[best * R + j];
        for (const prev of basis[ti]) v -= prev[best] * prev[j];
        row[j] = v / sq;
      }
      basis[ti].push(row);
      const d = b[ti].cols;
      const ev = Float64Array.from({ length: d }, (_, o) => b[ti].data[best * d + o] / sq);
      for (let j = 0; j < R; j++) {
        q[ti][j] -= row[j] * row[j];
        for (let o = 0; o < d; o++) b[ti].data[j * d + o] -= row[j] * ev[o];
      }
    });
  }
  return chosen;
}

/**
 * The k best neurons of `pool` (R, X̃ cols) for the candidate's targets, their ω and the δW
 * corrections (see the file comment). Fewer than k when the pool has fewer usable neurons, or
 * when the next neuron's gain is not above `minGain` (the significance edge of
 * growth/significance.ts `selectionGainEdge`; default 0).
 */
export function selectNeurons(data: NeuronSamples, pool: Matrix64, k: number, activation: ActivationName, kernels: Kernels, minGain = 0): SelectedNeurons {
  const R = pool.rows;
  const { grams, norms } = poolGrams(data, pool, activation, kernels);
  const chosen = forwardSelect(grams, norms, Math.min(k, R), minGain);
  const K = chosen.length;
  const totalRows = data.targets.reduce((s, t) => s + t.v.cols, 0);
  const omega = zeros64(totalRows, K);
  const deltaAdjust: (Matrix64 | null)[] = [];
  let gain = 0;
  let row0 = 0;
  grams.forEach((t, ti) => {
    const d = data.targets[ti].v.cols;
    if (K === 0) {
      deltaAdjust.push(null);
      return;
    }
    const gK = zeros64(K, K);
    const cK = zeros64(K, d);
    for (let a = 0; a < K; a++) {
      for (let bb = 0; bb < K; bb++) gK.data[a * K + bb] = t.g.data[chosen[a] * R + chosen[bb]];
      for (let o = 0; o < d; o++) cK.data[a * d + o] = t.c.data[chosen[a] * d + o];
    }
    const w = kernels.solve(gK, cK); // G⁻¹ c (K, d); well conditioned: every chosen neuron kept ≥ MIN_RESIDUAL of its norm
    for (let i = 0; i < w.data.length; i++) gain += w.data[i] * cK.data[i];
    for (let o = 0; o < d; o++) for (let a = 0; a < K; a++) omega.data[(row0 + o) * K + a] = -w.data[a * d + o];
    if (t.p === null) deltaAdjust.push(null);
    else {
      const pK = zeros64(t.p.rows, K);
      for (let r = 0; r < t.p.rows; r++) for (let a = 0; a < K; a++) pK.data[r * K + a] = t.p.data[r * R + chosen[a]];
      const omegaT = new Matrix(d, K, omega.data.slice(row0 * K, (row0 + d) * K));
      deltaAdjust.push(product(kernels, omegaT, pK, { transB: true })); // ω_t P_tᵀ (size_t, |𝓑_t|)
    }
    row0 += d;
  });
  return { k: K, alpha: pickRows(pool, chosen), omega, deltaAdjust, gain };
}

/** (1/n)‖[V_t1 | …]‖²_F and Σ widths of the targets' residuals on train-opt (for the significance edge). */
export function residualShape(data: NeuronSamples): { n: number; outputs: number; residualMeanSq: number } {
  let sq = 0;
  let outputs = 0;
  for (const t of data.targets) {
    for (const v of t.v.data) sq += v * v;
    outputs += t.v.cols;
  }
  return { n: data.x.rows, outputs, residualMeanSq: sq / Math.max(1, data.x.rows) };
}
