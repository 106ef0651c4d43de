import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../errors.js";
import { applyGrowth } from "./apply.js";
import { extendedForward, twoLayerForward } from "./extended-forward.js";
import { exactFirstOrderImprovement } from "./first-order.js";
import { computeLayerGrowth } from "./layer-growth.js";
import { zeros64 } from "../tensor/matrix.js";
import { lossSum } from "./loss.js";
import { kernelSets, pairProblem, relDiff } from "./test-helpers.js";

for (const set of kernelSets()) {
  test(`adding neurons at γ = 0 leaves outputs bit-identical (${set.name} kernels)`, (t) => {
    if (set.kernels === null) return t.skip(set.skip ?? "unavailable");
    const K = set.kernels;
    for (const [d1, bias] of [[3, true], [0, true], [2, false]] as const) {
      const p = pairProblem({ n: 17, d0: 4, d1, d2: 3, seed: 13, layer1Bias: bias, layer2Bias: bias }, K);
      const growth = computeLayerGrowth(p.stats, { activation: "selu" }, K);
      assert.ok(growth.neurons.k > 0);
      const grown = applyGrowth(p.params, growth.step, 0);
      assert.equal(grown.w1.rows, d1 + growth.neurons.k);
      const after = twoLayerForward(grown, p.x, "selu", K).a2;
      assert.deepEqual(Array.from(after.data), Array.from(p.forward.a2.data), `d1 = ${d1}`);
      const ext = extendedForward(p.params, growth.step, p.x, 0, "selu", K, p.forward);
      assert.deepEqual(Array.from(ext.data), Array.from(p.forward.a2.data));
    }
  });
}

test("the grown network computes the extended forward A2(γ), and moves as predicted for small γ", () => {
  const K = kernelSets()[0].kernels!;
  const p = pairProblem({ n: 40, d0: 4, d1: 3, d2: 2, seed: 17 }, K);
  const growth = computeLayerGrowth(p.stats, { activation: "selu" }, K);
  for (const gamma of [0.01, 0.3, 1.7]) {
    const grown = twoLayerForward(applyGrowth(p.params, growth.step, gamma), p.x, "selu", K).a2;
    const ext = extendedForward(p.params, growth.step, p.x, gamma, "selu", K, p.forward);
    assert.ok(relDiff(grown.data, ext.data) < 1e-13, `γ = ${gamma}`);
  }
  const exact = exactFirstOrderImprovement(growth.delta.decrease, p.x, p.g, growth.neurons.alpha, growth.neurons.omega, true, "selu", K);
  const gamma = 1e-3;
  const before = lossSum("mse_sum", p.forward.a2, p.y) / 40;
  const after = lossSum("mse_sum", twoLayerForward(applyGrowth(p.params, growth.step, gamma), p.x, "selu", K).a2, p.y) / 40;
  assert.ok(Math.abs((before - after) / (gamma * gamma) - exact) < 1e-2 * Math.abs(exact));
});

test("applyGrowth: mismatched shapes are ShapeErrors with their message", () => {
  const K = kernelSets()[0].kernels!;
  const p = pairProblem({ n: 10, d0: 4, d1: 3, d2: 2, seed: 1 }, K);
  const step = computeLayerGrowth(p.stats, { activation: "selu" }, K).step;
  assert.throws(
    () => applyGrowth(p.params, { ...step, omega: zeros64(3, step.omega.cols) }, 0.5),
    (err: unknown) => err instanceof ShapeError && err.message === `applyGrowth: expected ω of shape (2, ${step.omega.cols}), got ω of shape (3, ${step.omega.cols})`,
  );
  assert.throws(() => applyGrowth(p.params, { ...step, alphaBias: null }, 0.5), /applyGrowth: expected α_b present, got null/);
  assert.throws(() => applyGrowth({ ...p.params, w2: zeros64(2, 5) }, step, 0.5), /applyGrowth: expected W2 with 3 columns \(W1 \(3, 4\)\), got W2 of shape \(2, 5\)/);
  assert.throws(() => extendedForward(p.params, step, zeros64(10, 5), 0.1, "selu", K), /extendedForward: expected X with 4 columns/);
});
