/**
 * Patch matrices of the conv growth statistics in the column layout of the kernels' im2col
 * (SPEC-conv-growth §3): one column per (image i, output position m), column i·L + m, the
 * features as rows. Then
 *   conv(Z; W, b)[i, :, m] = [W♭ | b] ũ_{i,m}      with ũ_{i,m} = column i·L + m of Ũ(Z)
 * and every statistic is one gemm A·Bᵀ over the columns (statistics.ts). Everything large
 * runs in the kernels (native: the addon's dim2col, dtransposeBlocks and dgemm); the JS
 * loops left here are O(rows · columns) copies.
 *
 * The taps of conv2 over conv1's patches (§8.1) are themselves an unfolding: read Ũ1
 * (F, n·L1) as a batch of n images with F channels on conv2's input map (H1, W1); its
 * im2col with conv2's geometry is
 *   T (F·K2, n·L2),  T[f·K2 + e, i·L2 + m] = ũ_{1,i,τ(m,e)}[f]   (0 where τ(m, e) = ⊥),
 * i.e. t_{i,m,e} of §8.2 (a padded tap is a zero vector, bias coordinate included).
 */
import { ShapeError } from "../../errors.js";
import { unfold64 } from "../../conv/unfold.js";
import type { Kernels } from "../../kernels/kernels.js";
import { Matrix, type Matrix64 } from "../../tensor/matrix.js";
import { nchw64, type ConvGeometry, type Nchw64, type Pair } from "./geometry.js";
import { poolPlanes, pooledSize } from "./pool.js";

/**
 * Float64 buffers by name, reused from batch to batch: a pass over 10,000 images would
 * otherwise allocate (and first-touch) tens of MB per batch and per matrix, which cost more
 * than the unfolding itself. A buffer taken again under the same name is overwritten.
 */
export class Scratch {
  private readonly buffers = new Map<string, Float64Array>();

  /** A zeroed-or-stale array of `length` (callers overwrite or clear it) under `name`. */
  take(name: string, length: number): Float64Array {
    let b = this.buffers.get(name);
    if (b === undefined || b.length < length) {
      b = new Float64Array(length);
      this.buffers.set(name, b);
    }
    return b.subarray(0, length);
  }

  /** `take` as an allocator for `name`, or fresh arrays without a scratch. */
  static alloc(scratch: Scratch | undefined, name: string): (length: number) => Float64Array {
    return scratch === undefined ? (length) => new Float64Array(length) : (length) => scratch.take(name, length);
  }
}

/** Ũ(Z) (C·K + β, n·L'): the patches of Z as columns, last row 1 when `withOnes` (§3). */
export function patchColumns(kernels: Kernels, z: Nchw64, g: ConvGeometry, withOnes: boolean, layer: string, scratch?: Scratch, name = "patches"): Matrix64 {
  return unfold64(z.data, z.n, { channels: z.c, height: z.h, width: z.w }, g, { biasFeature: withOnes, layer, kernels, alloc: Scratch.alloc(scratch, name) });
}

/** Z as columns (C, n·H·W): row c, column i·HW + l = Z[i, c, l] (NCHW → channel-major). */
export function channelColumns(kernels: Kernels, z: Nchw64, scratch?: Scratch, name = "channels"): Matrix64 {
  const out = new Matrix(z.c, z.n * z.h * z.w, Scratch.alloc(scratch, name)(z.data.length));
  kernels.transposeBlocks(z.data, z.n, z.c, z.h * z.w, out.data);
  return out;
}

/** The inverse of `channelColumns`: (C, n·H·W) back to an (n, C, H, W) batch. */
export function columnsToNchw(kernels: Kernels, cols: Matrix64, n: number, h: number, w: number, scratch?: Scratch, name = "images"): Nchw64 {
  if (cols.cols !== n * h * w) throw new ShapeError("columnsToNchw", `${n}·${h}·${w} = ${n * h * w} columns`, `columns of shape ${cols.shape}`);
  const out = nchw64(n, cols.rows, h, w, Scratch.alloc(scratch, name)(cols.data.length));
  kernels.transposeBlocks(cols.data, cols.rows, n, h * w, out.data);
  return out;
}

/** T (F·K2, n·L2) from Ũ1 (F, n·H1·W1): conv2's taps over conv1's patches (file comment). */
export function tapColumns(kernels: Kernels, u1: Matrix64, n: number, h1: number, w1: number, g2: ConvGeometry, scratch?: Scratch): Matrix64 {
  const images = columnsToNchw(kernels, u1, n, h1, w1, scratch, "tap-images"); // (n, F, H1, W1)
  return patchColumns(kernels, images, g2, false, "conv2", scratch, "taps"); // (F·K2, n·L2)
}

/**
 * B̂ (F, n·L2): the centre-tap rows of T, gathered directly (a K2-th of T's size):
 * column i·L2 + m = column i·L1 + κ(m) of Ũ1, or 0 where κ(m) = −1 (the Restricted
 * variant's b̂_{i,m} = ũ_{1,i,κ(m)}, §9.1; κ from geometry.ts `centreIndex`).
 */
export function centreColumns(u1: Matrix64, n: number, kappa: Int32Array, scratch?: Scratch): Matrix64 {
  const F = u1.rows;
  const L1 = u1.cols / Math.max(1, n);
  const L2 = kappa.length;
  const out = new Matrix(F, n * L2, Scratch.alloc(scratch, "centre-taps")(F * n * L2));
  const src = u1.data;
  const dst = out.data;
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < n; i++) {
      const s0 = (f * n + i) * L1;
      const d0 = (f * n + i) * L2;
      for (let m = 0; m < L2; m++) dst[d0 + m] = kappa[m] >= 0 ? src[s0 + kappa[m]] : 0;
    }
  }
  return out;
}

/** Column-wise average over pooling windows: (F, n·H·W) → (F, n·⌊H/p_h⌋·⌊W/p_w⌋), ū = window mean (pool.ts). */
export function poolColumns(kernels: Kernels, u: Matrix64, n: number, h: number, w: number, size: Pair, scratch?: Scratch, name = "pooled"): Matrix64 {
  const [ho, wo] = pooledSize({ kind: "avg", size }, h, w, "conv1");
  const out = new Matrix(u.rows, n * ho * wo, Scratch.alloc(scratch, name)(u.rows * n * ho * wo));
  poolPlanes(kernels, { kind: "avg", size }, u.data, u.rows * n, h, w, out.data, "conv1"); // row f holds n planes (H, W)
  return out;
}
