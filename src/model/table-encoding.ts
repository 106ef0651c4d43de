/**
 * From a table (data/table.ts) to what a growth run trains on and what a TabularModel keeps:
 * the preprocessing fitted on the training rows (data/preprocess.ts), and the encoded
 * datasets. Shared by `tinygrow grow` on a file (node/grow-tabular.ts) and the browser
 * playground's dropped CSV, so both read, check and encode a table the same way.
 */
import type { Dataset } from "../data/batches.js";
import { encodeFeatures, encodedWidth, encodeTargets, fitFeatureEncoding, fitTargetEncoding, labelsOf, type FeatureEncoding, type RawRows, type Scaling, type TargetEncoding } from "../data/preprocess.js";
import type { ColumnSpec } from "../data/table.js";
import { Matrix } from "../tensor/matrix.js";
import type { Task } from "./tabular-model.js";

/** A TabularModel's parts other than its network (see TabularModelParts). */
export interface TableEncoding {
  task: Task;
  features: FeatureEncoding;
  /** Regression: the target columns and their scaling. */
  targets?: TargetEncoding;
  /** Classification: the label column and its classes. */
  label?: { column: string; classes: string[] };
}

export interface TableEncodingOptions {
  task: Task;
  scaling: Scaling;
  /** Record each numeric column's training mean as its fill value (--missing mean). */
  fillMissing: boolean;
  /** Regression: standardise the targets too. */
  standardizeTargets: boolean;
}

/** Fits the preprocessing of a table's columns on rows `fitRows` of `raw` (features first, then the targets). */
export function fitTableEncoding(columns: { features: ColumnSpec[]; targets: ColumnSpec[] }, raw: RawRows, fitRows: Int32Array, options: TableEncodingOptions): TableEncoding {
  const features = fitFeatureEncoding(columns.features, raw, fitRows, options.scaling, options.fillMissing);
  if (options.task === "classification") {
    const label = columns.targets[0] as Extract<ColumnSpec, { kind: "categorical" }>;
    return { task: "classification", features, label: { column: label.name, classes: label.categories } };
  }
  const targets = fitTargetEncoding(columns.targets.map((t) => t.name), raw, columns.features.length, fitRows, options.standardizeTargets);
  return { task: "regression", features, targets };
}

/** Rows `idx` (default all) of `raw`, encoded: inputs, and class indices or scaled targets. */
export function encodeTable(enc: TableEncoding, raw: RawRows, idx: Int32Array | undefined, file: string): Dataset {
  const n = idx?.length ?? raw.rows;
  const F = enc.features.columns.length;
  const x = new Matrix(n, encodedWidth(enc.features.columns), encodeFeatures(enc.features, raw, idx, file));
  if (enc.task === "classification") return { x, labels: labelsOf(raw, F, idx) };
  const targets = enc.targets as TargetEncoding;
  return { x, y: new Matrix(n, targets.columns.length, encodeTargets(targets, raw, F, idx)) };
}

/** The network's output width under `enc`: classes or target columns. */
export function encodedOutputs(enc: TableEncoding): number {
  return enc.task === "classification" ? (enc.label?.classes.length ?? 0) : (enc.targets?.columns.length ?? 0);
}
