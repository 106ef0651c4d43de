/**
 * CSV / TSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, a
 * header row) into a TableBuilder, streaming. The tokenizer is csv-parse, passed in as its
 * `parse` factory because the library ships one build per platform: the Node adapter
 * passes `parse` from "csv-parse" (node:stream), the browser `parse` from
 * "csv-parse/browser/esm". Both are Node-style transform streams; this module only writes
 * chunks into one and receives each record with its line number (csv-parse's `on_record`).
 */
import { DataError } from "../errors.js";
import type { TableBuilder } from "./table.js";

/** The part of a csv-parse stream used here. */
export interface CsvParserStream {
  write(chunk: string | Uint8Array): boolean;
  end(): void;
  once(event: "drain" | "finish" | "end" | "error", listener: (err?: unknown) => void): unknown;
  on(event: "error" | "data" | "end", listener: (arg?: unknown) => void): unknown;
  resume(): unknown;
}

/** The options of csv-parse used here (a subset of its Options type). */
export interface CsvParseOptions {
  delimiter: string;
  bom: boolean;
  relax_column_count: boolean;
  skip_empty_lines: boolean;
  on_record: (record: string[], context: { lines: number }) => null;
}

export type CsvParseFactory = (options: CsvParseOptions) => CsvParserStream;

/** "\t" for .tsv / .tab files, "," otherwise. */
export function delimiterFor(file: string): string {
  return /\.(tsv|tab)$/i.test(file) ? "\t" : ",";
}

/** Whether a file name is a NumPy array. */
export function isNpyFile(file: string): boolean {
  return /\.npy$/i.test(file);
}

interface CsvErrorLike {
  code?: string;
  lines?: number;
  message: string;
}

/**
 * Feeds `chunks` (bytes or text, any split) through csv-parse into `builder`: the first
 * record is the header. `onProgress(rows)` runs after each chunk with the rows read so far
 * (a streaming consumer takes the builder's finished chunks there). Errors: the builder's
 * DataError as thrown, csv-parse's (an unclosed quote, …) as a DataError naming the line.
 */
export async function readCsvInto(
  parse: CsvParseFactory,
  chunks: AsyncIterable<string | Uint8Array>,
  builder: TableBuilder,
  delimiter: string,
  onProgress?: (bytes: number) => void | Promise<void>,
): Promise<void> {
  const file = builder.options.file;
  let failure: unknown = null;
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    on_record: (record, context) => {
      if (failure !== null) return null;
      try {
        if (!builder.hasHeader) builder.setHeader(record);
        else builder.addRow(record, context.lines);
      } catch (err) {
        failure = err;
      }
      return null;
    },
  });
  const ended = new Promise<void>((resolve, reject) => {
    parser.on("error", (err) => reject(err));
    parser.on("end", () => resolve());
    parser.resume();
  });
  ended.catch(() => {});
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      const ok = parser.write(chunk);
      if (failure !== null) throw failure;
      if (!ok) await new Promise<void>((resolve) => parser.once("drain", () => resolve()));
      if (failure !== null) throw failure;
      await onProgress?.(bytes);
    }
    parser.end();
    await ended;
  } catch (err) {
    if (failure !== null) throw failure;
    const e = err as CsvErrorLike;
    if (typeof e.code === "string" && e.code.startsWith("CSV_")) throw new DataError(file, `line ${e.lines ?? "?"}: ${e.message}`);
    throw err;
  }
  if (failure !== null) throw failure;
}
