import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ConfigError, DataError } from "../../errors.js";
import { encodeIdx } from "../../data/idx.js";
import { writeTinyMnist } from "./idx-fixtures.js";
import { checkFile, DATASETS, datasetSpec, loadMnist, pixelStatistics } from "./mnist.js";
import { tempDir } from "../../test-support/temp-dir.js";

function tinyDir(options = {}): string {
  const dir = tempDir("tinygrow-mnist-");
  writeTinyMnist(dir, options);
  return dir;
}

function assertDataError(fn: () => unknown, pattern: RegExp, file?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (file !== undefined) assert.equal(err.file, file);
    return true;
  });
}

test("mnist: loads a split as (n, rows*cols) in [0, 1] with int labels, gzip or raw", () => {
  for (const gzip of [true, false]) {
    const dir = tinyDir({ gzip });
    const d = loadMnist({ dataDir: dir, split: "train", verify: false });
    assert.equal(d.x.rows, 12);
    assert.equal(d.x.cols, 16);
    assert.deepEqual([d.rows, d.cols], [4, 4]);
    assert.ok(d.labels instanceof Int32Array);
    assert.deepEqual(Array.from(d.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert.equal(d.x.get(1, 2), Math.fround(((7 + 6) % 256) / 255));
    for (const v of d.x.data) assert.ok(v >= 0 && v <= 1);
    assert.equal(d.dir.dir, dir);
    const t = loadMnist({ dataDir: dir, split: "test", verify: false, limit: 3 });
    assert.equal(t.x.rows, 3);
    assert.equal(t.labels.length, 3);
  }
});

test("mnist: files are found in dataDir/<dataset> before dataDir", () => {
  const root = tempDir("tinygrow-mnist-");
  mkdirSync(join(root, "fashion-mnist"));
  writeTinyMnist(join(root, "fashion-mnist"), { train: 3 });
  writeTinyMnist(root, { train: 4 });
  assert.equal(loadMnist({ dataset: "fashion-mnist", dataDir: root, split: "train", verify: false }).x.rows, 3);
  assert.equal(loadMnist({ dataset: "mnist", dataDir: root, split: "train", verify: false }).x.rows, 4);
});

test("mnist: standardisation uses scalar statistics, computed or given", () => {
  const dir = tinyDir();
  const train = loadMnist({ dataDir: dir, split: "train", verify: false, standardize: true });
  const s = pixelStatistics(train.x.data);
  assert.ok(Math.abs(s.mean) < 1e-6, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 1) < 1e-5, `std ${s.std}`);
  const raw = loadMnist({ dataDir: dir, split: "test", verify: false });
  const test_ = loadMnist({ dataDir: dir, split: "test", verify: false, standardize: train.standardization });
  const { mean, std } = train.standardization!;
  assert.ok(Math.abs(test_.x.data[5] - (raw.x.data[5] - mean) / std) < 1e-6);
  assert.throws(() => loadMnist({ dataDir: dir, split: "test", verify: false, standardize: { mean: 0, std: 0 } }), ConfigError);
});

test("mnist: asking for more samples than the split has says how many exist", () => {
  const dir = tinyDir();
  assertDataError(() => loadMnist({ dataDir: dir, split: "test", verify: false, limit: 6 }), /asked for 6 samples, but the mnist test split has only 5/, join(dir, "t10k-images-idx3-ubyte.gz"));
  assert.throws(() => loadMnist({ dataDir: dir, split: "test", verify: false, limit: 0 }), (e: unknown) => e instanceof ConfigError && /limit: expected a positive integer/.test(e.message));
});

test("mnist: an image size the model cannot take is an error naming the file", () => {
  const dir = tinyDir();
  assertDataError(() => loadMnist({ dataDir: dir, split: "train", verify: false, inputSize: 784 }), /images are 4×4 = 16 features, but the model expects 784 inputs/, join(dir, "train-images-idx3-ubyte.gz"));
  assert.equal(loadMnist({ dataDir: dir, split: "train", verify: false, inputSize: 16 }).x.cols, 16);
});

test("mnist: labels out of range and count mismatches are errors", () => {
  const dir = tinyDir();
  const labels = join(dir, "train-labels-idx1-ubyte.gz");
  writeFileSync(labels, gzipSync(encodeIdx([12], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 11]))));
  assertDataError(() => loadMnist({ dataDir: dir, split: "train", verify: false }), /label 11 at index 11 is out of range: expected 0\.\.9/, labels);
  assert.equal(loadMnist({ dataDir: dir, split: "train", verify: false, numClasses: 12 }).labels[11], 11);
  writeFileSync(labels, gzipSync(encodeIdx([11], new Uint8Array(11))));
  assertDataError(() => loadMnist({ dataDir: dir, split: "train", verify: false }), /11 labels, but .*train-images-idx3-ubyte\.gz has 12 images/, labels);
});

test("mnist: missing files say which, where, and how to get them", () => {
  const dir = tempDir("tinygrow-mnist-");
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), "");
  assertDataError(() => loadMnist({ dataDir: dir, split: "train" }), /mnist train: files not found[\s\S]*missing train-labels-idx1-ubyte\.gz[\s\S]*tinygrow data fetch mnist/, "mnist train");
  assertDataError(() => loadMnist({ dataset: "fashion-mnist", dataDir: dir, split: "test" }), /apt-get install dataset-fashion-mnist/);
  assert.throws(() => loadMnist({ split: "train" }), ConfigError);
  assert.throws(() => datasetSpec("cifar"), /unknown dataset "cifar"; expected one of mnist, fashion-mnist/);
});

test("mnist: with verify (the default) unknown content is a checksum mismatch naming both sums", () => {
  const dir = tinyDir();
  assertDataError(
    () => loadMnist({ dataDir: dir, split: "test" }),
    /t10k-images-idx3-ubyte\.gz: checksum mismatch: expected md5 9fb629c4189551a2d022fa330f9573f3 \(published \.gz\) or decompressed md5 2646ac647ad5339dbf082846283269ea, got md5 [0-9a-f]{32}/,
    join(dir, "t10k-images-idx3-ubyte.gz"),
  );
});

test("mnist: checkFile accepts the published .gz, a re-compressed copy and the decompressed file", () => {
  const raw = encodeIdx([2], Uint8Array.from([1, 2]));
  const gz = gzipSync(raw);
  const md5 = (b: Uint8Array) => checkFile({ split: "test", role: "labels", name: "x.gz", md5: "", sha256: "", rawMd5: "" }, "p", b).md5;
  const file = { split: "test" as const, role: "labels" as const, name: "x.gz", md5: md5(gz), sha256: "", rawMd5: md5(raw) };
  assert.match(checkFile(file, "p", gz).how, /matches the published md5/);
  const recompressed = gzipSync(raw, { level: 1 });
  recompressed[4] = 1; // a different mtime: different bytes, same content
  assert.notEqual(md5(recompressed), file.md5);
  const r = checkFile(file, "p", recompressed);
  assert.ok(r.ok);
  assert.match(r.how, /re-compressed copy/);
  assert.ok(checkFile(file, "p", raw).ok);
  const bad = checkFile(file, "p", encodeIdx([2], Uint8Array.from([1, 3])));
  assert.ok(!bad.ok);
  assert.match(bad.how, new RegExp(`expected md5 ${file.rawMd5} \\(decompressed content\\), got md5 ${bad.md5}`));
  // The registry: four files per dataset, distinct names, 32/64 hex digit sums.
  for (const spec of Object.values(DATASETS)) {
    assert.equal(new Set(spec.files.map((f) => f.name)).size, 4);
    for (const f of spec.files) {
      assert.match(f.md5, /^[0-9a-f]{32}$/);
      assert.match(f.rawMd5, /^[0-9a-f]{32}$/);
      assert.match(f.sha256, /^[0-9a-f]{64}$/);
    }
  }
});
