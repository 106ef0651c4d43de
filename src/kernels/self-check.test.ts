import { test } from "node:test";
import assert from "node:assert/strict";
import type { Kernels } from "./kernels.js";
import { portableKernels } from "./portable/index.js";
import { selfCheckKernels } from "./self-check.js";
import { loadWasmKernels } from "./wasm/load.js";

test("the wasm kernels pass the self-check (the parity subset run in browsers)", () => {
  const load = loadWasmKernels();
  assert.ok(load.ok, load.ok ? "" : load.reason);
  const checks = selfCheckKernels(load.kernels);
  assert.ok(checks.length > 25);
  assert.deepEqual(checks.filter((c) => !c.ok), []);
});

test("the self-check fails a wrong kernel (it can fail)", () => {
  const wrong: Kernels = {
    ...portableKernels,
    gemm: (a, b, c, o) => {
      portableKernels.gemm(a, b, c, o);
      c.data[0] += 1e-3;
    },
    activationForward: (name, pre, post) => {
      portableKernels.activationForward(name, pre, post);
      if (name === "relu") post.data[1] += 1;
    },
  };
  const failed = selfCheckKernels(wrong).filter((c) => !c.ok).map((c) => c.name);
  assert.ok(failed.some((n) => n.startsWith("gemm")), failed.join());
  assert.ok(failed.includes("relu forward"), failed.join());
});
