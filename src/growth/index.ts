/**
 * TINY growth math for a pair of fully connected layers (SPEC-growth-math §1–§10), float64,
 * pure functions over the kernels. Typical use:
 *
 *   const acc = new LayerPairAccumulator(shape);            // §3, per mini-batch: acc.update({x, b1, g}, kernels)
 *   const growth = computeLayerGrowth(acc.read(), { activation: "selu" }, kernels);   // §4–§8
 *   const { gammaStar } = lineSearch((γ) => heldOutLoss(extendedForward(params, growth.step, xDev, γ, "selu", kernels)));  // §9
 *   const grown = applyGrowth(params, growth.step, gammaStar); // §10
 */
export { LayerPairAccumulator, TensorStatistic, EmptyStatisticError, layerPairStatistics, checkLayerPairStatistics } from "./statistics.js";
export type { LayerPairShape, LayerPairBatch, LayerPairStatistics, LayerPairSamples, AccumulatorOptions } from "./statistics.js";
export { computeOptimalDelta, pseudoInverseSolve, guardOptimalDelta } from "./optimal-delta.js";
export { singularValueEdge, selectionGainEdge, resolveSignificance, SIGNIFICANCE_RULES, DEFAULT_SIGNIFICANCE_LEVEL } from "./significance.js";
export type { SignificanceOptions, SignificanceRule, NoiseShape } from "./significance.js";
export type { OptimalDelta, OptimalDeltaMethod } from "./optimal-delta.js";
export { projectedDesiredUpdate, bottleneckNorms, bottleneckFromStatistics, tensorN } from "./bottleneck.js";
export type { BottleneckNorms } from "./bottleneck.js";
export { computeNewNeurons, inverseSquareRootPsd } from "./new-neurons.js";
export type { NewNeurons, NewNeuronOptions } from "./new-neurons.js";
export {
  firstOrderImprovement,
  crossTerm,
  exactFirstOrderImprovement,
  exactFirstOrderImprovementSmooth,
  gromoActivationGradientAtZero,
  oneSidedSlopesAtZero,
} from "./first-order.js";
export type { FirstOrderImprovement } from "./first-order.js";
export { computeLayerGrowth } from "./layer-growth.js";
export type { LayerGrowth, LayerGrowthOptions } from "./layer-growth.js";
export { twoLayerForward, extendedForward } from "./extended-forward.js";
export type { TwoLayerParameters, GrowthStep, TwoLayerForward } from "./extended-forward.js";
export { lineSearch, logspace } from "./line-search.js";
export type { LineSearchResult, LineSearchOptions } from "./line-search.js";
export { applyGrowth } from "./apply.js";
export { lossSum, lossSumAndGradient } from "./loss.js";
export type { GrowthLoss, GrowthTargets } from "./loss.js";
export { verifyGoldenCase, recomputeGoldenCase, compareGoldenCase, compareField, formatGoldenReport, DEFAULT_GOLDEN_TOLERANCE } from "./golden.js";
export type { GoldenReport, FieldComparison, GoldenValue } from "./golden.js";
export { parseGoldenCase, GoldenCaseSchema } from "./golden-schema.js";
export type { GoldenCase } from "./golden-schema.js";
export {
  growMlp,
  mlpGrowthStep,
  createGrowingMlp,
  parseGrowthOptions,
  GrowthOptionsSchema,
  UPDATE_MODES,
  type GrowthOptions as MlpGrowthOptions,
  type UpdateMode,
  type MlpGrowthStepResult,
  type GrowMlpData,
  type GrowMlpSetup,
  type GrowMlpSchedule,
} from "./mlp-growth.js";
export * as conv from "./conv/index.js";
