/** What the training loop needs from a model (an Mlp here; a DAG model later). */
import type { Kernels } from "../kernels/kernels.js";
import type { FloatArray, Matrix } from "../tensor/matrix.js";
import type { Param } from "./param.js";

export interface Model<T extends FloatArray = Float32Array> {
  /** Output (B, O) for input x (B, I); the returned matrix is owned by the model and reused. */
  forward(kernels: Kernels, x: Matrix<T>): Matrix<T>;
  /** Adds the parameter gradients for dLoss/dOutput (B, O) of the last forward pass. */
  backward(kernels: Kernels, dOut: Matrix<T>): void;
  /** The trainable parameters (stable objects). */
  params(): Param<T>[];
}
