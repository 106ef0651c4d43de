/**
 * Statistics of a conv pair conv1 → σ → conv2 (SPEC-conv-growth §5, §8.2, §9.2), accumulated
 * over any number of mini-batches in float64. After unfolding (§3) every statistic is a
 * product of row matrices, one row per (image, output position), accumulated by the fully
 * connected `TensorStatistic` with the count of **images** (§4: divided by n, never by the
 * number of positions):
 *
 *   Ũ1 = unfold_conv1(X) (n·L1, D0+β1)    Ũ2 = unfold_conv2(B1) (n·L2, D1+β2)    G rows (n·L2, C2)
 *   S = (1/n) Ũ2ᵀŨ2    M = (1/n) Ũ2ᵀG    E = (1/n) GᵀG                             (§5, both variants)
 *
 * Restricted (§9.2): B̂ = rows b̂_{i,m} = ũ_{1,i,κ(m)} (0 at a padded centre), then exactly the
 * fully connected statistics with X̃ → B̂, B̃1 → Ũ2:
 *   M_prev = (1/n) B̂ᵀG (D0+β1, C2)    P = (1/n) B̂ᵀŨ2 (D0+β1, D1+β2)
 *   S_growth = (1/n) B̂ᵀB̂ ("centre", the default: the quadratic term of the least-squares
 *   problem the SVD solves) or (1/n) Ũ1ᵀŨ1 ("layer1", GroMo's layer-1 S over all L1 positions).
 *   They coincide when κ is a bijection onto B1's positions (stride 1, "same" padding); SPEC §16
 *   D7 shows GroMo's choice deflates the decrease otherwise, so tinygrow defaults to "centre".
 *
 * Full (§8.2), with t_{i,m,e} = ũ_{1,i,τ(m,e)} (0 at ⊥) and c_l = #{(m,e): τ(m,e) = l}:
 *   S_growth = (1/n) Σ_{i,m,e} t tᵀ = (1/n) Ũ1ᵀ diag(c) Ũ1                (D0+β1)²
 *   M_prev[:, c·K2+e] = (1/n) Σ_{i,m} t_{i,m,e} G[i,c,m] = (1/n) Ũ1ᵀ scatter(G)   (D0+β1, C2·K2)
 *   P (flat) [:, e·(D1+β2) + f] = (1/n) Σ_{i,m} t_{i,m,e} ũ2_{i,m,f}            (D0+β1, K2·(D1+β2))
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
import { zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { TensorStatistic, type LayerPairStatistics } from "../statistics.js";
import { centreIndex, convOutputSize, tapTable, taps, type ConvGeometry, type Nchw64 } from "./geometry.js";
import { poolRows, pooledSize, type PoolSpec } from "./pool.js";
import { conv2d64 } from "./conv-forward.js";
import { gatherRows, scaleRowsByPosition, scatterTaps, tapCounts, toRows, unfold } from "./unfold.js";

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

/** Accumulates the statistics of §5, §8.2 / §9.2 over mini-batches; `read()` returns fresh averages. */
export class ConvPairAccumulator {
  readonly dims: ConvPairDims;
  private readonly s: TensorStatistic;
  private readonly m: TensorStatistic;
  private readonly e: TensorStatistic;
  private readonly sGrowth: TensorStatistic;
  private readonly mPrev: TensorStatistic;
  private readonly p: TensorStatistic;
  private readonly tau: Int32Array;
  private readonly kappa: Int32Array;
  private readonly counts: Float64Array;

  private readonly crossCovariance: boolean;

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
    this.mPrev = new TensorStatistic("M_prev", d.i0, full ? C2 * d.K2 : C2);
    this.p = new TensorStatistic("P", d.i0, this.crossCovariance ? (full ? d.K2 * d.i1 : d.i1) : 0);
    this.tau = tapTable(shape.conv2, d.h1, d.w1, "conv2");
    this.kappa = centreIndex(shape.conv2, d.h1, d.w1, "conv2");
    this.counts = tapCounts(this.tau, d.L1);
  }

  get samples(): number {
    return this.sGrowth.samples;
  }

  update(batch: ConvPairBatch, kernels: Kernels): void {
    const { shape, dims: d } = this;
    checkBatch(shape, d, batch);
    const n = batch.x.n;
    const raw = unfold(batch.x, shape.conv1, shape.layer1Bias, "conv1"); // (n·H1·W1, i0) before any pool
    const u1 = shape.pool ? poolRows(raw, n, d.z1h, d.z1w, shape.pool, "conv1") : raw; // (n·L1, i0)
    const g = toRows(batch.g); // (n·L2, C2)
    const u2 = unfold(batch.b1, shape.conv2, shape.layer2Bias, "conv2"); // (n·L2, i1)
    this.s.addProduct(kernels, u2, u2, n);
    this.m.addProduct(kernels, u2, g, n);
    this.e.addProduct(kernels, g, g, n);
    if (shape.variant === "restricted") {
      const bHat = gatherRows(u1, this.kappa, n, d.L1); // (n·L2, i0)
      if ((shape.restrictedSGrowth ?? "centre") === "centre") this.sGrowth.addProduct(kernels, bHat, bHat, n);
      else this.sGrowth.addProduct(kernels, u1, u1, n);
      this.mPrev.addProduct(kernels, bHat, g, n);
      if (this.crossCovariance) this.p.addProduct(kernels, bHat, u2, n);
      else this.p.add(zeros64(d.i0, 0), n);
      return;
    }
    const weighted = scaleRowsByPosition(u1, this.counts, n);
    this.sGrowth.addProduct(kernels, weighted, weighted, n);
    this.mPrev.addProduct(kernels, u1, scatterTaps(g, this.tau, d.K2, n, d.L1, true), n);
    if (this.crossCovariance) this.p.addProduct(kernels, u1, scatterTaps(u2, this.tau, d.K2, n, d.L1, false), n);
    else this.p.add(zeros64(d.i0, 0), n);
  }

  /** The averages (EmptyStatisticError before the first batch, NumericalError on NaN/∞). */
  read(): ConvPairStatistics {
    return {
      shape: { ...this.shape },
      n: this.sGrowth.samples,
      S: this.s.read(),
      M: this.m.read(),
      E: this.e.read(),
      SGrowth: this.sGrowth.read(),
      MPrev: this.mPrev.read(),
      P: this.p.read(),
    };
  }
}

/**
 * N directly from the residual, in a second pass over the data (§8.3, §9.2: N = −(1/n) Σ t V_proj):
 *   V_proj = G − conv2(B1; δW, δb)
 *   Full:       N[:, c·K2+e] = −(1/n) Σ_{i,m} t_{i,m,e} V_proj[i,c,m] = −(1/n) Ũ1ᵀ scatter(V_proj)
 *   Restricted: N = −(1/n) B̂ᵀ V_proj
 * Equal to −M_prev + P δW_bigᵀ (tested), without P's K2·(D1+β2) columns.
 */
export class ConvResidualAccumulator {
  readonly dims: ConvPairDims;
  private readonly n: TensorStatistic;
  private readonly tau: Int32Array;
  private readonly kappa: Int32Array;

  constructor(
    readonly shape: ConvPairShape,
    private readonly deltaWeight: Matrix64,
    private readonly deltaBias: Float64Array | null,
  ) {
    const d = (this.dims = convPairDims(shape));
    this.n = new TensorStatistic("N", d.i0, shape.variant === "full" ? shape.outChannels * d.K2 : shape.outChannels);
    this.tau = tapTable(shape.conv2, d.h1, d.w1, "conv2");
    this.kappa = centreIndex(shape.conv2, d.h1, d.w1, "conv2");
  }

  update(batch: ConvPairBatch, kernels: Kernels): void {
    const { shape, dims: d } = this;
    checkBatch(shape, d, batch);
    const n = batch.x.n;
    const raw = unfold(batch.x, shape.conv1, shape.layer1Bias, "conv1");
    const u1 = shape.pool ? poolRows(raw, n, d.z1h, d.z1w, shape.pool, "conv1") : raw;
    const v = toRows(batch.g); // V_proj rows, (n·L2, C2), in gradient sign
    if (this.deltaWeight.cols > 0 || this.deltaBias !== null) {
      const moved = toRows(conv2d64(batch.b1, this.deltaWeight, this.deltaBias, shape.conv2, "conv2 (δW)", kernels));
      for (let i = 0; i < v.data.length; i++) v.data[i] -= moved.data[i];
    }
    for (let i = 0; i < v.data.length; i++) v.data[i] = -v.data[i]; // −V_proj = v⊥
    if (shape.variant === "restricted") this.n.addProduct(kernels, gatherRows(u1, this.kappa, n, d.L1), v, n);
    else this.n.addProduct(kernels, u1, scatterTaps(v, this.tau, d.K2, n, d.L1, true), n);
  }

  read(): Matrix64 {
    return this.n.read();
  }
}
