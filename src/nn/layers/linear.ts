/**
 * Fully connected layer y = x Wᵀ + b. Letters: B batch, I fan-in, O fan-out, K new units.
 *
 * Convention for every layer in nn/: backward *adds* into its gradient buffers (dW, db and
 * dX), as in llm.c, so a tensor read by several consumers needs no special case; zeroing
 * is explicit (Optimizer.zeroGrad / zeroGrads).
 */
import { ShapeError } from "../../errors.js";
import type { GemmOptions, Kernels } from "../../kernels/kernels.js";
import { Matrix, zerosLike, type FloatArray } from "../../tensor/matrix.js";
import type { Param } from "../param.js";

// gemm options as constants: nothing is allocated per call.
const X_WT: GemmOptions = Object.freeze({ transB: true });
const ACC_DYT_X: GemmOptions = Object.freeze({ transA: true, beta: 1 });
const ACC_DY_W: GemmOptions = Object.freeze({ beta: 1 });

function newArray<T extends FloatArray>(like: T, n: number): T {
  const Ctor = like.constructor as new (n: number) => T;
  return new Ctor(n);
}

export class Linear<T extends FloatArray = Float32Array> {
  /** (O, I). */
  weight: Matrix<T>;
  /** (O), or null for a layer without bias. */
  bias: T | null;
  /** (O, I), dLoss/dW. */
  dWeight: Matrix<T>;
  /** (O), dLoss/db (null when there is no bias). */
  dBias: T | null;
  /** Stable Param objects (their arrays are swapped when growth resizes the layer). */
  readonly weightParam: Param<T>;
  readonly biasParam: Param<T> | null;

  /** Takes ownership of `weight` (O, I) and `bias` (O) (no copy); gradients start at zero. */
  constructor(weight: Matrix<T>, bias: T | null, name = "linear") {
    if (bias !== null && bias.length !== weight.rows) {
      throw new ShapeError("Linear", `bias of length O=${weight.rows} for weight ${weight.shape}`, `length ${bias.length}`);
    }
    this.weight = weight;
    this.bias = bias;
    this.dWeight = zerosLike(weight);
    this.dBias = bias === null ? null : newArray(bias, bias.length);
    this.weightParam = { value: weight.data, grad: this.dWeight.data, name: `${name}.weight` };
    this.biasParam = bias === null ? null : { value: bias, grad: this.dBias as T, name: `${name}.bias` };
  }

  /** A zero-initialised float32 layer (I → O). */
  static zeros32(inputs: number, outputs: number, withBias: boolean, name?: string): Linear<Float32Array> {
    return new Linear(new Matrix(outputs, inputs, new Float32Array(outputs * inputs)), withBias ? new Float32Array(outputs) : null, name);
  }

  /** A zero-initialised float64 layer (I → O) (finite-difference checks, reference math). */
  static zeros64(inputs: number, outputs: number, withBias: boolean, name?: string): Linear<Float64Array> {
    return new Linear(new Matrix(outputs, inputs, new Float64Array(outputs * inputs)), withBias ? new Float64Array(outputs) : null, name);
  }

  get inputs(): number {
    return this.weight.cols;
  }

  get outputs(): number {
    return this.weight.rows;
  }

  /** [weight, bias?], the same objects on every call. */
  params(): Param<T>[] {
    return this.biasParam === null ? [this.weightParam] : [this.weightParam, this.biasParam];
  }

  /** y (B, O) = x (B, I) Wᵀ + b (y is overwritten). */
  forward(kernels: Kernels, x: Matrix<T>, y: Matrix<T>): void {
    const O = this.weight.rows;
    if (x.cols !== this.weight.cols) throw new ShapeError("Linear.forward", `x of shape (B, ${this.weight.cols})`, `x ${x.shape}`);
    if (y.rows !== x.rows || y.cols !== O) throw new ShapeError("Linear.forward", `y of shape (${x.rows}, ${O})`, `y ${y.shape}`);
    kernels.gemm(x, this.weight, y, X_WT);
    if (this.bias !== null) kernels.addRowVector(y, this.bias);
  }

  /**
   * Adds the gradients of y = x Wᵀ + b given dY (B, O):
   *   dW (O, I) += dYᵀ x,   db (O) += Σ_rows dY,   dX (B, I) += dY W   (skipped when dX is null).
   */
  backward(kernels: Kernels, x: Matrix<T>, dY: Matrix<T>, dX: Matrix<T> | null): void {
    const O = this.weight.rows;
    const I = this.weight.cols;
    if (x.cols !== I) throw new ShapeError("Linear.backward", `x of shape (B, ${I})`, `x ${x.shape}`);
    if (dY.rows !== x.rows || dY.cols !== O) throw new ShapeError("Linear.backward", `dY of shape (${x.rows}, ${O})`, `dY ${dY.shape}`);
    if (dX !== null && (dX.rows !== x.rows || dX.cols !== I)) {
      throw new ShapeError("Linear.backward", `dX of shape (${x.rows}, ${I})`, `dX ${dX.shape}`);
    }
    kernels.gemm(dY, x, this.dWeight, ACC_DYT_X);
    if (this.dBias !== null) kernels.addColumnSums(dY, this.dBias);
    if (dX !== null) kernels.gemm(dY, this.weight, dX, ACC_DY_W);
  }

  /**
   * Growth: appends K output units (new last rows of W and entries of b). `rowsW` (K, I);
   * `biasK` (K) is required when the layer has a bias (null means zeros) and must be null
   * otherwise. Weights and gradient buffers are replaced (old gradient values are kept, the
   * new entries are zero); the Param objects stay the same, with new arrays.
   */
  appendOutputs(rowsW: Matrix<T>, biasK: T | null): void {
    const op = "Linear.appendOutputs";
    const O = this.weight.rows;
    const I = this.weight.cols;
    const K = rowsW.rows;
    if (rowsW.cols !== I) throw new ShapeError(op, `rowsW of shape (K, ${I})`, `rowsW ${rowsW.shape}`);
    if (this.bias === null && biasK !== null) throw new ShapeError(op, "no biasK (the layer has no bias)", `biasK of length ${biasK.length}`);
    if (biasK !== null && biasK.length !== K) throw new ShapeError(op, `biasK of length K=${K}`, `length ${biasK.length}`);
    const w = zerosLike(this.weight, O + K, I);
    w.data.set(this.weight.data);
    w.data.set(rowsW.data, O * I);
    const dw = zerosLike(this.weight, O + K, I);
    dw.data.set(this.dWeight.data);
    this.setWeight(w, dw);
    if (this.bias !== null && this.dBias !== null && this.biasParam !== null) {
      const b = newArray(this.bias, O + K);
      b.set(this.bias);
      if (biasK !== null) b.set(biasK, O);
      const db = newArray(this.bias, O + K);
      db.set(this.dBias);
      this.bias = b;
      this.dBias = db;
      this.biasParam.value = b;
      this.biasParam.grad = db;
    }
  }

  /**
   * Growth: appends K input columns (for K new units of the layer feeding this one).
   * `colsW` (O, K). Weight and dWeight are replaced (old gradient kept, new entries zero).
   */
  appendInputs(colsW: Matrix<T>): void {
    const O = this.weight.rows;
    const I = this.weight.cols;
    const K = colsW.cols;
    if (colsW.rows !== O) throw new ShapeError("Linear.appendInputs", `colsW of shape (${O}, K)`, `colsW ${colsW.shape}`);
    const w = zerosLike(this.weight, O, I + K);
    const dw = zerosLike(this.weight, O, I + K);
    const src = this.weight.data;
    const dsrc = this.dWeight.data;
    const add = colsW.data;
    for (let o = 0; o < O; o++) {
      w.data.set(src.subarray(o * I, (o + 1) * I), o * (I + K));
      w.data.set(add.subarray(o * K, (o + 1) * K), o * (I + K) + I);
      dw.data.set(dsrc.subarray(o * I, (o + 1) * I), o * (I + K));
    }
    this.setWeight(w, dw);
  }

  private setWeight(w: Matrix<T>, dw: Matrix<T>): void {
    this.weight = w;
    this.dWeight = dw;
    this.weightParam.value = w.data;
    this.weightParam.grad = dw.data;
  }
}
