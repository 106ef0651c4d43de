/**
 * Balancing new channels (channel-scale.ts): each new channel's two relative scales become
 * equal while their product — and so, under ReLU, the network's function — is kept; the step's
 * decisions are those without balancing; non-homogeneous σ and batch norm are refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cnn } from "../../conv/cnn.js";
import type { CnnOptions } from "../../conv/cnn-spec.js";
import { ConfigError } from "../../errors.js";
import { Matrix } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { kernelSets } from "../test-helpers.js";
import { contrastImages } from "./test-helpers.js";
import { balanceChannels, channelScale } from "./channel-scale.js";
import { cnnGrowthStep, type CnnGrowthOptions } from "./cnn-growth-step.js";

const kernels = kernelSets()[0].kernels!;

test("balanceChannels: the new channels' relative scales become equal, their product and the earlier channels stay", () => {
  // Block of 3 channels, the last two new; kernels (3, 4), consumer (2, 3·2): q = 2 columns per channel.
  const w = new Matrix(3, 4, Float64Array.from([1, 0, 0, 0, 0, 40, 30, 0, 0, 0, 0, 0.5]));
  const bias = Float64Array.from([0.1, 2, -3]);
  const next = new Matrix(2, 6, Float64Array.from([0, 2, 0.01, 0, 5, 0, 0, 0, 0, 0.02, 0, 1]));
  const before = channelScale(w, next, 1, 3);
  const ratio = (j: number) => {
    const a = Math.hypot(...w.data.subarray(j * 4, j * 4 + 4)) / 1;
    const o = Math.hypot(next.data[j * 2], next.data[j * 2 + 1], next.data[6 + j * 2], next.data[6 + j * 2 + 1]) / 2;
    return { a, o };
  };
  const r1 = ratio(1);
  const r2 = ratio(2);
  balanceChannels(w, bias, next, 1, 3);
  for (const [j, r] of [
    [1, r1],
    [2, r2],
  ] as const) {
    const b = ratio(j);
    assert.ok(Math.abs(b.a - b.o) < 1e-12 * b.a, `channel ${j}: ${b.a} vs ${b.o}`);
    assert.ok(Math.abs(b.a * b.o - r.a * r.o) < 1e-12 * r.a * r.o, `channel ${j}: product`);
  }
  // c₁ = √(ro/ra) = √((√(0.01²+0.02²)/2) / 50): the bias follows the kernel.
  const c1 = Math.sqrt(Math.hypot(0.01, 0.02) / 2 / 50);
  assert.ok(Math.abs(bias[1] - 2 * c1) < 1e-12);
  assert.deepEqual(Array.from(w.data.subarray(0, 4)), [1, 0, 0, 0]);
  assert.equal(bias[0], 0.1);
  assert.deepEqual([next.data[0], next.data[1], next.data[6], next.data[7]], [0, 2, 0, 0]);
  // Before: rα = (50 + 0.5)/2, rω = (√(0.01²+0.02²) + 1)/2 / 2; after: the geometric means.
  assert.ok(Math.abs(before.alpha - 25.25) < 1e-12);
  const after = channelScale(w, next, 1, 3);
  assert.ok(Math.abs(after.alpha - after.omega) < 1e-12);
  // No earlier channel: no reference, nothing changes.
  const lone = new Matrix(1, 2, Float64Array.from([3, 4]));
  const loneNext = new Matrix(1, 1, Float64Array.from([0.5]));
  balanceChannels(lone, null, loneNext, 0, 1);
  assert.deepEqual([...lone.data, ...loneNext.data], [3, 4, 0.5]);
  assert.ok(Number.isNaN(channelScale(lone, loneNext, 0, 1).alpha));
});

const images = contrastImages;

const net = (activation: "relu" | "tanh", batchNorm = false): CnnOptions => ({
  input: { channels: 2, height: 8, width: 8 },
  blocks: [
    { channels: 2, kernel: 3, padding: 1, pool: { kind: "avg", kernel: 2 }, batchNorm },
    { channels: 2, kernel: 3, padding: 1, pool: { kind: "max", kernel: 2 } },
  ],
  head: "flatten",
  outputs: 2,
  activation,
});

const options: CnnGrowthOptions = { variant: "full", maxChannels: 2, statisticalThreshold: 1e-3, numericalThreshold: 1e-6, updateDelta: false, deltaRidge: 1e-3, lineSearchPoints: 20, batchSize: 16, select: "every", signs: "both" };

test("CNN growth step with balance: the same channels and amplitudes, the same function, balanced scales", () => {
  const plain = Cnn.create(net("relu"), new Rng(5));
  const balanced = Cnn.create(net("relu"), new Rng(5));
  const stats = images(48, 1);
  const ls = images(40, 2);
  const a = cnnGrowthStep(plain, stats, ls, options, kernels);
  const b = cnnGrowthStep(balanced, stats, ls, { ...options, balance: true }, kernels);
  assert.equal(a.applied.length, 2, "both pairs grow in this case");
  assert.deepEqual(
    b.applied.map((x) => [x.candidate.block, x.candidate.k, x.gamma, x.lossAfter, x.channels, x.scale]),
    a.applied.map((x) => [x.candidate.block, x.candidate.k, x.gamma, x.lossAfter, x.channels, x.scale]),
  );
  const test = images(32, 3);
  const la = plain.forward(kernels, test.x).data.slice();
  const lb = balanced.forward(kernels, test.x).data;
  const scale = Math.max(...la.map(Math.abs));
  for (let i = 0; i < la.length; i++) assert.ok(Math.abs(la[i] - lb[i]) <= 1e-5 * scale, `logit ${i}: ${la[i]} vs ${lb[i]}`);
  let changed = 0;
  for (const x of b.applied) {
    const l = x.candidate.block;
    const consumer = (m: Cnn) => (l + 1 < m.blocks.length ? m.blocks[l + 1].conv.weight : m.head.weight);
    const s = channelScale(balanced.blocks[l].conv.weight, consumer(balanced), x.channels[0], x.channels[1]);
    assert.ok(Math.abs(s.alpha - s.omega) < 1e-4 * s.alpha, `block ${l}: rα ${s.alpha} rω ${s.omega}`);
    const p = channelScale(plain.blocks[l].conv.weight, consumer(plain), x.channels[0], x.channels[1]);
    if (Math.abs(p.alpha - p.omega) > 1e-3 * p.alpha) changed++;
    // The block's earlier kernels are untouched, but for their taps on the previous block's new channels (that block's ω).
    const w = (m: Cnn) => m.blocks[l].conv.weight;
    const prev = b.applied.find((y) => y.candidate.block === l - 1)?.channels ?? [0, 0];
    const taps = 9;
    for (let r = 0; r < x.channels[0]; r++) {
      for (let c = 0; c < w(plain).cols; c++) {
        const i = r * w(plain).cols + c;
        if (c >= prev[0] * taps && c < prev[1] * taps) continue;
        assert.equal(w(balanced).data[i], w(plain).data[i], `block ${l} kernel ${r}, column ${c}`);
      }
    }
  }
  assert.ok(changed > 0, "the line search's channels were unbalanced, so balancing moved something");
});

test("CNN growth step with balance: refused for tanh (not positively homogeneous) and for blocks with batch norm", () => {
  const stats = images(48, 1);
  const ls = images(40, 2);
  for (const [name, model, block] of [
    ["tanh", Cnn.create(net("tanh"), new Rng(5)), ""],
    ["batch norm", Cnn.create(net("relu", true), new Rng(5)), "blocks.0"],
  ] as const) {
    assert.throws(
      () => cnnGrowthStep(model, stats, ls, { ...options, balance: true, blocks: [0] }, kernels),
      (e: unknown) => e instanceof ConfigError && /balancing new channels needs/.test(e.message) && e.message.includes(block || "tanh"),
      name,
    );
  }
});
