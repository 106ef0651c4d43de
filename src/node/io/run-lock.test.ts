import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { acquireRunLock, LOCK_FILE } from "./run-lock.js";
import { tempDir } from "../../test-support/temp-dir.js";

const lockOf = (dir: string): { pid: number } => JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number };
const fakeLock = (dir: string, fields: Record<string, unknown>): void =>
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), processStart: null, since: "2026-01-01T00:00:00.000Z", command: "tinygrow mnist", ...fields }));

test("the lock names this process, is re-entrant in it, and is removed on release", () => {
  const dir = tempDir("tinygrow-lock-");
  const lock = acquireRunLock(dir);
  assert.equal(lock.takeover, null);
  assert.equal(lockOf(dir).pid, process.pid);
  assert.equal(acquireRunLock(dir), lock);
  lock.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
});

test("a live holder is refused by pid; another host is refused by name", async () => {
  const dir = tempDir("tinygrow-lock-");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    fakeLock(dir, { pid: child.pid });
    assert.throws(() => acquireRunLock(dir), (e: unknown) => e instanceof DataError && new RegExp(`is being written by another tinygrow process \\(pid ${child.pid}, since 2026-01-01T00:00:00.000Z: tinygrow mnist\\).*kill ${child.pid}`).test(e.message));
  } finally {
    child.kill("SIGKILL");
  }
  fakeLock(dir, { pid: process.pid, host: "elsewhere.example" });
  assert.throws(() => acquireRunLock(dir), (e: unknown) => e instanceof DataError && /locked by tinygrow process \d+ on host elsewhere\.example/.test(e.message));
});

test("the lock of a dead process, or of a pid reused by a later process, is taken over with a message", () => {
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
  for (const [what, fields] of [["dead pid", { pid: dead }], ["reused pid", { pid: process.pid, processStart: 1 }]] as const) {
    const dir = tempDir("tinygrow-lock-");
    fakeLock(dir, fields);
    const lock = acquireRunLock(dir);
    assert.match(lock.takeover ?? "", new RegExp(`took over the lock of .* left by tinygrow process ${fields.pid} \\(since 2026-01-01T00:00:00.000Z\\), which is no longer running`), what);
    assert.equal(lockOf(dir).pid, process.pid, what);
    lock.release();
  }
});

test("the lock is released when the process exits, and stays (stale) after SIGKILL", () => {
  const url = new URL("./run-lock.js", import.meta.url).href;
  for (const [how, end] of [["exit", "process.exitCode = 3;"], ["throw", "throw new Error('boom');"], ["SIGKILL", "process.kill(process.pid, 'SIGKILL');"]] as const) {
    const dir = tempDir("tinygrow-lock-");
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const { acquireRunLock } = await import(${JSON.stringify(url)}); acquireRunLock(${JSON.stringify(dir)}); ${end}`], { encoding: "utf8" });
    assert.ok(r.status !== 0 || r.signal !== null, how);
    assert.equal(existsSync(join(dir, LOCK_FILE)), how === "SIGKILL", how);
  }
});
