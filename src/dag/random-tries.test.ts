import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { splitThreeWays, subsetDataset } from "../data/splits.js";
import type { Dataset } from "../data/batches.js";
import { dagLoss } from "./data.js";
import { fitCandidate } from "./fit.js";
import { DagModel } from "./model.js";
import { modelToJson } from "./serialize.js";
import { computeNodeStatistics } from "./statistics.js";
import { growthStep, type GrowthSplits } from "./step.js";
import { trainModel } from "./train.js";
import { CandidatePool } from "../node/pool.js";
import { activationForward } from "../nn/layers/activation.js";
import { matmul, scale } from "../growth/linalg.js";
import { pseudoInverseSolve } from "../growth/optimal-delta.js";
import { randomPool, SAMPLE_ROW_BLOCK, selectNeurons, unitScaleRows, type NeuronSamples } from "./random-tries.js";

const kernels = kernelsUnderTest();

function problem(seed: number, n: number, test = 0): { splits: GrowthSplits; train: Dataset; test: Dataset } {
  const rng = new Rng(seed);
  const teacher = buildTeacher(rng, { inputSize: 4, hiddenSize: 8 });
  const all = teacherDataset(kernels, teacher, n + test, rng);
  const train = subsetDataset(all, Int32Array.from({ length: n }, (_, i) => i));
  const held = subsetDataset(all, Int32Array.from({ length: test }, (_, i) => n + i));
  const s = splitThreeWays(n, seed);
  return { splits: { trainOpt: subsetDataset(train, s.trainOpt), trainLs: subsetDataset(train, s.trainLs), trainGr: subsetDataset(train, s.trainGr) }, train, test: held };
}

function mse(m: DagModel, d: Dataset): number {
  return dagLoss("mse", m.forwardAll(kernels, d.x).z.get("out") as Matrix<Float32Array>, "y" in d ? d.y : new Int32Array(0), "mean");
}

/** in→out at the least-squares optimum on train-opt: the residual is orthogonal to span[x, 1]. */
function linearModel(splits: GrowthSplits): DagModel {
  const m = DagModel.empty(4, 1);
  m.addEdge("in", "out");
  const out = computeNodeStatistics(m, splits.trainOpt, "mse", kernels).nodes.get("out");
  assert.ok(out !== undefined);
  // G = 2(pred − y) (sum loss), δW = S⁻¹M: the exact least-squares move is −δW/2.
  const layer = m.layer("in", "out");
  for (let j = 0; j < 4; j++) layer.weight.data[j] -= 0.5 * out.delta.deltaRaw.data[j];
  (layer.bias as Float32Array)[0] -= 0.5 * out.delta.deltaRaw.data[4];
  return m;
}

test("beside a least-squares edge (N ≈ 0, rank(N) ≤ 1) TINY has at most one neuron; tiny-random gives k that lower the loss", async () => {
  const { splits } = problem(21, 600);
  const m = linearModel(splits);
  const stats = computeNodeStatistics(m, splits.trainOpt, "mse", kernels);
  const tiny = fitCandidate(m.graph, stats, { kind: "new-node", from: "in", to: "out", neurons: 5 }, "h1", "selu", {}, kernels);
  assert.ok(tiny.kind === "new-node" && tiny.k <= 1, `TINY neurons: ${tiny.kind === "new-node" ? tiny.k : "?"}`);
  const r = await growthStep(m, splits, { neuronsPerStep: 5, seed: 3 }, { kernels });
  assert.equal(r.outcome, "grown");
  assert.ok(r.chosen !== null);
  const c = r.candidates[r.chosen];
  assert.equal(c.description, "node in->[5]->out");
  assert.equal(c.neurons, 5);
  assert.ok(c.gamma > 0);
  assert.ok(c.lossLs < 0.97 * r.lossLsBefore, `train-ls ${r.lossLsBefore} -> ${c.lossLs}`);
  assert.ok(c.lossGr < 0.97 * r.lossGrBefore, `train-gr ${r.lossGrBefore} -> ${c.lossGr}`);
  // The applied model computes the line-searched function.
  assert.ok(Math.abs(mse(m, splits.trainGr) - c.lossGr) <= 1e-4 * c.lossGr);
});

test("no candidate lowers the train-ls loss: outcome no-improving-expansion and the model is unchanged", async () => {
  const rng = new Rng(4);
  const m = DagModel.empty(3, 1);
  m.addNode("h1", 3);
  m.addEdge("in", "h1", { init: "lecun-normal", rng });
  m.addEdge("h1", "out", { init: "lecun-normal", rng });
  const part = (n: number): Dataset => {
    const x = new Matrix(n, 3, new Float32Array(n * 3));
    rng.fillUniform(x.data, -1, 1);
    return { x, y: (m.forwardAll(kernels, x).z.get("out") as Matrix<Float32Array>).clone() };
  };
  // Targets = the model's own outputs: the loss is 0 and no expansion can lower it.
  const splits = { trainOpt: part(60), trainLs: part(60), trainGr: part(60) };
  const before = JSON.stringify(modelToJson(m));
  for (const fit of ["tiny", "tiny-random", "gradient"] as const) {
    const r = await growthStep(m, splits, { neuronsPerStep: 2, fit, refine: { epochs: 1 } }, { kernels });
    assert.equal(r.outcome, "no-improving-expansion", fit);
    assert.equal(r.chosen, null);
    assert.ok(r.candidates.length > 0 && r.candidates.every((c) => c.skipped !== null), fit);
    assert.equal(r.paramsAfter, r.paramsBefore);
    assert.equal(JSON.stringify(modelToJson(m)), before, `${fit}: the model changed`);
  }
});

test("fit mode gradient stays stable over steps with inter-training (finite, bounded weights, loss goes down)", async () => {
  const { splits, train } = problem(8, 450);
  const m = DagModel.empty(4, 1);
  const rng = new Rng(2);
  const first = mse(m, splits.trainGr);
  for (let s = 0; s < 4; s++) {
    const r = await growthStep(m, splits, { neuronsPerStep: 3, fit: "gradient", refine: { epochs: 5 }, seed: s }, { kernels });
    assert.ok(r.candidates.every((c) => c.skipped !== null || Number.isFinite(c.lossGr)));
    const losses = trainModel(m, train, { epochs: 5, batchSize: 32 }, rng, kernels);
    assert.ok(losses.every(Number.isFinite), `step ${s}: ${losses.join(", ")}`);
  }
  let maxAbs = 0;
  for (const p of m.params()) for (const v of p.value) maxAbs = Math.max(maxAbs, Math.abs(v));
  assert.ok(maxAbs < 50, `largest weight ${maxAbs}`);
  assert.ok(mse(m, splits.trainGr) < 0.1 * first, `${first} -> ${mse(m, splits.trainGr)}`);
});

test("growth from the empty graph on a tiny teacher beats the linear fit by a stated margin", async () => {
  const { splits, train, test: held } = problem(5, 900, 600);
  const m = DagModel.empty(4, 1);
  const rng = new Rng(7);
  const r0 = await growthStep(m, splits, { neuronsPerStep: 4, seed: 1 }, { kernels });
  assert.equal(r0.candidates[r0.chosen as number].description, "edge in->out");
  trainModel(m, train, { epochs: 10, batchSize: 32 }, rng, kernels);
  const linear = mse(m, held);
  for (let s = 1; s < 5; s++) {
    const r = await growthStep(m, splits, { neuronsPerStep: 4, seed: 1 + s }, { kernels });
    assert.equal(r.outcome, "grown", `step ${s}`);
    trainModel(m, train, { epochs: 10, batchSize: 32 }, rng, kernels);
  }
  const grown = mse(m, held);
  assert.ok(grown < 0.5 * linear, `test MSE: linear ${linear}, grown ${grown}`);
});

test("worker pool (2 workers) = serial with the random-try fit, including the applied model", async () => {
  const { splits, train } = problem(6, 300);
  const serial = DagModel.empty(4, 1);
  const parallel = DagModel.empty(4, 1);
  const pool = new CandidatePool(2, kernels.name);
  try {
    for (let s = 0; s < 3; s++) {
      const opts = { neuronsPerStep: 3, seed: 10 + s };
      const a = await growthStep(serial, splits, opts, { kernels });
      const b = await growthStep(parallel, splits, opts, { kernels, runner: pool });
      assert.equal(a.chosen, b.chosen);
      assert.deepEqual(b.candidates.map((r) => ({ ...r, fitSeconds: 0, evalSeconds: 0 })), a.candidates.map((r) => ({ ...r, fitSeconds: 0, evalSeconds: 0 })));
      assert.deepEqual(Array.from(parallel.forward(kernels, train.x).data), Array.from(serial.forward(kernels, train.x).data));
    }
    assert.ok(serial.graph.nodes.length > 2, "a node was grown");
  } finally {
    await pool.close();
  }
});

test("random tries: neurons standardised from the second moment; over several sample blocks the reported gain is the exact decrease of the least-squares residual on all samples", () => {
  // n spans 2½ row blocks (the last one partial): the Gram statistics are sums over blocks.
  const n = Math.floor(2.5 * SAMPLE_ROW_BLOCK);
  const rng = new Rng(31);
  const x = zeros64(n, 4);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < 3; j++) x.data[r * 4 + j] = rng.normal();
    x.data[r * 4 + 3] = 1;
  }
  // Target 1 is fed by the same sources (V ⊥ span[x, 1]); target 2 projects nothing.
  const y = zeros64(n, 2);
  for (let r = 0; r < n; r++) {
    const [a, b, c] = [x.data[r * 4], x.data[r * 4 + 1], x.data[r * 4 + 2]];
    y.data[r * 2] = Math.max(0, a + b) - Math.abs(c);
    y.data[r * 2 + 1] = Math.tanh(a * c);
  }
  const s = scale(matmul(kernels, x, x, { transA: true }), 1 / n);
  const v1 = matmul(kernels, x, pseudoInverseSolve(kernels, s, scale(matmul(kernels, x, y, { transA: true }), 1 / n)));
  for (let i = 0; i < v1.data.length; i++) v1.data[i] = y.data[i] - v1.data[i];
  const v2 = zeros64(n, 1);
  for (let r = 0; r < n; r++) v2.data[r] = y.data[r * 2 + 1];
  const data: NeuronSamples = { x, xMoment: s, withOnes: true, targets: [{ basis: x, basisMoment: s, v: v1 }, { basis: null, basisMoment: null, v: v2 }] };
  const pool = randomPool(s, true, 64, rng, kernels);
  // Standardised from the second moment alone: every random neuron's pre-activation has unit variance over the samples.
  const pre = matmul(kernels, x, pool, { transB: true });
  for (let j = 0; j < pool.rows; j++) {
    let m = 0;
    let sq = 0;
    for (let r = 0; r < n; r++) {
      m += pre.data[r * pool.rows + j] / n;
      sq += pre.data[r * pool.rows + j] ** 2 / n;
    }
    assert.ok(Math.abs(sq - m * m - 1) < 1e-9, `neuron ${j}: variance ${sq - m * m}`);
  }
  const unit = unitScaleRows(s, pool, kernels);
  const preUnit = matmul(kernels, x, unit, { transB: true });
  for (let j = 0; j < unit.rows; j++) {
    let sq = 0;
    for (let r = 0; r < n; r++) sq += preUnit.data[r * unit.rows + j] ** 2 / n;
    assert.ok(Math.abs(sq - 1) < 1e-9, `unit-scaled neuron ${j}: mean square ${sq}`);
  }
  const chosen = selectNeurons(data, pool, 6, "relu", kernels);
  assert.equal(chosen.k, 6);
  // Residuals after the chosen neurons, on every sample: r_t = V_t + H ω_tᵀ − 𝓑_t A_tᵀ.
  const h = matmul(kernels, x, chosen.alpha, { transB: true });
  activationForward("relu", h, h);
  let before = 0;
  let after = 0;
  let row0 = 0;
  data.targets.forEach((t, ti) => {
    const d = t.v.cols;
    const omega = new Matrix(d, chosen.k, chosen.omega.data.slice(row0 * chosen.k, (row0 + d) * chosen.k));
    const r = matmul(kernels, h, omega, { transB: true });
    const adjust = chosen.deltaAdjust[ti];
    const back: Matrix64 | null = adjust === null ? null : matmul(kernels, x, adjust, { transB: true });
    for (let i = 0; i < r.data.length; i++) {
      before += t.v.data[i] ** 2;
      after += (t.v.data[i] + r.data[i] - (back === null ? 0 : back.data[i])) ** 2;
    }
    row0 += d;
  });
  const decrease = (before - after) / n;
  assert.ok(chosen.gain > 0.05 * (before / n), `gain ${chosen.gain} of ${before / n}`);
  assert.ok(Math.abs(decrease - chosen.gain) <= 1e-9 * (before / n), `decrease ${decrease} vs gain ${chosen.gain}`);
});
