import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { dataRoot, defaultCacheRoot, dirsFor, fetchDir, locateFiles, searchDirs } from "./data-dir.js";
import { tempDir } from "../../test-support/temp-dir.js";

test("data-dir: the cache follows XDG_CACHE_HOME, else HOME/.cache", () => {
  assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: "/xdg", HOME: "/home/u" }), "/xdg/tinygrow");
  assert.equal(defaultCacheRoot({ HOME: "/home/u" }), "/home/u/.cache/tinygrow");
  assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: "relative", HOME: "/home/u" }), "/home/u/.cache/tinygrow");
});

test("data-dir: --data-dir wins over TINYGROW_DATA_DIR, then the cache, then system folders", () => {
  const env = { TINYGROW_DATA_DIR: "/env", HOME: "/h" };
  assert.deepEqual(searchDirs({ dataset: "mnist", flag: "/flag", env }), [
    { dir: "/flag/mnist", source: "--data-dir" },
    { dir: "/flag", source: "--data-dir" },
    { dir: "/h/.cache/tinygrow/mnist", source: "cache" },
  ]);
  assert.deepEqual(
    searchDirs({ dataset: "fashion-mnist", env, systemDirs: ["/usr/share/datasets/fashion-mnist"] }).map((d) => `${d.source}:${d.dir}`),
    ["TINYGROW_DATA_DIR:/env/fashion-mnist", "TINYGROW_DATA_DIR:/env", "cache:/h/.cache/tinygrow/fashion-mnist", "system:/usr/share/datasets/fashion-mnist"],
  );
  // The cache given explicitly is not listed twice.
  assert.equal(searchDirs({ dataset: "mnist", flag: "/h/.cache/tinygrow", env: { HOME: "/h" } }).length, 2);
  assert.deepEqual(fetchDir({ dataset: "mnist", flag: "/flag", env }), { dir: "/flag/mnist", source: "--data-dir" });
  assert.deepEqual(fetchDir({ dataset: "mnist", env }), { dir: "/env/mnist", source: "TINYGROW_DATA_DIR" });
  assert.deepEqual(dataRoot({ env: { HOME: "/h" } }), { dir: "/h/.cache/tinygrow", source: "cache" });
  assert.deepEqual(dirsFor("mnist", "/d").map((d) => d.dir), ["/d/mnist", "/d"]);
});

test("data-dir: files are found gzip or decompressed, in the first complete folder", () => {
  const root = tempDir("tinygrow-dirs-");
  mkdirSync(join(root, "a"));
  mkdirSync(join(root, "b"));
  writeFileSync(join(root, "a", "x.gz"), "");
  writeFileSync(join(root, "b", "x"), "");
  writeFileSync(join(root, "b", "y.gz"), "");
  const dirs = [
    { dir: join(root, "a"), source: "--data-dir" as const },
    { dir: join(root, "b"), source: "cache" as const },
  ];
  const got = locateFiles(["x.gz", "y.gz"], dirs, "demo", "hint");
  assert.equal(got.dir.dir, join(root, "b"));
  assert.deepEqual(got.paths, [join(root, "b", "x"), join(root, "b", "y.gz")]);
  const skipped = () => locateFiles(["x.gz", "y.gz"], dirs, "demo", "hint", (paths) => (paths[0].endsWith("x") ? "it holds other files" : null));
  assert.throws(skipped, /b \[cache\]: skipped, it holds other files/);
});

test("data-dir: missing files list every folder searched and how to get them", () => {
  const root = tempDir("tinygrow-dirs-");
  writeFileSync(join(root, "x.gz"), "");
  const dirs = [
    { dir: root, source: "--data-dir" as const },
    { dir: join(root, "nope"), source: "cache" as const },
  ];
  assert.throws(
    () => locateFiles(["x.gz", "y.gz"], dirs, "mnist", "get them with `tinygrow data fetch mnist`"),
    (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.file, "mnist");
      assert.match(err.message, new RegExp(`${root} \\[--data-dir\\]: missing y\\.gz`));
      assert.match(err.message, /nope \[cache\] \(folder does not exist\): missing all files/);
      assert.match(err.message, /tinygrow data fetch mnist/);
      return true;
    },
  );
});
