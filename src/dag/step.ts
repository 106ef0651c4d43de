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
 *  (option `maxParameters`: the candidates are first cut to a parameter budget, see
 *     candidates.ts `fitToBudget`; not in the paper)
 *  4. the best candidate (first on ties) is applied; the others are discarded. A candidate
 *     whose line search finds no γ > 0 that lowers the train-ls loss is never applied; when
 *     no candidate lowers it, the step leaves the model unchanged (outcome
 *     "no-improving-expansion").
 *
 * BIC (`BicOptions`, `chooseCandidate`). The unexpanded model is a candidate too (null option,
 * default on): its BIC is k₀ ln n − 2 ln L̂₀ on train-gr, and a step grows only if some
 * expansion has a lower BIC (else outcome "bic-prefers-current"). Among the expansions that
 * do, the default compares ΔBIC/Δk = ln n − Δ(2 ln L̂)/Δk, the log-likelihood gained per added
 * parameter (the most parameter-efficient growth), rather than the total ΔBIC. Why the null
 * option: without it BIC must grow every step and only picks the least bad expansion; on the
 * teacher–student target (bench/dag.ts, seeds 0–2) that kept widening one node behind a 10-wide
 * node, 1,201 parameters at 1.26 × the linear fit's test MSE (per-parameter ranking without
 * null: 1,601 parameters, 1.06 ×). With it, BIC keeps the first edge in→out (21 parameters)
 * and stops, at 1.01 × — smaller and better than both. The arithmetic behind it: with
 * n = 1,000 train-gr samples, a 10-neuron expansion adds k ≥ 120 parameters, a penalty of
 * 120 ln 1000 ≈ 829, so it must lower the train-gr MSE by a factor e^{829/(n·d)} ≈ 2.3 in one
 * step; the line-searched gains of a growth step are a few per cent. The paper's smaller BIC
 * networks (723 parameters) come from GroMo's BIC, which counts the network without the new
 * neurons and uses −2 log₂(loss) (SPEC §13.3), not from a likelihood criterion.
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
import { describeCandidate, enumerateCandidates, fitToBudget, largestBottleneck, STRATEGIES, type Candidate, type Strategy } from "./candidates.js";
import { dagLoss, targetsOf, type DagData } from "./data.js";
import { ExtendedEvaluator, makeEvalSet, searchAmplitude, type AmplitudeOptions, type EvalSet } from "./evaluate.js";
import { addedParameters, fitCandidate, FIT_MODES, proposalIsEmpty, sliceRows, type FitMode, type FitOptions, type NeuronProposal, type Proposal } from "./fit.js";
import { applyProposal } from "./apply.js";
import type { DagActivations, DagModel } from "./model.js";
import { block, bottleneckScores, bottlenecks, BOTTLENECK_NORMS, computeNodeStatistics, type BottleneckNorm, type DagStatistics, type NodeStatistics } from "./statistics.js";

/** How strategy "bic" compares the candidates (see the file comment). */
export interface BicOptions {
  /** "per-parameter" (default): ΔBIC/Δk among the candidates that lower the BIC; "total": the lowest BIC. */
  compare?: "total" | "per-parameter";
  /** Whether the unexpanded model competes (default true): a step grows only if a candidate lowers the BIC. */
  nullOption?: boolean;
}

export const BIC_COMPARES: readonly NonNullable<BicOptions["compare"]>[] = ["total", "per-parameter"];

export interface GrowthOptions {
  /** Default "whole". */
  strategy?: Strategy;
  /** Node ranking of the restricted strategies (default "frobenius", the SPEC's; see statistics.ts `BottleneckNorm`). */
  bottleneckNorm?: BottleneckNorm;
  /** Strategy "bic" only. */
  bic?: BicOptions;
  /** Maximum new neurons of a new or widened node (default 10). */
  neuronsPerStep?: number;
  /**
   * Parameter budget of the grown network (default none, the paper's protocol): candidates
   * are cut to the neurons that fit and dropped when nothing fits (candidates.ts `fitToBudget`).
   */
  maxParameters?: number | null;
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

/**
 * Random tries per candidate: 16 per neuron sought, at least 64, at most 512. The cap
 * matters at MNIST scale (100 neurons per step): 512 tries instead of 1,600 halved the
 * search time and cut peak memory from 1.43 to 1.17 GB at the same accuracy (98.04% vs
 * 97.95%, one run each; the activities of the tries are (train-opt samples × tries)).
 */
export function defaultRandomTries(neuronsPerStep: number): number {
  return Math.min(512, Math.max(64, 16 * neuronsPerStep));
}

export type ResolvedGrowthOptions = Required<Omit<GrowthOptions, "amplitude" | "fit" | "refine" | "bic" | "maxParameters">> & {
  maxParameters: number | null;
  amplitude: AmplitudeOptions;
  fit: ResolvedFitOptions;
  refine: RefineOptions;
  bic: Required<BicOptions>;
};

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
  /**
   * "grown"; "no-improving-expansion": no candidate lowered the train-ls loss; "bic-prefers-current"
   * (strategy "bic" with the null option): no candidate lowered the BIC; "budget-exhausted"
   * (option `maxParameters`): no candidate fits the parameter budget. The model is unchanged
   * in the last three.
   */
  outcome: "grown" | "no-improving-expansion" | "bic-prefers-current" | "budget-exhausted";
  candidates: CandidateReport[];
  /** Ψ_v per hidden/output node before the step. */
  bottlenecks: Record<string, number>;
  /** The node scores v* was chosen by (`bottleneckNorm`; equal to `bottlenecks` for "frobenius"). */
  bottleneckScores: Record<string, number>;
  /** BIC of the current model on train-gr (k = paramsBefore). */
  bicBefore: number;
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
    bottleneckNorm: options.bottleneckNorm ?? "frobenius",
    bic: { compare: options.bic?.compare ?? "per-parameter", nullOption: options.bic?.nullOption ?? true },
    neuronsPerStep,
    maxParameters: options.maxParameters ?? null,
    loss: options.loss ?? "mse",
    applyDelta: options.applyDelta ?? true,
    amplitude: options.amplitude ?? {},
    fit: { ...fitGiven, mode, randomTries: fitGiven.randomTries ?? defaultRandomTries(neuronsPerStep) },
    statisticsBatchSize: options.statisticsBatchSize ?? 1024,
    refine: options.refine ?? { epochs: mode === "gradient" ? 20 : 0 },
    seed: options.seed ?? 0,
  };
  const issues = [];
  const src = "growth options";
  if (!STRATEGIES.includes(r.strategy)) issues.push({ source: src, path: "growth.strategy", message: `expected one of ${STRATEGIES.join(", ")}, got "${r.strategy}"` });
  if (!BOTTLENECK_NORMS.includes(r.bottleneckNorm)) issues.push({ source: src, path: "growth.bottleneckNorm", message: `expected one of ${BOTTLENECK_NORMS.join(", ")}, got "${r.bottleneckNorm}"` });
  if (!BIC_COMPARES.includes(r.bic.compare)) issues.push({ source: src, path: "growth.bic.compare", message: `expected one of ${BIC_COMPARES.join(", ")}, got "${r.bic.compare}"` });
  if (typeof r.bic.nullOption !== "boolean") issues.push({ source: src, path: "growth.bic.nullOption", message: `expected a boolean, got ${String(r.bic.nullOption)}` });
  if (!Number.isInteger(r.neuronsPerStep) || r.neuronsPerStep < 1) issues.push({ source: src, path: "growth.neuronsPerStep", message: `expected an integer >= 1, got ${r.neuronsPerStep}` });
  if (r.maxParameters !== null && !(Number.isInteger(r.maxParameters) && r.maxParameters >= 1)) {
    issues.push({ source: src, path: "growth.maxParameters", message: `expected an integer >= 1, got ${r.maxParameters}` });
  }
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
  const candidate = ctx.candidates[index];
  const k = candidate.kind === "new-edge" ? options.neuronsPerStep : candidate.neurons;
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

/** The current model as the BIC's null option: its BIC on train-gr and its parameter count. */
export interface BicBaseline {
  bic: number;
  params: number;
}

/**
 * Index of the best evaluated candidate, first on ties; null if none qualifies.
 * Without `bic`: the lowest train-gr loss. With `bic` (strategy "bic"), ΔBIC = BIC − bic.bic and
 * Δk = params − bic.params > 0:
 *  - compare "total": the lowest ΔBIC (= the lowest BIC);
 *  - compare "per-parameter": the lowest ΔBIC/Δk = ln n − Δ(2 ln L)/Δk, i.e. the largest
 *    log-likelihood gain per added parameter (ln n is common to all candidates);
 *  - nullOption: a candidate is chosen only if ΔBIC < 0 (else null: keep the current model).
 */
export function chooseCandidate(reports: readonly CandidateReport[], useBic: boolean, bic: (BicBaseline & Required<BicOptions>) | null = null): number | null {
  const valid = reports.filter((r) => r.skipped === null);
  const argmin = (list: readonly CandidateReport[], score: (r: CandidateReport) => number): number | null => {
    let best: number | null = null;
    let bestScore = Infinity;
    for (const r of list) {
      const v = score(r);
      if (best === null || v < bestScore) [best, bestScore] = [r.index, v];
    }
    return best;
  };
  if (!useBic) return argmin(valid, (r) => r.lossGr);
  if (bic === null) return argmin(valid, (r) => r.bic);
  const pool = bic.nullOption ? valid.filter((r) => r.bic < bic.bic) : valid;
  if (bic.compare === "per-parameter") return argmin(pool, (r) => (r.bic - bic.bic) / Math.max(1, r.params - bic.params));
  return argmin(pool, (r) => r.bic);
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
  const scores = bottleneckScores(stats, opts.bottleneckNorm);
  const paramsBefore = model.parameterCount();
  const enumerated = enumerateCandidates(model.graph, opts.strategy, scores, opts.neuronsPerStep);
  const candidates = opts.maxParameters === null ? enumerated : fitToBudget(model.graph, enumerated, opts.maxParameters - paramsBefore);
  const bottleneckNode = opts.strategy === "whole" ? null : largestBottleneck(model.graph, scores);
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
    paramsBefore,
  };
  let reports: CandidateReport[];
  const proposals = new Map<number, Proposal>();
  const runner = ctx.runner ?? null;
  // OpenBLAS results depend on its thread count (a different partition of the sums), and
  // workers run one BLAS thread each: candidates are evaluated, rebuilt and applied with
  // one thread here too, so a serial run and a pooled run give bit-identical models. The
  // count is process-wide and only this (main) thread changes it (contract in pool.ts).
  const blasThreads = kernels.numThreads();
  kernels.setNumThreads(1);
  try {
    if (runner !== null && runner.size > 0 && model.dtype === "float32" && candidates.length > 1) {
      reports = await runner.evaluate(context as unknown as StepContext<Float32Array>);
    } else {
      reports = candidates.map((_, i) => {
        const { report, proposal } = evaluateCandidate(context, i);
        proposals.set(i, proposal);
        return report;
      });
    }
  } finally {
    kernels.setNumThreads(blasThreads);
  }
  const useBic = opts.strategy === "bic";
  const bicBefore = bicScore(opts.loss, context.setGr.baseLoss, context.setGr.acts.rows, model.outputSize, context.paramsBefore);
  const chosen = chooseCandidate(reports, useBic, useBic ? { bic: bicBefore, params: context.paramsBefore, ...opts.bic } : null);
  const anyEvaluated = reports.some((r) => r.skipped === null);
  let newNode: string | null = null;
  if (chosen !== null) {
    kernels.setNumThreads(1);
    try {
      const proposal = proposals.get(chosen) ?? buildProposal(context, chosen);
      newNode = applyProposal(model, stats, proposal, reports[chosen].gamma, opts.applyDelta);
    } finally {
      kernels.setNumThreads(blasThreads);
    }
  }
  return {
    chosen,
    outcome: chosen !== null ? "grown" : candidates.length === 0 && enumerated.length > 0 ? "budget-exhausted" : useBic && anyEvaluated ? "bic-prefers-current" : "no-improving-expansion",
    candidates: reports,
    bottlenecks: Object.fromEntries(psi),
    bottleneckScores: Object.fromEntries(scores),
    bicBefore,
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
