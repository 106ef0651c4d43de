import { test } from "node:test";
import assert from "node:assert/strict";
import type { Kernels } from "./kernels.js";
import { onOneBlasThread } from "./threads.js";

function fakeKernels(): Kernels & { count: number } {
  const k = { count: 2, numThreads: () => k.count, setNumThreads: (n: number) => void (k.count = n) };
  return k as unknown as Kernels & { count: number };
}

test("onOneBlasThread runs f on one thread and restores the count after a return, a throw and a settled promise", async () => {
  const k = fakeKernels();
  assert.equal(onOneBlasThread(k, () => k.count), 1);
  assert.equal(k.count, 2);
  assert.throws(() => onOneBlasThread(k, () => { throw new Error("boom"); }), /boom/);
  assert.equal(k.count, 2);
  const pending = onOneBlasThread(k, async () => { await new Promise((r) => setTimeout(r, 5)); return k.count; });
  assert.equal(k.count, 1, "still one thread while the promise is pending");
  assert.equal(await pending, 1);
  assert.equal(k.count, 2);
  await assert.rejects(onOneBlasThread(k, async () => { throw new Error("late"); }), /late/);
  assert.equal(k.count, 2);
});
