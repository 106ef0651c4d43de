/**
 * One coordinator per sweep folder: an exclusive lock file created with O_EXCL, holding the
 * holder's pid and host, removed on exit. A lock left by a dead process on this host is
 * taken over with a message; a live holder (or one on another host) is a clear error
 * naming it. (Minimal; to be replaced by the run-folder lock of the reliability work.)
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DataError } from "../../errors.js";

export const LOCK_FILE = ".lock";

interface Holder {
  pid: number;
  host: string;
  since: string;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Takes the lock of `dir` for this process; `notice` gets the take-over message of a stale lock. */
export function lockFolder(dir: string, what: string, notice: (line: string) => void = () => {}): { release(): void } {
  const path = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(me) + "\n");
      closeSync(fd);
      const release = (): void => {
        try {
          if ((JSON.parse(readFileSync(path, "utf8")) as Holder).pid === process.pid) unlinkSync(path);
        } catch {
          // already gone
        }
        process.off("exit", release);
      };
      process.on("exit", release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new DataError(path, `cannot create the lock: ${(err as Error).message}`);
    }
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(readFileSync(path, "utf8")) as Holder;
    } catch {
      holder = null;
    }
    if (holder !== null && (holder.host !== me.host || alive(holder.pid))) {
      throw new DataError(dir, `${what} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}); wait for it to finish or stop it (lock file ${path})`);
    }
    notice(`${what}: taking over the lock of process ${holder?.pid ?? "?"}, which is no longer running`);
    try {
      unlinkSync(path);
    } catch {
      // taken meanwhile: the next attempt reports the new holder
    }
  }
  throw new DataError(path, `cannot take the lock of ${what}`);
}
