import { test } from "node:test";
import assert from "node:assert/strict";
import { fromArrays64 } from "../../tensor/matrix.js";
import { portableKernels } from "./index.js";

test("portableKernels: name and wiring of every kernel", () => {
  assert.equal(portableKernels.name, "portable");
  const a = fromArrays64([
    [2, 1],
    [1, 2],
  ]);
  assert.deepEqual(Array.from(portableKernels.eigh(a).values).map((v) => Math.round(v * 1e12) / 1e12), [1, 3]);
  assert.deepEqual(Array.from(portableKernels.svd(a).s).map((v) => Math.round(v * 1e12) / 1e12), [3, 1]);
  const b = fromArrays64([[3], [3]]);
  assert.deepEqual(portableKernels.choleskySolve(a, b).toArrays().flat().map((v) => Math.round(v * 1e12) / 1e12), [1, 1]);
  assert.deepEqual(portableKernels.solve(a, b).toArrays().flat().map((v) => Math.round(v * 1e12) / 1e12), [1, 1]);
  const c = fromArrays64([[0], [0]]);
  portableKernels.gemm(a, b, c);
  assert.deepEqual(Array.from(c.data), [9, 9]);
});

test("portableKernels: one thread; setNumThreads accepts n ≥ 1 and rejects the rest", () => {
  assert.equal(portableKernels.numThreads(), 1);
  portableKernels.setNumThreads(8);
  assert.equal(portableKernels.numThreads(), 1);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => portableKernels.setNumThreads(bad), (e: unknown) => e instanceof RangeError && e.message === `setNumThreads: expected an integer ≥ 1, got ${bad}`);
  }
});
