/**
 * Creating a folder and its missing parents, one level at a time. Node's recursive mkdir can
 * spin forever at full CPU on file systems that refuse new entries with ENOENT (procfs:
 * `--out /proc/x`), and reports a read-only file system as ENOENT for a nested folder; here
 * every level is created on its own and the first failure is reported with its real cause.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DataError } from "../../errors.js";

const CAUSES: Record<string, string> = {
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a parent is not a folder",
  ENAMETOOLONG: "the name is too long",
  ENOENT: "this file system does not allow creating folders here",
};

/** Creates `dir` and its missing parents; DataError naming the level that failed and why (errno). */
export function makeFolder(dir: string, what = "folder"): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && dirname(p) !== p) {
        missing.push(p);
        continue;
      }
      throw failure(abs, p, what, err);
    }
    if (!isDir) throw new DataError(abs, `cannot create the ${what}: ${p} exists and is not a folder`);
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && statSync(p).isDirectory()) continue; // made meanwhile
      throw failure(abs, p, what, err);
    }
  }
}

function failure(abs: string, at: string, what: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const cause = CAUSES[code] ?? (err as Error).message;
  return new DataError(abs, `cannot create the ${what}${at === abs ? "" : ` (at ${at})`}: ${cause} (${code || "error"})`);
}
