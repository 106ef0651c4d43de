import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { createRunFolder, readManifest, resumeRunFolder, softwareVersions, type RunManifestInput } from "./run-folder.js";
import { tempDir } from "../../test-support/temp-dir.js";

const input: RunManifestInput = {
  config: { training: { epochs: 3 } },
  seed: 7,
  kernels: { name: "portable", reason: "requested" },
  versions: { tinygrow: "0.1.0", node: "20" },
  dataSplit: { trainOpt: 100, trainLs: 100, trainGr: 100 },
};

test("a new run folder gets a manifest with start time, seed, kernels and split", () => {
  const dir = join(tempDir("tg-run-"), "nested", "run1");
  const run = createRunFolder(dir, input, new Date("2025-01-02T03:04:05Z"));
  const written = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  assert.equal(written.startedAt, "2025-01-02T03:04:05.000Z");
  assert.equal(written.seed, 7);
  assert.deepEqual(written.dataSplit, input.dataSplit);
  assert.equal(run.file("log.jsonl"), join(run.dir, "log.jsonl"));
});

test("starting a new run where one exists fails, naming the folder and --resume / --out", () => {
  const dir = tempDir("tg-run-");
  createRunFolder(dir, input);
  const before = readFileSync(join(dir, "manifest.json"), "utf8");
  assert.throws(
    () => createRunFolder(dir, { ...input, seed: 8 }),
    (err: unknown) => err instanceof DataError && err.file === dir && /already holds a run/.test(err.message) && /--resume/.test(err.message) && /--out/.test(err.message),
  );
  assert.equal(readFileSync(join(dir, "manifest.json"), "utf8"), before);
});

test("a non-empty folder without a run is refused too", () => {
  const dir = tempDir("tg-run-");
  writeFileSync(join(dir, "notes.txt"), "mine");
  assert.throws(() => createRunFolder(dir, input), /is not empty \(notes\.txt\)/);
  const file = join(dir, "notes.txt");
  assert.throws(() => createRunFolder(file, input), /exists and is not a folder/);
});

test("resuming records the resume time; resuming nothing or garbage is a clear error", () => {
  const dir = tempDir("tg-run-");
  createRunFolder(dir, input);
  const run = resumeRunFolder(dir, new Date("2025-02-01T00:00:00Z"));
  assert.deepEqual(run.manifest.resumedAt, ["2025-02-01T00:00:00.000Z"]);
  assert.deepEqual(readManifest(dir).resumedAt, ["2025-02-01T00:00:00.000Z"]);
  const empty = tempDir("tg-run-");
  assert.throws(() => resumeRunFolder(empty), /manifest\.json: no run to resume here/);
  const bad = join(empty, "bad");
  mkdirSync(bad);
  writeFileSync(join(bad, "manifest.json"), JSON.stringify({ formatVersion: 99 }));
  assert.throws(() => readManifest(bad), /not a tinygrow run manifest \(format 1\): formatVersion/);
});

test("softwareVersions names tinygrow and node", () => {
  const v = softwareVersions();
  assert.equal(v.tinygrow, "0.1.0");
  assert.equal(v.node, process.versions.node);
});
