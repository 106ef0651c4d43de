import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DagModel } from "../dag/model.js";
import { encodeNpyHeader } from "../data/npy.js";
import { fitFeatureEncoding } from "../data/preprocess.js";
import type { ColumnSpec } from "../data/table.js";
import { portableKernels } from "../kernels/portable/index.js";
import { TabularModel } from "../model/tabular-model.js";
import { Rng } from "../tensor/rng.js";
import { tempDir } from "../test-support/temp-dir.js";
import { evaluateFile, NPY_BLOCK_ROWS, predictFile } from "./predict-file.js";

const dir = tempDir("tinygrow-predict-file-");
const columns: ColumnSpec[] = [
  { name: "x0", kind: "numeric" },
  { name: "x1", kind: "numeric" },
];

function regressor(): TabularModel {
  const values = Float32Array.from([0, 1, 2, 3, 4, 5]);
  const features = fitFeatureEncoding(columns, { values, stride: 2, rows: 3 }, Int32Array.from([0, 1, 2]), "standardize", false);
  const net = DagModel.empty(2, 1);
  net.addNode("h1", 3, "tanh");
  const rng = new Rng(5);
  net.addEdge("in", "h1", { init: "lecun-normal", rng });
  net.addEdge("h1", "out", { init: "lecun-normal", rng });
  return new TabularModel({ task: "regression", features, targets: { columns: ["y"], shift: [0], scale: [1] }, network: net }, portableKernels);
}

function writeNpy(path: string, values: Float32Array, shape: number[], cut = 0): void {
  const header = encodeNpyHeader(shape);
  const body = new Uint8Array(values.buffer, 0, values.byteLength - cut);
  writeFileSync(path, Buffer.concat([header, body]));
}

test(".npy input to predict is read in row blocks: every row, in input order, equal to the library's predict; evaluate scores it too", async () => {
  const m = regressor();
  // More than two blocks, the last one partial.
  const rows = 2 * NPY_BLOCK_ROWS + 7;
  const rng = new Rng(1);
  const x = Float32Array.from({ length: rows * 2 }, () => rng.normal());
  const xFile = join(dir, "x.npy");
  writeNpy(xFile, x, [rows, 2]);
  const out = join(dir, "p.npy");
  const blocks: number[] = [];
  assert.equal(await predictFile(m, xFile, { out, onRows: (n) => blocks.push(n) }), rows);
  assert.deepEqual(blocks, [NPY_BLOCK_ROWS, 2 * NPY_BLOCK_ROWS, rows], "one call per block");
  const bytes = readFileSync(out);
  const got = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 128, bytes.byteOffset + bytes.length));
  assert.equal(got.length, rows);
  for (const i of [0, 1, NPY_BLOCK_ROWS - 1, NPY_BLOCK_ROWS, rows - 1]) {
    const want = (m.predict([[x[2 * i], x[2 * i + 1]]]) as number[][])[0][0];
    assert.ok(Math.abs(got[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `row ${i}: ${got[i]} vs ${want}`);
  }
  const y = Float32Array.from(got, (v) => v + 0.5);
  const yFile = join(dir, "y.npy");
  writeNpy(yFile, y, [rows]);
  const s = await evaluateFile(m, xFile, { targetsFile: yFile });
  assert.equal(s.rows, rows);
  assert.ok(Math.abs((s.mse ?? NaN) - 0.25) < 1e-5, `MSE ${s.mse}`);
});

test(".npy predict input: a bad row in a later block names its row and leaves no file; a truncated file fails before any output", async () => {
  const m = regressor();
  const rows = NPY_BLOCK_ROWS + 10;
  const x = new Float32Array(rows * 2).fill(0.5);
  x[2 * (NPY_BLOCK_ROWS + 3) + 1] = NaN;
  const xFile = join(dir, "nan.npy");
  writeNpy(xFile, x, [rows, 2]);
  const outDir = tempDir("tinygrow-predict-file-out-");
  await assert.rejects(predictFile(m, xFile, { out: join(outDir, "p.csv") }), new RegExp(`nan\\.npy: row ${NPY_BLOCK_ROWS + 3}, column 1: missing value \\(NaN\\)`));
  assert.deepEqual(readdirSync(outDir), [], "no prediction file and no temporary file left");
  const cut = join(dir, "cut.npy");
  writeNpy(cut, new Float32Array(rows * 2), [rows, 2], 4);
  const printed: string[] = [];
  await assert.rejects(predictFile(m, cut, { out: null, sink: (t) => printed.push(t) }), /cut\.npy.*truncated: the header promises \d+×2 values/);
  assert.deepEqual(printed, [], "nothing printed before the check");
  const wide = join(dir, "wide.npy");
  writeNpy(wide, new Float32Array(6), [2, 3]);
  await assert.rejects(predictFile(m, wide, { out: null, sink: () => {} }), /wide\.npy: 3 feature column\(s\), the model expects 2 \(x0, x1\)/);
});
