/**
 * The options of a growth step of a sequential MLP, as one typed object whose type is
 * inferred from a zod schema holding every default (STYLE: defaults live only in the
 * schema). `parseGrowthOptions` validates a partial object with `resolveConfig`, so a bad
 * value is a ConfigError naming its source and path.
 */
import { z } from "zod";
import { resolveConfig, type ConfigLayer } from "../io/config.js";

/**
 * How the existing weights of the layer after the grown one move together with the new
 * neurons (joint move, one γ, SPEC §9.1):
 *  - "natural": W ← W − γ²·δW* (TINY's natural-gradient-like step, SPEC §4);
 *  - "gradient": W ← W − γ²·∇, ∇ = Mᵀ = (1/n)·Gᵀ·B̃ the plain per-sample gradient (one
 *    gradient-descent step whose length the line search picks);
 *  - "none" (default): the existing weights are left alone (GroMo's compute_delta=False, which
 *    its docstring gives for reproducing the TINY paper; the neurons still fit the residual
 *    after δW*). Over many steps "natural" tends to blow up the next layer's weights when
 *    the hidden features are nearly collinear (S ill-conditioned, no ridge), after which
 *    training diverges; hence not the default.
 */
export const UPDATE_MODES = ["natural", "gradient", "none"] as const;
export type UpdateMode = (typeof UPDATE_MODES)[number];

export const GrowthOptionsSchema = z.strictObject({
  update: z.enum(UPDATE_MODES).default("none"),
  /** At most this many neurons per step (null: no cap beyond the rank, min(d0+β1, d2)). */
  maxNeuronsPerStep: z.number().int().min(1).nullable().default(null),
  /** τ_stat: singular values kept if ≥ min(τ_stat, max s) (SPEC §7.2). */
  statisticalThreshold: z.number().min(0).default(1e-3),
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
