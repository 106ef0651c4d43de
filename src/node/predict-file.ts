/**
 * Predicting and scoring a data file with a model, streaming: the rows are read in blocks
 * (data/table.ts chunks), each block is encoded, run through the network and written out
 * (predict) or added to the scores (evaluate), so a file larger than memory works and the
 * output keeps the input order.
 *
 * Prediction files:
 *   CSV  regression: one column per target; classification: the label column (predicted
 *        class), then "p(<class>)" per class.
 *   .npy float32, regression (n, T) values; classification (n, C) probabilities, columns in
 *        the model's class order (model.json "label.classes").
 * Written to a temporary name and renamed at the end: a failed run leaves no partial file.
 */
import { encodeNpyHeader } from "../data/npy.js";
import { isNpyFile } from "../data/csv.js";
import type { TableChunk } from "../data/table.js";
import { ScoreAccumulator, type Scores } from "../model/metrics.js";
import { argmax, softmaxRows, type TabularModel } from "../model/tabular-model.js";
import { OutputFile } from "./output-file.js";
import { readTableFile } from "./table-file.js";
import { NpyFile, type NpyRows } from "./npy-file.js";
import { npyTable } from "../data/npy.js";
import { DataError } from "../errors.js";

export interface PredictFileOptions {
  /** Output file (.csv/.tsv or .npy); null writes CSV to `sink`. */
  out: string | null;
  sink?: (text: string) => void;
  onRows?: (rows: number) => void;
  delimiter?: string;
}

const NPY_HEADER_BYTES = 128;

/** Shortest text that reads back as the same float32 (9 significant digits always do). */
export function formatFloat32(v: number): string {
  return String(Number(v.toPrecision(9)));
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function missingPolicy(model: TabularModel): "mean" | "error" {
  return model.features.fill.some((f) => f !== null) ? "mean" : "error";
}

/** Rows per block of a streamed .npy input (as data/table.ts chunks CSV rows). */
export const NPY_BLOCK_ROWS = 16384;

/** Blocks of raw feature rows of `data` (CSV and .npy streamed), features first in each row. */
async function forEachBlock(model: TabularModel, data: string, labelled: { targetsFile?: string } | null, each: (chunk: TableChunk, stride: number) => void, delimiter?: string): Promise<void> {
  const schema = labelled === null ? { features: model.features.columns, targets: [] } : model.schema();
  const targets = labelled === null ? [] : model.targetNames;
  const common = { targets, classification: model.task === "classification", schema, missing: missingPolicy(model), requireTargets: labelled !== null };
  if (isNpyFile(data)) {
    if (labelled !== null && labelled.targetsFile === undefined) throw new DataError(data, "scoring .npy features needs the targets file (--targets)");
    forEachNpyBlock(data, labelled?.targetsFile, (x, y, firstRow) => {
      const t = npyTable(x, y, { classification: common.classification, missing: common.missing, schema: y === null ? { features: schema.features, targets: [] } : schema, firstRow });
      each({ rows: t.rows, values: t.values as Float32Array }, t.features.length + t.targets.length);
    });
    return;
  }
  await readTableFile(data, {
    ...common,
    delimiter,
    onChunks: (chunks, builder) => {
      for (const c of chunks) each(c, builder.columnCount);
    },
  });
}

/** The rows of a .npy features file (and its targets file) in blocks of NPY_BLOCK_ROWS; both files are checked before the first block. */
function forEachNpyBlock(data: string, targetsFile: string | undefined, each: (x: NpyRows, y: NpyRows | null, firstRow: number) => void): void {
  const x = new NpyFile(data);
  let y: NpyFile | null = null;
  try {
    y = targetsFile === undefined ? null : new NpyFile(targetsFile);
    if (y !== null && y.rows !== x.rows) throw new DataError(y.file, `${y.rows} rows of targets for ${x.rows} rows of features (${x.file})`);
    if (x.rows === 0) throw new DataError(data, "the array has no rows");
    for (let start = 0; start < x.rows; start += NPY_BLOCK_ROWS) each(x.readRows(start, NPY_BLOCK_ROWS), y?.readRows(start, NPY_BLOCK_ROWS) ?? null, start);
  } finally {
    x.close();
    y?.close();
  }
}

/** Writes the predictions for every row of `data`; returns the number of rows. */
export async function predictFile(model: TabularModel, data: string, options: PredictFileOptions): Promise<number> {
  const npy = options.out !== null && isNpyFile(options.out);
  const file = options.out === null ? null : new OutputFile(options.out);
  const emit = (text: string): void => (file === null ? options.sink?.(text) : file.write(text));
  const O = model.network.outputSize;
  const classification = model.task === "classification";
  const classes = model.outputNames;
  let rows = 0;
  try {
    // The header goes out with the first block, so a file rejected at its header prints nothing.
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      if (npy) file?.write(new Uint8Array(NPY_HEADER_BYTES));
      else {
        const head = classification ? [model.label?.column ?? "label", ...classes.map((c) => `p(${c})`)] : model.outputNames;
        emit(head.map(csvField).join(",") + "\n");
      }
    };
    await forEachBlock(
      model,
      data,
      null,
      (chunk, stride) => {
        start();
        const y = model.outputs(chunk.values, stride, chunk.rows, data);
        if (classification) {
          const p = Float32Array.from(y);
          softmaxRows(p, O);
          if (npy) file?.write(new Uint8Array(p.buffer, 0, chunk.rows * O * 4));
          else {
            const lines: string[] = [];
            for (let i = 0; i < chunk.rows; i++) {
              const probs = Array.from(p.subarray(i * O, (i + 1) * O), formatFloat32);
              lines.push([csvField(classes[argmax(y, i * O, O)]), ...probs].join(","));
            }
            emit(lines.join("\n") + "\n");
          }
        } else if (npy) file?.write(new Uint8Array(y.buffer, 0, chunk.rows * O * 4));
        else {
          const lines: string[] = [];
          for (let i = 0; i < chunk.rows; i++) lines.push(Array.from(y.subarray(i * O, (i + 1) * O), formatFloat32).join(","));
          emit(lines.join("\n") + "\n");
        }
        rows += chunk.rows;
        options.onRows?.(rows);
      },
      options.delimiter,
    );
    start();
    if (npy) file?.writeAt(encodeNpyHeader([rows, O], "<f4", NPY_HEADER_BYTES), 0);
    file?.commit();
  } catch (err) {
    file?.abort();
    throw err;
  }
  return rows;
}

/** Scores the model on every labelled row of `data`. */
export async function evaluateFile(model: TabularModel, data: string, options: { targetsFile?: string; delimiter?: string; onRows?: (rows: number) => void } = {}): Promise<Scores> {
  const acc = new ScoreAccumulator(model);
  let rows = 0;
  await forEachBlock(
    model,
    data,
    { targetsFile: options.targetsFile },
    (chunk, stride) => {
      acc.add(model.outputs(chunk.values, stride, chunk.rows, data), chunk.values, stride, model.features.columns.length, chunk.rows);
      rows += chunk.rows;
      options.onRows?.(rows);
    },
    options.delimiter,
  );
  if (rows === 0) throw new DataError(data, "no data rows to score");
  return acc.result();
}
