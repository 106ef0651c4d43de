import { test } from "node:test";
import assert from "node:assert/strict";
import { DataError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Rng } from "../tensor/rng.js";
import { teacherRegression } from "./synthetic.js";

const kernels = kernelsUnderTest();

test("teacherRegression: shapes, determinism per seed, non-trivial targets", () => {
  const a = teacherRegression(kernels, new Rng(5), { samples: 200, testSamples: 50, inputs: 6, hidden: [8], outputs: 2 });
  const b = teacherRegression(kernels, new Rng(5), { samples: 200, testSamples: 50, inputs: 6, hidden: [8], outputs: 2 });
  const c = teacherRegression(kernels, new Rng(6), { samples: 200, testSamples: 50, inputs: 6, hidden: [8], outputs: 2 });
  assert.equal(a.train.x.shape, "(200, 6)");
  assert.equal(a.train.y.shape, "(200, 2)");
  assert.equal(a.test.x.shape, "(50, 6)");
  assert.deepEqual(a.train.y.data, b.train.y.data);
  assert.deepEqual(a.test.x.data, b.test.x.data);
  assert.notDeepEqual(a.train.y.data, c.train.y.data);
  let mean = 0;
  for (const v of a.train.y.data) mean += v / a.train.y.data.length;
  let variance = 0;
  for (const v of a.train.y.data) variance += (v - mean) ** 2 / a.train.y.data.length;
  assert.ok(variance > 0.05, `target variance ${variance}`);
  // The targets are the teacher's outputs.
  const out = a.teacher.forward(kernels, a.test.x);
  for (let i = 0; i < out.data.length; i++) assert.equal(out.data[i], a.test.y.data[i]);
});

test("teacherRegression: bad sizes are a DataError", () => {
  assert.throws(() => teacherRegression(kernels, new Rng(1), { samples: 0 }), (e: unknown) => e instanceof DataError && /samples must be a positive integer, got 0/.test(e.message));
  assert.throws(() => teacherRegression(kernels, new Rng(1), { samples: 4, noise: -1 }), /noise must be >= 0, got -1/);
});
