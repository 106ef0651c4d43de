/**
 * A sequential CNN: conv blocks (Conv2d → optional BatchNorm2d → σ → optional pooling), then
 * flatten or global average pooling (GAP), then a linear head. Block l maps its input
 * h_l (B, C_l·H_l·W_l) to
 *
 *   Z_l = conv_l(h_l) (B, O_l·H'_l·W'_l) (then BN_l(·) when the block has batch norm),
 *   post_l = σ(Z_l),   h_{l+1} = pool_l(post_l) (or post_l)
 *
 * and the head computes logits (B, outputs) = feat · Wᵀ + b with feat = h_L (flatten: the
 * NCHW matrix itself, features in (c, h, w) order) or GAP(h_L) (B, O_{L−1}).
 *
 * Buffers are cached per batch size (allocated the first time a B is seen, rebuilt after
 * growth changes a width), so training allocates nothing per batch. After forward and
 * backward, the growth code reads, for each block, `blockInput(l)`, `unfoldedInput(l)` (U of
 * h_l, as conv_l unfolded it), `preActivation(l)`, `preActivationGrad(l)` and
 * `postActivation(l)`, and grows with `addChannels`.
 */
import { ShapeError } from "../errors.js";
import type { ActivationName, Kernels } from "../kernels/kernels.js";
import { Linear } from "../nn/layers/linear.js";
import { initPytorchDefault } from "../nn/init.js";
import type { Model } from "../nn/model.js";
import type { Optimizer } from "../nn/optim/optimizer.js";
import type { Param } from "../nn/param.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { checkCnnOptions, type CnnOptions, type HeadKind } from "./cnn-spec.js";
import { allocateCnnBuffers, isReluMaxPool, type CnnBuffers } from "./cnn-buffers.js";
import { Conv2d, type Conv2dOptions } from "./conv2d.js";
import { formatShape, imageSize, type ImageShape } from "./geometry.js";
import { GlobalAvgPool2d, Pool2d, type PoolWorkspace } from "./pooling.js";
import { BatchNorm2d, type BatchNormWorkspace } from "./batchnorm2d.js";

export interface ConvBlock<T extends FloatArray> {
  readonly conv: Conv2d<T>;
  readonly pool: Pool2d | null;
  /** Batch norm between the conv and σ (grows with the conv's output channels), or null. */
  readonly bn: BatchNorm2d<T> | null;
}

/** The image shapes through block l, for the current widths. */
export interface BlockShapes {
  /** h_l. */
  input: ImageShape;
  /** Z_l and post_l. */
  conv: ImageShape;
  /** h_{l+1} (= conv without pooling). */
  output: ImageShape;
}

/** New channels for block l (see Cnn.addChannels). */
export interface ChannelGrowth<T extends FloatArray> {
  /** (K, C_l·kh·kw): the kernels of conv l's new output channels. */
  weight: Matrix<T>;
  /** (K); null means zeros (and must be null when conv l has no bias). */
  bias: T | null;
  /**
   * The consumer's weights on the new channels; null means zeros (function-preserving):
   * conv l+1: (O_{l+1}, K·kh·kw) (see Conv2d.addInputChannels); the head after flatten:
   * (outputs, K·H·W) (channel-major, as flatten orders features); the head after GAP: (outputs, K).
   */
  next: Matrix<T> | null;
}

export class Cnn<T extends FloatArray = Float32Array> implements Model<T> {
  readonly input: ImageShape;
  readonly blocks: ConvBlock<T>[];
  readonly head: Linear<T>;
  readonly headKind: HeadKind;
  readonly activation: ActivationName;
  private readonly gap = new GlobalAvgPool2d("head.gap");
  private readonly cache = new Map<number, CnnBuffers<T>>();
  private last: CnnBuffers<T> | null = null;
  private lastX: Matrix<T> | null = null;

  /** Assembles given layers; throws a ShapeError naming the first layer whose shapes do not chain. */
  constructor(input: ImageShape, blocks: ConvBlock<T>[], head: Linear<T>, headKind: HeadKind, activation: ActivationName) {
    if (blocks.length === 0) throw new ShapeError("cnn", "at least one conv block", "0 blocks");
    this.input = Object.freeze({ ...input });
    this.blocks = blocks;
    this.head = head;
    this.headKind = headKind;
    this.activation = activation;
    this.shapes(); // validates the chain
  }

  static create(options: CnnOptions, rng: Rng): Cnn<Float32Array> {
    return Cnn.build(options, rng, (n) => new Float32Array(n), (o) => Conv2d.zeros32(o));
  }

  /** The same in float64 (finite-difference checks, reference computations). */
  static create64(options: CnnOptions, rng: Rng): Cnn<Float64Array> {
    return Cnn.build(options, rng, (n) => new Float64Array(n), (o) => Conv2d.zeros64(o));
  }

  /** PyTorch's default initialisation of every layer, drawn in order from `rng`. */
  private static build<U extends FloatArray>(options: CnnOptions, rng: Rng, make: (n: number) => U, zeros: (o: Conv2dOptions) => Conv2d<U>): Cnn<U> {
    checkCnnOptions(options);
    let shape = options.input;
    const blocks: ConvBlock<U>[] = options.blocks.map((b, l) => {
      const conv = zeros({ inChannels: shape.channels, outChannels: b.channels, kernel: b.kernel ?? 3, stride: b.stride, padding: b.padding, dilation: b.dilation, bias: b.bias, name: `blocks.${l}.conv` });
      conv.initPytorchDefault(rng);
      const pool = b.pool ? new Pool2d(b.pool.kind, { kernel: b.pool.kernel, stride: b.pool.stride, padding: b.pool.padding, name: `blocks.${l}.pool` }) : null;
      const bn = b.batchNorm ? new BatchNorm2d(b.channels, make(0), { name: `blocks.${l}.bn` }) : null;
      shape = conv.outputShape(shape);
      if (pool !== null) shape = pool.outputShape(shape);
      return { conv, pool, bn };
    });
    const head = options.head ?? "flatten";
    const features = head === "gap" ? shape.channels : imageSize(shape);
    const O = options.outputs;
    const linear = new Linear(new Matrix(O, features, make(O * features)), options.headBias === false ? null : make(O), "head");
    initPytorchDefault(linear, rng);
    return new Cnn(options.input, blocks, linear, head, options.activation ?? "relu");
  }

  get outputs(): number {
    return this.head.outputs;
  }

  /** Output channels of every block. */
  get widths(): number[] {
    return this.blocks.map((b) => b.conv.outChannels);
  }

  params(): Param<T>[] {
    return [...this.blocks.flatMap((b) => (b.bn === null ? b.conv.params() : [...b.conv.params(), ...b.bn.params()])), ...this.head.params()];
  }

  /** Training mode (batch statistics in batch norm) or eval mode (running statistics); no-op without batch norm. */
  setTraining(training: boolean): void {
    for (const b of this.blocks) if (b.bn !== null) b.bn.training = training;
  }

  /** Image shapes through every block (ShapeError naming the layer that does not fit). */
  shapes(): BlockShapes[] {
    let shape: ImageShape = this.input;
    const out = this.blocks.map(({ conv, pool }) => {
      const input = shape;
      const c = conv.outputShape(input);
      shape = pool === null ? c : pool.outputShape(c);
      return { input, conv: c, output: shape };
    });
    const features = this.headKind === "gap" ? shape.channels : imageSize(shape);
    if (this.head.inputs !== features) {
      throw new ShapeError("head", `${features} inputs (${this.headKind === "gap" ? `GAP of ${formatShape(shape)}` : `flatten of ${formatShape(shape)}`})`, `${this.head.inputs}`);
    }
    return out;
  }

  /** Logits (B, outputs) for images x (B, C·H·W); the returned buffer is reused by the next forward with this B. */
  forward(kernels: Kernels, x: Matrix<T>): Matrix<T> {
    if (x.cols !== imageSize(this.input)) {
      throw new ShapeError("cnn.forward", `images of shape (B, C·H·W) = (B, ${imageSize(this.input)}) for the network's input ${formatShape(this.input)}`, `x ${x.shape}`);
    }
    const buf = this.buffers(x.rows, x.data);
    let h = x;
    for (let l = 0; l < this.blocks.length; l++) {
      const { conv, pool, bn } = this.blocks[l];
      const bb = buf.blocks[l];
      conv.forward(kernels, h, bb.convOut, bb.conv);
      if (bn !== null) bn.forward(bb.convOut, bb.pre, bb.bn as BatchNormWorkspace<T>);
      kernels.activationForward(this.activation, bb.pre, bb.post);
      if (pool !== null) pool.forward(kernels, bb.post, bb.out, bb.pool as PoolWorkspace);
      h = bb.out;
    }
    if (this.headKind === "gap") this.gap.forward(h, this.lastShape(buf), buf.feat);
    this.head.forward(kernels, buf.feat, buf.logits);
    this.last = buf;
    this.lastX = x;
    return buf.logits;
  }

  /** Adds every parameter's gradient for dOut (B, outputs) of the last forward; dX (B, C·H·W), when given, gets dLoss/dx added. */
  backward(kernels: Kernels, dOut: Matrix<T>, dX: Matrix<T> | null = null): void {
    const buf = this.last;
    if (buf === null) throw new ShapeError("cnn.backward", "a forward pass first", "no forward pass");
    if (dOut.rows !== buf.logits.rows || dOut.cols !== buf.logits.cols) throw new ShapeError("cnn.backward", `dOut of shape ${buf.logits.shape} (last forward)`, `dOut ${dOut.shape}`);
    const L = this.blocks.length;
    buf.dFeat.data.fill(0);
    this.head.backward(kernels, buf.feat, dOut, buf.dFeat);
    const lastOut = buf.blocks[L - 1].dOut;
    if (this.headKind === "gap") {
      lastOut.data.fill(0);
      this.gap.backward(buf.dFeat, this.lastShape(buf), lastOut);
    }
    for (let l = L - 1; l >= 0; l--) {
      const { conv, pool, bn } = this.blocks[l];
      const bb = buf.blocks[l];
      bb.dPre.data.fill(0);
      if (pool !== null && this.reluMaxPool(l)) {
        // ReLU → max pool: both backward in one scatter, straight into dPre (no dPost pass;
        // the same sums in the same order, so the same bits).
        pool.backward(kernels, bb.dOut, bb.dPre, bb.pool as PoolWorkspace, bb.pre);
      } else {
        if (pool !== null) {
          bb.dPost.data.fill(0);
          pool.backward(kernels, bb.dOut, bb.dPost, bb.pool as PoolWorkspace);
        }
        kernels.activationBackward(this.activation, bb.pre, bb.post, bb.dPost, bb.dPre);
      }
      let dIn: Matrix<T> | null = dX;
      if (l > 0) {
        dIn = buf.blocks[l - 1].dOut;
        dIn.data.fill(0);
      }
      if (bn !== null) {
        bb.dConvOut.data.fill(0);
        bn.backward(bb.dPre, bb.dConvOut, bb.bn as BatchNormWorkspace<T>);
      }
      conv.backward(kernels, bb.dConvOut, dIn, bb.conv);
    }
  }

  /** h_l (B, C_l·H_l·W_l) of the last forward: the images for l = 0. */
  blockInput(l: number): Matrix<T> {
    const buf = this.lastBuffers("blockInput", l);
    return l === 0 ? (this.lastX as Matrix<T>) : buf.blocks[l - 1].out;
  }

  /** U = im2col(h_l) (C_l·kh·kw, B·H'·W') as conv l unfolded it in the last forward (no bias row). */
  unfoldedInput(l: number): Matrix<T> {
    return this.lastBuffers("unfoldedInput", l).blocks[l].conv.cols;
  }

  /** conv_l(h_l) (B, O_l·H'·W') of the last forward (= Z_l without batch norm). */
  convOutput(l: number): Matrix<T> {
    return this.lastBuffers("convOutput", l).blocks[l].convOut;
  }

  /** Z_l (B, O_l·H'·W') of the last forward: σ's input. */
  preActivation(l: number): Matrix<T> {
    return this.lastBuffers("preActivation", l).blocks[l].pre;
  }

  /** σ(Z_l) (B, O_l·H'·W') of the last forward. */
  postActivation(l: number): Matrix<T> {
    return this.lastBuffers("postActivation", l).blocks[l].post;
  }

  /** dLoss/dZ_l (B, O_l·H'·W') of the last backward. */
  preActivationGrad(l: number): Matrix<T> {
    return this.lastBuffers("preActivationGrad", l).blocks[l].dPre;
  }

  /** The head's input of the last forward: h_L (flatten) or GAP(h_L). */
  headInput(): Matrix<T> {
    if (this.last === null) throw new ShapeError("cnn.headInput", "a forward pass first", "no forward pass");
    return this.last.feat;
  }

  /**
   * Parameters one more output channel of block l adds: its kernel and bias (and batch-norm
   * scale and shift), and the consumer's weights on it (conv l+1: O_{l+1}·kh·kw; the head:
   * outputs·H·W after flatten, outputs after GAP). Linear in the channels, so k channels add k×.
   */
  parametersPerChannel(l: number): number {
    if (!Number.isInteger(l) || l < 0 || l >= this.blocks.length) throw new ShapeError("cnn.parametersPerChannel", `a block index in [0, ${this.blocks.length})`, String(l));
    const { conv, bn } = this.blocks[l];
    const own = conv.weight.cols + (conv.bias ? 1 : 0) + (bn ? 2 : 0);
    if (l + 1 < this.blocks.length) {
      const c2 = this.blocks[l + 1].conv;
      return own + c2.outChannels * c2.taps;
    }
    const out = this.shapes()[l].output;
    return own + this.head.outputs * (this.headKind === "gap" ? 1 : out.height * out.width);
  }

  /**
   * Growth: appends K output channels to conv l (rows of W♭_l, entries of b_l) and the
   * matching inputs of its consumer (conv l+1 or the head). With `change.next` null the
   * network computes the same function as before. Parameter objects stay the same (their
   * arrays grow); when `optimizer` is given, the state of every resized parameter is reset
   * (the Optimizer growth rule). Cached buffers are rebuilt on the next forward.
   */
  addChannels(l: number, change: ChannelGrowth<T>, optimizer?: Optimizer): void {
    const op = "cnn.addChannels";
    if (!Number.isInteger(l) || l < 0 || l >= this.blocks.length) throw new ShapeError(op, `a block index in [0, ${this.blocks.length})`, String(l));
    const shapes = this.shapes();
    const conv = this.blocks[l].conv;
    const K = change.weight.rows;
    const Ctor = conv.weight.data.constructor as new (n: number) => T;
    const zeros = (r: number, c: number) => new Matrix<T>(r, c, new Ctor(r * c));
    let next: { rows: number; cols: number; apply: (w: Matrix<T>) => void; params: Param[] };
    if (l + 1 < this.blocks.length) {
      const c2 = this.blocks[l + 1].conv;
      next = { rows: c2.outChannels, cols: K * c2.taps, apply: (w) => c2.addInputChannels(w), params: [c2.linear.weightParam] };
    } else {
      const per = this.headKind === "gap" ? 1 : shapes[l].output.height * shapes[l].output.width;
      next = { rows: this.head.outputs, cols: K * per, apply: (w) => this.head.appendInputs(w), params: [this.head.weightParam] };
    }
    const w2 = change.next ?? zeros(next.rows, next.cols);
    if (w2.rows !== next.rows || w2.cols !== next.cols) {
      const who = l + 1 < this.blocks.length ? `blocks.${l + 1}.conv` : `head (${this.headKind})`;
      throw new ShapeError(op, `next of shape (${next.rows}, ${next.cols}) for ${K} new channels feeding ${who}`, `next ${w2.shape}`);
    }
    conv.addOutputChannels(change.weight, change.bias);
    const bn = this.blocks[l].bn;
    bn?.addChannels(K);
    next.apply(w2);
    if (optimizer !== undefined) for (const p of [...conv.params(), ...(bn?.params() ?? []), ...next.params]) optimizer.resetState(p);
    this.last = null;
    this.lastX = null;
  }

  /** Drops every cached buffer (rebuilt on demand). */
  clearBuffers(): void {
    this.cache.clear();
    this.last = null;
    this.lastX = null;
  }

  private lastShape(buf: CnnBuffers<T>): ImageShape {
    const last = buf.blocks[buf.blocks.length - 1];
    return last.pool?.output ?? last.conv.output;
  }

  private lastBuffers(op: string, l: number): CnnBuffers<T> {
    if (!Number.isInteger(l) || l < 0 || l >= this.blocks.length) throw new ShapeError(`cnn.${op}`, `a block index in [0, ${this.blocks.length})`, String(l));
    if (this.last === null) throw new ShapeError(`cnn.${op}`, "a forward pass first", "no forward pass (or the network grew since)");
    return this.last;
  }

  /** The buffers for batch size B (the hot path: a lookup and a width check, nothing allocated). */
  private buffers(B: number, like: T): CnnBuffers<T> {
    const cached = this.cache.get(B);
    if (cached !== undefined && this.fits(cached)) return cached;
    if (cached !== undefined) this.cache.clear();
    const buf = allocateCnnBuffers(this.blocks, this.shapes(), this.activation, { inputs: this.head.inputs, outputs: this.head.outputs, flatten: this.headKind === "flatten" }, B, like);
    this.cache.set(B, buf);
    return buf;
  }

  private fits(buf: CnnBuffers<T>): boolean {
    for (let l = 0; l < this.blocks.length; l++) {
      const b = this.blocks[l];
      if (!b.conv.fits(buf.blocks[l].conv) || (b.bn !== null && buf.blocks[l].bn?.input.channels !== b.bn.channels)) return false;
    }
    return buf.feat.cols === this.head.inputs;
  }
  /** Block l is ReLU → max pool, whose backward is one gated scatter (kernels.maxPoolBackward). */
  private reluMaxPool(l: number): boolean {
    return isReluMaxPool(this.blocks[l], this.activation);
  }
}
