/**
 * Pooling on NCHW batches (B, C·H·W), PyTorch's semantics with ceil_mode=False:
 *
 *   MaxPool2d:  y[i,c,r,q] = max over the window of x, padding counting as −∞ (never chosen);
 *               the first maximum in window order wins, NaN propagates (kernels.maxPool).
 *               Backward routes dY to the argmax recorded by forward.
 *   AvgPool2d:  y = (Σ over the window, padding counting as 0) / (kh·kw)   (count_include_pad)
 *
 * Window geometry: kernel, stride (default: the kernel), zero padding ≤ kernel / 2 per axis
 * (as PyTorch requires), and for max pooling dilation. Output size as for a convolution.
 * Backward adds into dX (the nn convention); nothing is allocated per batch: the argmax
 * indices live in the caller's workspace.
 */
import { ConfigError, ShapeError } from "../errors.js";
import type { FloatArray, Matrix } from "../tensor/matrix.js";
import type { Im2colShape, Kernels } from "../kernels/kernels.js";
import { convOutputShape, formatShape, im2colShape, imageSize, pair, resolveGeometry, type Conv2dGeometry, type ImageShape, type PairLike } from "./geometry.js";

export interface PoolOptions {
  kernel: PairLike;
  /** Default: the kernel size. */
  stride?: PairLike;
  /** Default 0; at most half the kernel size per axis. */
  padding?: PairLike;
  /** Max pooling only; default 1. */
  dilation?: PairLike;
  /** For messages; default "maxpool" / "avgpool". */
  name?: string;
}

export type PoolKind = "max" | "avg";

export interface PoolWorkspace {
  readonly batch: number;
  /** The window geometry for kernels.maxPool. */
  readonly shape: Im2colShape;
  readonly input: ImageShape;
  readonly output: ImageShape;
  /** Max pooling: flat index into x of each output's maximum (B·C·H'·W'); empty for average. */
  readonly argmax: Int32Array;
}

export class Pool2d {
  readonly kind: PoolKind;
  readonly name: string;
  readonly geometry: Conv2dGeometry;

  constructor(kind: PoolKind, options: PoolOptions) {
    this.kind = kind;
    this.name = options.name ?? `${kind}pool`;
    if (kind === "avg" && options.dilation !== undefined && pair(options.dilation).some((d) => d !== 1)) {
      throw new ConfigError([{ source: this.name, path: "dilation", message: `average pooling has no dilation, got ${JSON.stringify(options.dilation)}` }]);
    }
    const geometry = resolveGeometry(this.name, { kernel: options.kernel, stride: options.stride ?? options.kernel, padding: options.padding, dilation: options.dilation });
    const bad = [0, 1].filter((a) => geometry.padding[a] * 2 > geometry.kernel[a]);
    if (bad.length > 0) {
      throw new ConfigError([{ source: this.name, path: "padding", message: `expected padding at most half the kernel size (${geometry.kernel.join("×")}), got ${geometry.padding.join("×")}` }]);
    }
    this.geometry = geometry;
  }

  /** (C, H', W'); ShapeError naming the layer when the window does not fit the padded input. */
  outputShape(input: ImageShape): ImageShape {
    return convOutputShape(this.name, this.geometry, input, input.channels);
  }

  workspace(batch: number, input: ImageShape): PoolWorkspace {
    const output = this.outputShape(input);
    return { batch, shape: im2colShape(this.name, batch, input, this.geometry), input, output, argmax: new Int32Array(this.kind === "max" ? batch * imageSize(output) : 0) };
  }

  /** y (B, C·H'·W') = pool(x (B, C·H·W)), overwritten. */
  forward<T extends FloatArray>(kernels: Kernels, x: Matrix<T>, y: Matrix<T>, ws: PoolWorkspace): void {
    this.check("forward", x, "x", ws.input, ws);
    this.check("forward", y, "y", ws.output, ws);
    if (this.kind === "max") kernels.maxPool(x.data, ws.shape, y.data, ws.argmax);
    else avgForward(this.geometry, x.data, y.data, ws, 1);
  }

  /**
   * dX (B, C·H·W) += the pooling's adjoint applied to dY (B, C·H'·W'). Max pooling only:
   * with `reluInput` z (the pooled input was relu(z)), dX gets dLoss/dz instead (ReLU's
   * derivative applied in the same pass; see Kernels.maxPoolBackward).
   */
  backward<T extends FloatArray>(kernels: Kernels, dY: Matrix<T>, dX: Matrix<T>, ws: PoolWorkspace, reluInput: Matrix<T> | null = null): void {
    this.check("backward", dY, "dY", ws.output, ws);
    this.check("backward", dX, "dX", ws.input, ws);
    if (reluInput !== null && this.kind !== "max") throw new ShapeError(`${this.name}.backward`, "max pooling for a fused ReLU backward", "average pooling");
    if (this.kind === "max") {
      // A window entirely in the padding has index −1 (and no input to credit).
      kernels.maxPoolBackward(dY.data, ws.argmax, dX.data, reluInput?.data ?? null);
    } else {
      avgForward(this.geometry, dY.data, dX.data, ws, -1);
    }
  }

  private check(op: string, m: Matrix, name: string, image: ImageShape, ws: PoolWorkspace): void {
    if (m.rows !== ws.batch || m.cols !== imageSize(image)) {
      throw new ShapeError(`${this.name}.${op}`, `${name} of shape (B, C·H·W) = (${ws.batch}, ${imageSize(image)}) for images ${formatShape(image)}`, `${name} ${m.shape}`);
    }
  }
}

export function maxPool2d(options: PoolOptions): Pool2d {
  return new Pool2d("max", options);
}

export function avgPool2d(options: PoolOptions): Pool2d {
  return new Pool2d("avg", options);
}

/**
 * dir = 1: y = window sums of x / (kh·kw). dir = −1 (backward): x here is dY and y is dX,
 * and dX gets dY / (kh·kw) added at every position of each window (the adjoint).
 */
function avgForward(g: Conv2dGeometry, a: FloatArray, b: FloatArray, ws: PoolWorkspace, dir: 1 | -1): void {
  const { batch: B, input, output } = ws;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const { height: H, width: W } = input;
  const { height: OH, width: OW } = output;
  const inv = 1 / (kh * kw);
  const planes = B * input.channels;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let r = 0; r < OH; r++) {
      const h0 = Math.max(0, r * sh - ph);
      const h1 = Math.min(H, r * sh - ph + kh);
      for (let q = 0; q < OW; q++, o++) {
        const w0 = Math.max(0, q * sw - pw);
        const w1 = Math.min(W, q * sw - pw + kw);
        if (dir === 1) {
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += a[base + h * W + w];
          b[o] = s * inv;
        } else {
          const d = a[o] * inv;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) b[base + h * W + w] += d;
        }
      }
    }
  }
}

/**
 * Global average pooling: (B, C·H·W) → (B, C), y[i, c] = mean over the H·W positions of
 * channel c (the SPEC's `ce_gap_sum` head pools this way).
 */
export class GlobalAvgPool2d {
  readonly name: string;

  constructor(name = "gap") {
    this.name = name;
  }

  outputShape(input: ImageShape): ImageShape {
    return { channels: input.channels, height: 1, width: 1 };
  }

  forward<T extends FloatArray>(x: Matrix<T>, input: ImageShape, y: Matrix<T>): void {
    this.check("forward", x, y, input);
    const L = input.height * input.width;
    const inv = 1 / L;
    const xd = x.data;
    const yd = y.data;
    for (let k = 0; k < yd.length; k++) {
      let s = 0;
      for (let l = k * L; l < (k + 1) * L; l++) s += xd[l];
      yd[k] = s * inv;
    }
  }

  /** dX[i, c, ·] += dY[i, c] / (H·W). */
  backward<T extends FloatArray>(dY: Matrix<T>, input: ImageShape, dX: Matrix<T>): void {
    this.check("backward", dX, dY, input);
    const L = input.height * input.width;
    const inv = 1 / L;
    const g = dY.data;
    const d = dX.data;
    for (let k = 0; k < g.length; k++) {
      const v = g[k] * inv;
      for (let l = k * L; l < (k + 1) * L; l++) d[l] += v;
    }
  }

  private check(op: string, x: Matrix, y: Matrix, input: ImageShape): void {
    if (x.cols !== imageSize(input) || y.rows !== x.rows || y.cols !== input.channels) {
      throw new ShapeError(`${this.name}.${op}`, `images (B, ${imageSize(input)}) for ${formatShape(input)} and pooled (B, ${input.channels}) with the same B`, `${x.shape} and ${y.shape}`);
    }
  }
}
