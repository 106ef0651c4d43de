/**
 * Reading a user's data file from disk (Node adapter): CSV/TSV streamed through csv-parse
 * into the core TableBuilder (data/table.ts, data/csv.ts), or NumPy .npy arrays (a features
 * file and an optional targets file) decoded by data/npy.ts.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { parse } from "csv-parse";
import { DataError } from "../errors.js";
import { delimiterFor, isNpyFile, readCsvInto, type CsvParseFactory } from "../data/csv.js";
import { npyTable } from "../data/npy.js";
import { readNpyMatrix } from "./npy-file.js";
import { TableBuilder, type TableChunk, type TableOptions, type TableResult } from "../data/table.js";

export interface ReadTableFileOptions extends Omit<TableOptions, "file"> {
  /** .npy only: the targets array (rows × targets, or a 1-D array). */
  targetsFile?: string;
  /** CSV field delimiter (default from the extension: tab for .tsv/.tab, else comma). */
  delimiter?: string;
  /** Streaming: receives each finished block of rows (then the result has no `values`). */
  onChunks?: (chunks: TableChunk[], builder: TableBuilder) => void | Promise<void>;
  /** Called with the bytes read so far (progress). */
  onBytes?: (bytes: number, total: number) => void;
}

function checkFile(path: string): number {
  if (!existsSync(path)) throw new DataError(path, "no such file");
  const st = statSync(path);
  if (!st.isFile()) throw new DataError(path, "not a file");
  return st.size;
}

/** Reads `path` (CSV/TSV or .npy by extension) into a table; see data/table.ts for the checks. */
export async function readTableFile(path: string, options: ReadTableFileOptions): Promise<TableResult> {
  const size = checkFile(path);
  if (isNpyFile(path)) return readNpyTable(path, options);
  if (options.targetsFile !== undefined) throw new DataError(options.targetsFile, "a separate targets file goes with .npy features only; a CSV file holds its target columns");
  const builder = new TableBuilder({ ...options, file: path });
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const streaming = options.onChunks;
  await readCsvInto(parse as unknown as CsvParseFactory, stream, builder, options.delimiter ?? delimiterFor(path), async (bytes) => {
    options.onBytes?.(bytes, size);
    if (streaming !== undefined) {
      const chunks = builder.takeChunks();
      if (chunks.length > 0) await streaming(chunks, builder);
    }
  });
  if (streaming === undefined) return builder.finish(true);
  const result = builder.finish(false);
  const last = builder.takeChunks();
  if (last.length > 0) await streaming(last, builder);
  return result;
}

function readNpyTable(path: string, options: ReadTableFileOptions): TableResult {
  if (options.features !== undefined && options.features.length > 0) throw new DataError(path, "--features selects CSV columns; a .npy file's columns are all features");
  if ((options.categorical ?? []).length > 0) throw new DataError(path, "--categorical applies to CSV columns; a .npy array holds numbers only");
  const x = readNpyMatrix(path);
  const y = options.targetsFile === undefined ? null : readNpyMatrix(options.targetsFile);
  if (y === null && (options.requireTargets ?? true) && options.targets.length > 0 && options.schema === undefined) {
    throw new DataError(path, "a .npy features file needs its targets file (--train-targets / --test-targets)");
  }
  if (y === null && (options.requireTargets ?? true) && options.schema !== undefined && options.schema.targets.length > 0) {
    throw new DataError(path, "a .npy features file needs its targets file (--test-targets / --targets)");
  }
  return npyTable(x, y, { classification: options.classification, missing: options.missing ?? "error", schema: options.schema });
}
