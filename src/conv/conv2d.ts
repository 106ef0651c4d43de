/**
 * 2-D convolution on NCHW batches, as a linear layer applied to unfolded patches
 * (SPEC-conv-growth §3): with U = im2col(x) of shape (C·kh·kw, B·L), L = H'·W',
 *
 *   Y_cm (O, B·L) = W♭ (O, C·kh·kw) · U + b 1ᵀ        y (B, O·H'·W') = Y_cm with its (O, B) blocks
 *                                                     of L values transposed (kernels.transposeBlocks)
 *
 * W♭ is the weight (O, C, kh, kw) flattened as `W.reshape(O, -1)` (column c·kh·kw + u·kw + v),
 * held by a `Linear` so that growth (new output rows, new input columns), parameters and
 * their gradients behave as for fully connected layers. Backward (adds, as every nn layer):
 *
 *   dW♭ += dY_cm · Uᵀ      db += dY_cm · 1      dX += col2im(W♭ᵀ · dY_cm)
 *
 * All buffers of a batch size live in a `Conv2dWorkspace` (allocated once per batch size by
 * the caller, e.g. the Cnn container); forward and backward allocate nothing. After a
 * forward, `workspace.cols` holds U of that batch (the growth statistics read it).
 */
import { ShapeError } from "../errors.js";
import type { GemmOptions, Im2colShape, Kernels } from "../kernels/kernels.js";
import { Linear } from "../nn/layers/linear.js";
import type { Param } from "../nn/param.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import {
  convOutputShape, formatShape, im2colShape, imageSize, resolveGeometry, type Conv2dGeometry, type Conv2dGeometryOptions, type ImageShape,
} from "./geometry.js";

const ACC: GemmOptions = Object.freeze({ beta: 1 });
const ACC_B_T: GemmOptions = Object.freeze({ transB: true, beta: 1 });
const A_T: GemmOptions = Object.freeze({ transA: true });

export interface Conv2dOptions extends Conv2dGeometryOptions {
  inChannels: number;
  outChannels: number;
  /** Default true. */
  bias?: boolean;
  /** For messages and parameter names; default "conv". */
  name?: string;
}

/** The buffers of one batch size and input shape (see Conv2d.workspace). */
export interface Conv2dWorkspace<T extends FloatArray> {
  readonly batch: number;
  readonly input: ImageShape;
  readonly output: ImageShape;
  readonly shape: Im2colShape;
  /** U = im2col(x) of the last forward, (C·kh·kw, B·L). */
  readonly cols: Matrix<T>;
  /** Y_cm (O, B·L), then dY_cm in backward. */
  readonly channelMajor: Matrix<T>;
  /** W♭ᵀ · dY_cm (C·kh·kw, B·L). */
  readonly dCols: Matrix<T>;
  /** (B·L, 1) of ones: db += dY_cm · 1 as one gemm. */
  readonly ones: Matrix<T>;
}

function newArray<T extends FloatArray>(like: T, n: number): T {
  const Ctor = like.constructor as new (n: number) => T;
  return new Ctor(n);
}

export class Conv2d<T extends FloatArray = Float32Array> {
  readonly name: string;
  readonly geometry: Conv2dGeometry;
  /** W♭ (O, C·kh·kw) and b (O), with their gradients and Params. */
  readonly linear: Linear<T>;
  private channelsIn: number;
  private dBiasColumn: Matrix<T> | null = null;

  /**
   * Takes ownership of `weight` W♭ (O, C·kh·kw) and `bias` (O) (no copy). `geometry` comes
   * from `resolveGeometry`.
   */
  constructor(inChannels: number, weight: Matrix<T>, bias: T | null, geometry: Conv2dGeometry, name = "conv") {
    const taps = geometry.kernel[0] * geometry.kernel[1];
    if (!Number.isInteger(inChannels) || inChannels < 0 || weight.cols !== inChannels * taps) {
      throw new ShapeError(name, `a weight of shape (O, C·kh·kw) = (O, ${inChannels}·${taps})`, `weight ${weight.shape}`);
    }
    this.name = name;
    this.geometry = geometry;
    this.channelsIn = inChannels;
    this.linear = new Linear(weight, bias, name);
  }

  /** A zero-initialised float32 layer. */
  static zeros32(options: Conv2dOptions): Conv2d<Float32Array> {
    return Conv2d.zeros(options, (n) => new Float32Array(n));
  }

  /** A zero-initialised float64 layer (finite-difference checks, reference math). */
  static zeros64(options: Conv2dOptions): Conv2d<Float64Array> {
    return Conv2d.zeros(options, (n) => new Float64Array(n));
  }

  private static zeros<U extends FloatArray>(options: Conv2dOptions, make: (n: number) => U): Conv2d<U> {
    const name = options.name ?? "conv";
    const geometry = resolveGeometry(name, options);
    const { inChannels: C, outChannels: O } = options;
    for (const [field, v] of [["inChannels", C], ["outChannels", O]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ShapeError(name, `${field} a non-negative integer`, String(v));
    }
    const D = C * geometry.kernel[0] * geometry.kernel[1];
    return new Conv2d(C, new Matrix(O, D, make(O * D)), options.bias === false ? null : make(O), geometry, name);
  }

  get inChannels(): number {
    return this.channelsIn;
  }

  get outChannels(): number {
    return this.linear.outputs;
  }

  /** kh·kw. */
  get taps(): number {
    return this.geometry.kernel[0] * this.geometry.kernel[1];
  }

  /** W♭ (O, C·kh·kw). */
  get weight(): Matrix<T> {
    return this.linear.weight;
  }

  get bias(): T | null {
    return this.linear.bias;
  }

  get dWeight(): Matrix<T> {
    return this.linear.dWeight;
  }

  get dBias(): T | null {
    return this.linear.dBias;
  }

  params(): Param<T>[] {
    return this.linear.params();
  }

  /**
   * PyTorch's Conv2d default: W and b ~ U(−1/√fanIn, 1/√fanIn), fanIn = C·kh·kw
   * (kaiming_uniform with a = √5).
   */
  initPytorchDefault(rng: Rng): void {
    const fanIn = this.linear.inputs;
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    rng.fillUniform(this.linear.weight.data, -bound, bound);
    if (this.linear.bias !== null) rng.fillUniform(this.linear.bias, -bound, bound);
  }

  /**
   * (O, H', W') for `input`. ShapeError naming the layer when input.channels is not C or
   * the dilated kernel is larger than the padded input.
   */
  outputShape(input: ImageShape): ImageShape {
    if (input.channels !== this.channelsIn) {
      throw new ShapeError(this.name, `an input with C=${this.channelsIn} channels`, `input ${formatShape(input)}`);
    }
    return convOutputShape(this.name, this.geometry, input, this.outChannels);
  }

  /** Allocates the buffers for batches of `batch` images of shape `input`. */
  workspace(batch: number, input: ImageShape, like: T): Conv2dWorkspace<T> {
    const output = this.outputShape(input);
    const shape = im2colShape(this.name, batch, input, this.geometry);
    const N = batch * output.height * output.width;
    const D = this.linear.inputs;
    const mat = (r: number, c: number) => new Matrix<T>(r, c, newArray(like, r * c));
    const ones = mat(N, 1);
    ones.data.fill(1);
    return { batch, input, output, shape, cols: mat(D, N), channelMajor: mat(this.outChannels, N), dCols: mat(D, N), ones };
  }

  /** True when `ws` still fits this layer (growth changes C or O). */
  fits(ws: Conv2dWorkspace<T>): boolean {
    return ws.cols.rows === this.linear.inputs && ws.channelMajor.rows === this.outChannels && ws.input.channels === this.channelsIn;
  }

  /** y (B, O·H'·W') = conv(x (B, C·H·W)); y is overwritten. */
  forward(kernels: Kernels, x: Matrix<T>, y: Matrix<T>, ws: Conv2dWorkspace<T>): void {
    this.checkBatch("forward", x, "x", ws.input, ws);
    this.checkBatch("forward", y, "y", ws.output, ws);
    kernels.im2col(x.data, ws.shape, ws.cols);
    const ycm = ws.channelMajor;
    const b = this.linear.bias;
    if (b !== null) {
      // Y_cm starts as b 1ᵀ and gemm adds W♭ U to it.
      const N = ycm.cols;
      for (let o = 0; o < b.length; o++) ycm.data.fill(b[o], o * N, (o + 1) * N);
      kernels.gemm(this.linear.weight, ws.cols, ycm, ACC);
    } else {
      kernels.gemm(this.linear.weight, ws.cols, ycm);
    }
    kernels.transposeBlocks(ycm.data, ycm.rows, ws.batch, ws.output.height * ws.output.width, y.data);
  }

  /**
   * Adds dW♭, db and (when dX is not null) dX (B, C·H·W) for dY (B, O·H'·W'), using U from
   * the last forward with `ws`.
   */
  backward(kernels: Kernels, dY: Matrix<T>, dX: Matrix<T> | null, ws: Conv2dWorkspace<T>): void {
    this.checkBatch("backward", dY, "dY", ws.output, ws);
    if (dX !== null) this.checkBatch("backward", dX, "dX", ws.input, ws);
    const dcm = ws.channelMajor;
    kernels.transposeBlocks(dY.data, ws.batch, dcm.rows, ws.output.height * ws.output.width, dcm.data);
    kernels.gemm(dcm, ws.cols, this.linear.dWeight, ACC_B_T);
    const db = this.linear.dBias;
    if (db !== null) kernels.gemm(dcm, ws.ones, this.biasColumn(db), ACC);
    if (dX !== null) {
      kernels.gemm(this.linear.weight, dcm, ws.dCols, A_T);
      kernels.col2im(ws.dCols, ws.shape, dX.data);
    }
  }

  /**
   * Growth: appends K output channels. `weightK` (K, C·kh·kw) holds their kernels flattened
   * like W♭'s rows; `biasK` (K) is required when the layer has a bias (null means zeros) and
   * must be null otherwise. Old gradients are kept, the new entries are zero; the Param
   * objects stay the same with new arrays (optimizers reset their state: see Optimizer).
   */
  addOutputChannels(weightK: Matrix<T>, biasK: T | null): void {
    if (weightK.cols !== this.linear.inputs) {
      throw new ShapeError(`${this.name}.addOutputChannels`, `weightK of shape (K, C·kh·kw) = (K, ${this.linear.inputs})`, `weightK ${weightK.shape}`);
    }
    this.linear.appendOutputs(weightK, biasK);
  }

  /**
   * Growth: appends K input channels (for K new output channels of the layer feeding this
   * one). `weightK` (O, K·kh·kw): row o holds the kernels (K, kh, kw) flattened, i.e.
   * W[o, C + k, u, v] = weightK[o, k·kh·kw + u·kw + v]. Channels are the slowest index of
   * W♭'s columns, so they append as new last columns of every row.
   */
  addInputChannels(weightK: Matrix<T>): void {
    const taps = this.taps;
    if (weightK.rows !== this.outChannels || weightK.cols % taps !== 0) {
      throw new ShapeError(`${this.name}.addInputChannels`, `weightK of shape (O, K·kh·kw) = (${this.outChannels}, K·${taps})`, `weightK ${weightK.shape}`);
    }
    this.linear.appendInputs(weightK);
    this.channelsIn += weightK.cols / taps;
  }

  /** db as an (O, 1) matrix, cached while the array stays the same (growth replaces it). */
  private biasColumn(db: T): Matrix<T> {
    if (this.dBiasColumn === null || this.dBiasColumn.data !== db) this.dBiasColumn = new Matrix(db.length, 1, db);
    return this.dBiasColumn;
  }

  private checkBatch(op: string, m: Matrix<T>, name: string, image: ImageShape, ws: Conv2dWorkspace<T>): void {
    if (!this.fits(ws)) throw new ShapeError(`${this.name}.${op}`, `a workspace for C=${this.channelsIn}, O=${this.outChannels}`, `one for C=${ws.input.channels}, O=${ws.channelMajor.rows} (rebuild it after growth)`);
    if (m.rows !== ws.batch || m.cols !== imageSize(image)) {
      throw new ShapeError(`${this.name}.${op}`, `${name} of shape (B, C·H·W) = (${ws.batch}, ${imageSize(image)}) for images ${formatShape(image)}`, `${name} ${m.shape}`);
    }
  }
}
