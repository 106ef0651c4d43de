/**
 * Datasets and mini-batch iteration. A BatchIterator gathers the rows of each mini-batch
 * into buffers it allocates once (a full batch, and a short last batch sharing the same
 * storage), so iterating allocates nothing per batch. Shuffling uses the Rng passed in:
 * the order of an epoch is a function of that Rng's state alone.
 *
 *   for (let batch = it.begin(); batch !== null; batch = it.next()) { … }
 */
import { DataError, ShapeError } from "../errors.js";
import { Matrix, type Matrix32 } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";

/** Regression targets (n, o) or class labels (n) for inputs x (n, d). */
export type Dataset = { x: Matrix32; y: Matrix32 } | { x: Matrix32; labels: Int32Array };

export function hasLabels(d: Dataset): d is { x: Matrix32; labels: Int32Array } {
  return "labels" in d;
}

export function datasetSize(d: Dataset): number {
  return d.x.rows;
}

/** Throws a ShapeError unless targets/labels have one entry per row of x. */
export function checkDataset(op: string, d: Dataset): void {
  if (hasLabels(d)) {
    if (d.labels.length !== d.x.rows) throw new ShapeError(op, `labels of length n=${d.x.rows} for x ${d.x.shape}`, `length ${d.labels.length}`);
  } else if (d.y.rows !== d.x.rows) {
    throw new ShapeError(op, `y with n=${d.x.rows} rows for x ${d.x.shape}`, `y ${d.y.shape}`);
  }
}

/**
 * Throws a DataError at the first NaN or ±∞ of the inputs (or of the regression targets) of
 * `d`, naming the set (`name`, e.g. "train-opt"), the row (1-based, within the set) and the
 * column. A NaN would otherwise train into NaN weights. One pass over the data: call it once
 * per dataset, not per batch. Labels are integers and always finite.
 */
export function checkFinite(name: string, d: Dataset): void {
  const at = firstNonFinite(d.x.data);
  if (at >= 0) throw nonFinite(name, "input", d.x.data[at], at, d.x.cols);
  if (!hasLabels(d)) {
    const t = firstNonFinite(d.y.data);
    if (t >= 0) throw nonFinite(name, "target", d.y.data[t], t, d.y.cols);
  }
}

function firstNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

function nonFinite(name: string, what: string, value: number, index: number, cols: number): DataError {
  return new DataError(name, `${what} row ${Math.floor(index / cols) + 1}, column ${(index % cols) + 1} is ${value}: the data must be finite (remove or impute missing values first)`);
}

/** One mini-batch; the object and its buffers are reused by the iterator (copy what you keep). */
export interface Batch {
  /** (B, d). */
  x: Matrix32;
  /** (B, o), or null for a labelled dataset. */
  y: Matrix32 | null;
  /** (B), or null for a regression dataset. */
  labels: Int32Array | null;
  /** B. */
  size: number;
  /** Offset of this batch's first sample in `iterator.order`. */
  start: number;
}

export interface BatchIteratorOptions {
  batchSize: number;
  /** Shuffle at every `begin()` with this Rng; omit (or null) for the dataset order. */
  rng?: Rng | null;
  /** Drop a last batch shorter than batchSize; default false. */
  dropLast?: boolean;
}

function makeBatch(rows: number, d: number, o: number, labelled: boolean, x: Float32Array, y: Float32Array | null, labels: Int32Array | null): Batch {
  return {
    x: new Matrix(rows, d, x.subarray(0, rows * d)),
    y: labelled || y === null ? null : new Matrix(rows, o, y.subarray(0, rows * o)),
    labels: labelled && labels !== null ? labels.subarray(0, rows) : null,
    size: rows,
    start: 0,
  };
}

export class BatchIterator {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly dropLast: boolean;
  /** The sample order of the current epoch (n). */
  readonly order: Int32Array;
  private readonly rng: Rng | null;
  private readonly full: Batch;
  private readonly short: Batch | null;
  private cursor = 0;

  constructor(dataset: Dataset, options: BatchIteratorOptions) {
    checkDataset("BatchIterator", dataset);
    const { batchSize, rng = null, dropLast = false } = options;
    const n = dataset.x.rows;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new DataError("BatchIterator", `batch size must be a positive integer, got ${batchSize}`);
    if (n === 0) throw new DataError("BatchIterator", "the dataset is empty (0 samples)");
    this.dataset = dataset;
    this.batchSize = Math.min(batchSize, n);
    this.dropLast = dropLast;
    this.rng = rng;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    const B = this.batchSize;
    const d = dataset.x.cols;
    const labelled = hasLabels(dataset);
    const o = labelled ? 0 : dataset.y.cols;
    const x = new Float32Array(B * d);
    const y = labelled ? null : new Float32Array(B * o);
    const labels = labelled ? new Int32Array(B) : null;
    this.full = makeBatch(B, d, o, labelled, x, y, labels);
    const rest = n % B;
    this.short = rest > 0 && !dropLast ? makeBatch(rest, d, o, labelled, x, y, labels) : null;
  }

  get size(): number {
    return this.dataset.x.rows;
  }

  /** Batches per epoch. */
  get numBatches(): number {
    const n = this.size;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Starts an epoch (shuffling when an Rng was given) and returns its first batch. */
  begin(): Batch | null {
    if (this.rng !== null) {
      const order = this.order;
      for (let i = 0; i < order.length; i++) order[i] = i;
      this.rng.shuffle(order);
    }
    this.cursor = 0;
    return this.next();
  }

  /** The next batch of the epoch, or null when the epoch is over. */
  next(): Batch | null {
    const n = this.order.length;
    const start = this.cursor;
    const remaining = n - start;
    if (remaining <= 0) return null;
    let batch: Batch;
    if (remaining >= this.batchSize) batch = this.full;
    else if (this.short !== null) batch = this.short;
    else return null;
    this.cursor = start + batch.size;
    this.gather(batch, start);
    return batch;
  }

  private gather(batch: Batch, start: number): void {
    const ds = this.dataset;
    const order = this.order;
    const B = batch.size;
    const d = ds.x.cols;
    const xs = ds.x.data;
    const xb = batch.x.data;
    for (let r = 0; r < B; r++) {
      const src = order[start + r] * d;
      const dst = r * d;
      for (let c = 0; c < d; c++) xb[dst + c] = xs[src + c];
    }
    if (batch.labels !== null && hasLabels(ds)) {
      for (let r = 0; r < B; r++) batch.labels[r] = ds.labels[order[start + r]];
    } else if (batch.y !== null && !hasLabels(ds)) {
      const o = ds.y.cols;
      const ys = ds.y.data;
      const yb = batch.y.data;
      for (let r = 0; r < B; r++) {
        const i = order[start + r];
        for (let c = 0; c < o; c++) yb[r * o + c] = ys[i * o + c];
      }
    }
    batch.start = start;
  }
}
