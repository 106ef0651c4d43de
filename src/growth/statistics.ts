/**
 * Statistics of a pair of fully connected layers, accumulated over any number of
 * mini-batches (SPEC §2, §3). Each statistic is a float64 running sum of per-batch sums
 * plus a sample count, and is read as sum / count — GroMo's `TensorStatistic` — so the
 * way the data is split into mini-batches never changes a statistic. Memory is bounded by
 * the statistics themselves; the per-sample batches are kept only on request
 * (`keepSamples`), for the per-sample quantities of §5 (V_proj) and the exact first-order
 * term of §8.
 *
 * Letters (SPEC §1): n samples, B batch size, d0 input, d1 hidden, d2 output width;
 * β1, β2 ∈ {0, 1} the bias flags of layer 1 and layer 2.
 */
import { NumericalError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { toFloat64, zeros64, type Matrix32, type Matrix64 } from "../tensor/matrix.js";
import { augmentWithOnes, requireFinite, stackRows } from "./linalg.js";

/** Reading a statistic over which no sample has been accumulated (n = 0). */
export class EmptyStatisticError extends NumericalError {
  constructor(readonly statistic: string) {
    super(`statistic ${statistic}`, "no samples seen (n = 0): accumulate at least one batch before reading it");
  }
}

/**
 * A running sum of per-batch sums and the number of samples behind it (GroMo's
 * `TensorStatistic`). `read()` is sum / count.
 */
export class TensorStatistic {
  private readonly sum: Matrix64;
  private count = 0;

  constructor(
    readonly name: string,
    rows: number,
    cols: number,
  ) {
    this.sum = zeros64(rows, cols);
  }

  get samples(): number {
    return this.count;
  }

  /** Adds `batchSum` (the statistic summed over a batch) and that batch's sample count. */
  add(batchSum: Matrix64, batchCount: number): void {
    if (batchSum.rows !== this.sum.rows || batchSum.cols !== this.sum.cols) {
      throw new ShapeError(`TensorStatistic ${this.name}`, `a batch sum of shape ${this.sum.shape}`, batchSum.shape);
    }
    for (let i = 0; i < batchSum.data.length; i++) this.sum.data[i] += batchSum.data[i];
    this.count += batchCount;
  }

  /**
   * Adds AᵀB (a batch's contribution) into the running sum, with the batch's sample count:
   * its row count by default; conv statistics pass the number of images (rows are patches).
   */
  addProduct(kernels: Kernels, a: Matrix64, b: Matrix64, count = a.rows): void {
    if (a.cols !== this.sum.rows || b.cols !== this.sum.cols || a.rows !== b.rows) {
      throw new ShapeError(`TensorStatistic ${this.name}`, `Aᵀ·B of shape ${this.sum.shape} with A and B of equal rows`, `A ${a.shape}, B ${b.shape}`);
    }
    if (a.rows > 0 && a.cols > 0 && b.cols > 0) kernels.gemm(a, b, this.sum, { transA: true, beta: 1 });
    this.count += count;
  }

  /**
   * Adds A·Bᵀ for column-layout batches (one column per sample or patch: A (rows, N),
   * B (cols, N)) with the batch's sample count (conv statistics: the number of images).
   * A·Aᵀ (the conv S, S_growth, E) goes through syrk: half the multiply-adds, and the running
   * sum stays exactly symmetric.
   */
  addOuter(kernels: Kernels, a: Matrix64, b: Matrix64, count: number): void {
    if (a.rows !== this.sum.rows || b.rows !== this.sum.cols || a.cols !== b.cols) {
      throw new ShapeError(`TensorStatistic ${this.name}`, `A·Bᵀ of shape ${this.sum.shape} with A and B of equal columns`, `A ${a.shape}, B ${b.shape}`);
    }
    if (a.cols > 0 && a.rows > 0 && b.rows > 0) {
      if (a === b) kernels.syrk(a, this.sum, { beta: 1 });
      else kernels.gemm(a, b, this.sum, { transB: true, beta: 1 });
    }
    this.count += count;
  }

  /** sum / count, (rows, cols). Throws EmptyStatisticError when count = 0, NumericalError on NaN/∞. */
  read(): Matrix64 {
    if (this.count === 0) throw new EmptyStatisticError(this.name);
    const out = zeros64(this.sum.rows, this.sum.cols);
    for (let i = 0; i < out.data.length; i++) out.data[i] = this.sum.data[i] / this.count;
    requireFinite(`statistic ${this.name}`, this.name, out);
    return out;
  }
}

/** Widths and bias flags of the pair `layer1 (d0 → d1) → σ → layer2 (d1 → d2)`. */
export interface LayerPairShape {
  inFeatures: number;
  hiddenFeatures: number;
  outFeatures: number;
  layer1Bias: boolean;
  layer2Bias: boolean;
}

/** One mini-batch: layer 1's input X (B, d0), the activity B1 = σ(H1) (B, d1), the gradient G = ∂L/∂A2 (B, d2). */
export interface LayerPairBatch {
  x: Matrix32 | Matrix64;
  b1: Matrix32 | Matrix64;
  g: Matrix32 | Matrix64;
}

/** The averaged statistics of SPEC §3 (all float64). */
export interface LayerPairStatistics {
  shape: LayerPairShape;
  /** Total number of samples n over all batches. */
  n: number;
  /** S = (1/n) B̃1ᵀB̃1, (d1+β2, d1+β2). */
  S: Matrix64;
  /** M = (1/n) B̃1ᵀG, (d1+β2, d2). */
  M: Matrix64;
  /** S_growth = (1/n) X̃ᵀX̃, (d0+β1, d0+β1) — augmented with layer 1's bias flag. */
  SGrowth: Matrix64;
  /** M_prev = (1/n) X̃ᵀG, (d0+β1, d2). */
  MPrev: Matrix64;
  /** P = (1/n) X̃ᵀB̃1, (d0+β1, d1+β2): previous input on the rows. */
  P: Matrix64;
  /** E = (1/n) GᵀG, (d2, d2); tr(E) = (1/n)‖G‖_F². */
  E: Matrix64;
}

/** The per-sample batches, concatenated, when the accumulator was asked to keep them. */
export interface LayerPairSamples {
  x: Matrix64;
  b1: Matrix64;
  g: Matrix64;
}

export interface AccumulatorOptions {
  /** Also keep float64 copies of every batch (memory O(n); off by default). */
  keepSamples?: boolean;
}

/**
 * Accumulates the SPEC §3 statistics of a layer pair over mini-batches. The state is this
 * explicit object (nothing is stored on layers); `read()` returns fresh averaged matrices.
 */
export class LayerPairAccumulator {
  private readonly s: TensorStatistic;
  private readonly m: TensorStatistic;
  private readonly sGrowth: TensorStatistic;
  private readonly mPrev: TensorStatistic;
  private readonly p: TensorStatistic;
  private readonly e: TensorStatistic;
  private readonly kept: LayerPairSamples[] | null;

  constructor(
    readonly shape: LayerPairShape,
    options: AccumulatorOptions = {},
  ) {
    const { inFeatures: d0, hiddenFeatures: d1, outFeatures: d2 } = shape;
    for (const [name, v] of [["inFeatures", d0], ["hiddenFeatures", d1], ["outFeatures", d2]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ShapeError("LayerPairAccumulator", `${name} a non-negative integer`, String(v));
    }
    const i1 = d1 + (shape.layer2Bias ? 1 : 0);
    const i0 = d0 + (shape.layer1Bias ? 1 : 0);
    this.s = new TensorStatistic("S", i1, i1);
    this.m = new TensorStatistic("M", i1, d2);
    this.sGrowth = new TensorStatistic("S_growth", i0, i0);
    this.mPrev = new TensorStatistic("M_prev", i0, d2);
    this.p = new TensorStatistic("P", i0, i1);
    this.e = new TensorStatistic("E", d2, d2);
    this.kept = options.keepSamples ? [] : null;
  }

  /** Number of samples accumulated so far. */
  get samples(): number {
    return this.s.samples;
  }

  /** Adds one mini-batch (float32 or float64; the sums are float64). */
  update(batch: LayerPairBatch, kernels: Kernels): void {
    const { inFeatures: d0, hiddenFeatures: d1, outFeatures: d2, layer1Bias, layer2Bias } = this.shape;
    const rows = batch.x.rows;
    const check = (name: string, m: Matrix32 | Matrix64, cols: number): void => {
      if (m.rows !== rows || m.cols !== cols) throw new ShapeError("LayerPairAccumulator.update", `${name} of shape (${rows}, ${cols})`, `${name} of shape ${m.shape}`);
    };
    check("X", batch.x, d0);
    check("B1", batch.b1, d1);
    check("G", batch.g, d2);
    const x = toFloat64(batch.x);
    const b1 = toFloat64(batch.b1);
    const g = toFloat64(batch.g);
    const xTilde = augmentWithOnes(x, layer1Bias); // (B, d0+β1)
    const bTilde = augmentWithOnes(b1, layer2Bias); // (B, d1+β2)
    this.s.addProduct(kernels, bTilde, bTilde);
    this.m.addProduct(kernels, bTilde, g);
    this.sGrowth.addProduct(kernels, xTilde, xTilde);
    this.mPrev.addProduct(kernels, xTilde, g);
    this.p.addProduct(kernels, xTilde, bTilde);
    this.e.addProduct(kernels, g, g);
    if (this.kept) this.kept.push({ x, b1, g });
  }

  /** The averaged statistics. Throws EmptyStatisticError before the first batch, NumericalError on NaN/∞. */
  read(): LayerPairStatistics {
    return {
      shape: { ...this.shape },
      n: this.s.samples,
      S: this.s.read(),
      M: this.m.read(),
      SGrowth: this.sGrowth.read(),
      MPrev: this.mPrev.read(),
      P: this.p.read(),
      E: this.e.read(),
    };
  }

  /** The kept batches (null unless constructed with `keepSamples`). */
  keptSamples(): LayerPairSamples | null {
    if (!this.kept) return null;
    const { inFeatures: d0, hiddenFeatures: d1, outFeatures: d2 } = this.shape;
    const parts = this.kept;
    return { x: stackRows(parts.map((b) => b.x), d0), b1: stackRows(parts.map((b) => b.b1), d1), g: stackRows(parts.map((b) => b.g), d2) };
  }
}

/** Convenience: the statistics of a list of mini-batches. */
export function layerPairStatistics(shape: LayerPairShape, batches: readonly LayerPairBatch[], kernels: Kernels): LayerPairStatistics {
  const acc = new LayerPairAccumulator(shape);
  for (const b of batches) acc.update(b, kernels);
  return acc.read();
}

/** Checks that statistics have the shapes their LayerPairShape implies (for statistics built by hand). */
export function checkLayerPairStatistics(op: string, stats: LayerPairStatistics): void {
  const { inFeatures: d0, hiddenFeatures: d1, outFeatures: d2, layer1Bias, layer2Bias } = stats.shape;
  const i0 = d0 + (layer1Bias ? 1 : 0);
  const i1 = d1 + (layer2Bias ? 1 : 0);
  if (!(stats.n > 0)) throw new EmptyStatisticError("n");
  const want: [string, Matrix64, number, number][] = [
    ["S", stats.S, i1, i1],
    ["M", stats.M, i1, d2],
    ["S_growth", stats.SGrowth, i0, i0],
    ["M_prev", stats.MPrev, i0, d2],
    ["P", stats.P, i0, i1],
    ["E", stats.E, d2, d2],
  ];
  for (const [name, m, r, c] of want) {
    if (m.rows !== r || m.cols !== c) throw new ShapeError(op, `${name} of shape (${r}, ${c})`, `${name} of shape ${m.shape}`);
    requireFinite(op, name, m);
  }
}
