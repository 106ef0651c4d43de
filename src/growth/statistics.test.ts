import { test } from "node:test";
import assert from "node:assert/strict";
import { NumericalError, ShapeError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { fromArrays64, toFloat32, zeros64 } from "../tensor/matrix.js";
import { augmentWithOnes, matmul, scale } from "./linalg.js";
import { computeLayerGrowth } from "./layer-growth.js";
import { EmptyStatisticError, LayerPairAccumulator, TensorStatistic, checkLayerPairStatistics } from "./statistics.js";
import { pairProblem, relDiff, rowsOf } from "./test-helpers.js";

const K = kernelsUnderTest();

const spec = { n: 23, d0: 4, d1: 3, d2: 2, seed: 5 };

test("statistics equal the full-batch formulas of SPEC §3", () => {
  const p = pairProblem(spec, K);
  const xt = augmentWithOnes(p.x, true);
  const bt = augmentWithOnes(p.forward.b1, true);
  const avg = (a: typeof xt, b: typeof xt) => scale(matmul(K, a, b, { transA: true }), 1 / spec.n);
  assert.equal(p.stats.n, 23);
  assert.ok(relDiff(p.stats.S.data, avg(bt, bt).data) < 1e-15);
  assert.ok(relDiff(p.stats.M.data, avg(bt, p.g).data) < 1e-15);
  assert.ok(relDiff(p.stats.SGrowth.data, avg(xt, xt).data) < 1e-15);
  assert.ok(relDiff(p.stats.MPrev.data, avg(xt, p.g).data) < 1e-15);
  assert.ok(relDiff(p.stats.P.data, avg(xt, bt).data) < 1e-15);
  assert.ok(relDiff(p.stats.E.data, avg(p.g, p.g).data) < 1e-15);
  // The ones column is last: S's last diagonal entry is 1, M's last row is the mean gradient.
  assert.equal(p.stats.S.get(3, 3), 1);
});

test("mini-batch splitting does not change any statistic (nor the growth result)", () => {
  const whole = pairProblem(spec, K);
  for (const batches of [[1, 22], [5, 5, 5, 5, 3], Array(23).fill(1) as number[]]) {
    const split = pairProblem({ ...spec, batches }, K);
    for (const key of ["S", "M", "SGrowth", "MPrev", "P", "E"] as const) {
      assert.ok(relDiff(split.stats[key].data, whole.stats[key].data) < 1e-14, `${key} with batches ${batches}`);
    }
    const a = computeLayerGrowth(split.stats, { activation: "selu" }, K);
    const b = computeLayerGrowth(whole.stats, { activation: "selu" }, K);
    assert.ok(relDiff(a.neurons.omega.data, b.neurons.omega.data) < 1e-12);
  }
});

test("float32 batches are accumulated in float64", () => {
  const p = pairProblem(spec, K);
  const acc = new LayerPairAccumulator(p.shape, { keepSamples: true });
  acc.update({ x: toFloat32(p.x), b1: toFloat32(p.forward.b1), g: toFloat32(p.g) }, K);
  const s = acc.read();
  assert.ok(s.S.data instanceof Float64Array);
  assert.ok(relDiff(s.S.data, p.stats.S.data) < 1e-6);
  const kept = acc.keptSamples();
  assert.ok(kept !== null && kept.x.rows === 23 && kept.g.cols === 2);
  assert.equal(new LayerPairAccumulator(p.shape).keptSamples(), null);
});

test("zero hidden width: S is the ones column alone, or 0×0 without bias", () => {
  const p = pairProblem({ n: 7, d0: 3, d1: 0, d2: 2 }, K);
  assert.deepEqual([p.stats.S.rows, p.stats.S.cols, p.stats.S.get(0, 0)], [1, 1, 1]);
  assert.deepEqual([p.stats.P.rows, p.stats.P.cols], [4, 1]);
  const q = pairProblem({ n: 7, d0: 3, d1: 0, d2: 2, layer2Bias: false }, K);
  assert.deepEqual([q.stats.S.rows, q.stats.S.cols, q.stats.M.rows, q.stats.P.cols], [0, 0, 0, 0]);
});

test("empty statistics: reading before any sample is a typed error", () => {
  const acc = new LayerPairAccumulator({ inFeatures: 2, hiddenFeatures: 1, outFeatures: 1, layer1Bias: true, layer2Bias: false });
  assert.throws(
    () => acc.read(),
    (err: unknown) => err instanceof EmptyStatisticError && err instanceof NumericalError && err.message === "statistic S: no samples seen (n = 0): accumulate at least one batch before reading it",
  );
  const stat = new TensorStatistic("E", 2, 2);
  assert.throws(() => stat.read(), /statistic E: no samples seen \(n = 0\)/);
});

test("NaN in statistics is a NumericalError naming the statistic and entry", () => {
  const acc = new LayerPairAccumulator({ inFeatures: 1, hiddenFeatures: 1, outFeatures: 1, layer1Bias: false, layer2Bias: false });
  acc.update({ x: fromArrays64([[1], [2]]), b1: fromArrays64([[NaN], [1]]), g: fromArrays64([[1], [1]]) }, K);
  assert.throws(() => acc.read(), (err: unknown) => err instanceof NumericalError && err.message === "statistic S: S has a non-finite entry (NaN) at (0, 0)");
  const p = pairProblem(spec, K);
  const bad = { ...p.stats, MPrev: p.stats.MPrev.clone() };
  bad.MPrev.data[3] = Infinity;
  assert.throws(() => computeLayerGrowth(bad, { activation: "selu" }, K), /computeLayerGrowth: M_prev has a non-finite entry \(Infinity\) at \(1, 1\)/);
});

test("mismatched batch shapes are ShapeErrors naming the matrix", () => {
  const p = pairProblem(spec, K);
  const acc = new LayerPairAccumulator(p.shape);
  assert.throws(
    () => acc.update({ x: p.x, b1: rowsOf(p.forward.b1, 0, 5), g: p.g }, K),
    (err: unknown) => err instanceof ShapeError && err.message === "LayerPairAccumulator.update: expected B1 of shape (23, 3), got B1 of shape (5, 3)",
  );
  assert.throws(() => acc.update({ x: p.x, b1: p.forward.b1, g: zeros64(23, 3) }, K), /expected G of shape \(23, 2\), got G of shape \(23, 3\)/);
  assert.throws(
    () => checkLayerPairStatistics("computeLayerGrowth", { ...p.stats, P: zeros64(5, 3) }),
    /computeLayerGrowth: expected P of shape \(5, 4\), got P of shape \(5, 3\)/,
  );
  assert.throws(() => new LayerPairAccumulator({ ...p.shape, hiddenFeatures: -1 }), /expected hiddenFeatures a non-negative integer, got -1/);
});
