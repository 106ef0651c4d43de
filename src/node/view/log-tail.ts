/**
 * Follows a run's JSON-lines log as it grows: each `poll()` reads the bytes appended since
 * the last one and returns the complete lines as records. A last line without its newline
 * is kept back until it is complete (the run is writing it) or, if it never completes, shown
 * as the run's torn tail. A log that shrank (a resumed run cuts it back to its checkpoint) is
 * read again from the start.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { parseLogText, type LogRecord } from "../../view/run-log.js";

export interface TailUpdate {
  /** The records before these were dropped (the log was cut back): start again from these. */
  reset: boolean;
  records: LogRecord[];
  /** Lines that are not JSON objects: "line N: why". */
  problems: string[];
}

export class LogTail {
  private offset = 0;
  private lines = 0;
  private pending = Buffer.alloc(0);
  /** Milliseconds since the epoch of the log's last change (0 before the first poll). */
  modifiedMs = 0;

  constructor(readonly path: string) {}

  /** The trailing text without its newline, if any (a torn or in-progress last line). */
  get partial(): string {
    return this.pending.toString("utf8");
  }

  /** Records appended since the last poll (null when nothing changed or the file is missing). */
  poll(): TailUpdate | null {
    const stat = statSync(this.path, { throwIfNoEntry: false });
    if (stat === undefined) return null;
    this.modifiedMs = stat.mtimeMs;
    let reset = false;
    if (stat.size < this.offset) {
      this.offset = 0;
      this.lines = 0;
      this.pending = Buffer.alloc(0);
      reset = true;
    }
    if (stat.size === this.offset && !reset) return null;
    const fresh = Buffer.alloc(stat.size - this.offset);
    const fd = openSync(this.path, "r");
    try {
      let read = 0;
      while (read < fresh.length) {
        const n = readSync(fd, fresh, read, fresh.length - read, this.offset + read);
        if (n === 0) break;
        read += n;
      }
      this.offset += read;
    } finally {
      closeSync(fd);
    }
    const text = Buffer.concat([this.pending, fresh]);
    const lastNewline = text.lastIndexOf(10);
    const complete = lastNewline === -1 ? "" : text.toString("utf8", 0, lastNewline + 1);
    this.pending = lastNewline === -1 ? text : text.subarray(lastNewline + 1);
    const parsed = parseLogText(complete, this.lines + 1);
    this.lines += complete.split("\n").length - 1;
    return { reset, records: parsed.records, problems: parsed.bad.map((b) => `line ${b.line}: ${b.error}`) };
  }
}
