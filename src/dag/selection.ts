/**
 * How a growth step compares its evaluated candidates (the strategy's criterion). Every
 * candidate has, on train-gr (n samples, d outputs), its mean loss L at the line-searched γ
 * and k = the parameter count of the network after the expansion; the unexpanded model has
 * L₀ and k₀.
 *
 *  - "loss" (strategies "whole", "restricted"): the lowest L. The line search already
 *    dropped every candidate that does not lower the train-ls loss. Null option (option
 *    `nullOption`, default on; not in the paper): the current model's L₀ competes, so an
 *    expansion that lowers the train-ls loss but raises the train-gr loss (its γ overfits
 *    train-ls) is not applied. Measured on the playground's 2-D moons (restricted, 4 neurons
 *    per step): without it, steps 7 and 8 applied expansions that raised L_gr (0.0262 → 0.0273,
 *    0.0271 → 0.0275).
 *  - "bic" (strategy "bic"): a likelihood BIC = k ln n − 2 ln L̂ (Schwarz): Gaussian for MSE,
 *    −2 ln L̂ = n·d·(ln(2π·MSE) + 1) with MSE the mean over the n·d elements; categorical for
 *    cross-entropy, −2 ln L̂ = 2·n·CE. Null option (default on): the current model competes
 *    with BIC₀ = k₀ ln n − 2 ln L̂₀, and the step grows only if some candidate has a lower BIC.
 *    Among those, "per-parameter" (default) takes the lowest ΔBIC/Δk = ln n − Δ(2 ln L̂)/Δk
 *    (the most log-likelihood gained per added parameter), "total" the lowest BIC.
 *    What it costs: a 10-neuron new node between the 20-wide input and the 1-wide output adds
 *    Δk = 10·(20 + 1 + 1) = 220 parameters (widening a 10-wide node fed by the input and
 *    feeding the output: 10·(20 + 1) + 10 = 220 too; a new edge in→out only 21). With n = 1,000
 *    train-gr samples and d = 1 the penalty is 220·ln 1000 ≈ 1,520, so the expansion must cut
 *    n·d·ln(MSE) by 1,520, i.e. the train-gr MSE by a factor e^{1520/1000} ≈ 4.6 in one step,
 *    right after its line search and before any training; the line-searched gains are a few
 *    per cent, so on the teacher–student study BIC keeps the linear model (21 parameters).
 *  - "gromo-bic" (strategy "gromo-bic"): the paper's BIC as GroMo computes it (SPEC §12.7,
 *    §13.3), kept to reproduce the paper — **the paper's, not a likelihood**:
 *    BIC_GroMo = k_G·log₂ n − 2·log₂ L with L the mean train-gr loss itself, and k_G the
 *    parameters GroMo counts: the edges on the current layer sizes, the new neurons of a new or
 *    widened node not counted (a new node's edges exist at width 0: only its out-edge's bias,
 *    |v|, counts), a new edge counted fully. No null option (GroMo has none): the lowest value
 *    wins. Minimising −2·log₂ L rewards a *higher* loss at equal k_G, and k_G barely differs
 *    between node candidates, so the choice is driven by the new edges' parameter counts and
 *    favours cheap, poor candidates; this is why the paper's BIC networks are small.
 *  - "penalized" (strategy "penalized"): the slides' L' = L + α·k (Discussion: "compare loss
 *    gain to computational complexity increase … same as considering L' = L + α·Complexity"),
 *    complexity = parameter count, α ≥ 0 in loss units per parameter (absolute form, not
 *    relative to L). Null option (default on): the current model's L₀ + α·k₀ competes, so a
 *    step grows only if ΔL < −α·Δk, i.e. the expansion lowers the train-gr loss by more than α
 *    per added parameter. α = 0 with the null option is "restricted" that stops when nothing
 *    lowers the train-gr loss.
 */
import type { LossName } from "../nn/losses/loss.js";
import type { Strategy } from "./candidates.js";

export type Criterion = "loss" | "bic" | "gromo-bic" | "penalized";

/** How strategy "bic" compares the candidates (see the file comment). */
export interface BicOptions {
  /** "per-parameter" (default): ΔBIC/Δk among the candidates that lower the BIC; "total": the lowest BIC. */
  compare?: "total" | "per-parameter";
  /** Whether the unexpanded model competes (default true): a step grows only if a candidate lowers the BIC. */
  nullOption?: boolean;
}

export const BIC_COMPARES: readonly NonNullable<BicOptions["compare"]>[] = ["total", "per-parameter"];

/** Strategy "penalized": L + α·k (see the file comment). */
export interface PenaltyOptions {
  /** α ≥ 0, loss units per parameter (default `DEFAULT_PENALTY_ALPHA`). */
  alpha?: number;
  /** Whether the unexpanded model competes (default true). */
  nullOption?: boolean;
}

/**
 * Default α of strategy "penalized", chosen on the teacher–student study's validation split
 * (never on test) by the rule of experiments/alpha-sweep.ts: the README's α sweep at the
 * study's defaults (`tinygrow compare --strategies whole,restricted,bic --alphas
 * 1e-6,1.5e-6,2e-6,3e-6,1e-5`, 6 seeds), where 3e-6 is the largest α whose mean validation
 * MSE (0.01495) is ≤ 1.1 × restricted's (0.01715).
 */
export const DEFAULT_PENALTY_ALPHA = 3e-6;

export function criterionOf(strategy: Strategy): Criterion {
  switch (strategy) {
    case "bic":
      return "bic";
    case "gromo-bic":
      return "gromo-bic";
    case "penalized":
      return "penalized";
    default:
      return "loss";
  }
}

/** Likelihood BIC = k ln n − 2 ln L̂ for a mean loss over n samples with d outputs (file comment). */
export function bicScore(loss: LossName, meanLoss: number, n: number, outputs: number, params: number): number {
  const minus2LogL = loss === "mse" ? n * outputs * (Math.log(2 * Math.PI * meanLoss) + 1) : 2 * n * meanLoss;
  return params * Math.log(n) + minus2LogL;
}

/**
 * The most parameters one step can add under criterion "bic" with cross-entropy, from a model
 * of mean train-gr loss `meanLoss0` over n samples. −2 ln L̂ = 2·n·CE is never below 0, so a
 * step gains at most 2·n·CE₀ and pays Δk·ln n: it can grow only if Δk < 2·n·CE₀ / ln n. From
 * the empty graph (all logits 0, CE₀ = ln C) the cheapest step, the edge in→out, adds
 * (d + 1)·C parameters; e.g. digits (d = 64, C = 10) needs n / ln n > 141, n ≳ 970 train-gr rows.
 * (MSE has no such bound: its Gaussian −2 ln L̂ falls without limit as the MSE falls.)
 */
export function bicMaxAddedParams(n: number, meanLoss0: number): number {
  return n > 1 ? (2 * n * meanLoss0) / Math.log(n) : 0;
}

/** GroMo's BIC = k_G log₂ n − 2 log₂ L (SPEC §12.7; the paper's, not a likelihood). */
export function gromoBicScore(meanLoss: number, n: number, gromoParams: number): number {
  return gromoParams * Math.log2(n) - 2 * Math.log2(meanLoss);
}

/** The slides' penalised loss L + α·k. */
export function penalizedScore(meanLoss: number, params: number, alpha: number): number {
  return meanLoss + alpha * params;
}

/** What a criterion value is computed from (a candidate after its expansion, or the current model). */
export interface CriterionInput {
  loss: LossName;
  /** Mean train-gr loss. */
  meanLoss: number;
  /** Train-gr samples and outputs. */
  n: number;
  outputs: number;
  /** Parameter count, and as GroMo counts it (criterion "gromo-bic"). */
  params: number;
  gromoParams: number;
  /** Criterion "penalized". */
  alpha: number;
}

/** The criterion's value (lower is better; see the file comment). */
export function criterionValue(criterion: Criterion, x: CriterionInput): number {
  switch (criterion) {
    case "bic":
      return bicScore(x.loss, x.meanLoss, x.n, x.outputs, x.params);
    case "gromo-bic":
      return gromoBicScore(x.meanLoss, x.n, x.gromoParams);
    case "penalized":
      return penalizedScore(x.meanLoss, x.params, x.alpha);
    default:
      return x.meanLoss;
  }
}

/** Whether the current model competes under the criterion ("gromo-bic": never, as GroMo). */
export function nullOptionOf(criterion: Criterion, options: { nullOption: boolean; bic: { nullOption: boolean }; penalty: { nullOption: boolean } }): boolean {
  switch (criterion) {
    case "bic":
      return options.bic.nullOption;
    case "penalized":
      return options.penalty.nullOption;
    case "gromo-bic":
      return false;
    default:
      return options.nullOption;
  }
}

/** What the criterion needs of a candidate. */
export interface ScoredCandidate {
  index: number;
  /** The criterion's value (lower is better); for "loss" the train-gr loss. */
  score: number;
  /** Parameter count after the expansion. */
  params: number;
  /** null when the candidate was evaluated and may be chosen. */
  skipped: string | null;
}

/** The unexpanded model under the criterion (null option). */
export interface NullBaseline {
  score: number;
  params: number;
}

export interface ChoiceOptions {
  criterion: Criterion;
  /** The current model's score; used when `nullOption`. */
  baseline: NullBaseline;
  nullOption: boolean;
  /** Criterion "bic" only. */
  compare: NonNullable<BicOptions["compare"]>;
}

/**
 * Index of the best evaluated candidate under the criterion, first on ties; null when none
 * qualifies (nothing evaluated, or, with the null option, no candidate scores below the
 * current model).
 */
export function chooseCandidate(reports: readonly ScoredCandidate[], options: ChoiceOptions): number | null {
  let pool = reports.filter((r) => r.skipped === null && Number.isFinite(r.score));
  const { baseline } = options;
  if (options.nullOption && options.criterion !== "gromo-bic") pool = pool.filter((r) => r.score < baseline.score);
  const rank =
    options.criterion === "bic" && options.compare === "per-parameter"
      ? (r: ScoredCandidate) => (r.score - baseline.score) / Math.max(1, r.params - baseline.params)
      : (r: ScoredCandidate) => r.score;
  let best: number | null = null;
  let bestValue = Infinity;
  for (const r of pool) {
    const v = rank(r);
    if (best === null || v < bestValue) [best, bestValue] = [r.index, v];
  }
  return best;
}
