/**
 * C (m, n) = alpha · op(A) (m, k) · op(B) (k, n) + beta · C, cache-blocked as in GotoBLAS /
 * BLIS (Goto & van de Geijn, "Anatomy of high-performance matrix multiplication", 2008):
 *
 *   for each NC-wide column block of C:
 *     for each KC-deep slice of k:       pack op(B)[pc.., jc..] into B̃ (KC, NC) — stays in L3/L2
 *       for each MC-tall row block:      pack op(A)[ic.., pc..] into Ã (MC, KC) — stays in L2
 *         for each 4-column sliver of B̃ (L1), each 4-row sliver of Ã:
 *           4×4 register-blocked micro-kernel: 16 running sums over KC rank-1 updates.
 *
 * Packing reads A and B through (row, column) strides, so all four transpose combinations
 * share one micro-kernel; slivers are laid out p-major (4 values per step of p) and padded
 * with zeros to a multiple of 4, so the micro-kernel never branches on the edge. Both
 * element types are packed into float64 scratch: the micro-kernel then sees a single array
 * type (monomorphic in V8) and accumulates in float64 (more accurate than sgemm's float32;
 * C itself is rounded once per KC slice). The scratch is kept between calls and only grows,
 * so repeated same-size calls allocate nothing.
 *
 * beta is applied to C first, as in the reference BLAS: beta = 0 writes zeros (old NaN is
 * discarded), and alpha = 0 or k = 0 leaves C = beta · C without reading A or B.
 */
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import { checkGemm, checkGemmBatch, checkSyrk } from "../checks.js";
import type { GemmOptions, MatrixBatch, SyrkOptions } from "../kernels.js";

const MR = 4;
const NR = 4;
/** Depth of a packed slice: a 4-wide sliver (KC · 4 doubles = 8 KiB) fits in L1. */
const KC = 256;
/** Rows of a packed Ã block (MC · KC doubles = 256 KiB, L2). A multiple of MR. */
const MC = 128;
/** Columns of a packed B̃ block (KC · NC doubles = 2 MiB, L2/L3). A multiple of NR. */
const NC = 1024;

const NO_OPTIONS: GemmOptions = Object.freeze({});

let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
/** Edge tiles are computed in full into this 4×4 buffer, then the valid part is stored. */
const edgeTile = new Float64Array(MR * NR);

export function gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options: GemmOptions = NO_OPTIONS): void {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  checkGemm(a, b, c, transA, transB, alpha, beta);
  const k = transA ? a.rows : a.cols;
  scaleRows(c.data, 0, 1, c.data.length, c.data.length, beta);
  gemmBlocked(c.rows, c.cols, k, alpha, a.data, 0, a.cols, transA, b.data, 0, b.cols, transB, c.data, 0, c.cols);
}

/** kernels.gemmBatch: gemm on each matrix of the three batches, p = 0, 1, … in order. */
export function gemmBatch<T extends FloatArray>(a: MatrixBatch<T>, b: MatrixBatch<T>, c: MatrixBatch<T>, count: number, options: GemmOptions = NO_OPTIONS): void {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  checkGemmBatch(a, b, c, count, transA, transB, alpha, beta);
  const k = transA ? a.rows : a.cols;
  for (let p = 0; p < count; p++) {
    const cOff = c.offset + p * c.stride;
    scaleRows(c.data, cOff, c.rows, c.cols, c.ld, beta);
    gemmBlocked(c.rows, c.cols, k, alpha, a.data, a.offset + p * a.stride, a.ld, transA, b.data, b.offset + p * b.stride, b.ld, transB, c.data, cOff, c.ld);
  }
}

/**
 * C (m, n) at c[cOff …] (row stride ldc), already scaled by beta, += alpha · op(A) · op(B),
 * with A stored row-major from aOff with leading dimension lda (B likewise).
 */
function gemmBlocked(m: number, n: number, k: number, alpha: number, a: FloatArray, aOff: number, lda: number, transA: boolean, b: FloatArray, bOff: number, ldb: number, transB: boolean, c: FloatArray, cOff: number, ldc: number): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  // op(A)[i][p] = a[aOff + i·aRow + p·aCol], op(B)[p][j] = b[bOff + p·bRow + j·bCol].
  const aRow = transA ? 1 : lda;
  const aCol = transA ? lda : 1;
  const bRow = transB ? 1 : ldb;
  const bCol = transB ? ldb : 1;
  const needA = roundUp(Math.min(m, MC), MR) * Math.min(k, KC);
  const needB = roundUp(Math.min(n, NC), NR) * Math.min(k, KC);
  if (packedA.length < needA) packedA = new Float64Array(needA);
  if (packedB.length < needB) packedB = new Float64Array(needB);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      pack(b, bOff, bCol, bRow, jc, pc, nc, kc, NR, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        pack(a, aOff, aRow, aCol, ic, pc, mc, kc, MR, packedA);
        macroKernel(mc, nc, kc, alpha, c, cOff + ic * ldc + jc, ldc);
      }
    }
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

/** beta · the (rows, cols) block at data[off …] with row stride ld; beta = 0 writes zeros. */
function scaleRows(data: FloatArray, off: number, rows: number, cols: number, ld: number, beta: number): void {
  if (beta === 1) return;
  for (let i = 0; i < rows; i++) {
    const start = off + i * ld;
    if (beta === 0) data.fill(0, start, start + cols);
    else for (let j = start; j < start + cols; j++) data[j] *= beta;
  }
}

/**
 * Packs the block X[x0 .. x0+len, p0 .. p0+kc] of a strided operand (element (x, p) at
 * src[base0 + x·xStride + p·pStride]) into slivers of `w` consecutive x: sliver s holds, for each
 * p, the w values X[x0 + s·w + 0..w−1, p0 + p] (zeros past `len`). op(A) is packed with
 * x = row, op(B) with x = column.
 */
function pack(src: FloatArray, base0: number, xStride: number, pStride: number, x0: number, p0: number, len: number, kc: number, w: number, dst: Float64Array): void {
  for (let s = 0; s < len; s += w) {
    const base = s * kc;
    const valid = Math.min(w, len - s);
    for (let t = 0; t < w; t++) {
      if (t >= valid) {
        for (let p = 0; p < kc; p++) dst[base + p * w + t] = 0;
        continue;
      }
      const row = base0 + (x0 + s + t) * xStride + p0 * pStride;
      for (let p = 0; p < kc; p++) dst[base + p * w + t] = src[row + p * pStride];
    }
  }
}

/** C block (mc, nc) at cOff (row stride ldc) += alpha · Ã B̃ over one KC slice. */
function macroKernel(mc: number, nc: number, kc: number, alpha: number, c: FloatArray, cOff: number, ldc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      const at = cOff + ir * ldc + jr;
      if (mr === MR && nr === NR) {
        microKernel(packedA, ir * kc, packedB, jr * kc, kc, alpha, c, at, ldc);
      } else {
        edgeTile.fill(0);
        microKernel(packedA, ir * kc, packedB, jr * kc, kc, 1, edgeTile, 0, NR);
        for (let r = 0; r < mr; r++) for (let q = 0; q < nr; q++) c[at + r * ldc + q] += alpha * edgeTile[r * NR + q];
      }
    }
  }
}

/**
 * The 4×4 register block: c[r][q] += alpha · Σ_p ã[p][r] · b̃[p][q] for one pair of slivers.
 * Sixteen scalar accumulators keep the running sums out of memory.
 */
function microKernel(ap: Float64Array, aOff: number, bp: Float64Array, bOff: number, kc: number, alpha: number, c: FloatArray, cOff: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0, ai = aOff, bi = bOff; p < kc; p++, ai += MR, bi += NR) {
    const a0 = ap[ai], a1 = ap[ai + 1], a2 = ap[ai + 2], a3 = ap[ai + 3];
    const b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  let o = cOff;
  c[o] += alpha * c00; c[o + 1] += alpha * c01; c[o + 2] += alpha * c02; c[o + 3] += alpha * c03;
  o += ldc;
  c[o] += alpha * c10; c[o + 1] += alpha * c11; c[o + 2] += alpha * c12; c[o + 3] += alpha * c13;
  o += ldc;
  c[o] += alpha * c20; c[o + 1] += alpha * c21; c[o + 2] += alpha * c22; c[o + 3] += alpha * c23;
  o += ldc;
  c[o] += alpha * c30; c[o + 1] += alpha * c31; c[o + 2] += alpha * c32; c[o + 3] += alpha * c33;
}

/**
 * syrk as gemm of A·Aᵀ (AᵀA with `trans`), then the upper triangle mirrored into the lower:
 * the semantics of BLAS syrk with uplo = upper (kernels.ts), which the native set runs.
 */
export function syrk<T extends FloatArray>(a: Matrix<T>, c: Matrix<T>, options: SyrkOptions = {}): void {
  const trans = options.trans ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  checkSyrk(a, c, trans, alpha, beta);
  gemm(a, a, c, { transA: trans, transB: !trans, alpha, beta });
  mirrorUpper(c.data, c.rows);
}

/** C[j][i] = C[i][j] for i < j: the lower triangle of a row-major (n, n) C from its upper. */
export function mirrorUpper(c: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) c[j * n + i] = c[i * n + j];
}
