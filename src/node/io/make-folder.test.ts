import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { makeFolder } from "./make-folder.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { mountTmpfs } from "../../test-support/tmpfs.js";

const fails = (dir: string, pattern: RegExp) => assert.throws(() => makeFolder(dir, "run folder"), (e: unknown) => e instanceof DataError && pattern.test(e.message));

test("makeFolder creates the missing levels and accepts an existing folder", () => {
  const base = tempDir("tinygrow-mkdir-");
  makeFolder(join(base, "a", "b", "c"));
  assert.ok(statSync(join(base, "a", "b", "c")).isDirectory());
  makeFolder(join(base, "a", "b", "c"));
  writeFileSync(join(base, "file"), "x");
  fails(join(base, "file"), /cannot create the run folder: .*\/file exists and is not a folder/);
  fails(join(base, "file", "sub"), /cannot create the run folder: a parent is not a folder \(ENOTDIR\)/);
});

test("--out under /proc fails at once with the cause (Node's recursive mkdir spins forever there)", { skip: process.platform === "linux" && existsSync("/proc/self") ? false : "needs Linux procfs" }, () => {
  fails("/proc/tinygrow-out/run", /cannot create the run folder \(at \/proc\/tinygrow-out\): this file system does not allow creating folders here \(ENOENT\)/);
});

const readOnly = mountTmpfs("ro,size=64k");
test("a read-only file system is reported as such (EROFS), not as ENOENT", { skip: "skip" in readOnly ? readOnly.skip : false }, () => {
  if ("skip" in readOnly) return;
  try {
    fails(join(readOnly.dir, "runs", "x"), /\(at .*\/runs\): the file system is read-only \(EROFS\)/);
  } finally {
    readOnly.unmount();
  }
});

const full = mountTmpfs("size=64k,nr_inodes=4");
test("a full file system is reported as such (ENOSPC)", { skip: "skip" in full ? full.skip : false }, () => {
  if ("skip" in full) return;
  try {
    assert.throws(() => {
      for (let i = 0; i < 10; i++) makeFolder(join(full.dir, `d${i}`));
    }, (e: unknown) => e instanceof DataError && /no space left on the device \(ENOSPC\)/.test(e.message));
  } finally {
    full.unmount();
  }
});

test("a folder without write permission is reported as EACCES", { skip: process.getuid?.() === 0 ? "root may write anywhere: EACCES cannot happen" : false }, () => {
  const base = tempDir("tinygrow-mkdir-");
  chmodSync(base, 0o555);
  try {
    fails(join(base, "x"), /permission denied \(EACCES\)/);
  } finally {
    chmodSync(base, 0o755);
  }
});
