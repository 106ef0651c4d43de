import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { splitThreeWays, subsetDataset } from "../data/splits.js";
import type { Dataset } from "../data/batches.js";
import { candidateCost, describeCandidate, fitToBudget, type Candidate } from "./candidates.js";
import { dagLoss } from "./data.js";
import { ExtendedEvaluator, makeEvalSet, searchAmplitude } from "./evaluate.js";
import { fitCandidate } from "./fit.js";
import { applyProposal } from "./apply.js";
import { DagModel } from "./model.js";
import { bottleneckScores, computeNodeStatistics } from "./statistics.js";
import { bicScore, chooseCandidate, growthStep, resolveGrowthOptions, type CandidateReport, type GrowthSplits } from "./step.js";
import { trainModel } from "./train.js";
import { CandidatePool } from "../node/pool.js";

const kernels = kernelsUnderTest();

function tinyProblem(seed: number, n = 240): { splits: GrowthSplits; train: Dataset } {
  const rng = new Rng(seed);
  const teacher = buildTeacher(rng, { inputSize: 4, hiddenSize: 6 });
  const train = teacherDataset(kernels, teacher, n, rng);
  const s = splitThreeWays(n, seed);
  return { splits: { trainOpt: subsetDataset(train, s.trainOpt), trainLs: subsetDataset(train, s.trainLs), trainGr: subsetDataset(train, s.trainGr) }, train };
}

/** A student with a hidden node, a skip edge and a second node: every candidate kind exists. */
function student(): DagModel {
  const rng = new Rng(3);
  const m = DagModel.empty(4, 1);
  m.addNode("h1", 3);
  m.addEdge("in", "h1", { init: "lecun-normal", rng });
  m.addEdge("h1", "out", { init: "lecun-normal", rng });
  m.addNode("h2", 2);
  m.addEdge("in", "h2", { init: "lecun-normal", rng });
  m.addEdge("h2", "h1", { init: "lecun-normal", rng });
  return m;
}

test("γ = 0 leaves the outputs bit-identical for every candidate type (extended forward and applied model)", () => {
  const { splits } = tinyProblem(1);
  const candidates: Candidate[] = [
    { kind: "new-edge", from: "in", to: "out" },
    { kind: "new-node", from: "in", to: "out", neurons: 2 },
    { kind: "new-node", from: "h2", to: "out", neurons: 2 },
    { kind: "widen", node: "h1", neurons: 2 },
    { kind: "widen", node: "h2", neurons: 2 },
  ];
  for (const c of candidates) {
    const m = student();
    const stats = computeNodeStatistics(m, splits.trainOpt, "mse", kernels);
    const set = makeEvalSet(m, splits.trainLs, "mse", kernels);
    const before = Float32Array.from(set.acts.z.get("out")?.data ?? []);
    const p = fitCandidate(m.graph, stats, c, m.freshNodeName(), "selu", {}, kernels);
    const ev = new ExtendedEvaluator(m, set, stats, p, "mse", true, kernels);
    assert.deepEqual(Array.from(ev.output(0).data), Array.from(before), `extended forward of ${c.kind}`);
    applyProposal(m, stats, p, 0, true);
    assert.deepEqual(Array.from(m.forwardAll(kernels, splits.trainLs.x).z.get("out")?.data ?? []), Array.from(before), `applied ${c.kind}`);
  }
});

test("the applied candidate computes the line-searched function, and a new edge's sign lowers the loss for small γ", () => {
  const { splits } = tinyProblem(2);
  const m = student();
  const stats = computeNodeStatistics(m, splits.trainOpt, "mse", kernels);
  const set = makeEvalSet(m, splits.trainOpt, "mse", kernels);
  const p = fitCandidate(m.graph, stats, { kind: "new-edge", from: "in", to: "out" }, "h9", "selu", {}, kernels);
  const onlyEdge = new ExtendedEvaluator(m, set, stats, p, "mse", false, kernels);
  for (const g of [1e-2, 3e-2, 1e-1]) assert.ok(onlyEdge.lossAt(g) < set.baseLoss, `γ = ${g}: ${onlyEdge.lossAt(g)} < ${set.baseLoss}`);
  const ev = new ExtendedEvaluator(m, set, stats, p, "mse", true, kernels);
  const { gamma, loss } = searchAmplitude((g) => ev.lossAt(g), set.baseLoss);
  assert.ok(gamma > 0 && loss < set.baseLoss);
  applyProposal(m, stats, p, gamma, true);
  const after = dagLoss("mse", m.forwardAll(kernels, splits.trainOpt.x).z.get("out") as Matrix<Float32Array>, "y" in splits.trainOpt ? splits.trainOpt.y : new Int32Array(0), "mean");
  assert.ok(Math.abs(after - loss) <= 1e-5 * loss, `${after} vs ${loss}`);
});

test("a few growth steps on a tiny teacher–student problem reduce the train-gr loss", async () => {
  const { splits, train } = tinyProblem(4, 300);
  const m = DagModel.empty(4, 1);
  const rng = new Rng(9);
  const first = await growthStep(m, splits, { neuronsPerStep: 3 }, { kernels });
  let last = first;
  for (let s = 0; s < 3; s++) {
    trainModel(m, train, { epochs: 3, batchSize: 32 }, rng, kernels);
    last = await growthStep(m, splits, { neuronsPerStep: 3, strategy: s % 2 === 0 ? "restricted" : "whole" }, { kernels });
  }
  assert.ok(first.chosen !== null && last.chosen !== null);
  const firstAfter = first.candidates[first.chosen].lossGr;
  assert.ok(firstAfter < 0.5 * first.lossGrBefore, `step 0: ${first.lossGrBefore} -> ${firstAfter}`);
  // A step applies only a candidate that lowers the train-ls loss (γ > 0); its train-gr loss may rise.
  assert.ok(last.candidates[last.chosen].gamma > 0 && last.candidates[last.chosen].lossLs < last.lossLsBefore);
  assert.ok(last.lossGrBefore < first.lossGrBefore);
  assert.ok(m.parameterCount() > 0);
});

test("BIC picks the smaller model when the loss gains are tiny; the loss picks the larger", () => {
  const n = 1000;
  const mk = (index: number, params: number, lossGr: number): CandidateReport => ({
    index,
    description: `c${index}`,
    candidate: { kind: "new-edge", from: "in", to: "out" },
    neurons: 0,
    fitSeconds: 0,
    evalSeconds: 0,
    gamma: 1,
    lossLs: lossGr,
    lossGr,
    bic: bicScore("mse", lossGr, n, 1, params),
    score: lossGr,
    nonFinite: null,
    params,
    evaluations: 1,
    skipped: null,
  });
  const reports = [mk(0, 2000, 0.02), mk(1, 100, 0.0201)];
  const asBic = (rs: CandidateReport[]): CandidateReport[] => rs.map((r) => ({ ...r, score: r.bic }));
  const noNull = { baseline: { score: Infinity, params: 0 }, nullOption: false, compare: "total" as const };
  assert.equal(chooseCandidate(reports, { criterion: "loss", ...noNull }), 0);
  assert.equal(chooseCandidate(asBic(reports), { criterion: "bic", ...noNull }), 1);
  // Gaussian likelihood: −2 ln L = n d (ln(2π MSE) + 1).
  assert.ok(Math.abs(bicScore("mse", 0.5, 10, 2, 3) - (3 * Math.log(10) + 20 * (Math.log(Math.PI) + 1))) < 1e-12);
  assert.ok(Math.abs(bicScore("softmax-cross-entropy", 0.5, 10, 3, 3) - (3 * Math.log(10) + 10)) < 1e-12);
});

test("BIC null option: the current model wins when no candidate lowers the BIC; per-parameter ranking prefers the cheaper gain", () => {
  const n = 1000;
  const base = { bic: bicScore("mse", 0.02, n, 1, 500), params: 500 };
  const mk = (index: number, params: number, lossGr: number): CandidateReport => ({
    index,
    description: `c${index}`,
    candidate: { kind: "new-edge", from: "in", to: "out" },
    neurons: 0,
    fitSeconds: 0,
    evalSeconds: 0,
    gamma: 1,
    lossLs: lossGr,
    lossGr,
    bic: bicScore("mse", lossGr, n, 1, params),
    score: bicScore("mse", lossGr, n, 1, params),
    nonFinite: null,
    params,
    evaluations: 1,
    skipped: null,
  });
  const opts = (compare: "total" | "per-parameter", nullOption: boolean) => ({ criterion: "bic" as const, baseline: { score: base.bic, params: base.params }, compare, nullOption });
  // +120 parameters cost 120 ln 1000 ≈ 829: a 5 % lower MSE (n ln(1/0.95) ≈ 51) does not pay for them.
  const small = [mk(0, 620, 0.019), mk(1, 521, 0.0199)];
  assert.equal(chooseCandidate(small, opts("total", true)), null);
  assert.equal(chooseCandidate(small, opts("per-parameter", true)), null);
  assert.equal(chooseCandidate(small, opts("total", false)), 1);
  // Both lower the BIC: "total" takes the larger drop, "per-parameter" the larger drop per added parameter.
  const big = [mk(0, 620, 0.004), mk(1, 521, 0.01)];
  assert.ok(big.every((r) => r.bic < base.bic));
  assert.equal(chooseCandidate(big, opts("total", true)), 0);
  assert.equal(chooseCandidate(big, opts("per-parameter", true)), 1);
  // Skipped candidates never compete.
  assert.equal(chooseCandidate([{ ...big[1], skipped: "no amplitude" }, big[0]], opts("per-parameter", true)), 0);
});

test("strategy bic with the null option: the step reports bic-prefers-current and leaves the model unchanged", async () => {
  const { splits, train } = tinyProblem(4, 300);
  // in→out at the least-squares optimum on train-opt: the one candidate (a 3-neuron node in→out, 19
  // parameters at ln 100 each) lowers the train-gr MSE by about a third, less than its BIC penalty.
  const linear = (): DagModel => {
    const m = DagModel.empty(4, 1);
    m.addEdge("in", "out");
    const out = computeNodeStatistics(m, splits.trainOpt, "mse", kernels).nodes.get("out");
    assert.ok(out !== undefined);
    const layer = m.layer("in", "out");
    for (let j = 0; j < 4; j++) layer.weight.data[j] -= 0.5 * out.delta.deltaRaw.data[j];
    (layer.bias as Float32Array)[0] -= 0.5 * out.delta.deltaRaw.data[4];
    return m;
  };
  const m = linear();
  const before = Array.from(m.forward(kernels, train.x).data);
  const r = await growthStep(m, splits, { strategy: "bic", neuronsPerStep: 3, seed: 1 }, { kernels });
  assert.equal(r.outcome, "bic-prefers-current");
  assert.equal(r.chosen, null);
  const c = r.candidates[0];
  assert.ok(c.skipped === null && c.lossGr < r.lossGrBefore && c.bic > r.bicBefore, `${c.lossGr} < ${r.lossGrBefore}, BIC ${c.bic} > ${r.bicBefore}`);
  assert.equal(r.paramsAfter, r.paramsBefore);
  assert.deepEqual(Array.from(m.forward(kernels, train.x).data), before);
  assert.ok(Math.abs(r.bicBefore - bicScore("mse", r.lossGrBefore, splits.trainGr.x.rows, 1, r.paramsBefore)) < 1e-9 * Math.abs(r.bicBefore));
  // Without the null option the same step grows.
  const grown = await growthStep(linear(), splits, { strategy: "bic", neuronsPerStep: 3, seed: 1, bic: { nullOption: false } }, { kernels });
  assert.equal(grown.outcome, "grown");
});

test("bottleneck scores: per-neuron divides ‖V_v‖² by n·width; the restricted strategy follows the chosen norm", async () => {
  const { splits } = tinyProblem(2);
  const m = student();
  const stats = computeNodeStatistics(m, splits.trainOpt, "mse", kernels);
  const frob = bottleneckScores(stats, "frobenius");
  const perNeuron = bottleneckScores(stats, "per-neuron");
  for (const [name, node] of stats.nodes) {
    assert.equal(frob.get(name), node.bottleneck);
    const expected = (node.bottleneck * node.bottleneck) / (stats.n * m.graph.node(name).size);
    assert.ok(Math.abs((perNeuron.get(name) as number) - expected) <= 1e-12 * expected, name);
  }
  for (const norm of ["frobenius", "per-neuron"] as const) {
    const scores = bottleneckScores(stats, norm);
    const best = [...scores].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const r = await growthStep(student(), splits, { strategy: "restricted", neuronsPerStep: 2, bottleneckNorm: norm }, { kernels });
    assert.equal(r.bottleneckNode, best, norm);
    assert.deepEqual(r.bottleneckScores, Object.fromEntries(scores));
  }
});

test("inconsistent growth options: ConfigError naming the field", () => {
  assert.throws(() => resolveGrowthOptions({ neuronsPerStep: 0 }), (e: unknown) => e instanceof ConfigError && /growth\.neuronsPerStep: expected an integer >= 1, got 0/.test(e.message));
  assert.throws(() => resolveGrowthOptions({ strategy: "greedy" as "whole" }), /growth\.strategy/);
  assert.throws(() => resolveGrowthOptions({ bottleneckNorm: "l1" as "frobenius" }), /growth\.bottleneckNorm: expected one of frobenius, per-neuron, got "l1"/);
  assert.throws(() => resolveGrowthOptions({ bic: { compare: "mean" as "total" } }), /growth\.bic\.compare/);
  assert.deepEqual(resolveGrowthOptions().bic, { compare: "per-parameter", nullOption: true });
});

test("fit mode default: gradient with 20 epochs of descent (chosen on validation); refine epochs 0 without a mode is tiny-random", () => {
  const d = resolveGrowthOptions();
  assert.equal(d.fit.mode, "gradient");
  assert.equal(d.refine.epochs, 20);
  assert.equal(resolveGrowthOptions({ refine: { epochs: 0 } }).fit.mode, "tiny-random");
  assert.equal(resolveGrowthOptions({ refine: { epochs: 5 } }).fit.mode, "gradient");
  assert.equal(resolveGrowthOptions({ fit: "tiny-random" }).refine.epochs, 0);
  assert.equal(resolveGrowthOptions({ fit: { mode: "tiny" } }).fit.mode, "tiny");
});

test("worker pool (2 workers) gives the same reports and choice as a serial run", async () => {
  const { splits, train } = tinyProblem(6, 240);
  const serial = student();
  const parallel = student();
  const opts = { neuronsPerStep: 2, refine: { epochs: 2 }, seed: 5 };
  const pool = new CandidatePool(2, kernels.name);
  try {
    for (let s = 0; s < 2; s++) {
      const a = await growthStep(serial, splits, opts, { kernels });
      const b = await growthStep(parallel, splits, opts, { kernels, runner: pool });
      assert.equal(a.chosen, b.chosen);
      const strip = (r: CandidateReport): unknown => ({ ...r, fitSeconds: 0, evalSeconds: 0 });
      assert.deepEqual(b.candidates.map(strip), a.candidates.map(strip));
      assert.deepEqual(Array.from(parallel.forward(kernels, train.x).data), Array.from(serial.forward(kernels, train.x).data));
    }
  } finally {
    await pool.close();
  }
});

test("worker pool = serial at a size where BLAS threading changes the sums (one BLAS thread for candidates in both)", async () => {
  // Matrices large enough that OpenBLAS splits them over its threads; with 2 threads in the
  // main thread and 1 in the workers, sums would round differently.
  const rng = new Rng(11);
  const n = 6000;
  const d = 400;
  const x = new Matrix(n, d, new Float32Array(n * d));
  rng.fillNormal(x.data);
  const y = new Matrix(n, 3, new Float32Array(n * 3));
  for (let i = 0; i < n; i++) for (let o = 0; o < 3; o++) y.data[i * 3 + o] = Math.tanh(x.data[i * d + o] * x.data[i * d + o + 3]);
  const data: Dataset = { x, y };
  const s = splitThreeWays(n, 1);
  const splits = { trainOpt: subsetDataset(data, s.trainOpt), trainLs: subsetDataset(data, s.trainLs), trainGr: subsetDataset(data, s.trainGr) };
  const serial = DagModel.empty(d, 3);
  const parallel = DagModel.empty(d, 3);
  const opts = { neuronsPerStep: 8, seed: 2 };
  const pool = new CandidatePool(2, kernels.name);
  try {
    for (let step = 0; step < 2; step++) {
      const a = await growthStep(serial, splits, opts, { kernels });
      const b = await growthStep(parallel, splits, opts, { kernels, runner: pool });
      assert.equal(a.chosen, b.chosen);
      assert.deepEqual(Array.from(parallel.forward(kernels, x).data), Array.from(serial.forward(kernels, x).data), `step ${step}`);
    }
  } finally {
    await pool.close();
  }
});

test("maxParameters: candidates are cut to the neurons that fit the budget (costs as counted after applying), none fits: no growth", async () => {
  const { splits } = tinyProblem(6);
  const m = student();
  const cands: Candidate[] = [
    { kind: "new-edge", from: "in", to: "out" },
    { kind: "new-node", from: "in", to: "out", neurons: 3 },
    { kind: "widen", node: "h1", neurons: 3 },
    { kind: "widen", node: "h2", neurons: 3 },
  ];
  // The cost model agrees with the applied proposal's parameter count.
  for (const c of cands) {
    const probe = student();
    const stats = computeNodeStatistics(probe, splits.trainOpt, "mse", kernels);
    const p = fitCandidate(probe.graph, stats, c, probe.freshNodeName(), "selu", {}, kernels);
    const before = probe.parameterCount();
    applyProposal(probe, stats, p, 0.5, true);
    const cost = candidateCost(student().graph, c);
    const k = p.kind === "new-edge" ? 0 : p.k;
    assert.equal(probe.parameterCount() - before, cost.fixed + k * cost.perNeuron, describeCandidate(c));
  }
  const g = m.graph;
  const perNode = candidateCost(g, cands[1]).perNeuron; // 4 + 1 + 1 = 6
  assert.equal(perNode, 6);
  const cut = fitToBudget(g, cands, 2 * perNode + 1);
  // edge in->out costs 4·1 + 1 = 5; widening h1 costs 4+1 + 2+1 + 1 = 9 per neuron, h2 4+1 + 3 = 8.
  assert.deepEqual(cut.map(describeCandidate), ["edge in->out", "node in->[2]->out", "widen h1 +1", "widen h2 +1"]);
  assert.deepEqual(fitToBudget(g, cands, 4), []);
  const budget = m.parameterCount() + 2 * perNode + 1;
  const r = await growthStep(m, splits, { neuronsPerStep: 3, maxParameters: budget, seed: 2 }, { kernels });
  assert.ok(r.paramsAfter <= budget, `${r.paramsAfter} <= ${budget}`);
  assert.ok(r.candidates.every((c) => c.params <= budget));
  const full = student();
  const none = await growthStep(full, splits, { neuronsPerStep: 3, maxParameters: full.parameterCount() + 2 }, { kernels });
  assert.equal(none.outcome, "budget-exhausted");
  assert.equal(none.candidates.length, 0);
  assert.equal(full.parameterCount(), none.paramsBefore);
  assert.throws(() => resolveGrowthOptions({ maxParameters: 0 }), (e: unknown) => e instanceof ConfigError && /growth\.maxParameters/.test(e.message));
});
