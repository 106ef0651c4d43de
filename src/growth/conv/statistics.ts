/**
 * Statistics of a conv pair conv1 → σ → conv2 (SPEC-conv-growth §5, §8.2, §9.2), accumulated
 * over any number of mini-batches in float64. After unfolding (§3, patches.ts: one column per
 * (image, output position)) every statistic is one gemm A·Bᵀ, accumulated by the fully
 * connected `TensorStatistic` with the count of **images** (§4: divided by n, never by the
 * number of positions):
 *
 *   Ũ1 = unfold_conv1(X) (D0+β1, n·L1)    Ũ2 = unfold_conv2(B1) (D1+β2, n·L2)    G (C2, n·L2)
 *   S = (1/n) Ũ2Ũ2ᵀ    M = (1/n) Ũ2Gᵀ    E = (1/n) GGᵀ                                (§5, both variants)
 *
 * With T = unfold_conv2(Ũ1) (K2·(D0+β1), n·L2), row f·K2 + e = t_{i,m,e}[f] = ũ_{1,i,τ(m,e)}[f]
 * (0 at ⊥; patches.ts):
 *
 * Restricted (§9.2): B̂ = T's centre-tap rows (gathered directly), b̂_{i,m} = ũ_{1,i,κ(m)} (0 at a padded centre), then
 * exactly the fully connected statistics with X̃ → B̂, B̃1 → Ũ2:
 *   M_prev = (1/n) B̂Gᵀ (D0+β1, C2)    P = (1/n) B̂Ũ2ᵀ (D0+β1, D1+β2)
 *   S_growth = (1/n) B̂B̂ᵀ ("centre", the default: the quadratic term of the least-squares
 *   problem the SVD solves) or (1/n) Ũ1Ũ1ᵀ ("layer1", GroMo's layer-1 S over all L1 positions).
 *   They coincide when κ is a bijection onto B1's positions (stride 1, "same" padding); SPEC §16
 *   D7 shows GroMo's choice deflates the decrease otherwise, so tinygrow defaults to "centre".
 *
 * Full (§8.2), with T♭ = T read as (D0+β1, K2·n·L2) (row f = the K2 rows of feature f, end to end):
 *   S_growth = (1/n) Σ_{i,m,e} t tᵀ = (1/n) T♭T♭ᵀ                             (D0+β1)²
 *   M_prev[:, c·K2+e] = (1/n) Σ_{i,m} t_{i,m,e} G[i,c,m]: (1/n) TGᵀ, row f·K2+e → column c·K2+e
 *   P (flat) [:, e·(D1+β2) + f'] = (1/n) Σ_{i,m} t_{i,m,e} ũ2_{i,m,f'} = (1/n) TŨ2ᵀ read as (D0+β1, K2·(D1+β2))
 * (P flat holds GroMo's P[e] as column block e.)
 *
 * Pooling between σ and conv2 (`pool`, pool.ts): B1 is the pooled activity and Ũ1 is replaced
 * by the average-pooled conv1 patches, with τ, κ over the pooled map; exact for average
 * pooling, a linearisation for max pooling. A linear head (§15, linear-head.ts) is the pair
 * with conv2 a kernel over the whole (pooled) map.
 *
 * Shapes are recomputed from the current widths by every new accumulator (no statistic of a
 * resized layer is kept across a growth step: SPEC §16 D1, D2) and nothing is cached (D9).
 */
import { ShapeError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import { Matrix, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { TensorStatistic, type LayerPairStatistics } from "../statistics.js";
import { centreIndex, convOutputSize, taps, type ConvGeometry, type Nchw64 } from "./geometry.js";
import { centreColumns, channelColumns, patchColumns, poolColumns, Scratch, tapColumns } from "./patches.js";
import { pooledSize, type PoolSpec } from "./pool.js";

export type ConvVariant = "full" | "restricted";
/** Restricted S_growth: "centre" (default, consistent with M_prev and P) or GroMo's "layer1" (§16 D7). */
export type RestrictedSGrowth = "centre" | "layer1";

export interface ConvPairShape {
  variant: ConvVariant;
  inChannels: number;
  hiddenChannels: number;
  outChannels: number;
  /** [H0, W0] of conv1's input. */
  inputSize: readonly [number, number];
  conv1: ConvGeometry;
  conv2: ConvGeometry;
  layer1Bias: boolean;
  layer2Bias: boolean;
  restrictedSGrowth?: RestrictedSGrowth;
  /** Pooling between σ and conv2 (none by default). */
  pool?: PoolSpec | null;
}

/** One mini-batch: X (B, C0, H0, W0), B1 = σ(Z1) (B, C1, H1, W1), G = ∂L_sum/∂A2 (B, C2, H2, W2). */
export interface ConvPairBatch {
  x: Nchw64;
  b1: Nchw64;
  g: Nchw64;
}

/** Sizes derived from a ConvPairShape. */
export interface ConvPairDims {
  /** conv2's input size: conv1's output, pooled when the pair has a pool. */
  h1: number;
  w1: number;
  /** conv1's output size (before any pool). */
  z1h: number;
  z1w: number;
  h2: number;
  w2: number;
  L1: number;
  L2: number;
  K1: number;
  K2: number;
  /** D0 + β1: conv1's patch features with the bias feature. */
  i0: number;
  /** D1 + β2: conv2's patch features with the bias feature. */
  i1: number;
}

export function convPairDims(shape: ConvPairShape): ConvPairDims {
  const [z1h, z1w] = convOutputSize(shape.conv1, shape.inputSize[0], shape.inputSize[1], "conv1");
  const [h1, w1] = shape.pool ? pooledSize(shape.pool, z1h, z1w, "conv1") : [z1h, z1w];
  const [h2, w2] = convOutputSize(shape.conv2, h1, w1, "conv2");
  const K1 = taps(shape.conv1);
  const K2 = taps(shape.conv2);
  return { h1, w1, z1h, z1w, h2, w2, L1: h1 * w1, L2: h2 * w2, K1, K2, i0: shape.inChannels * K1 + (shape.layer1Bias ? 1 : 0), i1: shape.hiddenChannels * K2 + (shape.layer2Bias ? 1 : 0) };
}

/** Averaged statistics. Restricted ones are a fully connected LayerPairStatistics over patches. */
export interface ConvPairStatistics {
  shape: ConvPairShape;
  n: number;
  /** S (i1, i1), M (i1, C2), E (C2, C2), S_growth (i0, i0); M_prev and P per variant (file comment). */
  S: Matrix64;
  M: Matrix64;
  E: Matrix64;
  SGrowth: Matrix64;
  MPrev: Matrix64;
  P: Matrix64;
}

/** The Restricted statistics as the fully connected pair statistics they are (§9.2). */
export function asLayerPairStatistics(stats: ConvPairStatistics): LayerPairStatistics {
  const { inChannels, hiddenChannels, outChannels, conv1, conv2, layer1Bias, layer2Bias } = stats.shape;
  return {
    shape: { inFeatures: inChannels * taps(conv1), hiddenFeatures: hiddenChannels * taps(conv2), outFeatures: outChannels, layer1Bias, layer2Bias },
    n: stats.n,
    S: stats.S,
    M: stats.M,
    SGrowth: stats.SGrowth,
    MPrev: stats.MPrev,
    P: stats.P,
    E: stats.E,
  };
}

function checkBatch(shape: ConvPairShape, d: ConvPairDims, batch: ConvPairBatch): void {
  const want = (name: string, z: Nchw64, c: number, h: number, w: number): void => {
    if (z.n !== batch.x.n || z.c !== c || z.h !== h || z.w !== w) {
      throw new ShapeError("ConvPairAccumulator.update", `${name} of shape (${batch.x.n}, ${c}, ${h}, ${w})`, `(${z.n}, ${z.c}, ${z.h}, ${z.w})`);
    }
  };
  want("X", batch.x, shape.inChannels, shape.inputSize[0], shape.inputSize[1]);
  want("B1", batch.b1, shape.hiddenChannels, d.h1, d.w1);
  want("G", batch.g, shape.outChannels, d.h2, d.w2);
}

/** Ũ1 (D0+β1, n·L1): conv1's patches, average-pooled over the pair's pool windows (pool.ts). */
function layer1Patches(kernels: Kernels, shape: ConvPairShape, d: ConvPairDims, x: Nchw64, scratch: Scratch): Matrix64 {
  const raw = patchColumns(kernels, x, shape.conv1, shape.layer1Bias, "conv1", scratch, "u1"); // (i0, n·H1·W1) before any pool
  return shape.pool ? poolColumns(kernels, raw, x.n, d.z1h, d.z1w, shape.pool.size, scratch, "u1-pooled") : raw;
}

/** (F·K, C) with row f·K + e → (F, C·K) with column c·K + e (tap-major to GroMo's channel-major order). */
export function tapRowsToColumns(m: Matrix64, K: number): Matrix64 {
  const F = m.rows / K;
  const C = m.cols;
  const out = zeros64(F, C * K);
  for (let f = 0; f < F; f++) for (let e = 0; e < K; e++) for (let c = 0; c < C; c++) out.data[f * C * K + c * K + e] = m.data[(f * K + e) * C + c];
  return out;
}

/** Accumulates the statistics of §5, §8.2 / §9.2 over mini-batches; `read()` returns fresh averages. */
export class ConvPairAccumulator {
  readonly dims: ConvPairDims;
  private readonly s: TensorStatistic;
  private readonly m: TensorStatistic;
  private readonly e: TensorStatistic;
  private readonly sGrowth: TensorStatistic;
  /** Full: (i0·K2, C2), tap-major rows (read() reorders); Restricted: (i0, C2). */
  private readonly mPrev: TensorStatistic;
  private readonly p: TensorStatistic;
  private readonly crossCovariance: boolean;
  private readonly scratch = new Scratch();
  /** κ (L2): the centre tap's position on B1 (Restricted). */
  private readonly kappa: Int32Array;

  /**
   * @param options.crossCovariance accumulate P (default true). P has K2·(D1+β2) columns for Full,
   *   which is large for a linear head; without it, N comes from a second pass over the data
   *   (`ConvResidualAccumulator`), and `read().P` is an empty (i0, 0) matrix.
   */
  constructor(
    readonly shape: ConvPairShape,
    options: { crossCovariance?: boolean } = {},
  ) {
    this.crossCovariance = options.crossCovariance ?? true;
    for (const [name, v] of [["inChannels", shape.inChannels], ["hiddenChannels", shape.hiddenChannels], ["outChannels", shape.outChannels]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ShapeError("ConvPairAccumulator", `${name} a non-negative integer`, String(v));
    }
    const d = (this.dims = convPairDims(shape));
    const C2 = shape.outChannels;
    this.s = new TensorStatistic("S", d.i1, d.i1);
    this.m = new TensorStatistic("M", d.i1, C2);
    this.e = new TensorStatistic("E", C2, C2);
    this.sGrowth = new TensorStatistic("S_growth", d.i0, d.i0);
    const full = shape.variant === "full";
    this.mPrev = new TensorStatistic("M_prev", full ? d.i0 * d.K2 : d.i0, C2);
    this.p = new TensorStatistic("P", full ? d.i0 * d.K2 : d.i0, this.crossCovariance ? d.i1 : 0);
    this.kappa = centreIndex(shape.conv2, d.h1, d.w1, "conv2");
  }

  get samples(): number {
    return this.sGrowth.samples;
  }

  update(batch: ConvPairBatch, kernels: Kernels): void {
    const { shape, dims: d } = this;
    checkBatch(shape, d, batch);
    const n = batch.x.n;
    const sc = this.scratch;
    const u1 = layer1Patches(kernels, shape, d, batch.x, sc); // (i0, n·L1)
    const g = channelColumns(kernels, batch.g, sc, "g"); // (C2, n·L2)
    const u2 = patchColumns(kernels, batch.b1, shape.conv2, shape.layer2Bias, "conv2", sc, "u2"); // (i1, n·L2)
    this.s.addOuter(kernels, u2, u2, n);
    this.m.addOuter(kernels, u2, g, n);
    this.e.addOuter(kernels, g, g, n);
    const full = shape.variant === "full";
    const t = full ? tapColumns(kernels, u1, n, d.h1, d.w1, shape.conv2, sc) : centreColumns(u1, n, this.kappa, sc); // T (i0·K2, n·L2) or B̂ (i0, n·L2)
    if (full) {
      const flat = new Matrix(d.i0, t.data.length / Math.max(1, d.i0), t.data); // T♭
      this.sGrowth.addOuter(kernels, flat, flat, n);
    } else if ((shape.restrictedSGrowth ?? "centre") === "centre") this.sGrowth.addOuter(kernels, t, t, n);
    else this.sGrowth.addOuter(kernels, u1, u1, n);
    this.mPrev.addOuter(kernels, t, g, n);
    if (this.crossCovariance) this.p.addOuter(kernels, t, u2, n);
    else this.p.add(zeros64(full ? d.i0 * d.K2 : d.i0, 0), n);
  }

  /** The averages (EmptyStatisticError before the first batch, NumericalError on NaN/∞). */
  read(): ConvPairStatistics {
    const full = this.shape.variant === "full";
    const K2 = this.dims.K2;
    const mPrev = this.mPrev.read();
    const p = this.p.read();
    return {
      shape: { ...this.shape },
      n: this.sGrowth.samples,
      S: this.s.read(),
      M: this.m.read(),
      E: this.e.read(),
      SGrowth: this.sGrowth.read(),
      MPrev: full ? tapRowsToColumns(mPrev, K2) : mPrev,
      // (i0·K2, i1) row f·K2 + e is, in memory, (i0, K2·i1) row f, column e·i1 + f'.
      P: full ? new Matrix(this.dims.i0, K2 * p.cols, p.data) : p,
    };
  }
}

/**
 * N directly from the residual, in a second pass over the data (§8.3, §9.2: N = −(1/n) Σ t V_proj):
 *   V_proj = G − conv2(B1; δW, δb) = G − [δW♭ | δb] Ũ2            (C2, n·L2)
 *   Full:       N[:, c·K2+e] = −(1/n) Σ_{i,m} t_{i,m,e} V_proj[i,c,m]: −(1/n) T V_projᵀ, reordered
 *   Restricted: N = −(1/n) B̂ V_projᵀ
 * Equal to −M_prev + P δW_bigᵀ (tested), without P's K2·(D1+β2) columns.
 */
export class ConvResidualAccumulator {
  readonly dims: ConvPairDims;
  private readonly n: TensorStatistic;
  /** [δW♭ | δb] (C2, i1), or null when δW is empty. */
  private readonly delta: Matrix64 | null;
  private readonly scratch = new Scratch();
  private readonly kappa: Int32Array;

  constructor(
    readonly shape: ConvPairShape,
    deltaWeight: Matrix64,
    deltaBias: Float64Array | null,
  ) {
    const d = (this.dims = convPairDims(shape));
    const C2 = shape.outChannels;
    this.n = new TensorStatistic("N", shape.variant === "full" ? d.i0 * d.K2 : d.i0, C2);
    this.kappa = centreIndex(shape.conv2, d.h1, d.w1, "conv2");
    const w = deltaWeight.cols;
    if ((w > 0 || deltaBias !== null) && d.i1 > 0) {
      if (deltaWeight.rows !== C2 || w + (deltaBias ? 1 : 0) !== d.i1) throw new ShapeError("ConvResidualAccumulator", `δW (${C2}, ${d.i1 - (deltaBias ? 1 : 0)}) and a bias iff conv2 has one`, `δW ${deltaWeight.shape}, δb ${deltaBias ? deltaBias.length : "null"}`);
      const m = zeros64(C2, d.i1);
      for (let c = 0; c < C2; c++) {
        m.data.set(deltaWeight.data.subarray(c * w, (c + 1) * w), c * d.i1);
        if (deltaBias) m.data[c * d.i1 + w] = deltaBias[c];
      }
      this.delta = m;
    } else this.delta = null;
  }

  update(batch: ConvPairBatch, kernels: Kernels): void {
    const { t, v } = this.columns(batch, kernels);
    this.n.addOuter(kernels, t, v, batch.x.n);
  }

  /**
   * One batch's T (Full, (i0·K2, n·L2)) or B̂ (Restricted, (i0, n·L2)), V_proj (C2, n·L2) and
   * Ũ2 (i1, n·L2; null without δW), column i·L2 + m = image i, position m (significance.ts
   * needs them per image). All are scratch buffers, overwritten by the next call.
   */
  columns(batch: ConvPairBatch, kernels: Kernels): { t: Matrix64; v: Matrix64; u2: Matrix64 | null } {
    const { shape, dims: d } = this;
    checkBatch(shape, d, batch);
    const n = batch.x.n;
    const sc = this.scratch;
    const u1 = layer1Patches(kernels, shape, d, batch.x, sc);
    const v = channelColumns(kernels, batch.g, sc, "v"); // V_proj (C2, n·L2), in gradient sign
    const u2 = this.delta === null ? null : patchColumns(kernels, batch.b1, shape.conv2, shape.layer2Bias, "conv2", sc, "u2"); // Ũ2 (i1, n·L2)
    if (u2 !== null) kernels.gemm(this.delta!, u2, v, { alpha: -1, beta: 1 });
    const full = shape.variant === "full";
    const t = full ? tapColumns(kernels, u1, n, d.h1, d.w1, shape.conv2, sc) : centreColumns(u1, n, this.kappa, sc);
    return { t, v, u2 };
  }

  read(): Matrix64 {
    const nn = this.n.read();
    for (let i = 0; i < nn.data.length; i++) nn.data[i] = -nn.data[i]; // −V_proj = v⊥
    return this.shape.variant === "full" ? tapRowsToColumns(nn, this.dims.K2) : nn;
  }
}
