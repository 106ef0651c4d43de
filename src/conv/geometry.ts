/**
 * Convolution geometry, per axis as in PyTorch's Conv2d: kernel size (k_h, k_w), stride,
 * zero padding and dilation. Images are NCHW; a batch of B images (C, H, W) is stored as a
 * row-major Matrix (B, C·H·W), so a flattened MNIST matrix (n, 784) is already NCHW with C = 1.
 *
 * Output size per axis (SPEC-conv-growth §2):  H' = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1.
 */
import { ConfigError, ShapeError } from "../errors.js";
import type { Im2colShape } from "../kernels/kernels.js";

/** (height, width): one value per axis. */
export type Pair = readonly [number, number];

/** A number applies to both axes; a pair gives (height, width). */
export type PairLike = number | Pair;

export interface Conv2dGeometry {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
}

export interface Conv2dGeometryOptions {
  kernel: PairLike;
  /** Default 1. */
  stride?: PairLike;
  /** Zero padding on each side, default 0. */
  padding?: PairLike;
  /** Default 1. */
  dilation?: PairLike;
}

/** One image's shape (C, H, W). */
export interface ImageShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export function pair(v: PairLike): Pair {
  return typeof v === "number" ? [v, v] : [v[0], v[1]];
}

/**
 * Validates and normalises geometry options: kernel ≥ 1, stride ≥ 1, dilation ≥ 1,
 * padding ≥ 0, all integers. One ConfigError lists every bad field, under `source`
 * (the layer's name).
 */
export function resolveGeometry(source: string, options: Conv2dGeometryOptions): Conv2dGeometry {
  const fields: [keyof Conv2dGeometry, PairLike | undefined, number, number][] = [
    ["kernel", options.kernel, 1, NaN],
    ["stride", options.stride, 1, 1],
    ["padding", options.padding, 0, 0],
    ["dilation", options.dilation, 1, 1],
  ];
  const issues = [];
  const out: Record<string, Pair> = {};
  for (const [name, value, min, fallback] of fields) {
    const p = value === undefined ? pair(fallback) : isPairLike(value) ? pair(value) : null;
    if (p === null || !p.every((x) => Number.isInteger(x) && x >= min)) {
      issues.push({ source, path: name, message: `expected ${name === "padding" ? "non-negative" : "positive"} integer(s) (a number or [height, width]) ≥ ${min}, got ${JSON.stringify(value)}` });
      continue;
    }
    out[name] = p;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({ kernel: out.kernel, stride: out.stride, padding: out.padding, dilation: out.dilation });
}

function isPairLike(v: unknown): v is PairLike {
  return typeof v === "number" || (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number"));
}

/** ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1, or ≤ 0 when the (dilated) kernel exceeds the padded input. */
export function outputSize(n: number, k: number, s: number, p: number, d: number): number {
  const span = d * (k - 1) + 1;
  const padded = n + 2 * p;
  return padded < span ? 0 : Math.floor((padded - span) / s) + 1;
}

/**
 * The output image shape (outChannels, H', W') of a convolution (or pooling window) with
 * `geometry` on `input`. Throws a ShapeError naming `layer` when the dilated kernel
 * d(k − 1) + 1 is larger than the padded input H + 2p on an axis.
 */
export function convOutputShape(layer: string, geometry: Conv2dGeometry, input: ImageShape, outChannels: number): ImageShape {
  const dims: [string, number][] = [["height", input.height], ["width", input.width]];
  const out = dims.map(([axis, n], a) => {
    const k = geometry.kernel[a];
    const p = geometry.padding[a];
    const d = geometry.dilation[a];
    const size = outputSize(n, k, geometry.stride[a], p, d);
    if (size < 1) {
      throw new ShapeError(layer, `an input ${axis} of at least ${d * (k - 1) + 1 - 2 * p} for kernel ${k}${d > 1 ? ` dilated ×${d}` : ""} with padding ${p} (spanning ${d * (k - 1) + 1} > ${n} + 2·${p})`, `input ${formatShape(input)}`);
    }
    return size;
  });
  return { channels: outChannels, height: out[0], width: out[1] };
}

export function imageSize(s: ImageShape): number {
  return s.channels * s.height * s.width;
}

export function formatShape(s: ImageShape): string {
  return `(C=${s.channels}, H=${s.height}, W=${s.width})`;
}

export function sameShape(a: ImageShape, b: ImageShape): boolean {
  return a.channels === b.channels && a.height === b.height && a.width === b.width;
}

/**
 * The kernels' im2col geometry for a batch of `batch` images of shape `input` (throws the
 * ShapeError of `convOutputShape`, naming `layer`, when the kernel does not fit).
 */
export function im2colShape(layer: string, batch: number, input: ImageShape, geometry: Conv2dGeometry): Im2colShape {
  const out = convOutputShape(layer, geometry, input, input.channels);
  return Object.freeze({
    batch,
    channels: input.channels,
    height: input.height,
    width: input.width,
    kernelH: geometry.kernel[0],
    kernelW: geometry.kernel[1],
    strideH: geometry.stride[0],
    strideW: geometry.stride[1],
    padH: geometry.padding[0],
    padW: geometry.padding[1],
    dilationH: geometry.dilation[0],
    dilationW: geometry.dilation[1],
    outH: out.height,
    outW: out.width,
  });
}
