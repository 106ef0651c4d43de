/**
 * Fixtures for the conv growth tests: seeded random conv pairs of any geometry, their
 * forward pass, gradients and statistics, and a brute-force reference of the statistics
 * written directly from the SPEC's definitions (explicit loops over images, output
 * positions and taps, source coordinates ρ per axis) — independent of unfold.ts.
 */
import type { Kernels } from "../../kernels/kernels.js";
import type { ActivationName } from "../../nn/layers/activation.js";
import { Matrix, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { convPairForward, type ConvPairForward, type ConvPairGeometry, type ConvPairParameters } from "./conv-forward.js";
import { imagesOf, nchw64, type ConvGeometry, type Nchw64, type Pair } from "./geometry.js";
import { convHeadLoss, type ConvHeadLoss, type ConvTargets } from "./head-loss.js";
import type { LabelledImages } from "./cnn-growth-step.js";
import type { PoolSpec } from "./pool.js";
import { ConvPairAccumulator, convPairDims, type ConvPairShape, type ConvPairStatistics, type ConvVariant, type RestrictedSGrowth } from "./statistics.js";

export const geom = (kernel: Pair, stride: Pair = [1, 1], padding: Pair = [0, 0], dilation: Pair = [1, 1]): ConvGeometry => ({ kernel, stride, padding, dilation });

export interface ConvProblemSpec {
  variant: ConvVariant;
  c0: number;
  c1: number;
  c2: number;
  input: Pair;
  conv1: ConvGeometry;
  conv2: ConvGeometry;
  bias1: boolean;
  bias2: boolean;
  activation: ActivationName;
  loss: ConvHeadLoss;
  n: number;
  batches?: number[];
  pool?: PoolSpec | null;
  restrictedSGrowth?: RestrictedSGrowth;
  seed?: number;
}

export interface ConvProblem {
  spec: ConvProblemSpec;
  shape: ConvPairShape;
  geo: ConvPairGeometry;
  params: ConvPairParameters;
  x: Nchw64;
  y: ConvTargets;
  forward: ConvPairForward;
  g: Nchw64;
  stats: ConvPairStatistics;
}

function randn(rng: Rng, n: number, std: number): Float64Array {
  const v = new Float64Array(n);
  rng.fillNormal(v, 0, std);
  return v;
}

export function convProblem(spec: ConvProblemSpec, kernels: Kernels): ConvProblem {
  const rng = new Rng(spec.seed ?? 3);
  const K1 = spec.conv1.kernel[0] * spec.conv1.kernel[1];
  const K2 = spec.conv2.kernel[0] * spec.conv2.kernel[1];
  const shape: ConvPairShape = {
    variant: spec.variant,
    inChannels: spec.c0,
    hiddenChannels: spec.c1,
    outChannels: spec.c2,
    inputSize: spec.input,
    conv1: spec.conv1,
    conv2: spec.conv2,
    layer1Bias: spec.bias1,
    layer2Bias: spec.bias2,
    restrictedSGrowth: spec.restrictedSGrowth,
    pool: spec.pool ?? null,
  };
  const geo: ConvPairGeometry = { conv1: spec.conv1, conv2: spec.conv2, activation: spec.activation, pool: spec.pool ?? null };
  const params: ConvPairParameters = {
    w1: new Matrix(spec.c1, spec.c0 * K1, randn(rng, spec.c1 * spec.c0 * K1, 1 / Math.sqrt(spec.c0 * K1))),
    b1: spec.bias1 ? randn(rng, spec.c1, 0.3) : null,
    w2: new Matrix(spec.c2, spec.c1 * K2, randn(rng, spec.c2 * spec.c1 * K2, 1 / Math.sqrt(Math.max(1, spec.c1 * K2)))),
    b2: spec.bias2 ? randn(rng, spec.c2, 0.3) : null,
  };
  const x = nchw64(spec.n, spec.c0, spec.input[0], spec.input[1], randn(rng, spec.n * spec.c0 * spec.input[0] * spec.input[1], 1));
  const d = convPairDims(shape);
  const y: ConvTargets =
    spec.loss === "mse_sum" ? nchw64(spec.n, spec.c2, d.h2, d.w2, randn(rng, spec.n * spec.c2 * d.h2 * d.w2, 1)) : Int32Array.from({ length: spec.n }, (_, i) => (i * 7 + 3) % spec.c2);
  const forward = convPairForward(params, geo, x, kernels);
  const g = convHeadLoss(spec.loss, forward.a2, y, true).g!;
  const acc = new ConvPairAccumulator(shape);
  let start = 0;
  for (const size of spec.batches ?? [spec.n]) {
    const xb = imagesOf(x, start, start + size);
    const fb = convPairForward(params, geo, xb, kernels);
    const yb = y instanceof Int32Array ? y.slice(start, start + size) : imagesOf(y, start, start + size);
    acc.update({ x: xb, b1: fb.b1, g: convHeadLoss(spec.loss, fb.a2, yb, true).g! }, kernels);
    start += size;
  }
  return { spec, shape, geo, params, x, y, forward, g, stats: acc.read() };
}

/** One patch of Z read by a conv with geometry g at output (oh, ow), features c·K + u·kw + v (+ a trailing 1). Direct ρ loops. */
export function directPatch(z: Nchw64, i: number, oh: number, ow: number, g: ConvGeometry, withOnes: boolean): Float64Array {
  const [kh, kw] = g.kernel;
  const out = new Float64Array(z.c * kh * kw + (withOnes ? 1 : 0));
  for (let c = 0; c < z.c; c++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const r = oh * g.stride[0] - g.padding[0] + u * g.dilation[0];
        const q = ow * g.stride[1] - g.padding[1] + v * g.dilation[1];
        if (r >= 0 && r < z.h && q >= 0 && q < z.w) out[c * kh * kw + u * kw + v] = z.data[((i * z.c + c) * z.h + r) * z.w + q];
      }
    }
  }
  if (withOnes) out[out.length - 1] = 1;
  return out;
}

function addOuter(m: Matrix64, a: Float64Array, b: ArrayLike<number>, scaleBy: number, colOffset = 0): void {
  for (let r = 0; r < a.length; r++) for (let c = 0; c < b.length; c++) m.data[r * m.cols + colOffset + c] += scaleBy * a[r] * b[c];
}

/** The statistics of a problem from their definitions (§5, §8.2, §9.2), over the whole batch at once. */
export function bruteForceStatistics(p: ConvProblem): { S: Matrix64; M: Matrix64; E: Matrix64; SGrowth: Matrix64; MPrev: Matrix64; P: Matrix64 } {
  const { shape, x, forward, g } = p;
  const d = convPairDims(shape);
  const n = x.n;
  const C2 = shape.outChannels;
  const full = shape.variant === "full";
  const [k2h, k2w] = shape.conv2.kernel;
  const K2 = k2h * k2w;
  const e0 = Math.floor(k2h / 2) * k2w + Math.floor(k2w / 2);
  const S = zeros64(d.i1, d.i1);
  const M = zeros64(d.i1, C2);
  const E = zeros64(C2, C2);
  const SGrowth = zeros64(d.i0, d.i0);
  const MPrev = zeros64(d.i0, full ? C2 * K2 : C2);
  const P = zeros64(d.i0, full ? K2 * d.i1 : d.i1);
  const pool = shape.pool ?? null;
  // ũ1 at position (r, q) of conv2's input map: the conv1 patch there, averaged over the pool window.
  const u1At = (i: number, r: number, q: number): Float64Array => {
    if (!pool) return directPatch(x, i, r, q, shape.conv1, shape.layer1Bias);
    const acc = new Float64Array(d.i0);
    const [ph, pw] = pool.size;
    for (let a = 0; a < ph; a++) for (let b = 0; b < pw; b++) directPatch(x, i, r * ph + a, q * pw + b, shape.conv1, shape.layer1Bias).forEach((v, j) => (acc[j] += v / (ph * pw)));
    return acc;
  };
  const f = 1 / n;
  for (let i = 0; i < n; i++) {
    for (let oh = 0; oh < d.h2; oh++) {
      for (let ow = 0; ow < d.w2; ow++) {
        const m = oh * d.w2 + ow;
        const u2 = directPatch(forward.b1, i, oh, ow, shape.conv2, shape.layer2Bias);
        const gim = Array.from({ length: C2 }, (_, c) => g.data[(i * C2 + c) * d.L2 + m]);
        addOuter(S, u2, u2, f);
        addOuter(M, u2, gim, f);
        addOuter(E, Float64Array.from(gim), gim, f);
        for (let u = 0; u < k2h; u++) {
          for (let v = 0; v < k2w; v++) {
            const e = u * k2w + v;
            const r = oh * shape.conv2.stride[0] - shape.conv2.padding[0] + u * shape.conv2.dilation[0];
            const q = ow * shape.conv2.stride[1] - shape.conv2.padding[1] + v * shape.conv2.dilation[1];
            if (r < 0 || r >= d.h1 || q < 0 || q >= d.w1) continue; // t = 0 in the padding, bias included
            const t = u1At(i, r, q);
            if (full) {
              addOuter(SGrowth, t, t, f);
              for (let c = 0; c < C2; c++) for (let a = 0; a < d.i0; a++) MPrev.data[a * MPrev.cols + c * K2 + e] += f * t[a] * gim[c];
              addOuter(P, t, u2, f, e * d.i1);
            } else if (e === e0) {
              if ((shape.restrictedSGrowth ?? "centre") === "centre") addOuter(SGrowth, t, t, f);
              addOuter(MPrev, t, gim, f);
              addOuter(P, t, u2, f);
            }
          }
        }
      }
    }
  }
  if (!full && shape.restrictedSGrowth === "layer1") {
    for (let i = 0; i < n; i++) for (let r = 0; r < d.h1; r++) for (let q = 0; q < d.w1; q++) {
      const t = u1At(i, r, q);
      addOuter(SGrowth, t, t, f);
    }
  }
  return { S, M, E, SGrowth, MPrev, P };
}

/**
 * n labelled images of 2×8×8 standard normal pixels for the CNN growth-step tests: the class
 * is the sign of a spatial contrast of channel 0 (its first 32 pixels against the next 32),
 * learnable by a conv.
 */
export function contrastImages(n: number, seed: number): LabelledImages {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2 * 8 * 8);
  rng.fillNormal(x, 0, 1);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < 32; p++) s += x[i * 128 + p] - x[i * 128 + 32 + p];
    labels[i] = s > 0 ? 1 : 0;
  }
  return { x: new Matrix(n, 128, x), labels };
}

export { relDiff } from "../test-helpers.js";
export { imagesOf };
