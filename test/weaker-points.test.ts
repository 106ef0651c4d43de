/**
 * The "weaker points" of issue 8's fault-injection pass, one test each (the checkpoint,
 * resume and signal points are in fault-injection.test.ts; JSON positions in
 * src/io/config.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError, ShapeError } from "../src/errors.js";
import { checkFinite } from "../src/data/batches.js";
import { TeacherStudentConfigSchema } from "../src/experiments/config.js";
import { resolveConfig } from "../src/io/config.js";
import { kernelSetsForTests } from "../src/node/native/test-support.js";
import { chooseKernels } from "../src/node/kernels.js";
import { readMnistConfig } from "../src/node/experiments/mnist.js";
import { Mlp } from "../src/nn/mlp.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import type { Matrix as M } from "../src/tensor/matrix.js";
import { runCli } from "../src/test-support/cli-run.js";
import { tempDir } from "../src/test-support/temp-dir.js";

test("float options take decimal numbers only (--lr 0x10 is refused); --tolerance must be > 0", () => {
  for (const bad of ["0x10", "0b1", "1_000", "Infinity", ""]) {
    const r = runCli(["teacher-student", "--lr", bad, "--quiet", "--out", join(tempDir("tinygrow-weak-"), "x")]);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /option '--lr <x>' argument '.*' is invalid\. expected a finite decimal number\./, bad);
  }
  const tol = runCli(["verify-golden", "--tolerance", "-1", "x.json"]);
  assert.equal(tol.status, 2);
  assert.match(tol.stderr, /--tolerance <rel>' argument '-1' is invalid\. expected a number > 0\./);
});

test("a huge trainSamples is a config error before any folder exists, not V8's RangeError", () => {
  assert.throws(() => resolveConfig(TeacherStudentConfigSchema, [{ source: "run.json", values: { data: { trainSamples: 1e12 } } }]), (e: unknown) => e instanceof ConfigError && /run\.json: data\.trainSamples: 1000000000000 samples × 50 values \(the widest layer\) exceed the 2147483647 values one matrix can hold: use at most 42949672 samples/.test(e.message));
  const out = join(tempDir("tinygrow-weak-"), "study");
  const r = runCli(["teacher-student", "--train-samples", "1000000000000", "--quiet", "--out", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--train-samples: data\.trainSamples: .* exceed/);
  assert.ok(!existsSync(out));
});

test("--resume of another command's folder names the command that made it", () => {
  const dir = tempDir("tinygrow-weak-");
  const manifest = { formatVersion: 1, startedAt: "2026-01-01T00:00:00.000Z", resumedAt: [], seed: 0, kernels: { name: "portable", reason: "x" }, versions: {}, config: { seeds: [0] }, dataSplit: null, command: ["/x/main.js", "teacher-student", "--seeds", "0"] };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  assert.throws(() => readMnistConfig(dir), (e: unknown) => e instanceof DataError && /this folder was made by `tinygrow teacher-student`, not by `tinygrow mnist`; resume it with: tinygrow teacher-student --resume /.test(e.message));
  const r = runCli(["mnist", "--resume", dir, "--quiet"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /made by `tinygrow teacher-student`/);
});

test("chooseKernels of an unknown name throws instead of returning some kernel set", () => {
  assert.throws(() => chooseKernels("gpu" as "auto"), (e: unknown) => e instanceof RangeError && /chooseKernels: expected auto, native, wasm or portable, got "gpu"/.test(e.message));
});

test("Mlp.create refuses an unknown activation at once, not at the first forward pass", () => {
  assert.throws(() => Mlp.create({ sizes: [2, 3, 1], activation: "swish" as "relu" }, new Rng(0)), (e: unknown) => e instanceof ShapeError && /Mlp: expected an activation in identity, relu, selu, tanh, sigmoid, gelu, softplus, got "swish"/.test(e.message));
});

for (const set of kernelSetsForTests()) {
  test(`hand-built matrices whose rows · cols do not match their data are a ShapeError (${set.name} kernels), not garbage or a hang`, { skip: set.skip }, () => {
    const k = set.kernels;
    const fake = (rows: number, cols: number, data: unknown): M<Float32Array> => ({ rows, cols, data }) as unknown as M<Float32Array>;
    const ok = new Matrix(3, 1, new Float32Array(3));
    const c = new Matrix(3, 3, new Float32Array(9));
    const storage = /expected A with integer rows, cols ≥ 0 and a Float32Array or Float64Array of rows · cols values, got A with rows=3000000000, cols=1, Float32Array of 3 values/;
    assert.throws(() => k.gemm(fake(3e9, 1, new Float32Array(3)), ok, c, { transB: true }), (e: unknown) => e instanceof ShapeError && storage.test(e.message));
    assert.throws(() => k.gemm(fake(3, 1, [1, 2, 3]), ok, c, { transB: true }), (e: unknown) => e instanceof ShapeError && /got A with rows=3, cols=1, data Array/.test(e.message));
    assert.throws(() => k.activationForward("relu", fake(2.5, 2, new Float32Array(5)), fake(2.5, 2, new Float32Array(5))), ShapeError);
    assert.throws(() => k.eigh(fake(4, 4, new Float64Array(4))), (e: unknown) => e instanceof ShapeError && /^eigh: /.test(e.message));
    assert.throws(() => k.svd(fake(2, 2, new Float64Array(3))), (e: unknown) => e instanceof ShapeError && /^svd: /.test(e.message));
  });
}

test("a NaN or ±∞ in a training or evaluation set is a DataError naming the set, row and column", () => {
  const x = new Matrix(3, 2, Float32Array.from([1, 2, 3, NaN, 5, 6]));
  assert.throws(() => checkFinite("train-opt", { x, y: new Matrix(3, 1, new Float32Array(3)) }), (e: unknown) => e instanceof DataError && e.message === "train-opt: input row 2, column 2 is NaN: the data must be finite (remove or impute missing values first)");
  const y = new Matrix(3, 1, Float32Array.from([0, 0, -Infinity]));
  assert.throws(() => checkFinite("test", { x: new Matrix(3, 2, new Float32Array(6)), y }), (e: unknown) => e instanceof DataError && /^test: target row 3, column 1 is -Infinity/.test(e.message));
  checkFinite("labels", { x: new Matrix(3, 2, new Float32Array(6)), labels: new Int32Array(3) });
});
