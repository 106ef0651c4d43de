/**
 * Element-wise activations for the nn layers, DAG and growth code. The math (PyTorch's
 * definitions, constants, float32 fast paths) lives in the portable kernels
 * (src/kernels/portable/activation.ts), which define the semantics; the native kernels
 * implement the same through `kernels.activationForward/activationBackward`, which is what
 * the hot paths (Mlp) call. These exports are the portable functions themselves:
 *   activationForward(name, pre (B, N), post (B, N))            post = σ(pre), may be in place
 *   activationBackward(name, pre, post, dPost, dPre)              dPre += σ'(pre) ⊙ dPost
 *   activationValue(name, x), activationSlopeAtZero(name)         scalar float64 math
 */
export { ACTIVATION_NAMES, isActivationName, type ActivationName } from "../../kernels/kernels.js";
export {
  activationBackward,
  activationForward,
  activationSlopeAtZero,
  activationValue,
  expm1NonPositive32,
  SELU_ALPHA,
  SELU_SCALE,
  SOFTPLUS_THRESHOLD,
} from "../../kernels/portable/activation.js";
