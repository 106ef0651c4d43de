/**
 * A file written in pieces that appears complete or not at all: everything goes to a
 * temporary name beside the target (io/atomic.ts `tempPathFor`), which is fsynced and
 * renamed onto the target on commit(), and removed on abort().
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { DataError } from "../errors.js";
import { fsyncDir, tempPathFor, writeAll } from "./io/atomic.js";

export class OutputFile {
  readonly path: string;
  private readonly temp: string;
  private fd: number | null;

  constructor(path: string) {
    this.path = path;
    this.temp = tempPathFor(path);
    try {
      this.fd = openSync(this.temp, "wx", 0o644);
    } catch (err) {
      throw new DataError(path, `cannot write file: ${(err as Error).message}`);
    }
  }

  write(data: string | Uint8Array): void {
    if (this.fd === null) throw new DataError(this.path, "write after close");
    writeAll(this.fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
  }

  /** Overwrites bytes at `position` (a reserved header). */
  writeAt(data: Uint8Array, position: number): void {
    if (this.fd === null) throw new DataError(this.path, "write after close");
    writeSync(this.fd, data, 0, data.length, position);
  }

  commit(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.temp, this.path);
    fsyncDir(dirname(this.path));
  }

  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    try {
      unlinkSync(this.temp);
    } catch {
      // never created or already gone
    }
  }
}
