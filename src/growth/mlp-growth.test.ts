import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchIterator, type Dataset } from "../data/batches.js";
import { subsetDataset } from "../data/splits.js";
import { teacherRegression } from "../data/synthetic.js";
import { ConfigError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { portableKernels } from "../kernels/portable/index.js";
import type { Mlp } from "../nn/mlp.js";
import { Adam } from "../nn/optim/adam.js";
import type { Optimizer } from "../nn/optim/optimizer.js";
import { countParams, type Param } from "../nn/param.js";
import { evaluate } from "../nn/train.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { frobeniusNorm } from "./linalg.js";
import {
  analyseMlp,
  applyMlpGrowth,
  collectMlpStatistics,
  createGrowingMlp,
  growMlp,
  heldOutLoss,
  mlpGrowthStep,
  parseGrowthOptions,
  selectLayer,
  type LayerCandidate,
} from "./mlp-growth.js";
import { kernelSets } from "./test-helpers.js";

const kernels: Kernels = portableKernels;

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}

/** A small teacher task split into train / line-search / test. */
function task(seed: number, inputs = 6, outputs = 3): { train: Dataset; lineSearch: Dataset; test: Dataset } {
  const t = teacherRegression(kernels, new Rng(seed), { samples: 600, testSamples: 200, inputs, hidden: [5], outputs, noise: 0.01 });
  return { train: subsetDataset(t.train, range(0, 400)), lineSearch: subsetDataset(t.train, range(400, 600)), test: t.test };
}

function outputsOf(model: Mlp, x: Matrix<Float32Array>, k: Kernels): Float32Array {
  return model.forward(k, x).data.slice();
}

test("a few growth steps from zero hidden width reduce the test loss", () => {
  const data = task(1);
  const model = createGrowingMlp({ sizes: [6, 0, 3], activation: "selu", init: "lecun-normal" }, new Rng(2));
  const loss = { name: "mse" as const, reduction: "sum" as const };
  const before = evaluate(kernels, model, data.test, loss).loss;
  const options = parseGrowthOptions({ update: "natural" });
  for (let s = 0; s < 3; s++) mlpGrowthStep(model, { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss: "mse" }, options);
  const after = evaluate(kernels, model, data.test, loss).loss;
  assert.ok(model.layers[0].outputs > 0, `hidden width ${model.layers[0].outputs}`);
  assert.ok(after < 0.7 * before, `test loss ${before} → ${after}`);
});

test("two zero-width hidden layers grow (the layer fed by a zero-width layer uses N = −M_prev)", () => {
  const data = task(3);
  const model = createGrowingMlp({ sizes: [6, 0, 0, 3], activation: "tanh" }, new Rng(4));
  const rows = growMlp(
    model,
    data,
    { kernels, loss: "mse", optimizer: new Adam(model.params(), { lr: 0.01 }), batches: new BatchIterator(data.train, { batchSize: 32, rng: new Rng(5) }), rng: new Rng(6) },
    { steps: 4, epochsBetween: 1 },
    parseGrowthOptions(),
  );
  assert.equal(rows.length, 5);
  assert.ok(model.layers[0].outputs > 0 && model.layers[1].outputs > 0, `sizes ${model.sizes.join("-")}`);
  assert.ok(rows[4].test.loss < rows[0].test.loss, `test ${rows[0].test.loss} → ${rows[4].test.loss}`);
});

for (const set of kernelSets()) {
  test(`γ = 0 leaves the function bit-identical, in every update mode (${set.name} kernels)`, (t) => {
    if (set.kernels === null) return t.skip(set.skip ?? "unavailable");
    const k = set.kernels;
    const data = task(7);
    const x = data.test.x;
    for (const update of ["natural", "gradient", "none"] as const) {
      for (const layer of [0, 1]) {
        const model = createGrowingMlp({ sizes: [6, 4, 3, 3], activation: "selu", init: "lecun-normal" }, new Rng(8));
        const stats = collectMlpStatistics(model, data.train, "mse", k);
        const c = analyseMlp(model, stats, parseGrowthOptions({ update }), k)[layer];
        const before = outputsOf(model, x, k);
        assert.ok(c.step !== null && c.neurons > 0, `layer ${layer}: ${c.neurons} neurons`);
        applyMlpGrowth(model, layer, c.step, 0);
        assert.equal(model.layers[layer].outputs, [4, 3][layer] + c.neurons);
        assert.deepEqual(outputsOf(model, x, k), before, `update ${update}, layer ${layer}`);
      }
    }
  });
}

test("after the step the held-out loss equals the line-search minimum, bit for bit", () => {
  const data = task(9);
  for (const update of ["natural", "gradient", "none"] as const) {
    const model = createGrowingMlp({ sizes: [6, 3, 2, 3], activation: "selu", init: "lecun-normal" }, new Rng(10));
    const before = heldOutLoss(model, data.lineSearch, "mse", kernels);
    const r = mlpGrowthStep(model, { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss: "mse" }, parseGrowthOptions({ update }));
    assert.equal(r.lossBefore, before);
    assert.equal(heldOutLoss(model, data.lineSearch, "mse", kernels), r.lossAfter, `update ${update}`);
    assert.ok(r.lossAfter <= r.lossBefore);
    assert.ok(r.lineSearchEvaluations >= 201);
  }
});

test("the chosen layer is the argmax of the first-order improvement; its criterion follows the update mode", () => {
  const data = task(11);
  const model = createGrowingMlp({ sizes: [6, 3, 3, 3], activation: "tanh" }, new Rng(12));
  for (const update of ["natural", "gradient", "none"] as const) {
    const r = mlpGrowthStep(createGrowingMlp({ sizes: [6, 3, 3, 3], activation: "tanh" }, new Rng(12)), { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss: "mse" }, parseGrowthOptions({ update }));
    const fo = r.candidates.map((c) => c.firstOrderImprovement);
    assert.equal(r.chosen, fo.indexOf(Math.max(...fo)), `update ${update}: ${fo.join(", ")}`);
  }
  const stats = collectMlpStatistics(model, data.train, "mse", kernels);
  const modes = Object.fromEntries((["natural", "gradient", "none"] as const).map((u) => [u, analyseMlp(model, stats, parseGrowthOptions({ update: u }), kernels)]));
  for (let h = 0; h < 2; h++) {
    const g = modes.natural[h].growth;
    assert.ok(g !== null);
    const fo = g.firstOrder;
    assert.equal(modes.natural[h].firstOrderImprovement, fo.parameterUpdateDecrease + fo.newNeuronsImprovement);
    assert.equal(modes.none[h].firstOrderImprovement, fo.newNeuronsImprovement);
    const m = frobeniusNorm(stats[h].M);
    assert.ok(Math.abs(modes.gradient[h].firstOrderImprovement - (m * m + fo.newNeuronsImprovement)) <= 1e-12 * (m * m + fo.newNeuronsImprovement));
    // gradient mode: δ is the per-sample gradient of [W2 | b2], Mᵀ.
    const step = modes.gradient[h].step;
    assert.ok(step !== null && step.deltaBias !== null);
    const d1 = stats[h].shape.hiddenFeatures;
    assert.equal(step.deltaWeight.get(1, 0), stats[h].M.get(0, 1));
    assert.equal(step.deltaBias[2], stats[h].M.get(d1, 2));
  }
});

test("selectLayer: first index on ties, ineligible layers skipped, −1 when none", () => {
  const c = (layer: number, fo: number, eligible = true): LayerCandidate => ({ layer, width: 1, eligible, bottleneck: 0, firstOrderImprovement: fo, neurons: 1, growth: null, step: null });
  assert.equal(selectLayer([c(0, 1), c(1, 3), c(2, 3)]), 1);
  assert.equal(selectLayer([c(0, 5, false), c(1, 2)]), 1);
  assert.equal(selectLayer([c(0, 5, false)]), -1);
});

test("parameter count bookkeeping: k new neurons cost k·(d0 + 1) + d2·k parameters", () => {
  const data = task(13);
  const model = createGrowingMlp({ sizes: [6, 2, 3], activation: "selu", init: "lecun-normal" }, new Rng(14));
  const n0 = countParams(model.params());
  assert.equal(n0, 2 * 6 + 2 + 3 * 2 + 3);
  const r = mlpGrowthStep(model, { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss: "mse" }, parseGrowthOptions({ maxNeuronsPerStep: 2 }));
  assert.equal(r.added, 2);
  assert.deepEqual(model.sizes, [6, 4, 3]);
  assert.equal(r.parameters, n0 + 2 * (6 + 1) + 3 * 2);
  assert.equal(countParams(model.params()), r.parameters);
});

test("the optimizer state of exactly the resized parameters is reset", () => {
  const data = task(15);
  const model = createGrowingMlp({ sizes: [6, 2, 2, 3], activation: "selu", init: "lecun-normal" }, new Rng(16));
  const adam = new Adam(model.params(), { lr: 1e-3 });
  const reset: Param[] = [];
  const optimizer: Optimizer = Object.assign(Object.create(adam) as Optimizer, { resetState: (p: Param) => (reset.push(p), adam.resetState(p)) });
  const r = mlpGrowthStep(model, { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss: "mse", optimizer }, parseGrowthOptions());
  const first = model.layers[r.chosen];
  const second = model.layers[r.chosen + 1];
  assert.deepEqual(reset, [first.weightParam, first.biasParam, second.weightParam]);
  // The grown parameters still train (state re-created at the new sizes).
  const batches = new BatchIterator(data.train, { batchSize: 50 });
  const batch = batches.begin();
  assert.ok(batch !== null);
  adam.zeroGrad();
  const pred = model.forward(kernels, batch.x);
  const d = new Matrix(pred.rows, pred.cols, new Float32Array(pred.data.length).fill(1));
  model.backward(kernels, d);
  adam.step();
  assert.ok(model.params().every((p) => p.value.every(Number.isFinite)));
});

test("a statistics set larger than statisticsSamples is subsampled", () => {
  const data = task(17);
  const model = createGrowingMlp({ sizes: [6, 1, 3], activation: "selu" }, new Rng(18));
  const r = mlpGrowthStep(model, { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss: "mse", rng: new Rng(19) }, parseGrowthOptions({ statisticsSamples: 123 }));
  assert.equal(r.statisticsSamples, 123);
});

test("classification: statistics with the summed cross-entropy, and the loss falls", () => {
  const rng = new Rng(20);
  const x = new Matrix(300, 4, new Float32Array(1200));
  rng.fillNormal(x.data);
  const labels = Int32Array.from({ length: 300 }, (_, i) => (x.data[4 * i] * x.data[4 * i + 1] > 0 ? 1 : 0) + (x.data[4 * i + 2] > 0.5 ? 2 : 0));
  const all: Dataset = { x, labels };
  const train = subsetDataset(all, range(0, 200));
  const lineSearch = subsetDataset(all, range(200, 300));
  const model = createGrowingMlp({ sizes: [4, 0, 4], activation: "relu" }, new Rng(21));
  const r = mlpGrowthStep(model, { statistics: train, lineSearch }, { kernels, loss: "softmax-cross-entropy" }, parseGrowthOptions());
  assert.ok(r.added > 0 && r.lossAfter < r.lossBefore, `+${r.added}: ${r.lossBefore} → ${r.lossAfter}`);
});

test("bad growth options and shapes are reported clearly", () => {
  assert.throws(
    () => parseGrowthOptions({ maxNeuronsPerStep: 0 }),
    (e: unknown) => e instanceof ConfigError && /growth options: maxNeuronsPerStep: .*>=1/.test(e.message),
  );
  assert.throws(() => parseGrowthOptions({ update: "newton" as never }), (e: unknown) => e instanceof ConfigError && /update/.test(e.message));
  assert.throws(() => createGrowingMlp({ sizes: [3, 2], activation: "relu" }, new Rng(0)), (e: unknown) => e instanceof ShapeError && /at least one hidden layer/.test(e.message));
  assert.throws(() => createGrowingMlp({ sizes: [3, -1, 2], activation: "relu" }, new Rng(0)), (e: unknown) => e instanceof ShapeError && /non-negative hidden widths/.test(e.message));
  const model = createGrowingMlp({ sizes: [3, 1, 2], activation: "relu" }, new Rng(0));
  assert.throws(() => analyseMlp(model, [], parseGrowthOptions(), kernels), (e: unknown) => e instanceof ShapeError && /statistics for 1 hidden layers/.test(e.message));
});

/**
 * The δW* blow-up (a 6-0-0-3 net grown 20 times; its hidden features become nearly collinear):
 * an unguarded plain solve (naturalRidge 0) reached γ²·max|δW| ~1e13 and a test loss ~1e20.
 * The default ridge keeps every step small, the weights finite and the run converging. (That
 * blow-up is not a failed solve — measured ‖δW‖·tr S/‖M‖ stays ≤ 2e3 — but large natural steps
 * compounding over 20 steps; the solve guard of optimal-delta.ts handles the rank-deficient S,
 * tested there.)
 */
function longNaturalRun(naturalRidge: number): { maxStep: number; maxWeight: number; before: number; after: number; warnings: string[] } {
  const t = teacherRegression(kernels, new Rng(2), { samples: 600, testSamples: 200, inputs: 6, hidden: [8], outputs: 3, noise: 0.01 });
  const data = { train: subsetDataset(t.train, range(0, 400)), lineSearch: subsetDataset(t.train, range(400, 600)), test: t.test };
  const model = createGrowingMlp({ sizes: [6, 0, 0, 3], activation: "selu", init: "lecun-normal" }, new Rng(3));
  let maxStep = 0;
  let maxWeight = 0;
  const warnings: string[] = [];
  const rows = growMlp(
    model,
    data,
    { kernels, loss: "mse", optimizer: new Adam(model.params(), { lr: 0.003 }), batches: new BatchIterator(data.train, { batchSize: 32, rng: new Rng(4) }), rng: new Rng(5) },
    { steps: 20, epochsBetween: 1 },
    parseGrowthOptions({ update: "natural", naturalRidge }),
    {
      onGrowth: (_s, r) => {
        for (const c of r.candidates) if (c.growth?.deltaWarning) warnings.push(c.growth.deltaWarning);
        const step = r.candidates[r.chosen].step;
        if (step !== null) for (const v of step.deltaWeight.data) maxStep = Math.max(maxStep, r.gamma * r.gamma * Math.abs(v));
      },
      onRow: () => {
        for (const p of model.params()) for (const v of p.value) maxWeight = Math.max(maxWeight, Number.isFinite(v) ? Math.abs(v) : Infinity);
      },
    },
  );
  return { maxStep, maxWeight, before: rows[0].test.loss, after: rows[rows.length - 1].test.loss, warnings };
}

test("20 natural (δW*) growth steps stay finite with bounded weights and steps, and no solve needs the guard (default ridge)", () => {
  const r = longNaturalRun(parseGrowthOptions().naturalRidge);
  assert.deepEqual(r.warnings, []);
  assert.ok(r.maxStep < 10, `largest entry of γ²δW ${r.maxStep}`);
  assert.ok(r.maxWeight < 50, `largest weight ${r.maxWeight}`);
  assert.ok(Number.isFinite(r.after) && r.after < 0.5 * r.before, `test loss ${r.before} → ${r.after}`);
});
