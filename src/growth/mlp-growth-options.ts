/**
 * The options of a growth step of a sequential MLP, as one typed object whose type is
 * inferred from a zod schema holding every default (STYLE: defaults live only in the
 * schema). `parseGrowthOptions` validates a partial object with `resolveConfig`, so a bad
 * value is a ConfigError naming its source and path.
 */
import { z } from "zod";
import { resolveConfig, type ConfigLayer } from "../io/config.js";
import { DEFAULT_SIGNIFICANCE_LEVEL, SIGNIFICANCE_RULES } from "./significance.js";

/**
 * How the existing weights of the layer after the grown one move together with the new
 * neurons (joint move, one γ, SPEC §9.1):
 *  - "natural": W ← W − γ²·δW* (TINY's natural-gradient-like step, SPEC §4);
 *  - "gradient": W ← W − γ²·∇, ∇ = Mᵀ = (1/n)·Gᵀ·B̃ the plain per-sample gradient (one
 *    gradient-descent step whose length the line search picks);
 *  - "none" (default): the existing weights are left alone (GroMo's compute_delta=False, which
 *    its docstring gives for reproducing the TINY paper; the neurons still fit the residual
 *    after δW*).
 * δW* is solved with the relative ridge `naturalRidge` (optimal-delta.ts). Without it (λ = 0,
 * GroMo's plain solve) "natural" blows up over many steps: the hidden features become nearly
 * collinear (cond S up to 1e15–1e21), ‖δW*‖ reaches 1e5–1e11 and training diverges (NaN with
 * SGD). With λ = 1e-3 it is stable, but it is not the default: chosen on a validation split
 * (`tinygrow grow-mlp --update M --validation-samples 1024`, otherwise the defaults, seeds 0–2;
 * lowest mean final validation loss wins, the rule fixed before the runs): none 0.00349,
 * natural 0.00639, gradient 0.0249, none lowest on every seed. (Session 1 chose it on test.)
 */
export const UPDATE_MODES = ["natural", "gradient", "none"] as const;
export type UpdateMode = (typeof UPDATE_MODES)[number];

export const GrowthOptionsSchema = z.strictObject({
  update: z.enum(UPDATE_MODES).default("none"),
  /**
   * Relative Tikhonov ridge λ of δW* = ((S + λ·(tr S / d)·I)⁻¹ M)ᵀ (optimal-delta.ts), used for
   * the "natural" step and for the residual N the new neurons fit, in every update mode. 0 is
   * GroMo's plain solve, which blows up when the hidden features are nearly collinear.
   */
  naturalRidge: z.number().min(0).default(1e-3),
  /** At most this many neurons per step (null: no cap beyond the rank, min(d0+β1, d2)). */
  maxNeuronsPerStep: z.number().int().min(1).nullable().default(null),
  /** τ_stat: singular values kept if ≥ min(τ_stat, max s) (SPEC §7.2). */
  statisticalThreshold: z.number().min(0).default(1e-3),
  /** How many neurons the data supports (significance.ts): "threshold" (τ_stat, SPEC §7.2) or "marchenko-pastur" (the noise edge). */
  significance: z.enum(SIGNIFICANCE_RULES as unknown as ["threshold", "marchenko-pastur"]).default("threshold"),
  /** p ∈ (0, 1) of the "marchenko-pastur" rule: the probability that pure noise adds a neuron. */
  significanceLevel: z.number().gt(0).lt(1).default(DEFAULT_SIGNIFICANCE_LEVEL),
  /** τ_num: eigenvalues of S_growth kept if > τ_num (SPEC §7.1). */
  numericalThreshold: z.number().min(0).default(1e-6),
  /** Samples the statistics are accumulated over (at most the statistics set's size). */
  statisticsSamples: z.number().int().min(1).default(10000),
});

export type GrowthOptions = z.output<typeof GrowthOptionsSchema>;

/** Validated growth options from a partial object; ConfigError (source `source`) listing every issue. */
export function parseGrowthOptions(values: Partial<GrowthOptions> = {}, source = "growth options"): Readonly<GrowthOptions> {
  const layer: ConfigLayer = { source, values: { ...values } };
  return resolveConfig(GrowthOptionsSchema, [layer]);
}
