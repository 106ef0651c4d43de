/**
 * 2-D convolution on NCHW batches, as a linear layer applied to unfolded patches
 * (SPEC-conv-growth §3): with U = im2col(x) of shape (C·kh·kw, B·L), L = H'·W', and U_i its
 * columns [i·L, (i+1)·L) (image i's patches),
 *
 *   y_i (O, L) = W♭ (O, C·kh·kw) · U_i + b 1ᵀ        for every image i (y (B, O·L) is NCHW)
 *
 * W♭ is the weight (O, C, kh, kw) flattened as `W.reshape(O, -1)` (column c·kh·kw + u·kw + v),
 * held by a `Linear` so that growth (new output rows, new input columns), parameters and
 * their gradients behave as for fully connected layers. Backward (adds, as every nn layer):
 *
 *   dW♭ += Σ_i dY_i · U_iᵀ      db += Σ_i dY_i · 1      dX += col2im([W♭ᵀ · dY_i]_i)
 *
 * y, dW♭ and db are one kernels.gemmBatch call each over the images (U_i is a column block of
 * U, y_i and dY_i are contiguous blocks of the NCHW batch), so no NCHW ↔ channel-major
 * transpose is needed (the transposes were 6% of a training epoch; per-image products of a
 * layer with few input channels are also faster than one long (O, B·L) product: measured on
 * the bench CNN's first layer, 0.26 against 0.69 ms per batch). dX goes image by image.
 *
 * All buffers of a batch size live in a `Conv2dWorkspace` (allocated once per batch size by
 * the caller, e.g. the Cnn container); forward and backward allocate nothing. After a
 * forward, `workspace.cols` holds U of that batch (the growth statistics read it).
 */
import { ShapeError } from "../errors.js";
import type { GemmOptions, Im2colShape, Kernels, MatrixBatch } from "../kernels/kernels.js";
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

/** A MatrixBatch whose array is set before each use (the layer's and the batch's arrays change). */
type Batch<T extends FloatArray> = { -readonly [K in keyof MatrixBatch<T>]: MatrixBatch<T>[K] };

/** The buffers of one batch size and input shape (see Conv2d.workspace). */
export interface Conv2dWorkspace<T extends FloatArray> {
  readonly batch: number;
  readonly input: ImageShape;
  readonly output: ImageShape;
  readonly shape: Im2colShape;
  /** U = im2col(x) of the last forward, (C·kh·kw, B·L). */
  readonly cols: Matrix<T>;
  /** The views gemmBatch reads and writes (built once; arrays and offsets set per call). */
  readonly views: {
    /** W♭ or dW♭ (O, C·kh·kw), the same for every image (stride 0). */
    readonly weight: Batch<T>;
    /** U_i (C·kh·kw, L): column blocks of cols. */
    readonly cols: MatrixBatch<T>;
    /** y_i or dY_i (O, L): the images of an NCHW batch. */
    readonly image: Batch<T>;
    /** (L, 1) of ones, every image: db += dY_i · 1. */
    readonly ones: MatrixBatch<T>;
    /** The same ones as (1, L): y_i = b 1ᵀ. */
    readonly onesRow: MatrixBatch<T>;
    /** b or db (O, 1), every image (stride 0). */
    readonly bias: Batch<T>;
  };
  /** dX one image at a time: W♭ᵀ dY_i (C·kh·kw, L) stays in cache for col2im. */
  readonly dxImage: {
    /** The geometry of one image. */
    readonly shape: Im2colShape;
    readonly dCols: Matrix<T>;
    readonly view: MatrixBatch<T>;
    /** dX's images as subarrays, cached for the dX array they were cut from. */
    images: T[];
    of: T | null;
  };
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
    const L = output.height * output.width;
    const N = batch * L;
    const D = this.linear.inputs;
    const O = this.outChannels;
    const mat = (r: number, c: number) => new Matrix<T>(r, c, newArray(like, r * c));
    const cols = mat(D, N);
    const ones = newArray(like, L).fill(1) as T;
    const views = {
      weight: { data: this.linear.weight.data, offset: 0, rows: O, cols: D, ld: Math.max(1, D), stride: 0 },
      cols: { data: cols.data, offset: 0, rows: D, cols: L, ld: Math.max(1, N), stride: L },
      image: { data: cols.data, offset: 0, rows: O, cols: L, ld: Math.max(1, L), stride: O * L },
      ones: { data: ones, offset: 0, rows: L, cols: 1, ld: 1, stride: 0 },
      onesRow: { data: ones, offset: 0, rows: 1, cols: L, ld: Math.max(1, L), stride: 0 },
      bias: { data: ones, offset: 0, rows: O, cols: 1, ld: 1, stride: 0 },
    };
    const dCols = mat(D, L);
    const view = { data: dCols.data, offset: 0, rows: D, cols: L, ld: Math.max(1, L), stride: 0 };
    const dxImage = { shape: im2colShape(this.name, 1, input, this.geometry), dCols, view, images: [] as T[], of: null as T | null };
    return { batch, input, output, shape, cols, views, dxImage };
  }

  /** True when `ws` still fits this layer (growth changes C or O). */
  fits(ws: Conv2dWorkspace<T>): boolean {
    return ws.cols.rows === this.linear.inputs && ws.views.image.rows === this.outChannels && ws.input.channels === this.channelsIn;
  }

  /** y (B, O·H'·W') = conv(x (B, C·H·W)); y is overwritten. */
  forward(kernels: Kernels, x: Matrix<T>, y: Matrix<T>, ws: Conv2dWorkspace<T>): void {
    this.checkBatch("forward", x, "x", ws.input, ws);
    this.checkBatch("forward", y, "y", ws.output, ws);
    kernels.im2col(x.data, ws.shape, ws.cols);
    const { weight, cols, image } = ws.views;
    weight.data = this.linear.weight.data;
    image.data = y.data;
    const b = this.linear.bias;
    if (b !== null) {
      // y_i starts as b 1ᵀ (a rank-1 product: B·O fills of L values cost more in calls) and
      // gemm adds W♭ U_i to it.
      const { bias, onesRow } = ws.views;
      bias.data = b;
      kernels.gemmBatch(bias, onesRow, image, ws.batch);
      kernels.gemmBatch(weight, cols, image, ws.batch, ACC);
    } else {
      kernels.gemmBatch(weight, cols, image, ws.batch);
    }
  }

  /**
   * Adds dW♭, db and (when dX is not null) dX (B, C·H·W) for dY (B, O·H'·W'), using U from
   * the last forward with `ws`.
   */
  backward(kernels: Kernels, dY: Matrix<T>, dX: Matrix<T> | null, ws: Conv2dWorkspace<T>): void {
    this.checkBatch("backward", dY, "dY", ws.output, ws);
    if (dX !== null) this.checkBatch("backward", dX, "dX", ws.input, ws);
    const { weight, cols, image, ones, bias } = ws.views;
    image.data = dY.data;
    weight.data = this.linear.dWeight.data;
    kernels.gemmBatch(image, cols, weight, ws.batch, ACC_B_T);
    const db = this.linear.dBias;
    if (db !== null) {
      bias.data = db;
      kernels.gemmBatch(image, ones, bias, ws.batch, ACC);
    }
    if (dX !== null) this.backwardInput(kernels, dX.data, ws);
  }

  /**
   * dX += col2im([W♭ᵀ dY_i]_i), image by image: W♭ᵀ dY_i (C·kh·kw, L) is folded while it is
   * still in cache (measured 2–3% of a training epoch faster than one batched product and
   * one col2im over (C·kh·kw, B·L)). ws.views.image holds dY.
   */
  private backwardInput(kernels: Kernels, dx: T, ws: Conv2dWorkspace<T>): void {
    const { weight, image } = ws.views;
    const one = ws.dxImage;
    if (one.of !== dx) {
      const n = imageSize(ws.input);
      one.images = Array.from({ length: ws.batch }, (_, i) => dx.subarray(i * n, (i + 1) * n) as T);
      one.of = dx;
    }
    weight.data = this.linear.weight.data;
    for (let i = 0; i < ws.batch; i++) {
      image.offset = i * image.stride;
      kernels.gemmBatch(weight, image, one.view, 1, A_T);
      kernels.col2im(one.dCols, one.shape, one.images[i]);
    }
    image.offset = 0;
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

  private checkBatch(op: string, m: Matrix<T>, name: string, image: ImageShape, ws: Conv2dWorkspace<T>): void {
    if (!this.fits(ws)) throw new ShapeError(`${this.name}.${op}`, `a workspace for C=${this.channelsIn}, O=${this.outChannels}`, `one for C=${ws.input.channels}, O=${ws.views.image.rows} (rebuild it after growth)`);
    if (m.rows !== ws.batch || m.cols !== imageSize(image)) {
      throw new ShapeError(`${this.name}.${op}`, `${name} of shape (B, C·H·W) = (${ws.batch}, ${imageSize(image)}) for images ${formatShape(image)}`, `${name} ${m.shape}`);
    }
  }
}
