/**
 * A sequential MLP: Linear layers with the same activation after every hidden layer and
 * none after the last. Layer l maps x_l (B, I_l) to pre_l (B, O_l) = x_l W_lᵀ + b_l;
 * for a hidden layer x_{l+1} = post_l = σ(pre_l); the output is pre_{L-1}.
 *
 * Activations and gradients live in buffers cached per batch size B (allocated the first
 * time a B is seen, so a short last batch costs nothing after the first epoch) and rebuilt
 * when growth changes a layer's width. After forward/backward, the growth code reads, for
 * each layer l, `layerInput(l)` (x_l) and `layerPreActivationGrad(l)` (dLoss/dpre_l).
 */
import { ShapeError } from "../errors.js";
import { ACTIVATION_NAMES, type Kernels } from "../kernels/kernels.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { initLinear, type InitName } from "./init.js";
import type { ActivationName } from "./layers/activation.js";
import { Linear } from "./layers/linear.js";
import type { Model } from "./model.js";
import type { Param } from "./param.js";

export interface MlpOptions {
  /** [I, H₁, …, O]: at least an input and an output size. */
  sizes: readonly number[];
  activation: ActivationName;
  /** Default true. */
  bias?: boolean;
  /** Default "pytorch-default"; use "lecun-normal" for SELU networks. */
  init?: InitName;
}

interface MlpBuffers<T extends FloatArray> {
  /** pre_l (B, O_l). */
  pre: Matrix<T>[];
  /** post_l = σ(pre_l) (B, O_l) for hidden layers; for the last layer the same matrix as pre. */
  post: Matrix<T>[];
  /** dLoss/dpre_l (B, O_l). */
  dPre: Matrix<T>[];
  /** dLoss/dpost_l (B, O_l) for hidden layers (the dX of layer l+1); unused for the last. */
  dPost: Matrix<T>[];
}

export class Mlp<T extends FloatArray = Float32Array> implements Model<T> {
  readonly layers: Linear<T>[];
  readonly activation: ActivationName;
  private readonly cache = new Map<number, MlpBuffers<T>>();
  private lastX: Matrix<T> | null = null;
  private last: MlpBuffers<T> | null = null;

  constructor(layers: Linear<T>[], activation: ActivationName) {
    if (layers.length === 0) throw new ShapeError("Mlp", "at least one layer", "0 layers");
    // Checked here, not at the first forward pass (plain JavaScript callers are not held to the type).
    if (!(ACTIVATION_NAMES as readonly unknown[]).includes(activation)) throw new ShapeError("Mlp", `an activation in ${ACTIVATION_NAMES.join(", ")}`, `"${String(activation)}"`);
    for (let l = 1; l < layers.length; l++) {
      if (layers[l].inputs !== layers[l - 1].outputs) {
        throw new ShapeError("Mlp", `layer ${l} with ${layers[l - 1].outputs} inputs (layer ${l - 1} outputs)`, `${layers[l].inputs} inputs`);
      }
    }
    this.layers = layers;
    this.activation = activation;
  }

  /** A float32 MLP initialised from `rng`. */
  static create(options: MlpOptions, rng: Rng): Mlp<Float32Array> {
    return Mlp.build(options, rng, (i, o, b, name) => Linear.zeros32(i, o, b, name));
  }

  /** The same in float64 (finite-difference checks, reference computations). */
  static create64(options: MlpOptions, rng: Rng): Mlp<Float64Array> {
    return Mlp.build(options, rng, (i, o, b, name) => Linear.zeros64(i, o, b, name));
  }

  private static build<U extends FloatArray>(options: MlpOptions, rng: Rng, make: (i: number, o: number, b: boolean, name: string) => Linear<U>): Mlp<U> {
    const { sizes, activation, bias = true, init = "pytorch-default" } = options;
    if (sizes.length < 2) throw new ShapeError("Mlp", "sizes [I, …, O] with at least 2 entries", `[${sizes.join(", ")}]`);
    for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new ShapeError("Mlp", "positive integer sizes", `[${sizes.join(", ")}]`);
    const layers: Linear<U>[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const layer = make(sizes[l], sizes[l + 1], bias, `layers.${l}`);
      initLinear(init, layer, rng);
      layers.push(layer);
    }
    return new Mlp(layers, activation);
  }

  /** [I, H₁, …, O], current (after growth). */
  get sizes(): number[] {
    return [this.layers[0].inputs, ...this.layers.map((l) => l.outputs)];
  }

  params(): Param<T>[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Output (B, O) for x (B, I); the returned buffer is reused by the next forward with this B. */
  forward(kernels: Kernels, x: Matrix<T>): Matrix<T> {
    const layers = this.layers;
    const L = layers.length;
    if (x.cols !== layers[0].inputs) throw new ShapeError("Mlp.forward", `x of shape (B, ${layers[0].inputs})`, `x ${x.shape}`);
    const buf = this.buffers(x.rows, x);
    let input = x;
    for (let l = 0; l < L; l++) {
      layers[l].forward(kernels, input, buf.pre[l]);
      if (l < L - 1) kernels.activationForward(this.activation, buf.pre[l], buf.post[l]);
      input = buf.post[l];
    }
    this.lastX = x;
    this.last = buf;
    return buf.pre[L - 1];
  }

  /**
   * Adds every layer's parameter gradients given dOut (B, O) = dLoss/doutput of the last
   * forward pass; dX (B, I), when given, gets dLoss/dx added.
   */
  backward(kernels: Kernels, dOut: Matrix<T>, dX: Matrix<T> | null = null): void {
    const buf = this.last;
    const x = this.lastX;
    if (buf === null || x === null) throw new ShapeError("Mlp.backward", "a forward pass first", "no forward pass");
    const layers = this.layers;
    const L = layers.length;
    const out = buf.dPre[L - 1];
    if (dOut.rows !== out.rows || dOut.cols !== out.cols) throw new ShapeError("Mlp.backward", `dOut of shape ${out.shape} (last forward)`, `dOut ${dOut.shape}`);
    out.data.set(dOut.data);
    for (let l = L - 1; l >= 0; l--) {
      const input = l === 0 ? x : buf.post[l - 1];
      let dInput: Matrix<T> | null = null;
      if (l > 0) {
        dInput = buf.dPost[l - 1];
        dInput.data.fill(0);
      } else {
        dInput = dX;
      }
      layers[l].backward(kernels, input, buf.dPre[l], dInput);
      if (l > 0) {
        const dPre = buf.dPre[l - 1];
        dPre.data.fill(0);
        kernels.activationBackward(this.activation, buf.pre[l - 1], buf.post[l - 1], buf.dPost[l - 1], dPre);
      }
    }
  }

  /** x_l (B, I_l): the input of layer l in the last forward pass. */
  layerInput(l: number): Matrix<T> {
    this.checkLayer("Mlp.layerInput", l);
    const buf = this.last;
    if (buf === null || this.lastX === null) throw new ShapeError("Mlp.layerInput", "a forward pass first", "no forward pass");
    return l === 0 ? this.lastX : buf.post[l - 1];
  }

  /** pre_l (B, O_l) of the last forward pass. */
  layerPreActivation(l: number): Matrix<T> {
    this.checkLayer("Mlp.layerPreActivation", l);
    if (this.last === null) throw new ShapeError("Mlp.layerPreActivation", "a forward pass first", "no forward pass");
    return this.last.pre[l];
  }

  /** dLoss/dpre_l (B, O_l) of the last backward pass. */
  layerPreActivationGrad(l: number): Matrix<T> {
    this.checkLayer("Mlp.layerPreActivationGrad", l);
    if (this.last === null) throw new ShapeError("Mlp.layerPreActivationGrad", "a backward pass first", "no forward pass");
    return this.last.dPre[l];
  }

  /** Drops every cached buffer (they are rebuilt on demand; growth does not need to call this). */
  clearBuffers(): void {
    this.cache.clear();
    this.last = null;
    this.lastX = null;
  }

  private checkLayer(op: string, l: number): void {
    if (!Number.isInteger(l) || l < 0 || l >= this.layers.length) throw new ShapeError(op, `a layer index in [0, ${this.layers.length})`, `${l}`);
  }

  /** The buffers for batch size B (the hot path: a lookup, no closure, nothing allocated). */
  private buffers(B: number, like: Matrix<T>): MlpBuffers<T> {
    const cached = this.cache.get(B);
    if (cached !== undefined && this.fits(cached)) return cached;
    if (cached !== undefined) this.cache.clear(); // widths changed (growth): every B is stale
    return this.allocateBuffers(B, like);
  }

  private allocateBuffers(B: number, like: Matrix<T>): MlpBuffers<T> {
    const Ctor = like.data.constructor as new (n: number) => T;
    const make = (cols: number) => new Matrix<T>(B, cols, new Ctor(B * cols));
    const L = this.layers.length;
    const buf: MlpBuffers<T> = { pre: [], post: [], dPre: [], dPost: [] };
    for (let l = 0; l < L; l++) {
      const O = this.layers[l].outputs;
      const pre = make(O);
      buf.pre.push(pre);
      buf.post.push(l < L - 1 ? make(O) : pre);
      buf.dPre.push(make(O));
      buf.dPost.push(l < L - 1 ? make(O) : make(0));
    }
    this.cache.set(B, buf);
    return buf;
  }

  private fits(buf: MlpBuffers<T>): boolean {
    if (buf.pre.length !== this.layers.length) return false;
    for (let l = 0; l < this.layers.length; l++) if (buf.pre[l].cols !== this.layers[l].outputs) return false;
    return true;
  }
}
