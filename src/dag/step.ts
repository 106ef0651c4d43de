/**
 * One growth step of a DAG (Douka et al. §2):
 *
 *  1. node statistics and bottlenecks on train-opt; the candidates of the strategy;
 *  2. each candidate fitted on train-opt (`fit.ts`: TINY's closed form, completed by random
 *     tries by default, `random-tries.ts`);
 *  3. its amplitude γ by line search on train-ls, its score on train-gr under the strategy's
 *     criterion (selection.ts: the loss for "whole" and "restricted", a likelihood BIC for
 *     "bic", GroMo's BIC for "gromo-bic", the slides' L + α·k for "penalized");
 *  (option `maxParameters`: the candidates are first cut to a parameter budget, see
 *     candidates.ts `fitToBudget`; not in the paper)
 *  4. the best candidate (first on ties) is applied; the others are discarded. A candidate
 *     whose line search finds no γ > 0 that lowers the train-ls loss is never applied; when
 *     no candidate lowers it, the step leaves the model unchanged (outcome
 *     "no-improving-expansion"). With a null option (on by default) the current model
 *     competes too (outcomes "no-train-gr-improvement" for "whole" and "restricted",
 *     "bic-prefers-current", "penalty-prefers-current"); "gromo-bic" has none.
 *
 * The step's options, their defaults and checks are in step-options.ts.
 *
 * No silent numerical failure: a non-finite loss met by a line search or a candidate's
 * train-gr evaluation is recorded in the candidate's report (`nonFinite`) and in the step's
 * `warnings` (the growth-run log keeps both); the line search treats it as "not better" and
 * goes on with the finite values; a candidate left without a finite γ > 0 is skipped with the
 * reason. A non-finite loss of the current model itself is a NumericalError. Node δW solves
 * that needed a fallback (statistics.ts) are warnings too.
 *
 * Seeds: `seed` seeds the step's randomness (random tries). When the caller gives none, it is
 * derived from the model (a hash of its structure and weights), so a loop of growth steps
 * with training in between draws new random tries at every step, and the same model gives
 * the same step.
 *
 * Candidates are independent: `evaluateCandidate(context, i)` is a pure function of the step
 * context, run either here or on a worker pool (`pool.ts`) with identical results.
 */
import { NumericalError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { onOneBlasThread } from "../kernels/threads.js";
import type { FloatArray } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { concatColumns, concatRows } from "../growth/linalg.js";
import { refineNeurons } from "./refine.js";
import { randomPool, residualShape, selectNeurons, unitScaleRows } from "./random-tries.js";
import { neuronSamples, sampleBlocks, type SampleBlocks } from "./samples.js";
import { resolveSignificance, selectionGainEdge } from "../growth/significance.js";
import { describeCandidate, enumerateCandidates, fitToBudget, largestBottleneck, type Candidate } from "./candidates.js";
import { targetsOf, type DagData } from "./data.js";
import { ExtendedEvaluator, makeEvalSet, searchAmplitudeChecked, type EvalSet } from "./evaluate.js";
import { addedParameters, fitCandidate, proposalIsEmpty, sliceRows, type Proposal } from "./fit.js";
import { applyProposal } from "./apply.js";
import { bicScore, chooseCandidate, criterionOf, criterionValue, nullOptionOf, type Criterion, type CriterionInput } from "./selection.js";
import type { DagModel } from "./model.js";
import { bottleneckScores, bottlenecks, computeNodeStatistics, dagPasses, deltaWarnings, type DagPasses, type DagStatistics } from "./statistics.js";
import { resolveGrowthOptions, type GrowthOptions, type StepOptions } from "./step-options.js";

export { bicScore, chooseCandidate, BIC_COMPARES, DEFAULT_PENALTY_ALPHA, type BicOptions, type PenaltyOptions, type Criterion } from "./selection.js";
export { defaultRandomTries, resolveGrowthOptions, type GrowthOptions, type ResolvedFitOptions, type ResolvedGrowthOptions, type StepOptions } from "./step-options.js";

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
  /** Likelihood BIC on train-gr (selection.ts), whatever the strategy. */
  bic: number;
  /** The strategy's criterion value (selection.ts; lower is better; the train-gr loss for "loss"). */
  score: number;
  /** The first non-finite loss met (line search on train-ls or the train-gr evaluation), else null. */
  nonFinite: { set: "train-ls" | "train-gr"; gamma: number; loss: number } | null;
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
   * "grown"; "no-improving-expansion": no candidate lowered the train-ls loss;
   * "no-train-gr-improvement" ("whole", "restricted" with the null option): some did, none
   * lowered the train-gr loss; "penalty-prefers-current" ("penalized"): none lowered L + α·k; "bic-prefers-current"
   * (strategy "bic" with the null option): no candidate lowered the BIC; "budget-exhausted"
   * (option `maxParameters`): no candidate fits the parameter budget. The model is unchanged
   * in the last three.
   */
  outcome: "grown" | "no-improving-expansion" | "no-train-gr-improvement" | "bic-prefers-current" | "penalty-prefers-current" | "budget-exhausted";
  /** How the candidates were compared (selection.ts) and the current model's score under it. */
  criterion: Criterion;
  scoreBefore: number;
  /** The seed the step used (given, or derived from the model). */
  seed: number;
  /** Numerical events that did not stop the step (non-finite losses, δW fallbacks), for the log. */
  warnings: string[];
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
  setOpt: DagPasses<T> | null;
  /** The float64 [a_sources | 1] blocks of train-opt the neuron candidates read (samples.ts), built once per step. */
  blocks: SampleBlocks;
  options: StepOptions;
  kernels: Kernels;
  paramsBefore: number;
}

/** A candidate's report and its fitted proposal (what the step applies if it is chosen). */
export interface EvaluatedCandidate {
  report: CandidateReport;
  proposal: Proposal;
}

/** Evaluates candidates of a context elsewhere (a worker pool); results by index. */
export interface CandidateRunner {
  readonly size: number;
  /**
   * Optional: moves the splits' arrays, in place and values unchanged, to memory the runner's
   * workers read without a copy (pool.ts: SharedArrayBuffers); called before every pooled step
   * (a no-op once done).
   */
  shareSplits?(splits: GrowthSplits<Float32Array>): void;
  evaluate(context: StepContext<Float32Array>): Promise<EvaluatedCandidate[]>;
}

/**
 * A seed derived from the model: FNV-1a over its parameter count and the bytes of every
 * parameter, so it changes whenever the model trains or grows (and is the same on resume).
 */
export function modelSeed<T extends FloatArray>(model: DagModel<T>): number {
  let h = 0x811c9dc5 ^ model.parameterCount();
  for (const p of model.params()) {
    const bytes = new Uint8Array(p.value.buffer, p.value.byteOffset, p.value.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  return h | 0;
}

/** k as GroMo counts it (selection.ts "gromo-bic"): current edges, a new edge fully, a new node's out-bias. */
function gromoParameters<T extends FloatArray>(ctx: StepContext<T>, candidate: Candidate): number {
  const g = ctx.model.graph;
  if (candidate.kind === "new-edge") return ctx.paramsBefore + g.node(candidate.to).size * (g.node(candidate.from).size + 1);
  if (candidate.kind === "new-node") return ctx.paramsBefore + g.node(candidate.to).size;
  return ctx.paramsBefore;
}

/** The criterion's inputs for a candidate's train-gr loss and parameter count (or the current model's). */
function criterionInput<T extends FloatArray>(ctx: StepContext<T>, lossGr: number, params: number, gromoParams: number): CriterionInput {
  const o = ctx.options;
  return { loss: o.loss, meanLoss: lossGr, n: ctx.setGr.acts.rows, outputs: ctx.model.outputSize, params, gromoParams, alpha: o.penalty.alpha };
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** Fit, line search and score of candidate `index` (pure in the context). */
export function evaluateCandidate<T extends FloatArray>(ctx: StepContext<T>, index: number): EvaluatedCandidate {
  const { model, stats, options, kernels } = ctx;
  const candidate = ctx.candidates[index];
  const t0 = performance.now();
  const proposal = buildProposal(ctx, index);
  const fitSeconds = seconds(t0);
  const params = ctx.paramsBefore + addedParameters(model.graph, proposal);
  const base = { index, description: describeCandidate(candidate), candidate, neurons: proposal.kind === "new-edge" ? 0 : proposal.k, fitSeconds, params };
  if (proposalIsEmpty(proposal)) {
    const report = { ...base, evalSeconds: 0, gamma: 0, lossLs: NaN, lossGr: NaN, bic: NaN, score: NaN, nonFinite: null, evaluations: 0, skipped: "no neuron to add (no singular value above the thresholds, or no random try lowers the bottleneck)" };
    return { report, proposal };
  }
  const t1 = performance.now();
  const ls = new ExtendedEvaluator(model, ctx.setLs, stats, proposal, options.loss, options.applyDelta, kernels);
  // A non-finite loss is "not better" for the search, and recorded (never silent).
  const search = searchAmplitudeChecked((g) => ls.lossAt(g), ctx.setLs.baseLoss, options.amplitude);
  let nonFinite: CandidateReport["nonFinite"] = search.nonFinite === null ? null : { set: "train-ls", ...search.nonFinite };
  const gr = new ExtendedEvaluator(model, ctx.setGr, stats, proposal, options.loss, options.applyDelta, kernels);
  const lossGr = gr.lossAt(search.gamma);
  if (!Number.isFinite(lossGr)) nonFinite ??= { set: "train-gr", gamma: search.gamma, loss: lossGr };
  const bic = bicScore(options.loss, lossGr, ctx.setGr.acts.rows, model.outputSize, params);
  const score = criterionValue(criterionOf(options.strategy), criterionInput(ctx, lossGr, params, gromoParameters(ctx, candidate)));
  const nf = nonFinite;
  const skipped = !Number.isFinite(lossGr)
    ? `non-finite train-gr loss (${lossGr}) at γ = ${search.gamma}`
    : !(search.gamma > 0)
      ? nf !== null
        ? `no finite amplitude γ > 0 lowers the train-ls loss (non-finite loss ${nf.loss} at γ = ${nf.gamma.toPrecision(4)})`
        : "no amplitude γ > 0 lowers the train-ls loss"
      : null;
  const report = { ...base, evalSeconds: seconds(t1), gamma: search.gamma, lossLs: search.loss, lossGr, bic, score, nonFinite: nf, evaluations: search.evaluations, skipped };
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
  const random = randomPool(samples.xMoment, tiny.withOnes, options.fit.randomTries, rng, kernels);
  const pool = mode === "random" ? random : concatRows(unitScaleRows(samples.xMoment, sliceRows(tiny.alpha, 0, tiny.k), kernels), random);
  const significance = resolveSignificance(options.fit.significance, "growth.fit.significance");
  const minGain = significance.rule === "marchenko-pastur" ? selectionGainEdge({ ...residualShape(samples), candidates: pool.rows, level: significance.level }) : 0;
  let chosen = selectNeurons(samples, pool, k, tiny.activation, kernels, minGain);
  if (mode === "gradient" && chosen.k > 0 && options.refine.epochs > 0) {
    const v = samples.targets.map((t) => t.v).reduce((acc, m) => concatColumns(acc, m));
    const alpha = refineNeurons(chosen, tiny.activation, { x: samples.x, v }, options.refine, rng, kernels);
    chosen = selectNeurons(samples, alpha, chosen.k, tiny.activation, kernels, minGain);
  }
  return { ...tiny, k: chosen.k, alpha: chosen.alpha, omega: chosen.omega, amplitude: "outside", deltaAdjust: chosen.deltaAdjust };
}


/**
 * Every candidate's report and fitted proposal, evaluated here or on `runner` (whose workers
 * send each proposal back, so the chosen one is not fitted again here).
 * OpenBLAS results depend on its thread count (a different partition of the sums), and
 * workers run one BLAS thread each: candidates are evaluated and applied with one thread here
 * too, so a serial run and a pooled run give bit-identical models. The count is process-wide
 * and only this (main) thread changes it (kernels/threads.ts, contract in pool.ts).
 */
async function evaluateAll<T extends FloatArray>(context: StepContext<T>, runner: CandidateRunner | null): Promise<EvaluatedCandidate[]> {
  const { kernels, candidates } = context;
  return onOneBlasThread(kernels, async () => (runner !== null ? await runner.evaluate(context as unknown as StepContext<Float32Array>) : candidates.map((_, i) => evaluateCandidate(context, i))));
}

/** The outcome of a step that applied nothing (budget aside): the null option won, or nothing lowered train-ls. */
function nothingChosen(criterion: Criterion, nullOptionWon: boolean): GrowthStepResult["outcome"] {
  if (!nullOptionWon) return "no-improving-expansion";
  return criterion === "bic" ? "bic-prefers-current" : criterion === "penalized" ? "penalty-prefers-current" : "no-train-gr-improvement";
}

/** Statistics, candidates, evaluation (here or on `runner`), choice and application: one growth step. */
export async function growthStep<T extends FloatArray>(
  model: DagModel<T>,
  splits: GrowthSplits<T>,
  options: GrowthOptions,
  ctx: { kernels: Kernels; runner?: CandidateRunner | null },
): Promise<GrowthStepResult> {
  const resolved = resolveGrowthOptions(options);
  const seed = resolved.seed ?? modelSeed(model);
  const opts = { ...resolved, seed };
  const { kernels } = ctx;
  const t0 = performance.now();
  // The random tries' train-opt passes, which the statistics then read instead of running the network again.
  const setOpt = opts.fit.mode !== "tiny" ? dagPasses(model, splits.trainOpt, targetsOf(splits.trainOpt), opts.loss, 0, splits.trainOpt.x.rows, kernels) : null;
  const stats = computeNodeStatistics(model, splits.trainOpt, opts.loss, kernels, { batchSize: opts.statisticsBatchSize, ...(setOpt === null ? {} : { passes: setOpt }) });
  const statisticsSeconds = seconds(t0);
  const psi = bottlenecks(stats);
  const scores = bottleneckScores(stats, opts.bottleneckNorm);
  const paramsBefore = model.parameterCount();
  const enumerated = enumerateCandidates(model.graph, opts.strategy, scores, opts.neuronsPerStep);
  const candidates = opts.maxParameters === null ? enumerated : fitToBudget(model.graph, enumerated, opts.maxParameters - paramsBefore);
  const bottleneckNode = opts.strategy === "whole" ? null : largestBottleneck(model.graph, scores);
  const warnings = deltaWarnings(stats);
  const runner = ctx.runner ?? null;
  const pooled = runner !== null && runner.size > 0 && model.dtype === "float32" && candidates.length > 1;
  if (pooled) runner.shareSplits?.(splits as unknown as GrowthSplits<Float32Array>);
  const context: StepContext<T> = {
    model,
    stats,
    candidates,
    newNodeName: model.freshNodeName(),
    setLs: makeEvalSet(model, splits.trainLs, opts.loss, kernels),
    setGr: makeEvalSet(model, splits.trainGr, opts.loss, kernels),
    setOpt,
    blocks: new Map(),
    options: opts,
    kernels,
    paramsBefore,
  };
  context.blocks = sampleBlocks(context, pooled);
  for (const [name, set] of [["train-ls", context.setLs], ["train-gr", context.setGr]] as const) {
    if (!Number.isFinite(set.baseLoss)) throw new NumericalError("growth step", `the current model's ${name} loss is ${set.baseLoss} before any expansion (the model diverged; lower the learning rate)`);
  }
  const evaluated = await evaluateAll(context, pooled ? runner : null);
  const reports = evaluated.map((e) => e.report);
  for (const r of reports) {
    if (r.nonFinite !== null) warnings.push(`candidate ${r.index} (${r.description}): non-finite ${r.nonFinite.set} loss ${r.nonFinite.loss} at γ = ${r.nonFinite.gamma.toPrecision(4)}${r.skipped === null ? " (treated as not better; a finite γ was kept)" : ` (skipped: ${r.skipped})`}`);
  }
  const criterion = criterionOf(opts.strategy);
  const bicBefore = bicScore(opts.loss, context.setGr.baseLoss, context.setGr.acts.rows, model.outputSize, context.paramsBefore);
  const scoreBefore = criterionValue(criterion, criterionInput(context, context.setGr.baseLoss, context.paramsBefore, context.paramsBefore));
  const nullOption = nullOptionOf(criterion, opts);
  const chosen = chooseCandidate(reports, { criterion, baseline: { score: scoreBefore, params: context.paramsBefore }, nullOption, compare: opts.bic.compare });
  let newNode: string | null = null;
  if (chosen !== null) newNode = onOneBlasThread(kernels, () => applyProposal(model, stats, evaluated[chosen].proposal, reports[chosen].gamma, opts.applyDelta));
  return {
    chosen,
    outcome: chosen !== null ? "grown" : candidates.length === 0 && enumerated.length > 0 ? "budget-exhausted" : nothingChosen(criterion, nullOption && reports.some((r) => r.skipped === null)),
    criterion,
    scoreBefore,
    seed,
    warnings,
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
