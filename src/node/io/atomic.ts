/**
 * Crash-safe file writes. A file is written to a temporary name in the same folder, flushed
 * to disk (fsync), then moved into place with one rename, so a reader sees either the old
 * file or the complete new one, never a partial file. The folder is fsynced afterwards so
 * the rename itself survives a power loss (POSIX; skipped where a folder cannot be opened).
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DataError } from "../../errors.js";

export interface AtomicWriteOptions {
  /**
   * When false, the write fails with a DataError if `path` already exists (the check and
   * the move are one atomic `link`, so two writers cannot both succeed). Default true.
   */
  overwrite?: boolean;
}

/** A temporary name beside `path`, unique per call: `.name.tmp-<pid>-<random>`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Writes all of `data` to an open descriptor (writeSync may write less than asked). */
export function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

/** fsyncs a folder so that a rename or a new file inside it is durable; best effort. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) and file systems cannot open or fsync a folder.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Atomically replaces (or, with `overwrite: false`, creates) `path` with `data`.
 * Throws DataError naming the file on any failure; the temporary file is removed.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const temp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", 0o644);
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.overwrite === false) {
      linkSync(temp, path); // fails with EEXIST instead of replacing
      unlinkSync(temp);
    } else {
      renameSync(temp, path);
    }
    fsyncDir(dirname(path));
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already moved or never created
    }
    if (errnoOf(err) === "EEXIST") throw new DataError(path, "already exists; refusing to overwrite it");
    throw new DataError(path, `cannot write file: ${(err as Error).message}`);
  }
}
