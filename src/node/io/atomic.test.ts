import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { writeFileAtomic } from "./atomic.js";
import { tempDir } from "../../test-support/temp-dir.js";

test("writeFileAtomic replaces a file and leaves no temporary file", () => {
  const dir = tempDir("tg-atomic-");
  const path = join(dir, "a.json");
  writeFileSync(path, "old");
  writeFileAtomic(path, "new");
  assert.equal(readFileSync(path, "utf8"), "new");
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("overwrite: false refuses an existing file, naming it, and keeps its contents", () => {
  const dir = tempDir("tg-atomic-");
  const path = join(dir, "a.json");
  writeFileAtomic(path, "first", { overwrite: false });
  assert.throws(
    () => writeFileAtomic(path, "second", { overwrite: false }),
    (err: unknown) => err instanceof DataError && err.file === path && /already exists/.test(err.message),
  );
  assert.equal(readFileSync(path, "utf8"), "first");
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("a write into a missing folder is a DataError naming the file", () => {
  const path = join(tmpdir(), "tg-no-such-folder-xyz", "a.json");
  assert.throws(() => writeFileAtomic(path, "x"), (err: unknown) => err instanceof DataError && err.message.startsWith(path) && /cannot write/.test(err.message));
});
