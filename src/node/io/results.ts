/**
 * The run log: JSON lines, one record per step, each written with a single write (so a
 * killed process loses at most the record being written) and, by default, fsynced before
 * `append` returns. A growth run's log (`syncEach: false`) is fsynced by `sync()` before each
 * checkpoint instead: resume cuts the log back to the checkpoint's record count anyway, so
 * only the records a checkpoint counts must be on disk (an fsync per epoch record was a third
 * of a small table's growth time). A torn
 * last line (no final newline) is reported by the reader and cut off, into a side file, when
 * the log is reopened to resume: nothing already written is thrown away.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync } from "node:fs";
import { DataError } from "../../errors.js";
import { faultPoint } from "../fault-points.js";
import { writeAll, writeFileAtomic } from "./atomic.js";

export type { StepRecord } from "../../experiments/growth-run.js";

/** A trailing line without its newline: the record being written when the process stopped. */
export interface TornLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset where it starts (= the length of the intact part of the file). */
  offset: number;
  text: string;
}

export interface JsonlContents<T> {
  records: T[];
  /** Byte length of the complete lines. */
  bytes: number;
  torn: TornLine | null;
}

/**
 * Reads a JSON-lines file. A torn last line is returned in `torn`, not thrown; a malformed
 * complete line is a DataError naming the file, line and byte offset.
 */
export function readJsonl<T = unknown>(path: string): JsonlContents<T> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new DataError(path, `cannot read log: ${(err as Error).message}`);
  }
  const records: T[] = [];
  let start = 0;
  let line = 1;
  for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start), line++) {
    const text = buf.toString("utf8", start, nl);
    if (text.trim() !== "") {
      try {
        records.push(JSON.parse(text) as T);
      } catch (err) {
        throw new DataError(path, `line ${line}: invalid JSON (${(err as Error).message})`, start);
      }
    }
    start = nl + 1;
  }
  const torn = start < buf.length ? { line, offset: start, text: buf.toString("utf8", start) } : null;
  return { records, bytes: start, torn };
}

/** Appends records to a JSON-lines file; every `append` is durable when it returns. */
export class JsonlWriter {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    /** Records already in the file when it was opened. */
    private count: number,
    /** fsync after every record (else only in `sync`). */
    private readonly syncEach = true,
  ) {
    this.fd = fd;
  }

  /** Creates a new log; fails (DataError) if the file exists, so no log is overwritten. */
  static create(path: string, options: { syncEach?: boolean } = {}): JsonlWriter {
    try {
      return new JsonlWriter(path, openSync(path, "wx"), 0, options.syncEach);
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === "EEXIST";
      throw new DataError(path, exists ? "log already exists; resume the run with --resume instead" : `cannot create log: ${(err as Error).message}`);
    }
  }

  /**
   * Reopens a log to resume a run. A torn last line is moved to a side file and cut off.
   * With `keepRecords` (the log position saved in a checkpoint), records after it are moved
   * to the side file too, so that the resumed run writes them again in order. With `keepIf`
   * instead (a log that several writers' records interleave, each checkpointed with its own
   * count), the records it rejects go to the side file, wherever they are, and the kept ones
   * stay in their order (the file is rewritten atomically unless they are a prefix).
   */
  static resume(path: string, options: { keepRecords?: number; keepIf?: (record: Record<string, unknown>, index: number) => boolean; syncEach?: boolean } = {}): { writer: JsonlWriter; resumed: JsonlResume } {
    if (!existsSync(path)) throw new DataError(path, "log to resume does not exist");
    const { records, bytes, torn } = readJsonl<Record<string, unknown>>(path);
    const keepIf = options.keepIf;
    const kept = keepIf ? records.map((r, i) => keepIf(r, i)) : null;
    // The kept records that come before any rejected one.
    const firstRejected = kept ? kept.indexOf(false) : -1;
    const prefix = kept ? (firstRejected === -1 ? records.length : firstRejected) : (options.keepRecords ?? records.length);
    const keep = kept ? kept.filter(Boolean).length : prefix;
    if (!Number.isInteger(keep) || keep < 0 || keep > records.length) {
      throw new DataError(path, `cannot resume at record ${keep}: the log holds ${records.length} complete records`);
    }
    const buf = readFileSync(path);
    let discardedTo: string | null = null;
    if (kept !== null && kept.slice(prefix).some(Boolean)) {
      // Kept records after a rejected one: split the lines, then replace the file atomically.
      const lines = recordLines(buf, records.length);
      const keptBytes = Buffer.concat(lines.filter((_, i) => kept[i]));
      const dropped = Buffer.concat([...lines.filter((_, i) => !kept[i]), buf.subarray(bytes)]);
      discardedTo = freeSidePath(path);
      writeFileAtomic(discardedTo, dropped, { overwrite: false });
      writeFileAtomic(path, keptBytes);
    } else {
      const cut = prefix === records.length ? bytes : offsetAfterRecords(buf, prefix);
      if (cut < buf.length) {
        discardedTo = freeSidePath(path);
        writeFileAtomic(discardedTo, buf.subarray(cut), { overwrite: false });
      }
      const fd = openSync(path, "r+");
      if (cut < buf.length) {
        ftruncateSync(fd, cut);
        fsyncSync(fd);
      }
      closeSync(fd);
    }
    const writer = new JsonlWriter(path, openSync(path, "a"), keep, options.syncEach);
    const keptRecords = kept ? records.filter((_, i) => kept[i]) : records.slice(0, keep);
    const resumed: JsonlResume = {
      records: keep,
      lastRecord: keep > 0 ? keptRecords[keep - 1] : null,
      torn,
      discardedRecords: records.length - keep,
      discardedTo,
    };
    return { writer, resumed };
  }

  /** Number of records in the file (earlier ones included). */
  get records(): number {
    return this.count;
  }

  /** Writes one record as one line (and fsyncs it, unless created with syncEach false). */
  append(record: object): void {
    if (this.fd === null) throw new DataError(this.path, "log is closed");
    const line = JSON.stringify(record);
    if (line === undefined || line.includes("\n")) throw new DataError(this.path, "record does not serialise to a single JSON line");
    try {
      writeAll(this.fd, Buffer.from(line + "\n", "utf8"));
      if (this.syncEach) fsyncSync(this.fd);
    } catch (err) {
      throw new DataError(this.path, `cannot append record ${this.count + 1}: ${(err as Error).message}`);
    }
    this.count++;
    faultPoint("log-record");
  }

  /** fsyncs the records written so far (before a checkpoint that counts them). */
  sync(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } catch (err) {
      throw new DataError(this.path, `cannot sync the log: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.fd !== null) {
      if (!this.syncEach) fsyncSync(this.fd);
      closeSync(this.fd);
    }
    this.fd = null;
  }
}

/** What `JsonlWriter.resume` found and did. */
export interface JsonlResume {
  /** Records kept (the writer appends after them). */
  records: number;
  lastRecord: Record<string, unknown> | null;
  torn: TornLine | null;
  /** Complete records moved out because they came after `keepRecords`. */
  discardedRecords: number;
  /** The side file holding what was cut off, or null when nothing was. */
  discardedTo: string | null;
}

/** The first `n` non-empty lines of `buf`, each with its newline (the blank lines before one go with it). */
function recordLines(buf: Buffer, n: number): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let from = 0; lines.length < n; ) {
    const nl = buf.indexOf(10, from);
    if (buf.toString("utf8", from, nl).trim() !== "") {
      lines.push(buf.subarray(start, nl + 1));
      start = nl + 1;
    }
    from = nl + 1;
  }
  return lines;
}

/** Byte offset just after the `n`-th non-empty line. */
function offsetAfterRecords(buf: Buffer, n: number): number {
  let start = 0;
  let seen = 0;
  while (seen < n) {
    const nl = buf.indexOf(10, start);
    if (buf.toString("utf8", start, nl).trim() !== "") seen++;
    start = nl + 1;
  }
  return start;
}

function freeSidePath(path: string): string {
  for (let k = 1; ; k++) {
    const candidate = `${path}.discarded-${k}`;
    if (!existsSync(candidate)) return candidate;
  }
}
