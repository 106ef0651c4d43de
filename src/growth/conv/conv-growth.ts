/**
 * TINY growth of a conv pair from its statistics (SPEC-conv-growth §6–§11): the fully
 * connected pair math of src/growth reused on the unfolded statistics (STYLE habit 14).
 *
 *   δW_raw = (S⁻¹M)ᵀ (C2, D1+β2), D = tr(M δW_raw)                 computeOptimalDelta (§6 = [L §4])
 *   N = −M_prev + P δW_bigᵀ                                          tensorN (§8.3, §9.2 = [L §6])
 *   α, ω♭, s from the SVD of S_growth^{-1/2} N, both thresholds     computeNewNeurons (§10 = [L §7])
 *   GroMo's first-order improvement D + σ'(0)·Σ s_j²                 firstOrderImprovement (§11 = [L §8])
 *
 * The only conv-specific algebra is `expandDeltaForTaps` (Full, §8.3): N's column c·K2 + e
 * needs P[e] δW_raw[c, :]ᵀ, which is P♭ δW_bigᵀ with δW_big's row c·K2 + e holding δW_raw[c, :]
 * in column block e. For Restricted δW_big = δW_raw and this is exactly the linear case.
 *
 * Paths (§13): "modules" (two growable convs; also at zero hidden width, where S is the bias
 * feature's 1×1 statistic and δW the bias step — SPEC §16 D3 fixed as in the linear case) and
 * "block" (GroMo's zero-width residual block: no δW, D = 0, N = −M_prev).
 */
import type { Kernels } from "../../kernels/kernels.js";
import type { ActivationName } from "../../nn/layers/activation.js";
import { zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { bottleneckFromStatistics, tensorN, type BottleneckNorms } from "../bottleneck.js";
import { firstOrderImprovement, gromoActivationGradientAtZero, type FirstOrderImprovement } from "../first-order.js";
import { frobeniusNorm, scale } from "../linalg.js";
import { computeNewNeurons, type NewNeuronOptions, type NewNeurons } from "../new-neurons.js";
import { computeOptimalDelta, type OptimalDelta } from "../optimal-delta.js";
import type { ConvGrowthStep } from "./conv-forward.js";
import { centreTap, taps } from "./geometry.js";
import type { ConvPairStatistics } from "./statistics.js";

export type ConvGrowthPath = "modules" | "block";

export interface ConvGrowthOptions extends NewNeuronOptions {
  /** conv1's activation σ (gives σ'(0) for §11). */
  activation: ActivationName;
  /** true (default): N from the residual after δW (TINY). false: N = −M_prev. Forced false on the block path. */
  useProjection?: boolean;
  /** "modules" (default) or "block" (zero-width residual block: no δW, §13). */
  path?: ConvGrowthPath;
  /** Relative Tikhonov ridge of δW* (optimal-delta.ts; default 0 = GroMo's solve). */
  deltaRidge?: number;
}

export interface ConvGrowth {
  /** δW*, D (§6); null on the block path. */
  delta: OptimalDelta | null;
  /** (1/n)‖V_proj‖², ‖V_proj‖_F, (1/n)‖G‖² by Pythagoras from E and D (§7). */
  bottleneck: BottleneckNorms;
  /** N (D0+β1, C2·K2 | C2), the matrix decomposed. */
  n: Matrix64;
  /** α (k, D0+β1), ω♭ (C2·K2 | C2, k), s, diagnostics (§10). */
  neurons: NewNeurons;
  /** GroMo's D + σ'(0)Σs² (§11); see comparable.ts for the D8-corrected score. */
  firstOrder: FirstOrderImprovement;
  /** The step as flat conv weights, ready for convExtendedForward / applyConvGrowth. */
  step: ConvGrowthStep;
}

/**
 * δW_big (C2·K2, K2·(D1+β2)): row c·K2 + e holds δW_raw[c, :] in column block e (§8.3), so that
 * N = −M_prev + P♭ δW_bigᵀ reproduces N[:, c·K2+e] = −M_prev[:, c·K2+e] + P[e] δW_raw[c, :]ᵀ.
 */
export function expandDeltaForTaps(deltaRaw: Matrix64, K: number): Matrix64 {
  const C2 = deltaRaw.rows;
  const F = deltaRaw.cols;
  const out = zeros64(C2 * K, K * F);
  for (let c = 0; c < C2; c++) {
    for (let e = 0; e < K; e++) out.data.set(deltaRaw.data.subarray(c * F, (c + 1) * F), (c * K + e) * K * F + e * F);
  }
  return out;
}

/**
 * ω as flat conv2 input kernels (C2, k·K2), column j·K2 + e = ω[:, j, u, v] (§10.2):
 * Full ω[c, j, e] = ω♭[c·K2 + e, j]; Restricted zero except the centre tap, ω[c, j, e0] = ω♭[c, j].
 */
export function omegaKernels(omegaFlat: Matrix64, full: boolean, K: number, e0: number): Matrix64 {
  const k = omegaFlat.cols;
  const C2 = full ? omegaFlat.rows / K : omegaFlat.rows;
  const out = zeros64(C2, k * K);
  for (let c = 0; c < C2; c++) {
    for (let j = 0; j < k; j++) {
      if (full) for (let e = 0; e < K; e++) out.data[c * k * K + j * K + e] = omegaFlat.data[(c * K + e) * k + j];
      else out.data[c * k * K + j * K + e0] = omegaFlat.data[c * k + j];
    }
  }
  return out;
}

/** δW* of the pair (§6), or null on the block path. */
export function computeConvDelta(stats: ConvPairStatistics, options: ConvGrowthOptions, kernels: Kernels): OptimalDelta | null {
  if ((options.path ?? "modules") === "block") return null;
  return computeOptimalDelta(stats.S, stats.M, stats.shape.layer2Bias, kernels, { ridge: options.deltaRidge ?? 0 });
}

/** δW*, N, the new channels and GroMo's first-order improvement of a conv pair (§6–§11). */
export function computeConvGrowth(stats: ConvPairStatistics, options: ConvGrowthOptions, kernels: Kernels): ConvGrowth {
  const { shape } = stats;
  const K2 = taps(shape.conv2);
  const delta = computeConvDelta(stats, options, kernels);
  const useProjection = delta !== null && (options.useProjection ?? true);
  let n: Matrix64;
  let referenceScale = frobeniusNorm(stats.MPrev);
  if (useProjection) {
    const deltaBig = shape.variant === "full" ? expandDeltaForTaps(delta.deltaRaw, K2) : delta.deltaRaw;
    n = tensorN(stats.MPrev, stats.P, deltaBig, kernels);
    referenceScale += frobeniusNorm(stats.P) * frobeniusNorm(deltaBig);
  } else {
    n = scale(stats.MPrev, -1);
  }
  return convGrowthFromN(stats, delta, n, { ...options, referenceScale: options.referenceScale ?? referenceScale }, kernels);
}

/**
 * The new channels from a given N (§10, §11): used directly when N was accumulated from the
 * residual in a second pass (ConvResidualAccumulator) instead of from P.
 */
export function convGrowthFromN(stats: ConvPairStatistics, delta: OptimalDelta | null, n: Matrix64, options: ConvGrowthOptions, kernels: Kernels): ConvGrowth {
  const { shape } = stats;
  const full = shape.variant === "full";
  const K2 = taps(shape.conv2);
  const referenceScale = options.referenceScale ?? frobeniusNorm(stats.MPrev) + frobeniusNorm(n);
  const neurons = computeNewNeurons(stats.SGrowth, n, shape.layer1Bias, { ...options, referenceScale }, kernels);
  const decrease = delta?.decrease ?? 0;
  const d1 = shape.hiddenChannels * K2;
  return {
    delta,
    bottleneck: bottleneckFromStatistics(stats.E, decrease, stats.n),
    n,
    neurons,
    firstOrder: firstOrderImprovement(decrease, neurons.singularValues, gromoActivationGradientAtZero(options.activation)),
    step: {
      deltaWeight: delta?.deltaWeight ?? zeros64(shape.outChannels, d1),
      deltaBias: delta?.deltaBias ?? (shape.layer2Bias ? new Float64Array(shape.outChannels) : null),
      alphaWeight: neurons.alphaWeight,
      alphaBias: neurons.alphaBias,
      omega: omegaKernels(neurons.omega, full, K2, centreTap(shape.conv2)),
    },
  };
}
