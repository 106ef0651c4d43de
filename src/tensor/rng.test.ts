import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "./rng.js";

test("the same seed gives the same stream, bit for bit; other seeds differ", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 1000 }, () => a.normal());
  const xb = Array.from({ length: 1000 }, () => b.normal());
  const xc = Array.from({ length: 1000 }, () => c.normal());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test("state() / fromState() resume the stream exactly, including a pending Box–Muller normal", () => {
  const rng = new Rng(7);
  rng.normal(); // leaves the second normal of the pair pending
  const saved = JSON.parse(JSON.stringify(rng.state()));
  const expected = [rng.normal(), rng.uniform(), rng.nextUint32(), rng.int(10)];
  const resumed = Rng.fromState(saved);
  assert.deepEqual([resumed.normal(), resumed.uniform(), resumed.nextUint32(), resumed.int(10)], expected);
});

test("uniform lies in [0, 1) with the right mean and variance; normal has mean 0 and variance 1", () => {
  const rng = new Rng(1);
  const n = 200_000;
  let su = 0;
  let su2 = 0;
  let sn = 0;
  let sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    su2 += u * u;
    const z = rng.normal();
    sn += z;
    sn2 += z * z;
  }
  // 5 standard errors: the bounds fail only if the generator is wrong.
  assert.ok(Math.abs(su / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  assert.ok(Math.abs(su2 / n - su ** 2 / n ** 2 - 1 / 12) < 0.002);
  assert.ok(Math.abs(sn / n) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(sn2 / n - 1) < 5 * Math.sqrt(2 / n));
});

test("permutation is a permutation, and int(n) covers [0, n) evenly", () => {
  const rng = new Rng(3);
  const p = rng.permutation(1000);
  assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(5)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `counts ${counts}`);
});

test("fork gives an independent, reproducible generator", () => {
  const a = new Rng(9).fork();
  const b = new Rng(9).fork();
  assert.equal(a.nextUint32(), b.nextUint32());
  assert.notEqual(new Rng(9).fork().nextUint32(), new Rng(9).nextUint32());
});

test("a non-integer seed is a RangeError naming the value", () => {
  assert.throws(() => new Rng(1.5), /seed must be an integer, got 1.5/);
});
