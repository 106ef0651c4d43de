/**
 * A CSV/TSV file dropped on the playground, read by the core reader (data/csv.ts into the
 * TableBuilder of data/table.ts: the checks and messages of `tinygrow grow --train`) fed by
 * csv-parse's browser build. The target is a named column, by default the last one. The task
 * is given, or follows the target's values: labels (any value that is not a number, or
 * integers with at most MAX_CLASSES distinct values) make a classification, anything else a
 * regression.
 */
import { parse } from "csv-parse/browser/esm";
import { parse as parseSync } from "csv-parse/browser/esm/sync";
import { delimiterFor, readCsvInto, type CsvParseFactory } from "../data/csv.js";
import { TableBuilder, type ColumnSpec, type TableResult } from "../data/table.js";
import type { Task } from "../model/tabular-model.js";

export const MAX_CLASSES = 50;

export interface CsvTableOptions {
  /** The target column (default the last column of the header). */
  target?: string;
  /** Feature columns to one-hot encode. */
  categorical?: readonly string[];
  /** Classification or regression (default: from the target's values). */
  task?: Task;
}

export interface CsvTable {
  table: TableResult & { values: Float32Array };
  task: Task;
}

/** The header's last field, or undefined for an empty file (the reader then says so). */
function lastColumn(text: string, delimiter: string): string | undefined {
  const [header] = parseSync(text, { delimiter, bom: true, to_line: 1, relax_column_count: true }) as string[][];
  return header?.[header.length - 1]?.trim();
}

/** The file's text in pieces of 1 MiB (the reader takes a stream of chunks). */
async function* chunksOf(text: string): AsyncIterable<string> {
  for (let i = 0; i < text.length; i += 1 << 20) yield text.slice(i, i + (1 << 20));
}

async function read(text: string, file: string, delimiter: string, target: string | undefined, categorical: readonly string[], classification: boolean): Promise<TableResult & { values: Float32Array }> {
  const builder = new TableBuilder({ file, targets: target === undefined ? [] : [target], categorical, classification });
  // csv-parse 6.2's browser build throws on empty input (its stream has no destroy()); an
  // empty file goes straight to the builder, which says what was expected.
  if (text !== "") await readCsvInto(parse as unknown as CsvParseFactory, chunksOf(text), builder, delimiter);
  return builder.finish(true) as TableResult & { values: Float32Array };
}

/** Reads `bytes` (file name `file`: .tsv/.tab are tab-separated); DataError naming the line and column of any bad cell. */
export async function readCsvTable(bytes: Uint8Array, file: string, options: CsvTableOptions = {}): Promise<CsvTable> {
  const text = new TextDecoder("utf-8").decode(bytes);
  const delimiter = delimiterFor(file);
  const target = options.target !== undefined && options.target !== "" ? options.target : lastColumn(text, delimiter);
  const categorical = options.categorical ?? [];
  if (options.task !== undefined) return { table: await read(text, file, delimiter, target, categorical, options.task === "classification"), task: options.task };
  const asLabels = await read(text, file, delimiter, target, categorical, true);
  const classes = (asLabels.targets[0] as Extract<ColumnSpec, { kind: "categorical" }>).categories;
  const numbers = classes.every((c) => Number.isFinite(Number(c)));
  const labels = !numbers || (classes.length <= MAX_CLASSES && classes.every((c) => Number.isInteger(Number(c))));
  if (labels) return { table: asLabels, task: "classification" };
  return { table: await read(text, file, delimiter, target, categorical, false), task: "regression" };
}
