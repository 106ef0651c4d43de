/**
 * A grown network together with everything needed to apply it to raw rows: the feature
 * columns (names, kinds, vocabularies), the fitted preprocessing, the targets (names and
 * their scaling, or the class labels). Platform-free; the file format is model-file.ts,
 * the Node loader node/load-model.ts.
 *
 *   predict(rows)      regression: (n, T) values in target units; classification: labels
 *   predictProba(rows) classification: (n, C) softmax probabilities, columns = classes
 *
 * Rows are arrays of values in feature-column order or objects keyed by column name;
 * numbers or strings, a category by its label.
 */
import { DataError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { portableKernels } from "../kernels/portable/index.js";
import type { DagModel } from "../dag/model.js";
import { decodeTargets, encodeFeatures, encodedWidth, type FeatureEncoding, type TargetEncoding } from "../data/preprocess.js";
import { TableBuilder, type ColumnSpec } from "../data/table.js";
import { Matrix } from "../tensor/matrix.js";

export type Task = "regression" | "classification";

export type RawValue = string | number | null | undefined;
export type RawRow = readonly RawValue[] | Readonly<Record<string, RawValue>>;

export interface TabularModelParts {
  task: Task;
  features: FeatureEncoding;
  /** Regression: the target columns and their scaling. */
  targets?: TargetEncoding;
  /** Classification: the label column and its classes (network output c ↔ classes[c]). */
  label?: { column: string; classes: string[] };
  network: DagModel<Float32Array>;
  /** Free-form facts about the training (data files, split sizes, command). */
  info?: Record<string, unknown>;
}

/** Rows per forward pass. */
const BATCH = 4096;

export class TabularModel {
  readonly task: Task;
  readonly features: FeatureEncoding;
  readonly targets: TargetEncoding | null;
  readonly label: { column: string; classes: string[] } | null;
  readonly network: DagModel<Float32Array>;
  readonly info: Record<string, unknown>;
  private kernels: Kernels;

  constructor(parts: TabularModelParts, kernels: Kernels = portableKernels) {
    this.task = parts.task;
    this.features = parts.features;
    this.targets = parts.targets ?? null;
    this.label = parts.label ?? null;
    this.network = parts.network;
    this.info = parts.info ?? {};
    this.kernels = kernels;
    const width = encodedWidth(parts.features.columns);
    if (width !== parts.network.inputSize) throw new ShapeError("TabularModel", `a network with ${width} inputs (the encoded features)`, `${parts.network.inputSize}`);
    const outputs = parts.task === "classification" ? (parts.label?.classes.length ?? 0) : (parts.targets?.columns.length ?? 0);
    if (outputs !== parts.network.outputSize) throw new ShapeError("TabularModel", `a network with ${outputs} outputs (${parts.task === "classification" ? "classes" : "targets"})`, `${parts.network.outputSize}`);
  }

  /** Kernels used by predict (default the portable ones; pass native ones for speed). */
  useKernels(kernels: Kernels): this {
    this.kernels = kernels;
    return this;
  }

  get featureNames(): string[] {
    return this.features.columns.map((c) => c.name);
  }

  /** The output column names: target names, or one per class. */
  get outputNames(): string[] {
    return this.task === "classification" ? (this.label?.classes ?? []) : (this.targets?.columns ?? []);
  }

  /** The features and targets a table must have to be scored by this model. */
  schema(): { features: ColumnSpec[]; targets: ColumnSpec[] } {
    const targets: ColumnSpec[] =
      this.task === "classification" ? [{ name: this.label?.column ?? "", kind: "categorical", categories: this.label?.classes ?? [] }] : (this.targets?.columns ?? []).map((name) => ({ name, kind: "numeric" }));
    return { features: this.features.columns, targets };
  }

  /** Target column names (for reading labelled files). */
  get targetNames(): string[] {
    return this.task === "classification" ? [this.label?.column ?? ""] : (this.targets?.columns ?? []);
  }

  /** Network outputs (n, O) for raw feature values (n rows of `stride` floats, features first; see table.ts). */
  outputs(values: Float32Array, stride: number, rows: number, file = "data"): Float32Array {
    const width = encodedWidth(this.features.columns);
    const O = this.network.outputSize;
    const out = new Float32Array(rows * O);
    for (let start = 0; start < rows; start += BATCH) {
      const n = Math.min(BATCH, rows - start);
      const idx = Int32Array.from({ length: n }, (_, i) => start + i);
      const x = encodeFeatures(this.features, { values, stride, rows }, idx, file);
      const y = this.network.forward(this.kernels, new Matrix(n, width, x));
      out.set(y.data.subarray(0, n * O), start * O);
    }
    if (this.task === "regression" && this.targets !== null) decodeTargets(this.targets, out);
    return out;
  }

  /** Raw rows → table values (validated like a file: names the row and column). */
  rowsToValues(rows: readonly RawRow[]): { values: Float32Array; stride: number; rows: number } {
    const names = this.featureNames;
    const b = new TableBuilder({ file: "rows", targets: [], classification: false, schema: { features: this.features.columns, targets: [] }, requireTargets: false, missing: this.features.fill.some((f) => f !== null) ? "mean" : "error", positionLabel: "row" });
    b.setHeader(names);
    rows.forEach((row, i) => {
      let fields: string[];
      if (Array.isArray(row)) {
        if (row.length !== names.length) throw new DataError("rows", `row ${i + 1}: ${row.length} values, the model expects ${names.length} features (${names.join(", ")})`);
        fields = (row as readonly RawValue[]).map(toField);
      } else {
        const rec = row as Readonly<Record<string, RawValue>>;
        const missing = names.filter((n) => !(n in rec));
        if (missing.length > 0) throw new DataError("rows", `row ${i + 1}: missing feature(s) ${missing.join(", ")} (the model expects ${names.join(", ")})`);
        fields = names.map((n) => toField(rec[n]));
      }
      b.addRow(fields, i + 1);
    });
    const t = b.finish();
    return { values: t.values ?? new Float32Array(0), stride: names.length, rows: t.rows };
  }

  /** Regression: (n, T) predictions as arrays; classification: the predicted labels. */
  predict(rows: readonly RawRow[]): number[][] | string[] {
    const v = this.rowsToValues(rows);
    const y = this.outputs(v.values, v.stride, v.rows, "rows");
    const O = this.network.outputSize;
    if (this.task === "classification") {
      const classes = this.label?.classes ?? [];
      return Array.from({ length: v.rows }, (_, i) => classes[argmax(y, i * O, O)]);
    }
    return Array.from({ length: v.rows }, (_, i) => Array.from(y.subarray(i * O, (i + 1) * O)));
  }

  /** Classification: per-class probabilities (n, C), columns in `label.classes` order. */
  predictProba(rows: readonly RawRow[]): number[][] {
    if (this.task !== "classification") throw new DataError("model", "predictProba needs a classification model; this one is a regression model (use predict)");
    const v = this.rowsToValues(rows);
    const y = this.outputs(v.values, v.stride, v.rows, "rows");
    softmaxRows(y, this.network.outputSize);
    const O = this.network.outputSize;
    return Array.from({ length: v.rows }, (_, i) => Array.from(y.subarray(i * O, (i + 1) * O)));
  }
}

function toField(v: RawValue): string {
  return v === null || v === undefined ? "" : typeof v === "number" ? (Number.isNaN(v) ? "" : String(v)) : v;
}

export function argmax(y: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (y[offset + c] > y[offset + best]) best = c;
  return best;
}

/** Row-wise softmax in place (max subtracted first, so exp never overflows). */
export function softmaxRows(y: Float32Array, cols: number): void {
  for (let o = 0; o < y.length; o += cols) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, y[o + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(y[o + c] - m);
      y[o + c] = e;
      s += e;
    }
    for (let c = 0; c < cols; c++) y[o + c] /= s;
  }
}
