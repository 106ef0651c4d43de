/**
 * The options of one growth step (step.ts): what a caller may set, their defaults, and their
 * validation (a ConfigError naming the field `growth.<name>`).
 */
import { ConfigError } from "../errors.js";
import type { LossName } from "../nn/losses/loss.js";
import { resolveSignificance } from "../growth/significance.js";
import { STRATEGIES, type Strategy } from "./candidates.js";
import type { AmplitudeOptions } from "./evaluate.js";
import { DEFAULT_FIT_MODE, FIT_MODES, type FitMode, type FitOptions } from "./fit.js";
import type { RefineOptions } from "./refine.js";
import { BIC_COMPARES, DEFAULT_PENALTY_ALPHA, type BicOptions, type PenaltyOptions } from "./selection.js";
import { BOTTLENECK_NORMS, type BottleneckNorm } from "./statistics.js";

export interface GrowthOptions {
  /** Default "whole". */
  strategy?: Strategy;
  /** Node ranking of the restricted strategies (default "frobenius", the SPEC's; see statistics.ts `BottleneckNorm`). */
  bottleneckNorm?: BottleneckNorm;
  /** Strategy "bic" only. */
  bic?: BicOptions;
  /**
   * Strategies "whole" and "restricted" (criterion "loss"): whether the current model competes
   * on the train-gr loss (default true), so an expansion is applied only if it lowers the
   * train-gr loss as well as the train-ls loss (selection.ts). Off: the paper's rule, the best
   * candidate is applied even when it raises the train-gr loss.
   */
  nullOption?: boolean;
  /** Strategy "penalized" only: α and the null option. */
  penalty?: PenaltyOptions;
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
  /** How new neurons are fitted: a mode name or the full options (default `DEFAULT_FIT_MODE`, "gradient"; see fit.ts). */
  fit?: FitMode | FitOptions;
  /** Rows per statistics batch (default 1024). */
  statisticsBatchSize?: number;
  /**
   * Parameters of fit mode "gradient" (SPEC §12.6): default { epochs: 20 } in that mode.
   * With no fit mode given, epochs 0 selects "tiny-random" (no descent), as before the default changed.
   */
  refine?: RefineOptions;
  /**
   * Seed of the step's randomness (random tries, descent; each candidate derives its own Rng
   * from it and its index). Default: derived from the model (`modelSeed`), so every step of a
   * loop with training in between draws new tries.
   */
  seed?: number;
}

/** The options a step runs with: resolved, and the seed fixed (given or derived from the model). */
export type StepOptions = ResolvedGrowthOptions & { seed: number };

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

export type ResolvedGrowthOptions = Required<Omit<GrowthOptions, "amplitude" | "fit" | "refine" | "bic" | "penalty" | "maxParameters" | "seed">> & {
  /** null: derived from the model at the step (`modelSeed`). */
  seed: number | null;
  penalty: Required<PenaltyOptions>;
  maxParameters: number | null;
  amplitude: AmplitudeOptions;
  fit: ResolvedFitOptions;
  refine: RefineOptions;
  bic: Required<BicOptions>;
};


/** Defaults filled in; ConfigError naming the field (`growth.<name>`) otherwise. */
export function resolveGrowthOptions(options: GrowthOptions = {}): ResolvedGrowthOptions {
  const fitGiven: FitOptions = typeof options.fit === "string" ? { mode: options.fit } : (options.fit ?? {});
  const mode = fitGiven.mode ?? (options.refine?.epochs === 0 ? "tiny-random" : DEFAULT_FIT_MODE);
  const neuronsPerStep = options.neuronsPerStep ?? 10;
  const r: ResolvedGrowthOptions = {
    strategy: options.strategy ?? "whole",
    bottleneckNorm: options.bottleneckNorm ?? "frobenius",
    nullOption: options.nullOption ?? true,
    bic: { compare: options.bic?.compare ?? "per-parameter", nullOption: options.bic?.nullOption ?? true },
    penalty: { alpha: options.penalty?.alpha ?? DEFAULT_PENALTY_ALPHA, nullOption: options.penalty?.nullOption ?? true },
    neuronsPerStep,
    maxParameters: options.maxParameters ?? null,
    loss: options.loss ?? "mse",
    applyDelta: options.applyDelta ?? true,
    amplitude: options.amplitude ?? {},
    fit: { ...fitGiven, mode, randomTries: fitGiven.randomTries ?? defaultRandomTries(neuronsPerStep) },
    statisticsBatchSize: options.statisticsBatchSize ?? 1024,
    refine: options.refine ?? { epochs: mode === "gradient" ? 20 : 0 },
    seed: options.seed ?? null,
  };
  const issues = [];
  const src = "growth options";
  if (!STRATEGIES.includes(r.strategy)) issues.push({ source: src, path: "growth.strategy", message: `expected one of ${STRATEGIES.join(", ")}, got "${r.strategy}"` });
  if (!BOTTLENECK_NORMS.includes(r.bottleneckNorm)) issues.push({ source: src, path: "growth.bottleneckNorm", message: `expected one of ${BOTTLENECK_NORMS.join(", ")}, got "${r.bottleneckNorm}"` });
  if (!BIC_COMPARES.includes(r.bic.compare)) issues.push({ source: src, path: "growth.bic.compare", message: `expected one of ${BIC_COMPARES.join(", ")}, got "${r.bic.compare}"` });
  if (typeof r.nullOption !== "boolean") issues.push({ source: src, path: "growth.nullOption", message: `expected a boolean, got ${String(r.nullOption)}` });
  if (typeof r.bic.nullOption !== "boolean") issues.push({ source: src, path: "growth.bic.nullOption", message: `expected a boolean, got ${String(r.bic.nullOption)}` });
  if (!(typeof r.penalty.alpha === "number" && Number.isFinite(r.penalty.alpha) && r.penalty.alpha >= 0)) {
    issues.push({ source: src, path: "growth.penalty.alpha", message: `expected a finite number >= 0, got ${String(r.penalty.alpha)}` });
  }
  if (typeof r.penalty.nullOption !== "boolean") issues.push({ source: src, path: "growth.penalty.nullOption", message: `expected a boolean, got ${String(r.penalty.nullOption)}` });
  if (!Number.isInteger(r.neuronsPerStep) || r.neuronsPerStep < 1) issues.push({ source: src, path: "growth.neuronsPerStep", message: `expected an integer >= 1, got ${r.neuronsPerStep}` });
  if (r.maxParameters !== null && !(Number.isInteger(r.maxParameters) && r.maxParameters >= 1)) {
    issues.push({ source: src, path: "growth.maxParameters", message: `expected an integer >= 1, got ${r.maxParameters}` });
  }
  if (r.loss !== "mse" && r.loss !== "softmax-cross-entropy") issues.push({ source: src, path: "growth.loss", message: `expected mse or softmax-cross-entropy, got "${r.loss}"` });
  if (!Number.isInteger(r.statisticsBatchSize) || r.statisticsBatchSize < 1) {
    issues.push({ source: src, path: "growth.statisticsBatchSize", message: `expected an integer >= 1, got ${r.statisticsBatchSize}` });
  }
  try {
    resolveSignificance(r.fit.significance, "growth.fit.significance");
  } catch (err) {
    if (err instanceof ConfigError) issues.push(...err.issues);
    else throw err;
  }
  if (!FIT_MODES.includes(r.fit.mode)) issues.push({ source: src, path: "growth.fit.mode", message: `expected one of ${FIT_MODES.join(", ")}, got "${r.fit.mode}"` });
  if (!Number.isInteger(r.fit.randomTries) || r.fit.randomTries < 1) issues.push({ source: src, path: "growth.fit.randomTries", message: `expected an integer >= 1, got ${r.fit.randomTries}` });
  if (!Number.isInteger(r.refine.epochs) || r.refine.epochs < 0) issues.push({ source: src, path: "growth.refine.epochs", message: `expected an integer >= 0, got ${r.refine.epochs}` });
  if (r.seed !== null && !Number.isInteger(r.seed)) issues.push({ source: src, path: "growth.seed", message: `expected an integer, got ${r.seed}` });
  const a = r.amplitude;
  if (a.gridMin !== undefined && !(a.gridMin > 0)) issues.push({ source: src, path: "growth.amplitude.gridMin", message: `expected > 0, got ${a.gridMin}` });
  if (a.gridMax !== undefined && !(a.gridMax > (a.gridMin ?? 1e-2))) issues.push({ source: src, path: "growth.amplitude.gridMax", message: `expected > gridMin, got ${a.gridMax}` });
  if (a.pointsPerDecade !== undefined && !(Number.isInteger(a.pointsPerDecade) && a.pointsPerDecade >= 1)) {
    issues.push({ source: src, path: "growth.amplitude.pointsPerDecade", message: `expected an integer >= 1, got ${a.pointsPerDecade}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return r;
}

