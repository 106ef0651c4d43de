import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { augmentWithOnes, matmul, traceOfProduct } from "./linalg.js";
import { computeLayerGrowth } from "./layer-growth.js";
import { computeNewNeurons, inverseSquareRootPsd } from "./new-neurons.js";
import { LayerPairAccumulator } from "./statistics.js";
import { pairProblem, randomMatrix, relDiff } from "./test-helpers.js";

const K = kernelsUnderTest();

test("tr(α N ω) = Σ s², and the sign rule makes each ω column's largest entry positive", () => {
  const p = pairProblem({ n: 40, d0: 5, d1: 3, d2: 4, seed: 11 }, K);
  const g = computeLayerGrowth(p.stats, { activation: "selu" }, K);
  const { neurons } = g;
  assert.ok(neurons.k >= 2);
  const sumSq = neurons.singularValues.reduce((a, s) => a + s * s, 0);
  assert.ok(Math.abs(traceOfProduct(matmul(K, neurons.alpha, g.n), neurons.omega) - sumSq) < 1e-12 * sumSq);
  for (let j = 0; j < neurons.k; j++) {
    let best = 0;
    for (let i = 1; i < 4; i++) if (Math.abs(neurons.omega.get(i, j)) > Math.abs(neurons.omega.get(best, j))) best = i;
    assert.ok(neurons.omega.get(best, j) > 0, `neuron ${j}`);
  }
  assert.deepEqual([neurons.alphaWeight.rows, neurons.alphaWeight.cols, neurons.alphaBias?.length], [neurons.k, 5, neurons.k]);
});

test("thresholds: statistical (≥ min(τ, s_max)), the cap, and at least one neuron", () => {
  const p = pairProblem({ n: 40, d0: 5, d1: 3, d2: 4, seed: 11 }, K);
  const all = computeLayerGrowth(p.stats, { activation: "selu", statisticalThreshold: 0 }, K).neurons;
  assert.equal(all.k, 4);
  const s = all.allSingularValues;
  const mid = (s[1] + s[2]) / 2;
  assert.equal(computeLayerGrowth(p.stats, { activation: "selu", statisticalThreshold: mid }, K).neurons.k, 2);
  assert.equal(computeLayerGrowth(p.stats, { activation: "selu", statisticalThreshold: 0, maximumAddedNeurons: 1 }, K).neurons.k, 1);
  assert.equal(computeLayerGrowth(p.stats, { activation: "selu", statisticalThreshold: 1e9 }, K).neurons.k, 1);
  assert.equal(computeLayerGrowth(p.stats, { activation: "selu", maximumAddedNeurons: 0 }, K).neurons.k, 0);
});

test("zero bottleneck gives no neurons (GroMo would keep r neurons with s = 0; SPEC §13.8)", () => {
  // Linear teacher: G = B̃1 Tᵀ, so v⊥ = 0 and N vanishes up to rounding.
  const rng = new Rng(8);
  const x = randomMatrix(rng, 30, 3);
  const b1 = randomMatrix(rng, 30, 2);
  const g = matmul(K, augmentWithOnes(b1, true), randomMatrix(rng, 2, 3), { transB: true });
  const acc = new LayerPairAccumulator({ inFeatures: 3, hiddenFeatures: 2, outFeatures: 2, layer1Bias: true, layer2Bias: true });
  acc.update({ x, b1, g }, K);
  const growth = computeLayerGrowth(acc.read(), { activation: "selu" }, K);
  assert.equal(growth.neurons.k, 0);
  assert.equal(growth.firstOrder.newNeuronsImprovement, 0);
  assert.deepEqual([growth.neurons.omega.rows, growth.neurons.omega.cols, growth.neurons.alpha.cols], [2, 0, 4]);
  // An exactly zero N as well.
  const sGrowth = acc.read().SGrowth;
  assert.equal(computeNewNeurons(sGrowth, zeros64(4, 2), true, {}, K).k, 0);
});

test("S_growth^{-1/2} is a pseudo-inverse square root with the strict numerical threshold", () => {
  const rng = new Rng(2);
  const x = randomMatrix(rng, 20, 3);
  for (let i = 0; i < 20; i++) x.set(i, 2, x.get(i, 0)); // a repeated input: S_growth is singular
  const s = matmul(K, x, x, { transA: true });
  const { invSqrt } = inverseSquareRootPsd(s, 1e-6, K);
  // P = S^{-1/2} S S^{-1/2} is the orthogonal projector on the range of S (rank 2).
  const proj = matmul(K, matmul(K, invSqrt, s), invSqrt);
  const projSq = matmul(K, proj, proj);
  assert.ok(relDiff(projSq.data, proj.data) < 1e-10);
  assert.ok(Math.abs(proj.get(0, 0) + proj.get(1, 1) + proj.get(2, 2) - 2) < 1e-10);
  // Everything below the threshold is dropped: nothing is kept from a tiny S.
  const tiny = inverseSquareRootPsd(zeros64(2, 2), 1e-6, K);
  assert.deepEqual(Array.from(tiny.invSqrt.data), [0, 0, 0, 0]);
});

test("growth from zero hidden width, with and without projection", () => {
  const p = pairProblem({ n: 20, d0: 3, d1: 0, d2: 4, seed: 6 }, K);
  const proj = computeLayerGrowth(p.stats, { activation: "selu", maximumAddedNeurons: 2 }, K);
  const raw = computeLayerGrowth(p.stats, { activation: "selu", maximumAddedNeurons: 2, useProjection: false }, K);
  assert.equal(proj.neurons.k, 2);
  assert.equal(raw.neurons.k, 2);
  assert.deepEqual([proj.step.deltaWeight.rows, proj.step.deltaWeight.cols], [4, 0]);
  assert.ok(relDiff(raw.n.data, p.stats.MPrev.data.map((v) => -v)) === 0);
});

test("bad input: shapes and the cap are typed errors with their message", () => {
  assert.throws(
    () => computeNewNeurons(zeros64(3, 3), zeros64(2, 2), true, {}, K),
    (err: unknown) => err instanceof ShapeError && err.message === "computeNewNeurons: expected N with 3 rows (the size of S_growth (3, 3)), got N of shape (2, 2)",
  );
  assert.throws(() => computeNewNeurons(zeros64(3, 3), zeros64(3, 2), true, { maximumAddedNeurons: -1 }, K), /expected maximumAddedNeurons a non-negative integer or null, got -1/);
  assert.throws(() => computeNewNeurons(zeros64(0, 0), zeros64(0, 2), true, {}, K), /expected S_growth of size ≥ 1/);
});
