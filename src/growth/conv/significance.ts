/**
 * How many new channels the data supports in a conv pair: a sign-flip randomisation test with
 * the IMAGES as the independent units (docs/significance.md, "Convolutions: images as units").
 * The patches of one image overlap and its residual is correlated across positions (and, for
 * Full, across conv2's taps), so the Marchenko–Pastur edge with n·L2 "samples" would be
 * anti-conservative; flipping whole images is valid whatever the correlation inside an image.
 *
 *   N = −(1/n) Σ_i T_i V_iᵀ    image i's taps T_i (R, L2), residual after δW* V_i (C2, L2)
 *   Π_b = S_growth^{-1/2} (−(1/n)) √(n/(n−i1)) Σ_i ε_{b,i} T⊥_i V_iᵀ,   ε_b ∈ {±1}ⁿ uniform, b = 1..B (seeded)
 *   τ = the ⌈(1−p)(B+1)⌉-th smallest of {s_1(Π)} ∪ {s_1(Π_b)}; keep the channels with s_j > τ
 *
 * T⊥_i = T_i − P S⁻¹ Ũ2_i: the taps residualised on δW*'s inputs (class comment). Without δW*
 * and under H₀ (given the inputs, the per-image residuals are independent and symmetric) the
 * B + 1 values are exchangeable, so P(s_1(Π) > τ) ≤ p at every n (a Monte-Carlo test;
 * p·(B+1) ≥ 1); with δW* the √(n/(n−i1)) leverage factor makes that approximate (tested).
 * Cost: the per-image products T_i V_iᵀ and Ũ2_i V_iᵀ (the residual pass's flops once more),
 * P = Σ T Ũ2ᵀ, one gemm (B+1, c)·(c, (R+i1)·C2) per chunk of c images, then one solve, one
 * gemm and B + 1 SVDs; memory (B+1)(R+i1)·C2 + R·i1 doubles.
 */
import { ConfigError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import { Matrix, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { matmul } from "../linalg.js";
import { inverseSquareRootPsd } from "../new-neurons.js";
import { computeOptimalDelta } from "../optimal-delta.js";
import { ConvResidualAccumulator, tapRowsToColumns, type ConvPairBatch, type ConvPairShape, type ConvPairStatistics } from "./statistics.js";

export const CONV_SIGNIFICANCE_RULES = ["threshold", "sign-flip"] as const;

/** "threshold": τ_stat (SPEC §7.2, the golden path); "sign-flip": the test above. */
export type ConvSignificanceRule = (typeof CONV_SIGNIFICANCE_RULES)[number];

export interface ConvSignificance {
  rule: ConvSignificanceRule;
  /** p ∈ (0, 1): the probability that pure noise adds a channel. */
  level: number;
  /** B, the random sign vectors (p·(B+1) ≥ 1). */
  flips: number;
  /** Seed of the sign vectors. */
  seed: number;
}

export const DEFAULT_SIGN_FLIPS = 99;

/** Why grow-cnn has no "marchenko-pastur" (shown when a user asks for it). */
export const CONV_MARCHENKO_PASTUR_MESSAGE =
  'the Marchenko–Pastur edge assumes independent samples, but the positions of one image are correlated (it would keep channels on pure noise); use "sign-flip", the images-as-units rule (docs/significance.md)';

/** ConfigError naming `path` unless p ∈ (0, 1), B a positive integer and p·(B+1) ≥ 1. */
export function checkConvSignificance(s: ConvSignificance, path = "growth"): void {
  const issues = [];
  if (!(CONV_SIGNIFICANCE_RULES as readonly string[]).includes(s.rule)) {
    const why = (s.rule as string) === "marchenko-pastur" ? CONV_MARCHENKO_PASTUR_MESSAGE : `expected one of ${CONV_SIGNIFICANCE_RULES.join(", ")}`;
    issues.push({ source: "growth options", path: `${path}.significance`, message: `${why}, got "${String(s.rule)}"` });
  }
  if (!(s.level > 0 && s.level < 1)) issues.push({ source: "growth options", path: `${path}.significanceLevel`, message: `expected a probability in (0, 1), got ${String(s.level)}` });
  else if (!(Number.isInteger(s.flips) && s.flips >= 1)) issues.push({ source: "growth options", path: `${path}.significanceFlips`, message: `expected a positive integer, got ${String(s.flips)}` });
  else if (s.level * (s.flips + 1) < 1) issues.push({ source: "growth options", path: `${path}.significanceFlips`, message: `level ${s.level} needs at least ${Math.ceil(1 / s.level) - 1} sign flips (p·(B+1) ≥ 1), got ${s.flips}` });
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Images per gemm of the sign vectors with the per-image contributions. */
const CHUNK = 32;

/**
 * The residual pass of ConvResidualAccumulator with, in addition, B sign-flipped sums of the
 * per-image contributions. Image i's signs are drawn when it arrives (B draws per image, in the
 * order of the images), so they do not depend on how the images are batched.
 *
 * The flips use T⊥_i = T_i − P S⁻¹ Ũ2_i, the part of the taps δW*'s inputs cannot predict
 * (Frisch–Waugh–Lovell): Σ_i T_i V_iᵀ = Σ_i T⊥_i V_iᵀ because Σ_i Ũ2_i V_iᵀ = 0 (δW*'s normal
 * equations), but the flipped sums would otherwise bring back the predictable part, which the
 * projection removed from the data, and inflate τ. So the accumulator also keeps P = Σ T Ũ2ᵀ
 * and the flipped sums of W_i = Ũ2_i V_iᵀ: Σ ε_i T⊥_i V_iᵀ = Σ ε_i T_i V_iᵀ − P S⁻¹ Σ ε_i W_i.
 */
export class SignFlipResidualAccumulator {
  private readonly residual: ConvResidualAccumulator;
  /** (B+1, R·C2 + i1·C2): row 0 Σ_i [N_i | W_i], row b Σ_i ε_{b,i} [N_i | W_i] (N_i = T_i V_iᵀ). */
  private readonly sums: Matrix64;
  /** Σ_i T_i Ũ2_iᵀ (R, i1), when there is a δW*. */
  private readonly cross: Matrix64 | null;
  private readonly rng: Rng;
  private images = 0;
  private readonly R: number;

  constructor(
    readonly shape: ConvPairShape,
    deltaWeight: Matrix64,
    deltaBias: Float64Array | null,
    readonly flips: number,
    seed: number,
  ) {
    this.residual = new ConvResidualAccumulator(shape, deltaWeight, deltaBias);
    const d = this.residual.dims;
    this.R = shape.variant === "full" ? d.i0 * d.K2 : d.i0;
    const projected = deltaWeight.cols > 0 || deltaBias !== null;
    this.cross = projected ? zeros64(this.R, d.i1) : null;
    this.sums = zeros64(flips + 1, (this.R + (projected ? d.i1 : 0)) * shape.outChannels);
    this.rng = new Rng(seed);
  }

  update(batch: ConvPairBatch, kernels: Kernels): void {
    const { t, v, u2 } = this.residual.columns(batch, kernels);
    const n = batch.x.n;
    const L2 = this.residual.dims.L2;
    const { R } = this;
    const C2 = v.rows;
    const i1 = this.cross === null ? 0 : this.cross.cols;
    if (this.cross !== null && u2 !== null) kernels.gemm(t, u2, this.cross, { transB: true, beta: 1 });
    // (F, n·L2) → (n, F, L2): image i's T_i, V_i, Ũ2_i contiguous.
    const perImage = (m: Matrix64): Float64Array => {
      const out = new Float64Array(m.data.length);
      kernels.transposeBlocks(m.data, m.rows, n, L2, out);
      return out;
    };
    const ti = perImage(t);
    const vi = perImage(v);
    const ui = u2 !== null && i1 > 0 ? perImage(u2) : null;
    const entries = this.sums.cols;
    const view = (data: Float64Array, i: number, rows: number): Matrix64 => new Matrix(rows, L2, data.subarray(i * rows * L2, (i + 1) * rows * L2));
    for (let start = 0; start < n; start += CHUNK) {
      const c = Math.min(CHUNK, n - start);
      const contributions = zeros64(c, entries); // row j: [N_i | W_i] flattened, i = start + j
      const signs = zeros64(this.flips + 1, c);
      for (let j = 0; j < c; j++) {
        const i = start + j;
        const row = contributions.data.subarray(j * entries, (j + 1) * entries);
        kernels.gemm(view(ti, i, R), view(vi, i, C2), new Matrix(R, C2, row.subarray(0, R * C2)), { transB: true });
        if (ui !== null) kernels.gemm(view(ui, i, i1), view(vi, i, C2), new Matrix(i1, C2, row.subarray(R * C2)), { transB: true });
        signs.data[j] = 1;
        for (let b = 1; b <= this.flips; b++) signs.data[b * c + j] = this.rng.uniform() < 0.5 ? -1 : 1;
      }
      kernels.gemm(signs, contributions, this.sums, { beta: 1 });
    }
    this.images += n;
  }

  /** −(1/n)·m in N's layout (convGrowthFromN): Full's tap rows as columns. */
  private layout(m: Matrix64): Matrix64 {
    const inv = -1 / Math.max(1, this.images);
    for (let i = 0; i < m.data.length; i++) m.data[i] *= inv;
    return this.shape.variant === "full" ? tapRowsToColumns(m, this.residual.dims.K2) : m;
  }

  /** N, as ConvResidualAccumulator.read() (up to rounding: it is summed per image here). */
  read(): Matrix64 {
    const C2 = this.shape.outChannels;
    return this.layout(new Matrix(this.R, C2, this.sums.data.slice(0, this.R * C2)));
  }

  /**
   * The B + 1 N's of the test, index 0 the data's, all from T⊥ (class comment). `s` and
   * `ridge` are those of δW* (S = (1/n) Σ Ũ2 Ũ2ᵀ, the relative ridge of optimal-delta.ts).
   */
  nulls(s: Matrix64, ridge: number, kernels: Kernels): Matrix64[] | null {
    const { R } = this;
    if (this.images <= (this.cross?.cols ?? 0)) return null;
    const C2 = this.shape.outChannels;
    const B1 = this.flips + 1;
    // (rows, C2·(B+1)), column block b = row b of `sums` from `offset` on, read as (rows, C2).
    const blocks = (offset: number, rows: number): Matrix64 => {
      const m = zeros64(rows, C2 * B1);
      for (let b = 0; b < B1; b++) for (let r = 0; r < rows; r++) for (let c = 0; c < C2; c++) m.data[r * C2 * B1 + b * C2 + c] = this.sums.data[b * this.sums.cols + offset + r * C2 + c];
      return m;
    };
    const q = blocks(0, R); // column block b: Σ ε_b T_i V_iᵀ
    if (this.cross !== null) {
      const w = blocks(R * C2, this.cross.cols); // column block b: Σ ε_b W_i
      // P S⁻¹ W with P = cross / n and S the averaged statistic: the same solve (and ridge) as δW*.
      const sInvW = computeOptimalDelta(s, w, this.shape.layer2Bias, kernels, { ridge }).deltaRaw; // (C2·(B+1), i1)
      kernels.gemm(this.cross, sInvW, q, { transB: true, alpha: -1 / Math.max(1, this.images), beta: 1 });
    }
    // The residuals are shrunk by δW*'s fit: E‖V_i‖² = (1 − h_i)·E‖E_i‖² with Σ_i h_i = i1, the
    // inputs of δW* (the images' leverages; per image when the noise of an image is one unit).
    // Scaling the flipped sums by √(n / (n − i1)) restores their variance for equal leverages
    // (the small-sample factor of cluster-robust variances); n ≤ i1 leaves nothing to test (null).
    const n = this.images;
    const i1 = this.cross === null ? 0 : this.cross.cols;
    const inflate = Math.sqrt(n / (n - i1));
    return Array.from({ length: B1 }, (_, b) => {
      const m = zeros64(R, C2);
      const f = b === 0 ? 1 : inflate;
      for (let r = 0; r < R; r++) for (let c = 0; c < C2; c++) m.data[r * C2 + c] = f * q.data[r * C2 * B1 + b * C2 + c];
      return this.layout(m);
    });
  }
}

export interface SignFlipEdge {
  /** τ: channels with s_j > τ are kept. */
  edge: number;
  /** s_1(Π) of the data. */
  observed: number;
  /** The B values s_1(Π_b), ascending. */
  flipped: Float64Array;
}

/** The rank of τ among the B + 1 values, ⌈(1−p)(B+1)⌉ (the tolerance absorbs 0.95·100 = 95.000…01). */
export function edgeRank(level: number, flips: number): number {
  return Math.min(flips + 1, Math.ceil((1 - level) * (flips + 1) - 1e-9));
}

/**
 * τ from S_growth and the B + 1 N's of `nulls()` (index 0 the data's; file comment); the same
 * τ_num as computeNewNeurons. τ = ∞ (no channel) when there are no more images than δW*'s inputs.
 */
export function signFlipEdge(sGrowth: Matrix64, ns: readonly Matrix64[] | null, level: number, numericalThreshold: number, kernels: Kernels): SignFlipEdge {
  if (ns === null) return { edge: Infinity, observed: NaN, flipped: new Float64Array(0) };
  const { invSqrt } = inverseSquareRootPsd(sGrowth, numericalThreshold, kernels);
  const top = (m: Matrix64): number => (m.rows === 0 || m.cols === 0 ? 0 : (kernels.svd(matmul(kernels, invSqrt, m)).s[0] ?? 0));
  const all = Float64Array.from(ns, top);
  const observed = all[0];
  const flipped = all.slice(1).sort();
  all.sort();
  return { edge: all[edgeRank(level, ns.length - 1) - 1], observed, flipped };
}

/** The residual pass of a pair: with the sign flips under rule "sign-flip" (seeded by `seed` and the block). */
export function residualAccumulator(shape: ConvPairShape, deltaWeight: Matrix64, deltaBias: Float64Array | null, significance: ConvSignificance | undefined, block: number): ConvResidualAccumulator | SignFlipResidualAccumulator {
  if (significance?.rule !== "sign-flip") return new ConvResidualAccumulator(shape, deltaWeight, deltaBias);
  return new SignFlipResidualAccumulator(shape, deltaWeight, deltaBias, significance.flips, significance.seed * 1009 + block);
}

/** τ of the pair's channels under rule "sign-flip" (null for "threshold", whose τ is computeNewNeurons' own); `ridge` is δW*'s. */
export function channelEdge(acc: ConvResidualAccumulator | SignFlipResidualAccumulator, stats: ConvPairStatistics, ridge: number, significance: ConvSignificance | undefined, numericalThreshold: number, kernels: Kernels): SignFlipEdge | null {
  if (!(acc instanceof SignFlipResidualAccumulator) || significance === undefined) return null;
  return signFlipEdge(stats.SGrowth, acc.nulls(stats.S, ridge, kernels), significance.level, numericalThreshold, kernels);
}
