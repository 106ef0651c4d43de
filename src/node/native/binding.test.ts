/** loadNativeKernels: caching, the description shown to users, thread control. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadNativeKernels } from "./binding.js";
import { nativeForTests } from "./test-support.js";

const { skip } = nativeForTests();

test("the load is cached: one kernels object per process", { skip }, () => {
  const first = loadNativeKernels();
  assert.equal(loadNativeKernels(), first);
  assert.ok(first.ok);
  assert.equal(first.kernels.name, "native");
});

test("the description names OpenBLAS, its version, core and thread count", { skip }, () => {
  const load = loadNativeKernels();
  assert.ok(load.ok);
  assert.match(load.description, /^OpenBLAS \d+\.\d+\.\d+ \(\w+\)$/);
});

test("numThreads/setNumThreads drive OpenBLAS and reject non-positive counts", { skip }, () => {
  const load = loadNativeKernels();
  assert.ok(load.ok);
  const kernels = load.kernels;
  const before = kernels.numThreads();
  try {
    kernels.setNumThreads(1);
    assert.equal(kernels.numThreads(), 1);
    assert.throws(() => kernels.setNumThreads(0), { name: "RangeError", message: "setNumThreads: expected an integer ≥ 1, got 0" });
    assert.throws(() => kernels.setNumThreads(1.5), RangeError);
  } finally {
    kernels.setNumThreads(before);
  }
});
