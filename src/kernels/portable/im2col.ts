/**
 * im2col / col2im, the reference semantics of the Kernels contract (kernels.ts): patches of
 * a NCHW batch unfolded into the columns of a (C·kh·kw, B·outH·outW) matrix, and the adjoint
 * that adds them back. Generic in the element type, so the same code unfolds float64 data
 * for the growth statistics (conv/unfold.ts).
 *
 * Loop order (row of cols, then image, then output row) keeps every inner loop a
 * contiguous run over ow; per kernel column v the valid range [owLo, owHi) of ow (source
 * inside the image) is computed once, so the inner loops have no bounds test. The native
 * kernels (native/im2col.cc) use the same order, so col2im's sums agree.
 */
import type { Im2colShape } from "../kernels.js";
import { checkIm2col } from "../checks.js";
import type { FloatArray, Matrix } from "../../tensor/matrix.js";

/** [owLo, owHi): the outputs ow whose source column ow·s + off lies in [0, W). */
export function validRange(outW: number, W: number, s: number, off: number): [number, number] {
  const lo = off >= 0 ? 0 : Math.ceil(-off / s);
  const hi = W - 1 - off < 0 ? 0 : Math.floor((W - 1 - off) / s) + 1;
  const a = Math.min(lo, outW);
  return [a, Math.max(a, Math.min(hi, outW))];
}

/**
 * Visits every contiguous run of the unfolding in the reference order (row of cols, then
 * image, then output row): visit(o, inside, src, lo, hi) with o the run's first element in
 * cols, inside whether the source row lies in the image, and src the element of x under
 * output ow = 0 (ow·sw added per output; only [lo, hi) lies in the image).
 */
function forEachRun(shape: Im2colShape, visit: (o: number, inside: boolean, src: number, lo: number, hi: number) => void): void {
  const { batch: B, channels: C, height: H, width: W, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw, outH, outW } = shape;
  const L = outH * outW;
  const N = B * L;
  for (let c = 0; c < C; c++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const row = (c * kh + u) * kw + v;
        const offW = v * dw - pw;
        const [lo, hi] = validRange(outW, W, sw, offW);
        for (let i = 0; i < B; i++) {
          const plane = (i * C + c) * H * W;
          let o = row * N + i * L;
          for (let oh = 0; oh < outH; oh++, o += outW) {
            const ih = oh * sh - ph + u * dh;
            visit(o, ih >= 0 && ih < H, plane + ih * W + offW, lo, hi);
          }
        }
      }
    }
  }
}

export function im2col<T extends FloatArray>(x: T, shape: Im2colShape, cols: Matrix<T>): void {
  checkIm2col("im2col", x, shape, cols);
  const { strideW: sw, outW } = shape;
  const out = cols.data;
  forEachRun(shape, (o, inside, src, lo, hi) => {
    if (!inside) {
      out.fill(0, o, o + outW);
      return;
    }
    for (let ow = 0; ow < lo; ow++) out[o + ow] = 0;
    if (sw === 1) for (let ow = lo; ow < hi; ow++) out[o + ow] = x[src + ow];
    else for (let ow = lo; ow < hi; ow++) out[o + ow] = x[src + ow * sw];
    for (let ow = hi; ow < outW; ow++) out[o + ow] = 0;
  });
}

export function col2im<T extends FloatArray>(cols: Matrix<T>, shape: Im2colShape, dx: T): void {
  checkIm2col("col2im", dx, shape, cols);
  const sw = shape.strideW;
  const g = cols.data;
  forEachRun(shape, (o, inside, dst, lo, hi) => {
    if (!inside) return;
    if (sw === 1) for (let ow = lo; ow < hi; ow++) dx[dst + ow] += g[o + ow];
    else for (let ow = lo; ow < hi; ow++) dx[dst + ow * sw] += g[o + ow];
  });
}
