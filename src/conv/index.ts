/**
 * Convolutional layers on NCHW batches stored as (B, C·H·W) matrices: Conv2d (im2col +
 * gemm, growable in its input and output channels), max / average / global average
 * pooling, flatten, and the float64 unfolding Ũ of SPEC-conv-growth §3 (`unfold64`) for
 * the growth statistics.
 */
export {
  convOutputShape, formatShape, im2colShape, imageSize, outputSize, pair, resolveGeometry,
  type Conv2dGeometry, type Conv2dGeometryOptions, type ImageShape, type Pair, type PairLike,
} from "./geometry.js";
export { Conv2d, type Conv2dOptions, type Conv2dWorkspace } from "./conv2d.js";
export { avgPool2d, GlobalAvgPool2d, maxPool2d, Pool2d, type PoolKind, type PoolOptions, type PoolWorkspace } from "./pooling.js";
export { Flatten } from "./flatten.js";
export { fold64, unfold64, type UnfoldOptions } from "./unfold.js";
export { Cnn, type BlockShapes, type ChannelGrowth, type ConvBlock } from "./cnn.js";
export { checkCnnOptions, type CnnOptions, type ConvBlockSpec, type HeadKind, type PoolSpec } from "./cnn-spec.js";
export { CNN_FORMAT, CNN_FORMAT_VERSION, cnnFromJson, cnnToJson, type CnnJson } from "./cnn-json.js";
export { checkImageDataset, createOptimizer, evaluateCnn, trainCnn, type CnnTrainOptions, type OptimizerName } from "./train.js";
export { fixedCnnBaselines, scaledWidths, trainFixedCnn, withWidths, type BaselineCurvePoint, type BaselineOptions, type BaselineResult } from "./baselines.js";
export { BatchNorm2d, type BatchNorm2dOptions, type BatchNormWorkspace } from "./batchnorm2d.js";
