import { test } from "node:test";
import assert from "node:assert/strict";
import { DataError, ShapeError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { BatchIterator, type Dataset } from "./batches.js";

/** x row i = [i, 100 + i], y row i = [-i], labels[i] = i % 3. */
function regression(n: number): Dataset {
  const x = new Matrix(n, 2, new Float32Array(2 * n));
  const y = new Matrix(n, 1, new Float32Array(n));
  for (let i = 0; i < n; i++) {
    x.set(i, 0, i);
    x.set(i, 1, 100 + i);
    y.set(i, 0, -i);
  }
  return { x, y };
}

function epochOrder(it: BatchIterator): { order: number[]; sizes: number[] } {
  const order: number[] = [];
  const sizes: number[] = [];
  for (let b = it.begin(); b !== null; b = it.next()) {
    sizes.push(b.size);
    for (let r = 0; r < b.size; r++) {
      const i = b.x.get(r, 0);
      assert.equal(b.x.get(r, 1), 100 + i);
      assert.equal(b.y?.get(r, 0), -i);
      order.push(i);
    }
  }
  return { order, sizes };
}

test("BatchIterator: every sample exactly once per epoch, with a short last batch", () => {
  const it = new BatchIterator(regression(10), { batchSize: 4, rng: new Rng(1) });
  assert.equal(it.numBatches, 3);
  for (let epoch = 0; epoch < 3; epoch++) {
    const { order, sizes } = epochOrder(it);
    assert.deepEqual(sizes, [4, 4, 2]);
    assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
});

test("BatchIterator: the order is a function of the Rng state (deterministic), and changes per epoch", () => {
  const a = new BatchIterator(regression(50), { batchSize: 8, rng: new Rng(42) });
  const b = new BatchIterator(regression(50), { batchSize: 8, rng: new Rng(42) });
  const c = new BatchIterator(regression(50), { batchSize: 8, rng: new Rng(43) });
  const a1 = epochOrder(a).order;
  assert.deepEqual(a1, epochOrder(b).order);
  assert.notDeepEqual(a1, epochOrder(c).order);
  const a2 = epochOrder(a).order;
  assert.notDeepEqual(a1, a2);
  assert.deepEqual(a2, epochOrder(b).order);
  // Without an Rng: dataset order.
  const plain = new BatchIterator(regression(5), { batchSize: 2 });
  assert.deepEqual(epochOrder(plain).order, [0, 1, 2, 3, 4]);
});

test("BatchIterator reuses its batch objects (no allocation per batch) and can drop the last batch", () => {
  const it = new BatchIterator(regression(10), { batchSize: 4 });
  const seen = new Set<unknown>();
  const xs = new Set<unknown>();
  for (let e = 0; e < 2; e++) {
    for (let b = it.begin(); b !== null; b = it.next()) {
      seen.add(b);
      xs.add(b.x.data.buffer);
    }
  }
  assert.equal(seen.size, 2); // the full batch and the short one
  assert.equal(xs.size, 1); // sharing storage
  const dropped = new BatchIterator(regression(10), { batchSize: 4, dropLast: true });
  assert.equal(dropped.numBatches, 2);
  assert.deepEqual(epochOrder(dropped).sizes, [4, 4]);
  const big = new BatchIterator(regression(3), { batchSize: 64 });
  assert.deepEqual(epochOrder(big).sizes, [3]);
});

test("BatchIterator gathers labels", () => {
  const x = new Matrix(7, 1, Float32Array.from([0, 1, 2, 3, 4, 5, 6]));
  const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 0]);
  const it = new BatchIterator({ x, labels }, { batchSize: 3, rng: new Rng(9) });
  for (let b = it.begin(); b !== null; b = it.next()) {
    assert.equal(b.y, null);
    for (let r = 0; r < b.size; r++) assert.equal(b.labels?.[r], b.x.get(r, 0) % 3);
  }
});

test("BatchIterator: bad input is a typed error", () => {
  assert.throws(() => new BatchIterator(regression(4), { batchSize: 0 }), (e: unknown) => e instanceof DataError && /batch size must be a positive integer, got 0/.test(e.message));
  assert.throws(() => new BatchIterator(regression(0), { batchSize: 2 }), /the dataset is empty/);
  assert.throws(
    () => new BatchIterator({ x: new Matrix(3, 1, new Float32Array(3)), labels: new Int32Array(2) }, { batchSize: 2 }),
    (e: unknown) => e instanceof ShapeError && e.message === "BatchIterator: expected labels of length n=3 for x (3, 1), got length 2",
  );
  assert.throws(
    () => new BatchIterator({ x: new Matrix(3, 1, new Float32Array(3)), y: new Matrix(2, 1, new Float32Array(2)) }, { batchSize: 2 }),
    /BatchIterator: expected y with n=3 rows for x \(3, 1\), got y \(2, 1\)/,
  );
});
