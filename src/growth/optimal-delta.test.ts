import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, NumericalError, ShapeError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { fromArrays64, zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { bottleneckFromStatistics, bottleneckNorms, projectedDesiredUpdate, tensorN } from "./bottleneck.js";
import { augmentWithOnes, frobeniusNorm, matmul, scale, sliceColumns } from "./linalg.js";
import { computeLayerGrowth } from "./layer-growth.js";
import { computeOptimalDelta, eigenOf, guardOptimalDelta, pseudoInverseSolve } from "./optimal-delta.js";
import { nodeDelta } from "../dag/statistics.js";
import type { Kernels } from "../kernels/kernels.js";
import { LayerPairAccumulator } from "./statistics.js";
import { pairProblem, randomMatrix, relDiff } from "./test-helpers.js";

const K = kernelsUnderTest();

const shape = { inFeatures: 3, hiddenFeatures: 4, outFeatures: 2, layer1Bias: true, layer2Bias: true };

/** Statistics of a "linear teacher": G = B̃1 Tᵀ exactly, for a known T (d2, d1+1). */
function teacher(seed: number) {
  const rng = new Rng(seed);
  const n = 40;
  const x = randomMatrix(rng, n, 3);
  const b1 = randomMatrix(rng, n, 4);
  const t = randomMatrix(rng, 2, 5);
  const g = matmul(K, augmentWithOnes(b1, true), t, { transB: true });
  const acc = new LayerPairAccumulator(shape);
  acc.update({ x, b1, g }, K);
  return { x, b1, g, t, stats: acc.read() };
}

test("δW* recovers a linear teacher exactly, with a zero bottleneck", () => {
  const { b1, g, t, stats } = teacher(3);
  const d = computeOptimalDelta(stats.S, stats.M, true, K);
  assert.equal(d.method, "solve");
  assert.ok(relDiff(d.deltaRaw.data, t.data) < 1e-12, `δW_raw ${d.deltaRaw.toArrays()} vs ${t.toArrays()}`);
  assert.ok(relDiff(d.deltaWeight.data, sliceColumns(t, 0, 4).data) < 1e-12);
  assert.ok(d.deltaBias !== null && Math.abs(d.deltaBias[1] - t.get(1, 4)) < 1e-12);
  const v = projectedDesiredUpdate(b1, g, d.deltaRaw, true, K);
  assert.ok(frobeniusNorm(v) < 1e-12 * frobeniusNorm(g));
  // D = (1/n)‖G‖² when the whole gradient is explained.
  assert.ok(Math.abs(d.decrease - bottleneckNorms(v, g).gradientMeanSqNorm) < 1e-12 * d.decrease);
});

test("Pythagoras: (1/n)‖V_proj‖² = (1/n)‖G‖² − D, and N = −(1/n) X̃ᵀ V_proj", () => {
  const p = pairProblem({ n: 30, d0: 4, d1: 3, d2: 2, seed: 9 }, K);
  const d = computeOptimalDelta(p.stats.S, p.stats.M, true, K);
  assert.ok(d.decrease > 0);
  const v = projectedDesiredUpdate(p.forward.b1, p.g, d.deltaRaw, true, K);
  const norms = bottleneckNorms(v, p.g);
  const fromStats = bottleneckFromStatistics(p.stats.E, d.decrease, 30);
  assert.ok(Math.abs(norms.meanSqNorm - fromStats.meanSqNorm) < 1e-12 * norms.gradientMeanSqNorm);
  assert.ok(Math.abs(norms.froNorm - fromStats.froNorm) < 1e-10 * norms.froNorm);
  const n = tensorN(p.stats.MPrev, p.stats.P, d.deltaRaw, K);
  const direct = matmul(K, augmentWithOnes(p.x, true), v, { transA: true });
  for (let i = 0; i < direct.data.length; i++) direct.data[i] /= -30;
  assert.ok(relDiff(n.data, direct.data) < 1e-12);
});

test("a singular S (a dead ReLU neuron) falls back to the pseudo-inverse, as documented", () => {
  const p = pairProblem({ n: 25, d0: 3, d1: 3, d2: 2, seed: 4, activation: "relu" }, K);
  const b1 = p.forward.b1.clone();
  for (let i = 0; i < b1.rows; i++) b1.set(i, 1, 0); // neuron 1 never fires
  const acc = new LayerPairAccumulator(p.shape);
  acc.update({ x: p.x, b1, g: p.g }, K);
  const stats = acc.read();
  assert.throws(() => K.solve(stats.S, stats.M), NumericalError);
  const d = computeOptimalDelta(stats.S, stats.M, true, K);
  assert.equal(d.method, "pseudo-inverse");
  // Least-norm solution: nothing on the dead neuron, and S δW_rawᵀ = M (M is in the range of S).
  assert.equal(d.deltaRaw.get(0, 1), 0);
  const residual = matmul(K, stats.S, d.deltaRaw, { transB: true });
  assert.ok(relDiff(residual.data, stats.M.data) < 1e-12);
  assert.ok(d.decrease >= 0);
  // The whole analysis still goes through.
  const growth = computeLayerGrowth(stats, { activation: "relu" }, K);
  assert.equal(growth.delta.method, "pseudo-inverse");
});

test("pseudoInverseSolve uses torch.linalg.pinv's cut-off d·ε·max|λ|", () => {
  const s = fromArrays64([
    [2, 0],
    [0, 1e-17],
  ]);
  const x = pseudoInverseSolve(K, s, fromArrays64([[4], [1]]));
  assert.deepEqual(x.toArrays(), [[2], [0]]);
});

test("zero hidden width: a pure bias step with bias, an empty δW without", () => {
  const p = pairProblem({ n: 10, d0: 3, d1: 0, d2: 2, seed: 2 }, K);
  const d = computeOptimalDelta(p.stats.S, p.stats.M, true, K);
  assert.deepEqual([d.deltaRaw.rows, d.deltaRaw.cols, d.deltaWeight.cols], [2, 1, 0]);
  assert.ok(d.deltaBias !== null && Math.abs(d.deltaBias[0] - p.stats.M.get(0, 0)) < 1e-15); // the mean gradient
  const e = computeOptimalDelta(zeros64(0, 0), zeros64(0, 2), false, K);
  assert.deepEqual([e.deltaRaw.rows, e.deltaRaw.cols, e.decrease, e.deltaBias], [2, 0, 0, null]);
});

test("bad input: shapes and NaN are typed errors with their message", () => {
  const { stats } = teacher(1);
  assert.throws(
    () => computeOptimalDelta(stats.S, zeros64(4, 2), true, K),
    (err: unknown) => err instanceof ShapeError && err.message === "computeOptimalDelta: expected M with 5 rows (the size of S (5, 5)), got M of shape (4, 2)",
  );
  assert.throws(() => computeOptimalDelta(zeros64(5, 4), stats.M, true, K), /computeOptimalDelta: expected S square, got S of shape \(5, 4\)/);
  const nan = stats.S.clone();
  nan.set(2, 3, NaN);
  assert.throws(
    () => computeOptimalDelta(nan, stats.M, true, K),
    (err: unknown) => err instanceof NumericalError && err.message === "computeOptimalDelta: S has a non-finite entry (NaN) at (2, 3)",
  );
  assert.throws(() => tensorN(stats.MPrev, stats.P, zeros64(2, 4), K), /tensorN: expected δW_raw of shape \(2, 5\), got δW_raw of shape \(2, 4\)/);
  assert.throws(() => projectedDesiredUpdate(zeros64(3, 4), zeros64(2, 2), zeros64(2, 5), true, K), /projectedDesiredUpdate: expected G with 3 rows/);
});

/** A pair whose hidden features 1 and 2 are nearly collinear (feature 2 = feature 1 + 1e-6·noise): S is ill-conditioned. */
function nearlyCollinear(seed: number) {
  const p = pairProblem({ n: 60, d0: 3, d1: 4, d2: 2, seed }, K);
  const b1 = p.forward.b1.clone();
  const rng = new Rng(seed + 100);
  for (let i = 0; i < b1.rows; i++) b1.set(i, 2, b1.get(i, 1) + 1e-6 * rng.normal());
  const acc = new LayerPairAccumulator(p.shape);
  acc.update({ x: p.x, b1, g: p.g }, K);
  return { b1, g: p.g, stats: acc.read() };
}

test("ridge λ = 0 is GroMo's plain solve, bit for bit", () => {
  for (const { stats } of [teacher(5), nearlyCollinear(6)]) {
    const plain = computeOptimalDelta(stats.S, stats.M, true, K);
    const zero = computeOptimalDelta(stats.S, stats.M, true, K, { ridge: 0 });
    assert.deepEqual(zero.deltaRaw.data, plain.deltaRaw.data);
    assert.deepEqual([zero.decrease, zero.method, zero.ridge, plain.ridge], [plain.decrease, plain.method, 0, 0]);
  }
});

test("ridge λ > 0 solves (S + λ·tr(S)/d·I) X = M: the normal equations of the ridge regression of G on B̃1", () => {
  const { b1, g, stats } = nearlyCollinear(7);
  const lambda = 1e-3;
  const d = computeOptimalDelta(stats.S, stats.M, true, K, { ridge: lambda });
  const dim = stats.S.rows;
  let tr = 0;
  for (let i = 0; i < dim; i++) tr += stats.S.get(i, i);
  const mu = (lambda * tr) / dim;
  assert.equal(d.ridge, mu);
  // From the samples, not from S: (1/n) B̃1ᵀ(B̃1 X) + μ X = (1/n) B̃1ᵀ G, with X = δW_rawᵀ.
  const bt = augmentWithOnes(b1, true);
  const n = b1.rows;
  const lhs = matmul(K, bt, matmul(K, bt, d.deltaRaw, { transB: true }), { transA: true });
  const rhs = matmul(K, bt, g, { transA: true });
  for (let i = 0; i < lhs.rows; i++) for (let j = 0; j < lhs.cols; j++) lhs.set(i, j, lhs.get(i, j) / n + mu * d.deltaRaw.get(j, i));
  for (let i = 0; i < rhs.data.length; i++) rhs.data[i] /= n;
  assert.ok(relDiff(lhs.data, rhs.data) < 1e-10, `relative residual ${relDiff(lhs.data, rhs.data)}`);
  // D = tr(M δW_raw) ≥ 0 is still the first-order decrease of the move.
  let dec = 0;
  for (let i = 0; i < stats.M.rows; i++) for (let j = 0; j < stats.M.cols; j++) dec += stats.M.get(i, j) * d.deltaRaw.get(j, i);
  assert.ok(d.decrease > 0 && Math.abs(d.decrease - dec) <= 1e-12 * dec);
});

test("the ridge bounds δW*: ‖δW_raw‖_F ≤ sqrt(d·tr E)/(2√μ) where the plain solve blows up", () => {
  const { stats } = nearlyCollinear(8);
  const plain = computeOptimalDelta(stats.S, stats.M, true, K);
  const ridged = computeOptimalDelta(stats.S, stats.M, true, K, { ridge: 1e-3 });
  let trE = 0;
  for (let i = 0; i < stats.E.rows; i++) trE += stats.E.get(i, i);
  const bound = Math.sqrt(stats.S.rows * trE) / (2 * Math.sqrt(ridged.ridge));
  assert.ok(frobeniusNorm(ridged.deltaRaw) <= bound, `‖δW‖ ${frobeniusNorm(ridged.deltaRaw)} > bound ${bound}`);
  assert.ok(frobeniusNorm(plain.deltaRaw) > 100 * bound, `plain ‖δW‖ ${frobeniusNorm(plain.deltaRaw)} vs bound ${bound}`);
});

test("the relative ridge keeps δW*'s covariance: features scaled by c give δW_raw/c on the weights", () => {
  const p = pairProblem({ n: 40, d0: 3, d1: 4, d2: 2, seed: 9 }, K);
  const c = 8; // a power of 2: the scaled statistics are exact
  const scaled = p.forward.b1.clone();
  for (let i = 0; i < scaled.data.length; i++) scaled.data[i] *= c;
  const acc = new LayerPairAccumulator({ ...p.shape, layer2Bias: false });
  acc.update({ x: p.x, b1: p.forward.b1, g: p.g }, K);
  const accScaled = new LayerPairAccumulator({ ...p.shape, layer2Bias: false });
  accScaled.update({ x: p.x, b1: scaled, g: p.g }, K);
  const a = computeOptimalDelta(acc.read().S, acc.read().M, false, K, { ridge: 1e-2 });
  const b = computeOptimalDelta(accScaled.read().S, accScaled.read().M, false, K, { ridge: 1e-2 });
  assert.ok(relDiff(b.deltaRaw.data.map((v) => v * c), a.deltaRaw.data) < 1e-12);
  assert.ok(Math.abs(b.decrease - a.decrease) <= 1e-12 * a.decrease);
});

test("with a ridge the bottleneck is the exact mean square of the ridge residual, and N is taken after the ridge δW", () => {
  const { b1, g, stats } = nearlyCollinear(10);
  const growth = computeLayerGrowth(stats, { activation: "selu", deltaRidge: 1e-2 }, K);
  assert.ok(growth.delta.ridge > 0);
  const exact = bottleneckNorms(projectedDesiredUpdate(b1, g, growth.delta.deltaRaw, true, K), g);
  assert.ok(Math.abs(growth.bottleneck.meanSqNorm - exact.meanSqNorm) <= 1e-10 * exact.gradientMeanSqNorm);
  assert.ok(relDiff(growth.n.data, tensorN(stats.MPrev, stats.P, growth.delta.deltaRaw, K).data) < 1e-15);
});

test("a negative or non-finite ridge is a ConfigError", () => {
  const { stats } = teacher(1);
  for (const ridge of [-1e-3, NaN, Infinity]) {
    assert.throws(
      () => computeOptimalDelta(stats.S, stats.M, true, K, { ridge }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(`computeOptimalDelta: ridge: expected a finite number >= 0, got ${ridge}`),
    );
  }
});

test("solve guard: a duplicated feature (rank-deficient S) gives the least-norm δW with a warning; a well-posed S passes untouched", () => {
  const rng = new Rng(21);
  const n = 300;
  const b2 = fromArrays64(Array.from({ length: n }, () => [rng.normal(), rng.normal(), 1]));
  const b3 = fromArrays64(Array.from({ length: n }, (_, r) => [b2.data[3 * r], b2.data[3 * r + 1], b2.data[3 * r + 1], 1]));
  const g = fromArrays64(Array.from({ length: n }, (_, r) => [Math.sin(b2.data[3 * r]) + 0.3 * b2.data[3 * r + 1] ** 2, rng.normal()]));
  const stat = (b: typeof b2) => ({ s: scale(matmul(K, b, b, { transA: true }), 1 / n), m: scale(matmul(K, b, g, { transA: true }), 1 / n) });
  let energy = 0;
  for (const v of g.data) energy += v * v;
  energy /= n;
  const p2 = stat(b2);
  const ok = guardOptimalDelta(p2.s, p2.m, true, computeOptimalDelta(p2.s, p2.m, true, K), K, energy);
  assert.equal(ok.warning, null);
  const p3 = stat(b3);
  const guarded = guardOptimalDelta(p3.s, p3.m, true, computeOptimalDelta(p3.s, p3.m, true, K), K, energy);
  assert.ok(guarded.warning !== null && /pseudo-inverse/.test(guarded.warning), String(guarded.warning));
  assert.equal(guarded.delta.method, "pseudo-inverse");
  // Least norm: the duplicated column's weight is split in two equal halves; D is unchanged.
  const d2 = ok.delta.deltaRaw;
  const d3 = guarded.delta.deltaRaw;
  for (let o = 0; o < 2; o++) {
    assert.ok(Math.abs(d3.data[o * 4] - d2.data[o * 3]) < 1e-8);
    assert.ok(Math.abs(d3.data[o * 4 + 1] - d2.data[o * 3 + 1] / 2) < 1e-8 && Math.abs(d3.data[o * 4 + 2] - d2.data[o * 3 + 1] / 2) < 1e-8);
    assert.ok(Math.abs(d3.data[o * 4 + 3] - d2.data[o * 3 + 2]) < 1e-8);
  }
  assert.ok(Math.abs(guarded.delta.decrease - ok.delta.decrease) < 1e-9 * ok.delta.decrease);
});

test("an exactly singular S (a dead feature): the LU fallback and the guard's recomputation share one eigendecomposition, with the result of two", () => {
  const rng = new Rng(23);
  const n = 200;
  const b = fromArrays64(Array.from({ length: n }, () => [rng.normal(), rng.normal(), 0, 1]));
  const g = fromArrays64(Array.from({ length: n }, (_, r) => [Math.tanh(b.data[4 * r]) + 0.5 * b.data[4 * r + 1] ** 2]));
  const s = scale(matmul(K, b, b, { transA: true }), 1 / n);
  const m = scale(matmul(K, b, g, { transA: true }), 1 / n);
  let energy = 0;
  for (const v of g.data) energy += v * v;
  energy /= n;
  let eighCalls = 0;
  const counting = Object.create(K, { eigh: { value: (a: Parameters<Kernels["eigh"]>[0]) => (eighCalls++, K.eigh(a)) } }) as Kernels;
  const twice = guardOptimalDelta(s, m, true, computeOptimalDelta(s, m, true, counting), counting, energy);
  assert.equal(eighCalls, 2, "without a shared decomposition: one eigh per cut-off");
  assert.equal(twice.delta.method, "pseudo-inverse");
  eighCalls = 0;
  const eigen = eigenOf(counting, s);
  const once = guardOptimalDelta(s, m, true, computeOptimalDelta(s, m, true, counting, { eigen }), counting, energy, eigen);
  assert.equal(eighCalls, 1);
  eighCalls = 0;
  const dag = nodeDelta(s, m, true, energy, counting);
  assert.equal(eighCalls, 1, "dag statistics' nodeDelta");
  for (const r of [once, dag]) {
    assert.equal(r.delta.method, "pseudo-inverse");
    assert.equal(r.warning, twice.warning);
    assert.deepEqual(Array.from(r.delta.deltaRaw.data), Array.from(twice.delta.deltaRaw.data));
    assert.equal(r.delta.decrease, twice.delta.decrease);
  }
});
