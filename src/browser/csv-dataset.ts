/**
 * A dropped CSV file as a dataset, for the playground: a header row, then numeric cells;
 * the last column is the target — class labels when every value is an integer in 0..49,
 * otherwise a regression target. Minimal on purpose (no quoted fields with delimiters
 * inside, no categorical columns): the own-data CSV reader (issue 14, data/csv.ts) replaces
 * it when it lands. Errors name the file, the row (1-based, header = row 1) and the column.
 */
import { DataError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import type { Dataset } from "../data/batches.js";

export interface CsvDataset {
  data: Dataset;
  inputs: number;
  /** "3 classes" or "regression on <column>". */
  description: string;
}

const MAX_CLASSES = 50;

export function parseCsvDataset(bytes: Uint8Array, file: string): CsvDataset {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\uFEFF/, "");
  const lines = text.split(/\r?\n/);
  const delimiter = /\.(tsv|tab)$/i.test(file) ? "\t" : ",";
  const header = lines[0].split(delimiter).map((h) => h.trim().replace(/^"(.*)"$/, "$1"));
  if (header.length < 2) throw new DataError(file, `row 1 (the header): expected at least two columns separated by "${delimiter === "\t" ? "\\t" : delimiter}", got ${header.length}`);
  const rows: number[][] = [];
  for (let r = 1; r < lines.length; r++) {
    if (lines[r].trim() === "") continue;
    const cells = lines[r].split(delimiter);
    if (cells.length !== header.length) throw new DataError(file, `row ${r + 1}: expected ${header.length} cells like the header, got ${cells.length}`);
    rows.push(
      cells.map((cell, c) => {
        const t = cell.trim().replace(/^"(.*)"$/, "$1");
        const v = t === "" ? NaN : Number(t);
        if (!Number.isFinite(v)) throw new DataError(file, `row ${r + 1}, column ${c + 1} ("${header[c]}"): expected a number, got "${t}"`);
        return v;
      }),
    );
  }
  if (rows.length === 0) throw new DataError(file, "no data rows after the header");
  const d = header.length - 1;
  const n = rows.length;
  const x = new Matrix(n, d, new Float32Array(n * d));
  rows.forEach((row, i) => x.data.set(row.slice(0, d), i * d));
  const target = rows.map((row) => row[d]);
  const isLabels = target.every((v) => Number.isInteger(v) && v >= 0 && v < MAX_CLASSES);
  if (isLabels) {
    const classes = Math.max(...target) + 1;
    return { data: { x, labels: Int32Array.from(target) }, inputs: d, description: `${classes} classes in "${header[d]}"` };
  }
  return { data: { x, y: new Matrix(n, 1, Float32Array.from(target)) }, inputs: d, description: `regression on "${header[d]}"` };
}
