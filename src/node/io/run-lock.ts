/**
 * One writer per run folder. A process that writes a run or study folder holds its lock
 * file, `.tinygrow.lock` (JSON: pid, host, start time, command), created with O_EXCL, for
 * the life of the process: released on exit (normal, error, or a handled signal); after a
 * crash (SIGKILL, power loss) the lock names a dead process and the next opener takes it
 * over, saying so. A second live process is refused with the holder's pid. The same process
 * may open a folder it already holds (a study resumed in-process).
 *
 * Liveness: `kill(pid, 0)`, and on Linux the process start time from /proc/<pid>/stat, so
 * that a lock left by a dead process whose pid was reused later is still recognised as stale.
 * A lock from another host cannot be checked and is refused with its host named.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DataError } from "../../errors.js";

export const LOCK_FILE = ".tinygrow.lock";

interface LockInfo {
  pid: number;
  host: string;
  /** Start time of the process (Linux clock ticks since boot), or null where unknown. */
  processStart: number | null;
  since: string;
  command: string;
}

export interface RunLock {
  readonly file: string;
  /** Set when the lock of a dead process was taken over: what to tell the user. */
  readonly takeover: string | null;
  release(): void;
}

const held = new Map<string, RunLock>();
let exitHookInstalled = false;

/** Takes the lock of folder `dir` (which must exist) for this process; DataError if another live process holds it. */
export function acquireRunLock(dir: string): RunLock {
  const file = join(dir, LOCK_FILE);
  const mine = held.get(file);
  if (mine !== undefined) return mine;
  let takeover: string | null = null;
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(file)) break;
    const other = readLock(file);
    if (other === null) {
      if (attempt < 3) continue; // removed (or being written) meanwhile: try again
      throw new DataError(file, "the folder's lock file exists but cannot be read; if no tinygrow process uses the folder, delete the file");
    }
    if (other.pid === process.pid && other.host === hostname() && other.processStart === processStart(process.pid)) break; // this process's own, released or not
    if (other.host !== hostname()) {
      throw new DataError(dir, `is locked by tinygrow process ${other.pid} on host ${other.host} (since ${other.since}); if it is not running any more, delete ${file}`);
    }
    if (alive(other)) {
      throw new DataError(dir, `is being written by another tinygrow process (pid ${other.pid}, since ${other.since}: ${other.command}); one process at a time may write a run folder: wait for it to finish, or stop it (kill ${other.pid})`);
    }
    if (attempt >= 3 || !removeIfUnchanged(file, other)) continue;
    takeover = `took over the lock of ${dir} left by tinygrow process ${other.pid} (since ${other.since}), which is no longer running`;
  }
  const lock: RunLock = { file, takeover, release: () => release(file) };
  held.set(file, lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const f of [...held.keys()]) release(f);
    });
  }
  return lock;
}

function tryCreate(file: string): boolean {
  const info: LockInfo = { pid: process.pid, host: hostname(), processStart: processStart(process.pid), since: new Date().toISOString(), command: process.argv.slice(1).join(" ") };
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new DataError(file, `cannot create the folder's lock: ${(err as Error).message}`);
  }
  try {
    writeSync(fd, JSON.stringify(info) + "\n");
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as Partial<LockInfo>;
    if (typeof v.pid !== "number" || typeof v.host !== "string") return null;
    return { pid: v.pid, host: v.host, processStart: typeof v.processStart === "number" ? v.processStart : null, since: String(v.since), command: String(v.command) };
  } catch {
    return null;
  }
}

/** Whether the lock's process still runs (the same process, not a later one with its pid). */
function alive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(info.pid);
  // A zombie (state Z) has exited: only its parent has not collected it yet (a killed child
  // whose parent died too waits for init, which may take its time).
  if (stat !== null && stat[0] === "Z") return false;
  const start = startOf(stat);
  return info.processStart === null || start === null || start === info.processStart;
}

/** The fields of /proc/<pid>/stat after the command name (state first), or null off Linux. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or null off Linux. */
function startOf(stat: string[] | null): number | null {
  const v = Number(stat?.[19]);
  return Number.isFinite(v) ? v : null;
}

const processStart = (pid: number): number | null => startOf(procStat(pid));

/**
 * Removes a stale lock unless another process replaced it meanwhile: the file is first
 * renamed aside (atomic), then checked; a lock that turns out to be fresh is put back.
 */
function removeIfUnchanged(file: string, stale: LockInfo): boolean {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return false; // gone meanwhile
  }
  const moved = readLock(aside);
  if (moved !== null && (moved.pid !== stale.pid || moved.since !== stale.since)) {
    try {
      renameSync(aside, file);
    } catch {
      // could not restore; the next attempt reads whatever is there
    }
    return false;
  }
  unlinkSync(aside);
  return true;
}

function release(file: string): void {
  if (!held.delete(file)) return;
  const info = existsSync(file) ? readLock(file) : null;
  if (info !== null && info.pid === process.pid) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
