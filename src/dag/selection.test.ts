import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { concatIndices, splitThreeWays, subsetDataset } from "../data/splits.js";
import { makeEvalSet, searchAmplitudeChecked } from "./evaluate.js";
import { DagModel } from "./model.js";
import { chooseCandidate, gromoBicScore, penalizedScore, type ScoredCandidate } from "./selection.js";
import { computeNodeStatistics, type NodeStatistics } from "./statistics.js";
import { growthStep, modelSeed, resolveGrowthOptions } from "./step.js";
import { trainModel } from "./train.js";

const kernels = kernelsUnderTest();

const cand = (index: number, score: number, params: number, skipped: string | null = null): ScoredCandidate => ({ index, score, params, skipped });

test("penalized criterion: L + α·k with the null option grows only when the loss drop beats α per added parameter", () => {
  const base = { score: penalizedScore(0.02, 500, 1e-5), params: 500 };
  const opts = { criterion: "penalized" as const, baseline: base, nullOption: true, compare: "total" as const };
  // +200 parameters cost 2e-3: a drop of 1e-3 does not pay, a drop of 5e-3 does.
  const weak = [cand(0, penalizedScore(0.019, 700, 1e-5), 700)];
  const strong = [cand(0, penalizedScore(0.019, 700, 1e-5), 700), cand(1, penalizedScore(0.015, 700, 1e-5), 700)];
  assert.equal(chooseCandidate(weak, opts), null);
  assert.equal(chooseCandidate(weak, { ...opts, nullOption: false }), 0);
  assert.equal(chooseCandidate(strong, opts), 1);
  // A cheap candidate with a smaller drop can beat an expensive one with a larger drop.
  const tradeoff = [cand(0, penalizedScore(0.01, 2500, 1e-5), 2500), cand(1, penalizedScore(0.017, 521, 1e-5), 521)];
  assert.equal(chooseCandidate(tradeoff, opts), 1);
  // With α = 0 the penalised criterion is the plain loss.
  const plain = [cand(0, penalizedScore(0.01, 2500, 0), 2500), cand(1, penalizedScore(0.017, 521, 0), 521)];
  assert.equal(chooseCandidate(plain, { ...opts, baseline: { score: 0.02, params: 500 } }), 0);
  // Non-finite scores and skipped candidates never compete.
  assert.equal(chooseCandidate([cand(0, NaN, 600), cand(1, 0.001, 600, "no amplitude"), cand(2, 0.0199, 501)], opts), 2);
});

test("GroMo's BIC is k log2 n − 2 log2 L and prefers the higher loss at equal k (the paper's, not a likelihood)", () => {
  assert.ok(Math.abs(gromoBicScore(0.25, 1024, 3) - (3 * 10 + 4)) < 1e-12);
  const opts = { criterion: "gromo-bic" as const, baseline: { score: 0, params: 0 }, nullOption: true, compare: "total" as const };
  const reports = [cand(0, gromoBicScore(0.01, 1000, 500), 800), cand(1, gromoBicScore(0.02, 1000, 500), 800)];
  assert.equal(chooseCandidate(reports, opts), 1);
});

test("growth options: α < 0 or NaN is a ConfigError naming growth.penalty.alpha", () => {
  for (const alpha of [-1e-6, NaN, Infinity]) {
    assert.throws(() => resolveGrowthOptions({ strategy: "penalized", penalty: { alpha } }), (e: unknown) => e instanceof ConfigError && /growth\.penalty\.alpha: expected a finite number >= 0/.test(e.message));
  }
  assert.equal(resolveGrowthOptions({}).seed, null);
});

test("line search: a non-finite loss is reported with its γ and counts as not better", () => {
  const f = (g: number): number => (g > 2 ? NaN : (g - 1) ** 2);
  const r = searchAmplitudeChecked(f, 1);
  assert.ok(r.nonFinite !== null && r.nonFinite.gamma > 2 && Number.isNaN(r.nonFinite.loss));
  assert.ok(Math.abs(r.gamma - 1) < 0.05, `γ = ${r.gamma}`);
  const all = searchAmplitudeChecked(() => Infinity, 1);
  assert.equal(all.gamma, 0);
  assert.ok(all.nonFinite !== null && all.nonFinite.loss === Infinity);
  assert.equal(searchAmplitudeChecked((g) => (g - 1) ** 2, 1).nonFinite, null);
});

test("node δW on a rank-deficient S (a duplicated input column): pseudo-inverse fallback, a warning, the same bottleneck", () => {
  const rng = new Rng(11);
  const n = 200;
  const x2 = new Matrix(n, 2, Float32Array.from({ length: 2 * n }, () => rng.uniformIn(-1, 1)));
  const x3 = new Matrix(n, 3, new Float32Array(3 * n));
  for (let r = 0; r < n; r++) x3.data.set([x2.data[2 * r], x2.data[2 * r + 1], x2.data[2 * r + 1]], 3 * r);
  const y = new Matrix(n, 1, Float32Array.from({ length: n }, (_, r) => Math.sin(3 * x2.data[2 * r]) + x2.data[2 * r + 1] ** 2));
  const m2 = DagModel.empty(2, 1);
  m2.addEdge("in", "out");
  const m3 = DagModel.empty(3, 1);
  m3.addEdge("in", "out");
  const w2 = m2.layer("in", "out").weight.data;
  w2.set([0.3, -0.4]);
  m3.layer("in", "out").weight.data.set([0.3, -0.2, -0.2]);
  const s2 = computeNodeStatistics(m2, { x: x2, y }, "mse", kernels).nodes.get("out");
  const s3 = computeNodeStatistics(m3, { x: x3, y }, "mse", kernels).nodes.get("out");
  assert.ok(s2 !== undefined && s3 !== undefined);
  assert.equal(s2.deltaWarning, null);
  assert.ok(s3.deltaWarning !== null && /node out: .*pseudo-inverse/.test(s3.deltaWarning), String(s3.deltaWarning));
  assert.ok(Math.abs(s3.bottleneck - s2.bottleneck) <= 1e-6 * s2.bottleneck, `${s3.bottleneck} vs ${s2.bottleneck}`);
  // The least-norm solution splits the duplicated column's weight in two equal halves.
  const d2 = s2.delta.deltaRaw.data;
  const d3 = s3.delta.deltaRaw.data;
  assert.ok(Math.abs(d3[0] - d2[0]) < 1e-6 && Math.abs(d3[1] - d2[1] / 2) < 1e-6 && Math.abs(d3[2] - d2[1] / 2) < 1e-6, `${Array.from(d3)} vs ${Array.from(d2)}`);
});

test("growthStep without a seed derives one from the model: new random tries after training, the same for the same model", async () => {
  const rng = new Rng(5);
  const teacher = buildTeacher(rng, { inputSize: 4, hiddenSize: 6 });
  const train = teacherDataset(kernels, teacher, 240, rng);
  const s = splitThreeWays(240, 5);
  const splits = { trainOpt: subsetDataset(train, s.trainOpt), trainLs: subsetDataset(train, s.trainLs), trainGr: subsetDataset(train, s.trainGr) };
  const m = DagModel.empty(4, 1);
  m.addEdge("in", "out", { init: "lecun-normal", rng: new Rng(1) });
  const clone = (): DagModel => {
    const c = DagModel.empty(4, 1);
    c.addEdge("in", "out");
    c.layer("in", "out").weight.data.set(m.layer("in", "out").weight.data);
    return c;
  };
  const seed0 = modelSeed(m);
  assert.equal(modelSeed(clone()), seed0);
  const a = await growthStep(clone(), splits, { strategy: "whole", neuronsPerStep: 2 }, { kernels });
  assert.equal(a.seed, seed0);
  trainModel(m, train, { epochs: 1, lr: 0.01, momentum: 0.9, batchSize: 32, loss: "mse" }, new Rng(2), kernels);
  assert.notEqual(modelSeed(m), seed0);
  const b = await growthStep(m, splits, { strategy: "whole", neuronsPerStep: 2, seed: 77 }, { kernels });
  assert.equal(b.seed, 77);
});

/** Train-gr whose targets are the negation of the task's: an expansion fitted on train-opt and scaled on train-ls raises its loss. */
function disagreeingGr(seed: number) {
  const rng = new Rng(seed);
  const teacher = buildTeacher(rng, { inputSize: 4, hiddenSize: 6 });
  const train = teacherDataset(kernels, teacher, 300, rng);
  const s = splitThreeWays(300, seed);
  const gr = subsetDataset(train, s.trainGr);
  assert.ok("y" in gr);
  const flipped = { x: gr.x, y: new Matrix(gr.y.rows, gr.y.cols, gr.y.data.map((v) => -v)) };
  return { trainOpt: subsetDataset(train, s.trainOpt), trainLs: subsetDataset(train, s.trainLs), trainGr: flipped };
}

test("loss criterion null option: an expansion that lowers train-ls but raises train-gr is not applied (unless nullOption is off)", async () => {
  const splits = disagreeingGr(6);
  for (const strategy of ["whole", "restricted"] as const) {
    const m = DagModel.empty(4, 1);
    const r = await growthStep(m, splits, { strategy, seed: 1 }, { kernels });
    const evaluated = r.candidates.filter((c) => c.skipped === null);
    assert.ok(evaluated.length > 0 && evaluated.every((c) => c.lossLs < r.lossLsBefore && c.lossGr > r.lossGrBefore), `${strategy}: ${JSON.stringify(evaluated.map((c) => [c.lossLs, c.lossGr]))} vs ${r.lossLsBefore}, ${r.lossGrBefore}`);
    assert.equal(r.outcome, "no-train-gr-improvement");
    assert.equal(r.chosen, null);
    assert.equal(m.parameterCount(), 0);
    const off = await growthStep(DagModel.empty(4, 1), splits, { strategy, seed: 1, nullOption: false }, { kernels });
    assert.equal(off.outcome, "grown");
    assert.ok(off.candidates[off.chosen as number].lossGr > off.lossGrBefore);
  }
  assert.throws(() => resolveGrowthOptions({ nullOption: "yes" as unknown as boolean }), (e: unknown) => e instanceof ConfigError && /growth\.nullOption/.test(e.message));
});

test("δW fitted on train-opt at a stationary point of L_opt + L_ls: descent on train-opt is ascent on train-ls, by the same amount (equal sizes)", () => {
  // Why the paper's MNIST protocol (500 epochs on train-opt ∪ train-ls) stalls: with the existing
  // weights at ∇(L_opt + L_ls) = 0, the mean gradients obey ∇L_ls = −∇L_opt, so the TINY update
  // −t·δW_opt (first-order decrease D_δ > 0 on train-opt) raises L_ls at the rate D_δ.
  const rng = new Rng(8);
  const teacher = buildTeacher(rng, { inputSize: 4, hiddenSize: 6 });
  const train = teacherDataset(kernels, teacher, 300, rng);
  const s = splitThreeWays(300, 8);
  const opt = subsetDataset(train, s.trainOpt);
  const ls = subsetDataset(train, s.trainLs);
  const inter = subsetDataset(train, concatIndices(s.trainOpt, s.trainLs));
  const m = DagModel.empty(4, 1);
  m.addEdge("in", "out");
  const layer = m.layer("in", "out");
  const deltaOut = (data: typeof opt): Float64Array => Float64Array.from((computeNodeStatistics(m, data, "mse", kernels).nodes.get("out") as NodeStatistics).delta.deltaRaw.data);
  const step = (data: typeof opt, t: number): void => {
    const d = deltaOut(data);
    for (let j = 0; j < 4; j++) layer.weight.data[j] -= t * d[j];
    (layer.bias as Float32Array)[0] -= t * d[4];
  };
  // Least squares on train-opt ∪ train-ls (MSE: half a δW step is the Newton step).
  for (let i = 0; i < 4; i++) step(inter, 0.5);
  const loss = (data: typeof opt): number => makeEvalSet(m, data, "mse", kernels).baseLoss;
  const dOpt = deltaOut(opt);
  const w0 = Float32Array.from(layer.weight.data);
  const b0 = (layer.bias as Float32Array)[0];
  const along = (t: number): { opt: number; ls: number } => {
    for (let j = 0; j < 4; j++) layer.weight.data[j] = w0[j] - t * dOpt[j];
    (layer.bias as Float32Array)[0] = b0 - t * dOpt[4];
    return { opt: loss(opt), ls: loss(ls) };
  };
  const base = along(0);
  const t = 1e-2;
  const moved = along(t);
  const rateOpt = (moved.opt - base.opt) / t;
  const rateLs = (moved.ls - base.ls) / t;
  assert.ok(rateOpt < 0, `descent on train-opt: ${rateOpt}`);
  assert.ok(rateLs > 0, `ascent on train-ls: ${rateLs}`);
  assert.ok(Math.abs(rateLs + rateOpt) < 0.05 * Math.abs(rateOpt), `equal and opposite first-order rates: ${rateOpt} vs ${rateLs}`);
});
