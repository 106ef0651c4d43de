/**
 * The unfolding of SPEC-conv-growth §3 in float64, for the growth statistics: the kernels'
 * im2col / col2im (native: the addon's dim2col; by default the portable reference, so no
 * kernel set is needed). The one float64 unfolding of the project (src/growth/conv uses it).
 *
 *   Ũ(Z) (D + β, B·L):  Ũ[c·kh·kw + u·kw + v, i·L + oh·W' + ow] = Z[i, c, oh·sh − ph + u·dh, ow·sw − pw + v·dw]
 *                       (0 in the padding), L = H'·W', D = C·kh·kw; with β = 1 (biasFeature)
 *                       the last row is all ones (one bias feature per patch, SPEC §3).
 *
 * Column i·L + m is the patch ũ_{i,m} of image i at output position m, so the SPEC's
 * per-image (D + β, L) block of image i is columns [i·L, (i + 1)·L), and sums over images and
 * positions become one gemm, e.g. S = Ũ Ũᵀ (D + β, D + β) summed over the batch
 * (divide by the number of images n, never by positions: SPEC §4).
 */
import type { Kernels } from "../kernels/kernels.js";
import { portableKernels } from "../kernels/portable/index.js";
import { Matrix, type FloatArray, type Matrix64 } from "../tensor/matrix.js";
import { im2colShape, type Conv2dGeometry, type ImageShape } from "./geometry.js";

export interface UnfoldOptions {
  /** Append the all-ones bias feature as the last row (SPEC §3); default false. */
  biasFeature?: boolean;
  /** Names the layer in shape errors; default "unfold64". */
  layer?: string;
  /** The kernel set whose im2col unfolds; default the portable one. */
  kernels?: Kernels;
  /** Gives the storage of Ũ for a length (e.g. a buffer reused across batches); default a new array. */
  alloc?: (length: number) => Float64Array;
}

/**
 * Ũ(x) (C·kh·kw + β, B·H'·W') in float64 for a batch x (B·C·H·W, NCHW; float32 data is
 * widened exactly). Throws a ShapeError naming the layer when the kernel does not fit.
 */
export function unfold64(x: FloatArray, batch: number, input: ImageShape, geometry: Conv2dGeometry, options: UnfoldOptions = {}): Matrix64 {
  const shape = im2colShape(options.layer ?? "unfold64", batch, input, geometry);
  const D = input.channels * geometry.kernel[0] * geometry.kernel[1];
  const N = batch * shape.outH * shape.outW;
  const beta = options.biasFeature ? 1 : 0;
  const data = options.alloc ? options.alloc((D + beta) * N) : new Float64Array((D + beta) * N);
  const x64 = x instanceof Float64Array ? x : Float64Array.from(x);
  (options.kernels ?? portableKernels).im2col(x64, shape, new Matrix(D, N, data.subarray(0, D * N)));
  if (beta) data.fill(1, D * N);
  return new Matrix(D + beta, N, data);
}

/**
 * The adjoint of `unfold64` without the bias row (col2im, torch's fold): the images
 * (B·C·H·W) whose entries are the sums of the entries of `cols` (C·kh·kw, B·H'·W') read
 * from them.
 */
export function fold64(cols: Matrix64, batch: number, input: ImageShape, geometry: Conv2dGeometry, layer = "fold64", kernels: Kernels = portableKernels): Float64Array {
  const shape = im2colShape(layer, batch, input, geometry);
  const out = new Float64Array(batch * input.channels * input.height * input.width);
  kernels.col2im(cols, shape, out);
  return out;
}
