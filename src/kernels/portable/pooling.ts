/**
 * maxPool and transposeBlocks, the reference semantics of the Kernels contract (kernels.ts);
 * native/pooling.cc follows the same window order, so argmax indices agree exactly.
 */
import type { Im2colShape } from "../kernels.js";
import { badPoolIndex, checkMaxPool, checkMaxPoolBackward, checkTransposeBlocks } from "../checks.js";
import { ShapeError } from "../../errors.js";
import type { FloatArray } from "../../tensor/matrix.js";

export function maxPool<T extends FloatArray>(x: T, shape: Im2colShape, y: T, argmax: Int32Array): void {
  checkMaxPool("maxPool", x, shape, y, argmax);
  const { batch: B, channels: C, height: H, width: W, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw, outH, outW } = shape;
  let o = 0;
  for (let p = 0; p < B * C; p++) {
    const base = p * H * W;
    for (let r = 0; r < outH; r++) {
      for (let q = 0; q < outW; q++, o++) {
        let best = -Infinity;
        let at = -1;
        for (let u = 0; u < kh; u++) {
          const h = r * sh - ph + u * dh;
          if (h < 0 || h >= H) continue;
          for (let v = 0; v < kw; v++) {
            const w = q * sw - pw + v * dw;
            if (w < 0 || w >= W) continue;
            const k = base + h * W + w;
            const val = x[k];
            // The first maximum wins; a NaN replaces anything that is not NaN.
            if (at < 0 || val > best || (val !== val && best === best)) {
              best = val;
              at = k;
            }
          }
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** kernels.maxPoolBackward: dx[argmax[k]] += dy[k] for argmax[k] ≥ 0 (gated: where gate is not ≤ 0), after checking every index. */
export function maxPoolBackward<T extends FloatArray>(dy: T, argmax: Int32Array, dx: T, gate: T | null = null): void {
  checkMaxPoolBackward(dy, argmax, dx, gate);
  const bad = badPoolIndex(argmax, dx.length);
  if (bad >= 0) throw poolIndexError(bad, argmax[bad], dx.length);
  for (let k = 0; k < argmax.length; k++) {
    const j = argmax[k];
    if (j >= 0 && (gate === null || !(gate[j] <= 0))) dx[j] += dy[k];
  }
}

/** The error for argmax[k] = index outside [−1, n) (both kernel sets). */
export function poolIndexError(k: number, index: number, n: number): ShapeError {
  return new ShapeError("maxPoolBackward", `argmax indices in [−1, ${n}) (dx's length)`, `argmax[${k}] = ${index}`);
}

export function transposeBlocks<T extends FloatArray>(src: T, rows: number, cols: number, block: number, dst: T): void {
  checkTransposeBlocks(src, rows, cols, block, dst);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const from = (i * cols + j) * block;
      const to = (j * rows + i) * block;
      for (let t = 0; t < block; t++) dst[to + t] = src[from + t];
    }
  }
}
