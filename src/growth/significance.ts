/**
 * How many new neurons the data supports: significance edges for the singular values of
 * S^{-1/2}N (TINY's closed form) and for the gains of the random-try selection, from the
 * spectrum of pure noise with the same sample count n and the same shapes. The derivation is
 * docs/significance.md; in short, with σ² the residual's variance per sample and output:
 *
 *   TINY:   s_j(S^{-1/2}N) > τ = σ (√r + √d + √(2 ln(1/p))) / √n
 *           r = dim X̃ (the new neurons' inputs, bias included), d = outputs of N (Σ target
 *           widths); √r + √d is the Marchenko–Pastur / Bai–Yin edge of an r × d Gaussian
 *           matrix and √(2 ln(1/p)) its Gaussian-concentration tail (Davidson–Szarek), so
 *           pure noise keeps no neuron with probability ≥ 1 − p, at any n;
 *   random tries: a neuron is added only while its gain (the exact least-squares decrease
 *           of the per-sample loss, random-tries.ts) exceeds
 *           g = σ² (√d + √(2 ln(R/p)))² / n
 *           R = the pool size; under noise each gain is σ²χ²_d/n, and the bound is
 *           Laurent–Massart's χ² tail with a union over the R candidates.
 *
 * σ² is estimated by the residual itself, σ̂² = (1/n)‖V‖²_F / d: it includes any signal, so
 * the edge is conservative (it can only keep fewer neurons than the true-noise edge). Rule
 * "threshold" is SPEC §7.2's fixed τ_stat (default 1e-3), the golden path and the default.
 */
import { ConfigError } from "../errors.js";

export type SignificanceRule = "threshold" | "marchenko-pastur";

export const SIGNIFICANCE_RULES: readonly SignificanceRule[] = ["threshold", "marchenko-pastur"];

export interface SignificanceOptions {
  /** "threshold" (default: τ_stat of SPEC §7.2) or "marchenko-pastur" (the noise edges above). */
  rule?: SignificanceRule;
  /** p ∈ (0, 1): the probability that pure noise adds a neuron (default 0.05). */
  level?: number;
}

export const DEFAULT_SIGNIFICANCE_LEVEL = 0.05;

/** The options with defaults; ConfigError naming `path` for a level outside (0, 1) or an unknown rule. */
export function resolveSignificance(options: SignificanceOptions | undefined, path = "growth.significance"): Required<SignificanceOptions> {
  const rule = options?.rule ?? "threshold";
  const level = options?.level ?? DEFAULT_SIGNIFICANCE_LEVEL;
  const issues = [];
  if (!SIGNIFICANCE_RULES.includes(rule)) issues.push({ source: "growth options", path: `${path}.rule`, message: `expected one of ${SIGNIFICANCE_RULES.join(", ")}, got "${String(rule)}"` });
  if (!(typeof level === "number" && level > 0 && level < 1)) issues.push({ source: "growth options", path: `${path}.level`, message: `expected a probability in (0, 1), got ${String(level)}` });
  if (issues.length > 0) throw new ConfigError(issues);
  return { rule, level };
}

/** What the edges depend on. */
export interface NoiseShape {
  /** Samples the statistics were averaged over. */
  n: number;
  /** Outputs d of N (Σ widths of the target nodes). */
  outputs: number;
  /** (1/n)‖V‖²_F, the residual's mean square summed over the outputs. */
  residualMeanSq: number;
  /** p ∈ (0, 1). */
  level: number;
}

/** σ̂² = (1/n)‖V‖²_F / d. */
function noiseVariance(shape: NoiseShape): number {
  return Math.max(0, shape.residualMeanSq) / Math.max(1, shape.outputs);
}

/** τ = σ̂ (√r + √d + √(2 ln(1/p))) / √n for the singular values of S^{-1/2}N, r = `inputs`. */
export function singularValueEdge(shape: NoiseShape & { inputs: number }): number {
  const t = Math.sqrt(2 * Math.log(1 / shape.level));
  return (Math.sqrt(noiseVariance(shape)) * (Math.sqrt(shape.inputs) + Math.sqrt(shape.outputs) + t)) / Math.sqrt(Math.max(1, shape.n));
}

/** g = σ̂² (√d + √(2 ln(R/p)))² / n for one neuron's gain in the random-try selection, R = `candidates`. */
export function selectionGainEdge(shape: NoiseShape & { candidates: number }): number {
  const x = Math.log(Math.max(1, shape.candidates) / shape.level);
  return (noiseVariance(shape) * (Math.sqrt(shape.outputs) + Math.sqrt(2 * x)) ** 2) / Math.max(1, shape.n);
}
