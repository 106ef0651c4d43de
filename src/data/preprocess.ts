/**
 * Preprocessing of tabular features and targets, fitted on the training rows only and
 * stored with the model, so that predict (and the ONNX graph) apply exactly the same map:
 *
 *   raw feature columns (table.ts: numbers, category indices, NaN for a missing value)
 *     → missing numeric values replaced by the column's training mean (--missing mean)
 *     → categorical columns one-hot encoded (K columns for K categories, in vocabulary order)
 *     → every encoded numeric column scaled: x' = (x − shift) · scale
 *         standardize: shift = mean, scale = 1 / std      (std 0: scale 1)
 *         min-max:     shift = min,  scale = 1 / (max − min)   (max = min: scale 1)
 *         none:        shift = 0,    scale = 1
 *       one-hot columns are left as 0/1 (shift 0, scale 1).
 *   Regression targets: optionally standardised the same way; predictions are mapped back
 *   with y = y' / scale + shift.
 */
import { DataError } from "../errors.js";
import type { ColumnSpec } from "./table.js";

export const SCALINGS = ["standardize", "min-max", "none"] as const;
export type Scaling = (typeof SCALINGS)[number];

export interface FeatureEncoding {
  columns: ColumnSpec[];
  /** Per raw column: the value that replaces a missing one (training mean), or null (missing values are an error). */
  fill: (number | null)[];
  scaling: Scaling;
  /** Per encoded column. */
  shift: number[];
  scale: number[];
}

export interface TargetEncoding {
  columns: string[];
  /** Per target column (identity: shift 0, scale 1). */
  shift: number[];
  scale: number[];
}

/** Columns after one-hot encoding. */
export function encodedWidth(columns: readonly ColumnSpec[]): number {
  return columns.reduce((n, c) => n + (c.kind === "categorical" ? c.categories.length : 1), 0);
}

/** Names of the encoded columns ("colour=red" for one-hot ones). */
export function encodedNames(columns: readonly ColumnSpec[]): string[] {
  return columns.flatMap((c) => (c.kind === "categorical" ? c.categories.map((k) => `${c.name}=${k}`) : [c.name]));
}

/** A view of table values: `rows` rows of `stride` floats, the features in the first columns. */
export interface RawRows {
  values: Float32Array;
  stride: number;
  rows: number;
}

/**
 * Fits the encoding on `train` (indices of the training rows in `raw`). `fillMissing`:
 * record every numeric column's mean as its fill value (--missing mean).
 */
export function fitFeatureEncoding(columns: ColumnSpec[], raw: RawRows, train: Int32Array, scaling: Scaling, fillMissing: boolean): FeatureEncoding {
  const fill: (number | null)[] = columns.map((c, j) => {
    if (!fillMissing || c.kind === "categorical") return null;
    let sum = 0;
    let n = 0;
    for (const r of train) {
      const v = raw.values[r * raw.stride + j];
      if (!Number.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : 0;
  });
  const width = encodedWidth(columns);
  const unscaled: FeatureEncoding = { columns, fill, scaling: "none", shift: new Array<number>(width).fill(0), scale: new Array<number>(width).fill(1) };
  const x = encodeFeatures(unscaled, raw, train);
  const shift = new Array<number>(width).fill(0);
  const scale = new Array<number>(width).fill(1);
  const oneHot = columns.flatMap((c) => (c.kind === "categorical" ? c.categories.map(() => true) : [false]));
  const n = train.length;
  for (let k = 0; k < width; k++) {
    if (oneHot[k] || scaling === "none" || n === 0) continue;
    let mean = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = x[i * width + k];
      mean += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    mean /= n;
    if (scaling === "standardize") {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (x[i * width + k] - mean) ** 2;
      const std = Math.sqrt(ss / n);
      shift[k] = mean;
      scale[k] = std > 0 ? 1 / std : 1;
    } else {
      shift[k] = min;
      scale[k] = max > min ? 1 / (max - min) : 1;
    }
  }
  return { columns, fill, scaling, shift, scale };
}

/**
 * Encodes rows `indices` of `raw` (default all, in order) into (n, encodedWidth) float32.
 * DataError (naming `file` and the row) for a missing value without a fill, or a category
 * index out of range.
 */
export function encodeFeatures(enc: FeatureEncoding, raw: RawRows, indices?: Int32Array, file = "data"): Float32Array {
  const { columns } = enc;
  const width = encodedWidth(columns);
  const n = indices?.length ?? raw.rows;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const r = indices === undefined ? i : indices[i];
    const src = r * raw.stride;
    const dst = i * width;
    let k = 0;
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j];
      let v = raw.values[src + j];
      if (Number.isNaN(v)) {
        const f = enc.fill[j];
        if (f === null) throw new DataError(file, `row ${r + 1}, column "${c.name}": missing value and the model has no fill value for it`);
        v = f;
      }
      if (c.kind === "categorical") {
        const K = c.categories.length;
        if (!Number.isInteger(v) || v < 0 || v >= K) throw new DataError(file, `row ${r + 1}, column "${c.name}": category index ${v} outside 0…${K - 1}`);
        out[dst + k + v] = 1;
        k += K;
      } else {
        out[dst + k] = (v - enc.shift[k]) * enc.scale[k];
        k++;
      }
    }
  }
  return out;
}

/** Fits the target map on the training rows: per-column mean/std when `standardize`, else identity. */
export function fitTargetEncoding(columns: string[], raw: RawRows, firstTarget: number, train: Int32Array, standardize: boolean): TargetEncoding {
  const shift = columns.map(() => 0);
  const scale = columns.map(() => 1);
  if (standardize && train.length > 0) {
    columns.forEach((_, t) => {
      let mean = 0;
      for (const r of train) mean += raw.values[r * raw.stride + firstTarget + t];
      mean /= train.length;
      let ss = 0;
      for (const r of train) ss += (raw.values[r * raw.stride + firstTarget + t] - mean) ** 2;
      const std = Math.sqrt(ss / train.length);
      shift[t] = mean;
      scale[t] = std > 0 ? 1 / std : 1;
    });
  }
  return { columns, shift, scale };
}

/** Targets of rows `indices` (default all), encoded: (n, T). */
export function encodeTargets(enc: TargetEncoding, raw: RawRows, firstTarget: number, indices?: Int32Array): Float32Array {
  const T = enc.columns.length;
  const n = indices?.length ?? raw.rows;
  const out = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    const r = indices === undefined ? i : indices[i];
    for (let t = 0; t < T; t++) out[i * T + t] = (raw.values[r * raw.stride + firstTarget + t] - enc.shift[t]) * enc.scale[t];
  }
  return out;
}

/** Class indices of rows `indices` (default all) from the target column. */
export function labelsOf(raw: RawRows, column: number, indices?: Int32Array): Int32Array {
  const n = indices?.length ?? raw.rows;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = raw.values[(indices === undefined ? i : indices[i]) * raw.stride + column];
  return out;
}

/** Maps encoded predictions (n, T) back to target units, in place. */
export function decodeTargets(enc: TargetEncoding, y: Float32Array | Float64Array): void {
  const T = enc.columns.length;
  for (let i = 0; i < y.length; i++) y[i] = y[i] / enc.scale[i % T] + enc.shift[i % T];
}
