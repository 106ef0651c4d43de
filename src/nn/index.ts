/** The nn package: layers, losses, optimizers, the sequential MLP and the training loop. */
export { Linear } from "./layers/linear.js";
export {
  ACTIVATION_NAMES,
  activationBackward,
  activationForward,
  activationSlopeAtZero,
  activationValue,
  isActivationName,
  SELU_ALPHA,
  SELU_SCALE,
  SOFTPLUS_THRESHOLD,
  type ActivationName,
} from "./layers/activation.js";
export { erf, erfc } from "../kernels/portable/erf.js";
export { mseLoss, type Reduction } from "./losses/mse.js";
export { argmaxRows, softmaxCrossEntropyLoss } from "./losses/softmax-cross-entropy.js";
export { batchLoss, type LossName, type LossSpec } from "./losses/loss.js";
export { Sgd, type SgdOptions } from "./optim/sgd.js";
export { Adam, type AdamOptions } from "./optim/adam.js";
export type { Optimizer } from "./optim/optimizer.js";
export { checkParam, countParams, zeroGrads, type Param } from "./param.js";
export { initLecunNormal, initLinear, initPytorchDefault, type InitName } from "./init.js";
export { assertGradcheck, compareGradients, gradcheck, numericalGradient, type GradcheckOptions, type GradcheckReport } from "./gradcheck.js";
export { Mlp, type MlpOptions } from "./mlp.js";
export type { Model } from "./model.js";
export { createTrainState, evaluate, train, trainEpoch, type Evaluation, type TrainOptions, type TrainSetup, type TrainState } from "./train.js";
