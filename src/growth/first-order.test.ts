import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelsUnderTest } from "../node/under-test.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { extendedForward } from "./extended-forward.js";
import { exactFirstOrderImprovement, exactFirstOrderImprovementSmooth, firstOrderImprovement, gromoActivationGradientAtZero } from "./first-order.js";
import { computeLayerGrowth } from "./layer-growth.js";
import { lossSum } from "./loss.js";
import { pairProblem } from "./test-helpers.js";

const K = kernelsUnderTest();

function setup(activation: ActivationName, seed = 21) {
  const p = pairProblem({ n: 50, d0: 4, d1: 3, d2: 3, seed, activation }, K);
  const growth = computeLayerGrowth(p.stats, { activation }, K);
  const loss = (gamma: number) => lossSum("mse_sum", extendedForward(p.params, growth.step, p.x, gamma, activation, K, p.forward), p.y) / 50;
  return { p, growth, loss };
}

/** −d(loss)/d(γ²) at 0⁺ by finite differences, Richardson-extrapolated in γ. */
function finiteDifferenceDecrease(loss: (gamma: number) => number, gamma = 1e-3): number {
  const l0 = loss(0);
  const f = (g: number) => (l0 - loss(g)) / (g * g);
  return 2 * f(gamma / 2) - f(gamma);
}

test("GroMo's first-order improvement is D + σ'(0)·Σ s² with its σ'(0) table", () => {
  const { growth } = setup("selu");
  const s = growth.neurons.singularValues;
  const expected = growth.delta.decrease + 1.0507 * s.reduce((a, v) => a + v * v, 0);
  assert.ok(Math.abs(growth.firstOrder.total - expected) < 1e-14 * expected);
  assert.deepEqual(
    (["relu", "gelu", "selu", "tanh", "sigmoid", "identity"] as const).map(gromoActivationGradientAtZero),
    [1, 0.5, 1.0507, 1, 0.25, 1],
  );
  assert.deepEqual(firstOrderImprovement(2, Float64Array.of(1, 2), 0.5), { parameterUpdateDecrease: 2, newNeuronsImprovement: 2.5, total: 4.5 });
});

for (const activation of ["selu", "relu", "tanh"] as const) {
  test(`exact first-order decrease (cross term kept) matches finite differences of the extended loss (${activation})`, () => {
    const { p, growth, loss } = setup(activation);
    const exact = exactFirstOrderImprovement(growth.delta.decrease, p.x, p.g, growth.neurons.alpha, growth.neurons.omega, true, activation, K);
    const fd = finiteDifferenceDecrease(loss);
    assert.ok(Math.abs(exact - fd) < 1e-4 * Math.abs(exact), `exact ${exact} vs finite difference ${fd}`);
  });
}

test("for σ differentiable at 0 (tanh), exact = GroMo's total − σ'(0)·tr(α P δW_rawᵀ ω), and GroMo's estimate is off by that", () => {
  const { p, growth, loss } = setup("tanh");
  const fromSamples = exactFirstOrderImprovement(growth.delta.decrease, p.x, p.g, growth.neurons.alpha, growth.neurons.omega, true, "tanh", K);
  const smooth = exactFirstOrderImprovementSmooth(growth.delta.decrease, growth.neurons.alpha, p.stats.MPrev, growth.neurons.omega, 1, K);
  const viaCross = growth.firstOrder.total - growth.crossTerm;
  assert.ok(Math.abs(fromSamples - smooth) < 1e-12 * Math.abs(smooth));
  assert.ok(Math.abs(viaCross - smooth) < 1e-12 * Math.abs(smooth));
  assert.ok(Math.abs(growth.crossTerm) > 1e-3 * Math.abs(smooth), "the example must exercise the cross term");
  const fd = finiteDifferenceDecrease(loss);
  assert.ok(Math.abs(growth.firstOrder.total - fd) > 100 * Math.abs(smooth - fd));
});

test("exact first order refuses activations with σ(0) ≠ 0", () => {
  const { p, growth } = setup("selu");
  assert.throws(
    () => exactFirstOrderImprovement(0, p.x, p.g, growth.neurons.alpha, growth.neurons.omega, true, "sigmoid", K),
    /exactFirstOrderImprovement: expected an activation with σ\(0\) = 0, got sigmoid/,
  );
});
