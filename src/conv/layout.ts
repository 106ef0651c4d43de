/**
 * Between the layout of a batch of feature maps, NCHW (B, C·L), and the channel-major
 * layout (C, B·L) that im2col + gemm produce (L = H·W). Both are block copies of L
 * contiguous values: block (i, c) of NCHW is block (c, i) of channel-major. Plain loops, not
 * `set(subarray(…))`: a subarray view per block would allocate in the training loop.
 */
import type { FloatArray, Matrix } from "../tensor/matrix.js";

/** y (B, C·L) ← cm (C, B·L). */
export function channelMajorToNchw<T extends FloatArray>(cm: Matrix<T>, batch: number, y: Matrix<T>): void {
  const C = cm.rows;
  const L = batch > 0 ? cm.cols / batch : 0;
  const src = cm.data;
  const dst = y.data;
  for (let c = 0; c < C; c++) {
    const row = c * cm.cols;
    for (let i = 0; i < batch; i++) {
      const from = row + i * L;
      const to = (i * C + c) * L;
      for (let l = 0; l < L; l++) dst[to + l] = src[from + l];
    }
  }
}

/** cm (C, B·L) ← x (B, C·L). */
export function nchwToChannelMajor<T extends FloatArray>(x: Matrix<T>, batch: number, cm: Matrix<T>): void {
  const C = cm.rows;
  const L = batch > 0 ? cm.cols / batch : 0;
  const src = x.data;
  const dst = cm.data;
  for (let c = 0; c < C; c++) {
    const row = c * cm.cols;
    for (let i = 0; i < batch; i++) {
      const from = (i * C + c) * L;
      const to = row + i * L;
      for (let l = 0; l < L; l++) dst[to + l] = src[from + l];
    }
  }
}
