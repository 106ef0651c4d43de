/**
 * TINY growth of conv pairs (SPEC-conv-growth; choices for every §16 item in
 * docs/conv-growth.md), float64, pure functions over the kernels. Typical use:
 *
 *   const acc = new ConvPairAccumulator(shape);                 // §5, §8.2 / §9.2, per batch: acc.update({ x, b1, g }, kernels)
 *   const growth = computeConvGrowth(acc.read(), { activation: "relu" }, kernels);   // §6–§11
 *   const q = new QuadraticTermAccumulator(growth.step, geometry);  // D8: q.update(x, kernels) per batch
 *   const score = comparableImprovement(growth.delta!.decrease, growth.neurons.singularValues, q.read());
 *   const { gammaStar } = lineSearch((γ) => heldOutLoss(convExtendedForward(params, growth.step, geometry, xDev, γ, kernels)));
 *   const grown = applyConvGrowth(params, growth.step, gammaStar);  // §14
 */
export { convOutputSize, tapTable, centreIndex, centreTap, checkGeometry, nchw64, taps } from "./geometry.js";
export type { ConvGeometry, Nchw64, Pair } from "./geometry.js";
export { patchColumns, channelColumns, columnsToNchw, tapColumns, centreColumns, poolColumns, Scratch } from "./patches.js";
export { pool64, poolPlanes, pooledSize } from "./pool.js";
export type { PoolSpec } from "./pool.js";
export { ConvPairAccumulator, convPairDims, asLayerPairStatistics } from "./statistics.js";
export type { ConvPairShape, ConvPairBatch, ConvPairStatistics, ConvPairDims, ConvVariant, RestrictedSGrowth } from "./statistics.js";
export { computeConvGrowth, expandDeltaForTaps, omegaKernels } from "./conv-growth.js";
export type { ConvGrowth, ConvGrowthOptions, ConvGrowthPath } from "./conv-growth.js";
export { comparableImprovement, linearisedNewChannels, QuadraticTermAccumulator } from "./comparable.js";
export type { ComparableImprovement } from "./comparable.js";
export { conv2d64, activate64, convPairForward, convExtendedForward, extendedForwardOf, extensionActivity, applyConvGrowth } from "./conv-forward.js";
export type { ConvPairParameters, ConvPairGeometry, ConvGrowthStep, ConvPairForward } from "./conv-forward.js";
export { linearHeadPair, logitsAsMap } from "./linear-head.js";
export type { LinearHeadKind, LinearHeadPairSpec } from "./linear-head.js";
export { convHeadLoss, globalAveragePool } from "./head-loss.js";
export type { ConvHeadLoss, ConvTargets } from "./head-loss.js";
export { recomputeConvGoldenCase } from "./golden-conv.js";
export { parseConvGoldenCase, isConvGoldenJson, ConvGoldenCaseSchema } from "./golden-conv-schema.js";
export type { ConvGoldenCase, TensorNd } from "./golden-conv-schema.js";
export { SignFlipResidualAccumulator, signFlipEdge, checkConvSignificance, edgeRank, CONV_SIGNIFICANCE_RULES, DEFAULT_SIGN_FLIPS } from "./significance.js";
export type { ConvSignificance, ConvSignificanceRule, SignFlipEdge } from "./significance.js";
