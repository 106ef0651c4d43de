/**
 * One call for the whole TINY analysis of a layer pair (SPEC §4–§8), from its statistics:
 * δW* and D, the bottleneck norms, N, the new neurons (α, ω, s) and the first-order
 * improvements. Pure: statistics and options in, one result object out. The growing-MLP
 * code ranks layers by `firstOrder.total` (GroMo's criterion, §11), picks γ with
 * `lineSearch` over `extendedForward`, then calls `applyGrowth(params, result.step, γ)`.
 */
import type { Kernels } from "../kernels/kernels.js";
import type { ActivationName } from "../nn/layers/activation.js";
import type { Matrix64 } from "../tensor/matrix.js";
import { bottleneckFromStatistics, tensorN, type BottleneckNorms } from "./bottleneck.js";
import type { GrowthStep } from "./extended-forward.js";
import { crossTerm, firstOrderImprovement, gromoActivationGradientAtZero, type FirstOrderImprovement } from "./first-order.js";
import { frobeniusNorm, matmul, scale, trace, transpose } from "./linalg.js";
import { computeNewNeurons, type NewNeuronOptions, type NewNeurons } from "./new-neurons.js";
import { computeOptimalDelta, eigenOf, guardOptimalDelta, type OptimalDelta } from "./optimal-delta.js";
import { checkLayerPairStatistics, type LayerPairStatistics } from "./statistics.js";
import { resolveSignificance, singularValueEdge, type SignificanceOptions } from "./significance.js";

export interface LayerGrowthOptions extends NewNeuronOptions {
  /** Layer 1's activation σ (between the two layers): gives σ'(0) for §8. */
  activation: ActivationName;
  /**
   * true (default): N = −M_prev + P δW_rawᵀ (the residual after δW, TINY). false: N = −M_prev
   * (raw desired update; GradMax, and GroMo's zero-width LinearGrowingBlock, §7.6). δW and D
   * are computed either way.
   */
  useProjection?: boolean;
  /**
   * Relative Tikhonov ridge λ of δW* (optimal-delta.ts; default 0 = GroMo's plain solve). With
   * λ > 0, N is the residual after the regularised δW_raw, and the bottleneck is that
   * residual's exact mean square, (1/n)‖G − B̃1 δW_rawᵀ‖² = tr E − 2 tr(M δW_raw) + tr(δW_raw S δW_rawᵀ)
   * (Pythagoras no longer applies: the ridge residual is not orthogonal to B̃1).
   */
  deltaRidge?: number;
  /** How many neurons the data supports (significance.ts; default rule "threshold", τ_stat). */
  significance?: SignificanceOptions;
  /** Check the plain δW* solve and fall back to the pseudo-inverse when it blew up (optimal-delta.ts `guardOptimalDelta`; default false, GroMo's solve). */
  deltaGuard?: boolean;
}

export interface LayerGrowth {
  /** Why δW* needed the guard's fallback (`deltaGuard`), else null. */
  deltaWarning: string | null;
  /** δW_raw, δW, δb, D and how δW_raw was solved (§4). */
  delta: OptimalDelta;
  /** (1/n)‖V_proj‖², ‖V_proj‖_F and (1/n)‖G‖² from the statistics (§5, by Pythagoras). */
  bottleneck: BottleneckNorms;
  /** The N the neurons were extracted from, (d0+β1, d2). */
  n: Matrix64;
  /** α, ω, s and the diagnostics of §7. */
  neurons: NewNeurons;
  /** GroMo's first-order improvement (§8): D + σ'(0)Σs², cross term dropped. */
  firstOrder: FirstOrderImprovement;
  /** The dropped cross term tr(α P δW_rawᵀ ω); for σ differentiable at 0 the exact decrease is firstOrder.total − σ'(0)·crossTerm. */
  crossTerm: number;
  /** The step to hand to `extendedForward` / `applyGrowth`. */
  step: GrowthStep;
}

/** 2 tr(M δW_raw) − tr(δW_raw S δW_rawᵀ): the decrease of (1/n)‖G − B̃1 Vᵀ‖² from V = 0 to V = δW_raw. */
function residualDecrease(s: Matrix64, delta: OptimalDelta, kernels: Kernels): number {
  const x = transpose(delta.deltaRaw); // (d1+β2, d2)
  const sx = matmul(kernels, s, x);
  let quad = 0;
  for (let i = 0; i < x.data.length; i++) quad += x.data[i] * sx.data[i];
  return 2 * delta.decrease - quad;
}

export function computeLayerGrowth(stats: LayerPairStatistics, options: LayerGrowthOptions, kernels: Kernels): LayerGrowth {
  checkLayerPairStatistics("computeLayerGrowth", stats);
  const { layer1Bias, layer2Bias } = stats.shape;
  const eigen = eigenOf(kernels, stats.S); // one eigh for both pseudo-inverse cut-offs
  const solved = computeOptimalDelta(stats.S, stats.M, layer2Bias, kernels, { ridge: options.deltaRidge ?? 0, eigen });
  // Off by default: the golden path is GroMo's plain solve.
  const guarded = options.deltaGuard === true ? guardOptimalDelta(stats.S, stats.M, layer2Bias, solved, kernels, trace(stats.E), eigen) : { delta: solved, warning: null };
  const delta = guarded.delta;
  const bottleneck = bottleneckFromStatistics(stats.E, delta.ridge > 0 ? residualDecrease(stats.S, delta, kernels) : delta.decrease, stats.n);
  const useProjection = options.useProjection ?? true;
  const n = useProjection ? tensorN(stats.MPrev, stats.P, delta.deltaRaw, kernels) : scale(stats.MPrev, -1);
  // The size of N before cancellation, for the "numerically zero bottleneck" test (§7, new-neurons.ts).
  const referenceScale = options.referenceScale ?? frobeniusNorm(stats.MPrev) + (useProjection ? frobeniusNorm(stats.P) * frobeniusNorm(delta.deltaRaw) : 0);
  const significance = resolveSignificance(options.significance);
  const significanceEdge =
    significance.rule === "marchenko-pastur" ? singularValueEdge({ n: stats.n, inputs: stats.SGrowth.rows, outputs: n.cols, residualMeanSq: bottleneck.meanSqNorm, level: significance.level }) : undefined;
  const neurons = computeNewNeurons(stats.SGrowth, n, layer1Bias, { ...options, referenceScale, ...(significanceEdge === undefined ? {} : { significanceEdge }) }, kernels);
  const firstOrder = firstOrderImprovement(delta.decrease, neurons.singularValues, gromoActivationGradientAtZero(options.activation));
  return {
    delta,
    deltaWarning: guarded.warning,
    bottleneck,
    n,
    neurons,
    firstOrder,
    crossTerm: crossTerm(neurons.alpha, stats.P, delta.deltaRaw, neurons.omega, kernels),
    step: {
      deltaWeight: delta.deltaWeight,
      deltaBias: delta.deltaBias,
      alphaWeight: neurons.alphaWeight,
      alphaBias: neurons.alphaBias,
      omega: neurons.omega,
    },
  };
}
