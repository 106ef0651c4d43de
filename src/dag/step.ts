/**
 * One growth step of a DAG (Douka et al. §2):
 *
 *  1. node statistics and bottlenecks on train-opt; the candidates of the strategy;
 *  2. each candidate fitted on train-opt (`fit.ts`: TINY's closed form, completed by random
 *     tries by default, `random-tries.ts`);
 *  3. its amplitude γ by line search on train-ls, its score on train-gr — the loss
 *     (strategies "whole", "restricted") or BIC = k ln n − 2 ln L with k the parameter count
 *     after the expansion and the likelihood that fits the loss ("bic"): Gaussian for MSE,
 *     −2 ln L = n·d·(ln(2π·MSE) + 1) with MSE the mean over the n·d elements, categorical
 *     for cross-entropy, −2 ln L = 2 Σ CE;
 *  4. the best candidate (first on ties) is applied; the others are discarded. A candidate
 *     whose line search finds no γ > 0 that lowers the train-ls loss is never applied; when
 *     no candidate lowers it, the step leaves the model unchanged (outcome
 *     "no-improving-expansion").
 *
 * Candidates are independent: `evaluateCandidate(context, i)` is a pure function of the step
 * context, run either here or on a worker pool (`pool.ts`) with identical results.
 */
import { ConfigError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import type { LossName } from "../nn/losses/loss.js";
import { Matrix, type FloatArray, type Matrix64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { augmentWithOnes, concatColumns, concatRows, linearCombination, matmul } from "../growth/linalg.js";
import { refineNeurons, type RefineOptions } from "./refine.js";
import { randomPool, selectNeurons, unitScaleRows, type NeuronSamples } from "./random-tries.js";
import { describeCandidate, enumerateCandidates, largestBottleneck, STRATEGIES, type Candidate, type Strategy } from "./candidates.js";
import { dagLoss, targetsOf, type DagData } from "./data.js";
import { ExtendedEvaluator, makeEvalSet, searchAmplitude, type AmplitudeOptions, type EvalSet } from "./evaluate.js";
import { addedParameters, fitCandidate, FIT_MODES, proposalIsEmpty, sliceRows, type FitMode, type FitOptions, type NeuronProposal, type Proposal } from "./fit.js";
import { applyProposal } from "./apply.js";
import type { DagActivations, DagModel } from "./model.js";
import { block, bottlenecks, computeNodeStatistics, type DagStatistics, type NodeStatistics } from "./statistics.js";

export interface GrowthOptions {
  /** Default "whole". */
  strategy?: Strategy;
  /** Maximum new neurons of a new or widened node (default 10). */
  neuronsPerStep?: number;
  /** Default "mse". */
  loss?: LossName;
  /** TINY's −γ²δW update of the target nodes' existing in-edges (default true). */
  applyDelta?: boolean;
  amplitude?: AmplitudeOptions;
  /** How new neurons are fitted: a mode name or the full options (default "tiny-random"; see fit.ts). */
  fit?: FitMode | FitOptions;
  /** Rows per statistics batch (default 1024). */
  statisticsBatchSize?: number;
  /**
   * Parameters of fit mode "gradient" (SPEC §12.6): default { epochs: 20 } in that mode.
   * For compatibility, epochs > 0 with no fit mode given selects "gradient".
   */
  refine?: RefineOptions;
  /** Seed of the step's randomness (random tries, descent; each candidate derives its own Rng from it and its index). */
  seed?: number;
}

export type ResolvedFitOptions = FitOptions & { mode: FitMode; randomTries: number };

export type ResolvedGrowthOptions = Required<Omit<GrowthOptions, "amplitude" | "fit" | "refine">> & { amplitude: AmplitudeOptions; fit: ResolvedFitOptions; refine: RefineOptions };

/** The three parts of the training set (see data/splits.ts). */
export interface GrowthSplits<T extends FloatArray = Float32Array> {
  trainOpt: DagData<T>;
  trainLs: DagData<T>;
  trainGr: DagData<T>;
}

export interface CandidateReport {
  index: number;
  description: string;
  candidate: Candidate;
  /** Neurons actually added (0 for a new edge). */
  neurons: number;
  fitSeconds: number;
  /** Line search + score. */
  evalSeconds: number;
  gamma: number;
  /** Mean loss on train-ls at γ. */
  lossLs: number;
  /** Mean loss on train-gr at γ. */
  lossGr: number;
  bic: number;
  /** Parameter count of the network after the expansion. */
  params: number;
  /** Loss evaluations of the line search. */
  evaluations: number;
  /** Why the candidate was not evaluated (nothing to add), else null. */
  skipped: string | null;
}

export interface GrowthStepResult {
  /** Index of the applied candidate, or null when none was applied (see `outcome`). */
  chosen: number | null;
  /** "grown", or "no-improving-expansion": no candidate lowered the train-ls loss, the model is unchanged. */
  outcome: "grown" | "no-improving-expansion";
  candidates: CandidateReport[];
  /** Ψ_v per hidden/output node before the step. */
  bottlenecks: Record<string, number>;
  /** v* of the restricted strategies (null for "whole"). */
  bottleneckNode: string | null;
  /** Name of the node the step created, if any. */
  newNode: string | null;
  lossLsBefore: number;
  lossGrBefore: number;
  paramsBefore: number;
  paramsAfter: number;
  statisticsSeconds: number;
  /** Whole step: statistics, fits, line searches, scores, application. */
  searchSeconds: number;
}

/** Everything a candidate evaluation reads (the same on the main thread and on workers). */
export interface StepContext<T extends FloatArray> {
  model: DagModel<T>;
  stats: DagStatistics;
  candidates: Candidate[];
  newNodeName: string;
  setLs: EvalSet<T>;
  setGr: EvalSet<T>;
  /** Train-opt activities and per-node gradients G_v (sum loss), for every fit mode but "tiny". */
  setOpt: { acts: DagActivations<T>; grads: Map<string, Matrix<T>> } | null;
  options: ResolvedGrowthOptions;
  kernels: Kernels;
  paramsBefore: number;
}

/** Evaluates candidates of a context elsewhere (a worker pool); results by index. */
export interface CandidateRunner {
  readonly size: number;
  evaluate(context: StepContext<Float32Array>): Promise<CandidateReport[]>;
}

/** Defaults filled in; ConfigError naming the field (`growth.<name>`) otherwise. */
export function resolveGrowthOptions(options: GrowthOptions = {}): ResolvedGrowthOptions {
  const fitGiven: FitOptions = typeof options.fit === "string" ? { mode: options.fit } : (options.fit ?? {});
  const mode = fitGiven.mode ?? ((options.refine?.epochs ?? 0) > 0 ? "gradient" : "tiny-random");
  const neuronsPerStep = options.neuronsPerStep ?? 10;
  const r: ResolvedGrowthOptions = {
    strategy: options.strategy ?? "whole",
    neuronsPerStep,
    loss: options.loss ?? "mse",
    applyDelta: options.applyDelta ?? true,
    amplitude: options.amplitude ?? {},
    fit: { ...fitGiven, mode, randomTries: fitGiven.randomTries ?? Math.max(64, 16 * neuronsPerStep) },
    statisticsBatchSize: options.statisticsBatchSize ?? 1024,
    refine: options.refine ?? { epochs: mode === "gradient" ? 20 : 0 },
    seed: options.seed ?? 0,
  };
  const issues = [];
  const src = "growth options";
  if (!STRATEGIES.includes(r.strategy)) issues.push({ source: src, path: "growth.strategy", message: `expected one of ${STRATEGIES.join(", ")}, got "${r.strategy}"` });
  if (!Number.isInteger(r.neuronsPerStep) || r.neuronsPerStep < 1) issues.push({ source: src, path: "growth.neuronsPerStep", message: `expected an integer >= 1, got ${r.neuronsPerStep}` });
  if (r.loss !== "mse" && r.loss !== "softmax-cross-entropy") issues.push({ source: src, path: "growth.loss", message: `expected mse or softmax-cross-entropy, got "${r.loss}"` });
  if (!Number.isInteger(r.statisticsBatchSize) || r.statisticsBatchSize < 1) {
    issues.push({ source: src, path: "growth.statisticsBatchSize", message: `expected an integer >= 1, got ${r.statisticsBatchSize}` });
  }
  if (!FIT_MODES.includes(r.fit.mode)) issues.push({ source: src, path: "growth.fit.mode", message: `expected one of ${FIT_MODES.join(", ")}, got "${r.fit.mode}"` });
  if (!Number.isInteger(r.fit.randomTries) || r.fit.randomTries < 1) issues.push({ source: src, path: "growth.fit.randomTries", message: `expected an integer >= 1, got ${r.fit.randomTries}` });
  if (!Number.isInteger(r.refine.epochs) || r.refine.epochs < 0) issues.push({ source: src, path: "growth.refine.epochs", message: `expected an integer >= 0, got ${r.refine.epochs}` });
  if (!Number.isInteger(r.seed)) issues.push({ source: src, path: "growth.seed", message: `expected an integer, got ${r.seed}` });
  const a = r.amplitude;
  if (a.gridMin !== undefined && !(a.gridMin > 0)) issues.push({ source: src, path: "growth.amplitude.gridMin", message: `expected > 0, got ${a.gridMin}` });
  if (a.gridMax !== undefined && !(a.gridMax > (a.gridMin ?? 1e-2))) issues.push({ source: src, path: "growth.amplitude.gridMax", message: `expected > gridMin, got ${a.gridMax}` });
  if (a.pointsPerDecade !== undefined && !(Number.isInteger(a.pointsPerDecade) && a.pointsPerDecade >= 1)) {
    issues.push({ source: src, path: "growth.amplitude.pointsPerDecade", message: `expected an integer >= 1, got ${a.pointsPerDecade}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return r;
}

/** BIC = k ln n − 2 ln L for a mean loss over n samples with d outputs (see the file comment). */
export function bicScore(loss: LossName, meanLoss: number, n: number, outputs: number, params: number): number {
  const minus2LogL = loss === "mse" ? n * outputs * (Math.log(2 * Math.PI * meanLoss) + 1) : 2 * n * meanLoss;
  return params * Math.log(n) + minus2LogL;
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** Fit, line search and score of candidate `index` (pure in the context). */
export function evaluateCandidate<T extends FloatArray>(ctx: StepContext<T>, index: number): { report: CandidateReport; proposal: Proposal } {
  const { model, stats, options, kernels } = ctx;
  const candidate = ctx.candidates[index];
  const t0 = performance.now();
  const proposal = buildProposal(ctx, index);
  const fitSeconds = seconds(t0);
  const params = ctx.paramsBefore + addedParameters(model.graph, proposal);
  const base = { index, description: describeCandidate(candidate), candidate, neurons: proposal.kind === "new-edge" ? 0 : proposal.k, fitSeconds, params };
  if (proposalIsEmpty(proposal)) {
    const report = { ...base, evalSeconds: 0, gamma: 0, lossLs: NaN, lossGr: NaN, bic: NaN, evaluations: 0, skipped: "no neuron to add (no singular value above the thresholds, or no random try lowers the bottleneck)" };
    return { report, proposal };
  }
  const t1 = performance.now();
  const ls = new ExtendedEvaluator(model, ctx.setLs, stats, proposal, options.loss, options.applyDelta, kernels);
  const search = searchAmplitude((g) => ls.lossAt(g), ctx.setLs.baseLoss, options.amplitude);
  const gr = new ExtendedEvaluator(model, ctx.setGr, stats, proposal, options.loss, options.applyDelta, kernels);
  const lossGr = gr.lossAt(search.gamma);
  const bic = bicScore(options.loss, lossGr, ctx.setGr.acts.rows, model.outputSize, params);
  const skipped = !(search.gamma > 0) ? "no amplitude γ > 0 lowers the train-ls loss" : Number.isFinite(lossGr) ? null : `non-finite train-gr loss (${lossGr})`;
  const report = { ...base, evalSeconds: seconds(t1), gamma: search.gamma, lossLs: search.loss, lossGr, bic, evaluations: search.evaluations, skipped };
  return { report, proposal };
}

/**
 * The fitted candidate `index` (fit.ts modes): TINY's closed form; then, for neuron
 * candidates in the random-try modes, forward selection over TINY's directions and random
 * tries; for "gradient", a descent on the selected neurons and ω again by least squares.
 * The Rng is seeded by the step seed and the index, so a worker computes the same proposal.
 */
export function buildProposal<T extends FloatArray>(ctx: StepContext<T>, index: number): Proposal {
  const { model, options, kernels } = ctx;
  const tiny = fitCandidate(model.graph, ctx.stats, ctx.candidates[index], ctx.newNodeName, model.defaultActivation, options.fit, kernels);
  const mode = options.fit.mode;
  if (tiny.kind === "new-edge" || mode === "tiny" || ctx.setOpt === null) return tiny;
  const k = options.neuronsPerStep;
  const rng = new Rng((options.seed + Math.imul(index + 1, 0x9e3779b1)) | 0);
  const samples = neuronSamples(ctx, tiny);
  const random = randomPool(samples.x, tiny.withOnes, options.fit.randomTries, rng, kernels);
  const pool = mode === "random" ? random : concatRows(unitScaleRows(samples.x, sliceRows(tiny.alpha, 0, tiny.k), kernels), random);
  let chosen = selectNeurons(samples, pool, k, tiny.activation, kernels);
  if (mode === "gradient" && chosen.k > 0 && options.refine.epochs > 0) {
    const v = samples.targets.map((t) => t.v).reduce((acc, m) => concatColumns(acc, m));
    const alpha = refineNeurons(chosen, tiny.activation, { x: samples.x, v }, options.refine, rng, kernels);
    chosen = selectNeurons(samples, alpha, chosen.k, tiny.activation, kernels);
  }
  return { ...tiny, k: chosen.k, alpha: chosen.alpha, omega: chosen.omega, amplitude: "outside", deltaAdjust: chosen.deltaAdjust };
}

function asFloat64(m: Matrix<FloatArray>): Matrix64 {
  return new Matrix(m.rows, m.cols, Float64Array.from(m.data));
}

/**
 * Train-opt samples of a neuron candidate, float64: X̃ = [a_sources | 1], and per target t
 * 𝓑_t = [a_{t's sources} | 1], S_t and V_t = G_t − 𝓑_t δW_tᵀ (𝓑_t omitted when `applyDelta`
 * is off: the existing edges then do not move, so nothing is projected out).
 */
function neuronSamples<T extends FloatArray>(ctx: StepContext<T>, p: NeuronProposal): NeuronSamples {
  const set = ctx.setOpt as NonNullable<StepContext<T>["setOpt"]>;
  const f64 = (name: string): Matrix64 => asFloat64(set.acts.a.get(name) as Matrix<T>);
  const inputs = (sources: readonly string[], withOnes: boolean): Matrix64 => augmentWithOnes(sources.map(f64).reduce((acc, m) => concatColumns(acc, m)), withOnes);
  const targets = p.targets.map((t) => {
    const node = ctx.stats.nodes.get(t) as NodeStatistics;
    const g = asFloat64(set.grads.get(t) as Matrix<T>);
    if (node.columns.length === 0) return { basis: null, basisMoment: null, v: g };
    const basis = inputs(node.sources, node.withOnes);
    const v = linearCombination(1, g, -1, matmul(ctx.kernels, basis, node.delta.deltaRaw, { transB: true }));
    return ctx.options.applyDelta ? { basis, basisMoment: block(ctx.stats.C, node.columns, node.columns), v } : { basis: null, basisMoment: null, v };
  });
  return { x: inputs(p.sources, p.withOnes), withOnes: p.withOnes, targets };
}

/** Index of the best evaluated candidate (loss on train-gr, or BIC), first on ties; null if none. */
export function chooseCandidate(reports: readonly CandidateReport[], useBic: boolean): number | null {
  let best: number | null = null;
  for (const r of reports) {
    if (r.skipped !== null) continue;
    const score = useBic ? r.bic : r.lossGr;
    if (best === null || score < (useBic ? reports[best].bic : reports[best].lossGr)) best = r.index;
  }
  return best;
}

function optSet<T extends FloatArray>(model: DagModel<T>, data: DagData<T>, loss: LossName, kernels: Kernels): NonNullable<StepContext<T>["setOpt"]> {
  const acts = model.forwardAll(kernels, data.x);
  const out = acts.z.get(model.outputName) as Matrix<T>;
  const dOut = model.newMatrix(out.rows, out.cols);
  dagLoss(loss, out, targetsOf(data), "sum", dOut);
  return { acts, grads: model.backwardFrom(kernels, acts, dOut, false) };
}

/** Statistics, candidates, evaluation (here or on `runner`), choice and application: one growth step. */
export async function growthStep<T extends FloatArray>(
  model: DagModel<T>,
  splits: GrowthSplits<T>,
  options: GrowthOptions,
  ctx: { kernels: Kernels; runner?: CandidateRunner | null },
): Promise<GrowthStepResult> {
  const opts = resolveGrowthOptions(options);
  const { kernels } = ctx;
  const t0 = performance.now();
  const stats = computeNodeStatistics(model, splits.trainOpt, opts.loss, kernels, { batchSize: opts.statisticsBatchSize });
  const statisticsSeconds = seconds(t0);
  const psi = bottlenecks(stats);
  const candidates = enumerateCandidates(model.graph, opts.strategy, psi, opts.neuronsPerStep);
  const bottleneckNode = opts.strategy === "whole" ? null : largestBottleneck(model.graph, psi);
  const context: StepContext<T> = {
    model,
    stats,
    candidates,
    newNodeName: model.freshNodeName(),
    setLs: makeEvalSet(model, splits.trainLs, opts.loss, kernels),
    setGr: makeEvalSet(model, splits.trainGr, opts.loss, kernels),
    setOpt: opts.fit.mode !== "tiny" ? optSet(model, splits.trainOpt, opts.loss, kernels) : null,
    options: opts,
    kernels,
    paramsBefore: model.parameterCount(),
  };
  let reports: CandidateReport[];
  const proposals = new Map<number, Proposal>();
  const runner = ctx.runner ?? null;
  if (runner !== null && runner.size > 0 && model.dtype === "float32" && candidates.length > 1) {
    reports = await runner.evaluate(context as unknown as StepContext<Float32Array>);
  } else {
    reports = candidates.map((_, i) => {
      const { report, proposal } = evaluateCandidate(context, i);
      proposals.set(i, proposal);
      return report;
    });
  }
  const chosen = chooseCandidate(reports, opts.strategy === "bic");
  let newNode: string | null = null;
  if (chosen !== null) {
    const proposal = proposals.get(chosen) ?? buildProposal(context, chosen);
    newNode = applyProposal(model, stats, proposal, reports[chosen].gamma, opts.applyDelta);
  }
  return {
    chosen,
    outcome: chosen === null ? "no-improving-expansion" : "grown",
    candidates: reports,
    bottlenecks: Object.fromEntries(psi),
    bottleneckNode,
    newNode,
    lossLsBefore: context.setLs.baseLoss,
    lossGrBefore: context.setGr.baseLoss,
    paramsBefore: context.paramsBefore,
    paramsAfter: model.parameterCount(),
    statisticsSeconds,
    searchSeconds: seconds(t0),
  };
}
