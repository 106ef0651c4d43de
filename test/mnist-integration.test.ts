/**
 * The real MNIST files: loaded, counted and checked against the published checksums, and
 * served over a local HTTP server to check the download path end to end. Runs when the
 * files are present (CI has them in ../shared/data/mnist, or set TINYGROW_MNIST_DIR);
 * otherwise every test here is skipped with the reason printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { DataError } from "../src/errors.js";
import { fetchDataset } from "../src/node/data/fetch.js";
import { checkFile, DATASETS, loadMnist, md5Hex, pixelStatistics } from "../src/node/data/mnist.js";
import { registerData } from "../src/cli/commands/data.js";
import { tempDir } from "../src/test-support/temp-dir.js";

// Compiled to dist/test/: the repository root is two folders up.
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const dir = process.env.TINYGROW_MNIST_DIR ? resolve(process.env.TINYGROW_MNIST_DIR) : resolve(repoRoot, "../shared/data/mnist");
const spec = DATASETS.mnist;
const present = spec.files.every((f) => existsSync(join(dir, f.name)));
const skip = present ? false : `MNIST files not found in ${dir} (set TINYGROW_MNIST_DIR or run \`tinygrow data fetch mnist\` and point it there)`;
if (skip) console.log(`# mnist-integration skipped: ${skip}`);

// Published class counts of MNIST (train, test).
const TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

test("mnist (real files): published md5 sums", { skip }, () => {
  for (const f of spec.files) {
    const stored = readFileSync(join(dir, f.name));
    assert.equal(md5Hex(stored), f.md5, f.name);
    assert.ok(checkFile(f, join(dir, f.name), stored).ok);
  }
});

test("mnist (real files): counts, 28×28 shape, label histograms, pixel range", { skip }, () => {
  for (const [split, n, histogram] of [
    ["train", 60000, TRAIN_HISTOGRAM],
    ["test", 10000, TEST_HISTOGRAM],
  ] as const) {
    const d = loadMnist({ dataDir: dir, split, inputSize: 784 });
    assert.equal(d.x.rows, n);
    assert.equal(d.x.cols, 784);
    assert.deepEqual([d.rows, d.cols], [28, 28]);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    assert.deepEqual(counts, histogram);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      n,
    );
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.x.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.deepEqual([min, max], [0, 1]);
  }
  const train = loadMnist({ dataDir: dir, split: "train", standardize: true, limit: 60000 });
  // The usual MNIST normalisation constants (0.1307, 0.3081).
  assert.ok(Math.abs(train.standardization!.mean - 0.1307) < 1e-4, String(train.standardization!.mean));
  assert.ok(Math.abs(train.standardization!.std - 0.3081) < 1e-4, String(train.standardization!.std));
  const s = pixelStatistics(train.x.data);
  assert.ok(Math.abs(s.mean) < 1e-5 && Math.abs(s.std - 1) < 1e-5);
  assert.throws(() => loadMnist({ dataDir: dir, split: "test", limit: 10001 }), /asked for 10001 samples, but the mnist test split has only 10000/);
  assert.throws(() => loadMnist({ dataDir: dir, split: "test", inputSize: 100 }), /images are 28×28 = 784 features, but the model expects 100 inputs/);
});

test("mnist (real files): a folder of MNIST files is not taken for Fashion-MNIST", { skip }, () => {
  assert.throws(
    () => loadMnist({ dataset: "fashion-mnist", dirs: [{ dir, source: "--data-dir" }], split: "test" }),
    (err: unknown) => err instanceof DataError && /skipped, it holds mnist files, not fashion-mnist/.test(err.message),
  );
});

test("mnist (real files): `data info` verifies them; `fetch` downloads them from a local mirror", { skip }, async () => {
  const lines: string[] = [];
  const program = new Command().exitOverride();
  registerData(program, { env: { HOME: "/nonexistent" }, out: (l) => lines.push(l), progress: false });
  await program.parseAsync(["node", "tinygrow", "data", "info", "mnist", "--data-dir", dir]);
  assert.equal(lines.filter((l) => / OK: matches the published md5$/.test(l)).length, 4, lines.join("\n"));

  const server = createServer((req, res) => {
    const name = (req.url ?? "").replace(/^\/mnist\//, "");
    const known = spec.files.some((f) => f.name === name);
    if (!known) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(join(dir, name));
    res.writeHead(200, { "content-length": String(body.length) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const target = join(tempDir("tinygrow-mnist-fetch-"), "mnist");
    const got = await fetchDataset({ dataset: "mnist", dir: target, mirrors: [base + "missing/", base + "mnist/"] });
    assert.deepEqual(
      got.map((f) => f.md5),
      spec.files.map((f) => f.md5),
    );
    assert.equal(loadMnist({ dataDir: target, split: "test" }).x.rows, 10000);
  } finally {
    server.close();
  }
});
