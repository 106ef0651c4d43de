/**
 * A CNN growth step end to end on small synthetic images: every pair gets candidates, the
 * chosen one is applied, the float32 network after the step computes the line search's
 * minimum (float64 tail forward = the grown float32 network), the loss does not increase,
 * and the widths grow by k. Both variants, flatten and GAP heads, with and without δW.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cnn } from "../../conv/cnn.js";
import { evaluateCnn } from "../../conv/train.js";
import { Rng } from "../../tensor/rng.js";
import { countParams } from "../../nn/param.js";
import { kernelSets } from "../test-helpers.js";
import { contrastImages } from "./test-helpers.js";
import { amplitudeHelps, cnnGrowthStep, type CnnGrowthOptions, type LabelledImages } from "./cnn-growth-step.js";

const kernels = kernelSets()[0].kernels!;

const images = contrastImages;

const options: CnnGrowthOptions = { variant: "full", maxChannels: 2, statisticalThreshold: 1e-3, numericalThreshold: 1e-6, updateDelta: true, deltaRidge: 1e-3, lineSearchPoints: 20, batchSize: 16 };

// With ReLU and the GAP head no amplitude of the fitted channels lowers this task's loss (ReLU
// keeps only the positive part of the linearised direction, and GAP averages the rest in), so
// no channel would be added there; the GAP case uses tanh, which is odd like its linearisation.
for (const [name, head, variant, updateDelta, select, activation] of [
  ["flatten head, Full, δW, best pair", "flatten", "full", true, "best", "relu"],
  ["GAP head (tanh), Restricted, no δW, every pair", "gap", "restricted", false, "every", "tanh"],
  ["flatten head, Full, no δW, largest measured decrease", "flatten", "full", false, "loss", "relu"],
] as const) {
  test(`CNN growth step: ${name}`, () => {
    const model = Cnn.create(
      {
        input: { channels: 2, height: 8, width: 8 },
        blocks: [
          { channels: 2, kernel: 3, padding: 1, pool: { kind: "avg", kernel: 2 } },
          { channels: 1, kernel: 3, padding: 1, pool: head === "flatten" ? { kind: "max", kernel: 2 } : null },
        ],
        head,
        outputs: 2,
        activation,
      },
      new Rng(5),
    );
    const stats = images(48, 1);
    const ls = images(40, 2);
    const before = model.widths;
    const r = cnnGrowthStep(model, stats, ls, { ...options, variant, updateDelta, select }, kernels);
    assert.equal(r.candidates.length, 2);
    assert.equal(r.candidates[1].consumer, "head");
    assert.equal(r.applied.length, select === "every" ? 2 : 1);
    for (const c of r.candidates) assert.ok(Number.isFinite(c.score) && c.score > 0 && c.k >= 1, `score ${c.score}`);
    const added = before.map(() => 0);
    for (const a of r.applied) {
      added[a.candidate.block] += a.candidate.k;
      assert.ok(a.lossAfter < a.lossBefore && a.gamma > 1e-6, `γ ${a.gamma}: ${a.lossBefore} → ${a.lossAfter}`);
    }
    assert.deepEqual(r.widths, before.map((w, l) => w + added[l]));
    if (select === "loss") {
      // Every pair's decrease was measured; the applied one is the largest, and it is its line search's.
      const measured = r.candidates.map((c) => c.measuredDecrease!);
      for (const m of measured) assert.ok(Number.isFinite(m) && m >= 0, `measured ${m}`);
      const a = r.applied[0];
      assert.equal(a.candidate.measuredDecrease, Math.max(...measured));
      assert.equal(a.lossBefore - a.lossAfter, a.candidate.measuredDecrease);
    }
    // The pair applied last in time: "every" grows the last block first and lists in block order.
    const last = select === "every" ? r.applied[0] : r.applied[r.applied.length - 1];
    const { loss } = evaluateCnn(model, { x: ls.x, labels: ls.labels }, kernels);
    assert.ok(Math.abs(loss - last.lossAfter) < 1e-5 * Math.max(1, last.lossAfter), `float32 network after the step ${loss} vs line-search minimum ${last.lossAfter}`);
  });
}

test("CNN growth step: channels whose amplitude does not lower the held-out loss are not added", () => {
  const searched = (gammaStar: number) => ({ gammaStar, historyLoss: [0.5], lossStar: 0.4 });
  assert.equal(amplitudeHelps(searched(0)), false);
  assert.equal(amplitudeHelps(searched(1e-6)), false, "the line search's smallest positive γ");
  assert.equal(amplitudeHelps(searched(4.6)), true);
  assert.equal(amplitudeHelps(searched(-4.6)), true);
  assert.equal(amplitudeHelps(searched(4.6), 0.09), true, "decrease 0.1 > 0.09");
  assert.equal(amplitudeHelps(searched(4.6), 0.11), false, "decrease 0.1 < 0.11");
  for (const select of ["every", "best", "loss"] as const) {
    const model = Cnn.create(
      { input: { channels: 2, height: 8, width: 8 }, blocks: [{ channels: 2, kernel: 3, padding: 1, pool: { kind: "avg", kernel: 2 } }, { channels: 1, kernel: 3, padding: 1, pool: null }], head: "gap", outputs: 2 },
      new Rng(5),
    );
    const stats = images(48, 1);
    // The same images with the other label: what lowers the statistics' loss raises this one.
    const flipped = { x: stats.x, labels: stats.labels.map((y) => 1 - y) };
    const r = cnnGrowthStep(model, stats, flipped, { ...options, updateDelta: false, select }, kernels);
    assert.ok(r.candidates.every((c) => c.k >= 1), "candidates were found");
    assert.deepEqual(r.applied, [], select);
    assert.deepEqual(r.widths, [2, 1], select);
  }
});

test("CNN growth step: signs both also searches the channels (−α, −ω), and applies the better sign", () => {
  // ReLU with a GAP head: γ ≥ 0 lowers no loss here (the first test's note); −γ does.
  const create = (): Cnn =>
    Cnn.create(
      { input: { channels: 2, height: 8, width: 8 }, blocks: [{ channels: 2, kernel: 3, padding: 1, pool: { kind: "avg", kernel: 2 } }, { channels: 1, kernel: 3, padding: 1, pool: null }], head: "gap", outputs: 2, activation: "relu" },
      new Rng(5),
    );
  const stats = images(48, 1);
  const ls = images(40, 2);
  for (const select of ["every", "best", "loss"] as const) {
    const positive = cnnGrowthStep(create(), stats, ls, { ...options, updateDelta: false, select, signs: "positive" }, kernels);
    const model = create();
    const both = cnnGrowthStep(model, stats, ls, { ...options, updateDelta: false, select, signs: "both" }, kernels);
    assert.deepEqual(positive.applied, [], `${select}: γ ≥ 0 lowers no loss`);
    assert.equal(both.applied.length, select === "every" ? 2 : 1, select);
    for (const a of both.applied) assert.ok(a.gamma < -1e-6 && a.lossAfter < a.lossBefore, `${select}: γ ${a.gamma}, ${a.lossBefore} → ${a.lossAfter}`);
    // The float32 network got γα and γω with γ < 0: it computes the line search's minimum.
    const last = both.applied[0];
    const { loss } = evaluateCnn(model, { x: ls.x, labels: ls.labels }, kernels);
    assert.ok(Math.abs(loss - last.lossAfter) < 1e-5 * Math.max(1, last.lossAfter), `${select}: float32 network ${loss} vs line-search minimum ${last.lossAfter}`);
  }
});

/** Two blocks (avg pool, max pool) and a flatten head, with its statistics and line-search images. */
function flattenTask(): { create: () => Cnn; stats: LabelledImages; ls: LabelledImages } {
  const create = (): Cnn =>
    Cnn.create(
      { input: { channels: 2, height: 8, width: 8 }, blocks: [{ channels: 2, kernel: 3, padding: 1, pool: { kind: "avg", kernel: 2 } }, { channels: 1, kernel: 3, padding: 1, pool: { kind: "max", kernel: 2 } }], head: "flatten", outputs: 2 },
      new Rng(5),
    );
  return { create, stats: images(48, 1), ls: images(40, 2) };
}

test("CNN growth step: --min-decrease adds a pair's channels only if the line-search loss falls by more", () => {
  const { create, stats, ls } = flattenTask();
  const step = (minimumDecrease: number) => cnnGrowthStep(create(), stats, ls, { ...options, select: "best", minimumDecrease }, kernels);
  const free = step(0);
  assert.equal(free.applied.length, 1);
  const decrease = free.applied[0].lossBefore - free.applied[0].lossAfter;
  assert.ok(decrease > 0, `decrease ${decrease}`);
  // Just below the measured decrease the same channels grow; just above, none.
  const below = step(decrease * 0.999);
  assert.deepEqual(below.widths, free.widths);
  assert.equal(below.applied[0].gamma, free.applied[0].gamma);
  const above = step(decrease * 1.001);
  assert.deepEqual(above.applied, []);
  assert.deepEqual(above.widths, create().widths);
});

test("CNN growth step: a parameter budget caps the channels per pair and stops growth once no channel fits", () => {
  const { create, stats, ls } = flattenTask();
  const free = cnnGrowthStep(create(), stats, ls, { ...options, select: "every" }, kernels);
  assert.deepEqual(free.applied.map((a) => a.candidate.k), [2, 2], "without a budget both pairs take maxChannels = 2");
  const model = create();
  const start = countParams(model.params());
  const [per0, per1] = [model.parametersPerChannel(0), model.parametersPerChannel(1)];
  // Room for one channel of the head-side block (grown first by "every") and then none of block 0.
  const budget = start + per1 + Math.floor(per0 / 2);
  const capped = cnnGrowthStep(model, stats, ls, { ...options, select: "every", maxParameters: budget }, kernels);
  assert.deepEqual(capped.applied.map((a) => [a.candidate.block, a.candidate.k]), [[1, 1]]);
  assert.equal(countParams(model.params()), start + per1);
  assert.ok(countParams(model.params()) <= budget);
  // At the budget nothing is fitted or grown, for every selection rule.
  for (const select of ["every", "best", "loss"] as const) {
    const full = create();
    const r = cnnGrowthStep(full, stats, ls, { ...options, select, maxParameters: countParams(full.params()) }, kernels);
    assert.deepEqual([r.candidates, r.applied, r.widths], [[], [], [2, 1]], select);
  }
});

test("CNN growth step: the significance rule — τ and the channels it keeps per pair, deterministic given the seed", () => {
  const { create } = flattenTask();
  const stats = images(96, 1);
  const ls = images(40, 2);
  const threshold = cnnGrowthStep(create(), stats, ls, { ...options, select: "best" }, kernels);
  for (const c of threshold.candidates) {
    assert.equal(c.edge, Math.min(1e-3, c.topSingularValues[0]), "threshold: τ = min(τ_stat, s₁)");
    assert.ok(c.significant >= 1 && c.k === Math.min(c.significant, options.maxChannels));
  }
  const significance = { rule: "sign-flip" as const, level: 0.05, flips: 19, seed: 3 };
  const run = () => cnnGrowthStep(create(), stats, ls, { ...options, select: "every", significance }, kernels);
  const a = run();
  for (const c of a.candidates) {
    assert.ok(c.edge > 0, `τ ${c.edge}`);
    assert.equal(c.significant, c.topSingularValues.filter((s) => s > c.edge).length);
    assert.equal(c.k, Math.min(c.significant, options.maxChannels));
    for (const s of c.singularValues) assert.ok(s > c.edge);
  }
  assert.deepEqual(run().candidates.map((c) => c.edge), a.candidates.map((c) => c.edge));
  assert.notDeepEqual(cnnGrowthStep(create(), stats, ls, { ...options, select: "every", significance: { ...significance, seed: 4 } }, kernels).candidates.map((c) => c.edge), a.candidates.map((c) => c.edge));
});
