/**
 * The native kernel set: validates in TypeScript (checks.ts), settles zero-size cases here
 * without crossing into C++, then calls the addon with the matrices' own typed arrays.
 * LAPACK's `info` comes back as a number and becomes a NumericalError (lapack-errors.ts).
 *
 * gemm and the element-wise kernels are the hot path (≈20 calls per training step on
 * 64×50 matrices): one addon call each, with plain numbers, booleans and the matrices'
 * typed arrays; nothing allocated.
 */
import { ShapeError } from "../../errors.js";
import { Matrix, type FloatArray } from "../../tensor/matrix.js";
import {
  checkActivationBackward, checkActivationForward, checkGemm, checkGemmBatch, checkSyrk, checkIm2col, checkMaxPool, checkMaxPoolBackward, checkStorage, checkTransposeBlocks, checkRowVector, checkSgdStep, checkSolve, checkSquare, IM2COL_FIELDS,
} from "../../kernels/checks.js";
import type { ActivationName, EighResult, GemmOptions, Im2colShape, Kernels, MatrixBatch, SgdCoefficients, SvdResult, SyrkOptions } from "../../kernels/kernels.js";
import { poolIndexError } from "../../kernels/portable/pooling.js";
import type { NativeAddon } from "./addon.js";
import { mirrorUpper } from "../../kernels/portable/gemm.js";
import { checkFinite, checkInfo } from "./lapack-errors.js";

/** True for float32 data, false for float64; anything else is rejected before C++ sees it. */
function isFloat32(op: string, data: FloatArray): data is Float32Array {
  if (data instanceof Float32Array) return true;
  if (data instanceof Float64Array) return false;
  const got = (data as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof data;
  throw new ShapeError(op, "Float32Array or Float64Array data", got);
}

const NO_OPTIONS: GemmOptions = Object.freeze({});

function allocLike<T extends FloatArray>(like: T, length: number): T {
  return (like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as T;
}

export function createNativeKernels(addon: NativeAddon): Kernels {
  function gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options: GemmOptions = NO_OPTIONS): void {
    const transA = options.transA ?? false;
    const transB = options.transB ?? false;
    const alpha = options.alpha ?? 1;
    const beta = options.beta ?? 0;
    checkGemm(a, b, c, transA, transB, alpha, beta);
    const m = c.rows;
    const n = c.cols;
    const k = transA ? a.rows : a.cols;
    const cd: FloatArray = c.data;
    if (isFloat32("gemm", cd)) {
      if (m === 0 || n === 0) return;
      if (k === 0 || alpha === 0) return scale(cd, beta);
      addon.sgemm(transA, transB, m, n, k, alpha, a.data as Float32Array, a.cols, b.data as Float32Array, b.cols, beta, cd, n);
    } else {
      if (m === 0 || n === 0) return;
      if (k === 0 || alpha === 0) return scale(cd, beta);
      addon.dgemm(transA, transB, m, n, k, alpha, a.data as Float64Array, a.cols, b.data as Float64Array, b.cols, beta, cd, n);
    }
  }

  function gemmBatch<T extends FloatArray>(a: MatrixBatch<T>, b: MatrixBatch<T>, c: MatrixBatch<T>, count: number, options: GemmOptions = NO_OPTIONS): void {
    const transA = options.transA ?? false;
    const transB = options.transB ?? false;
    const alpha = options.alpha ?? 1;
    const beta = options.beta ?? 0;
    checkGemmBatch(a, b, c, count, transA, transB, alpha, beta);
    const k = transA ? a.rows : a.cols;
    const cd: FloatArray = c.data;
    if (isFloat32("gemmBatch", cd)) {
      addon.sgemmBatch(transA, transB, c.rows, c.cols, k, alpha, a.data as Float32Array, a.offset, a.ld, a.stride, b.data as Float32Array, b.offset, b.ld, b.stride, beta, cd, c.offset, c.ld, c.stride, count);
    } else {
      addon.dgemmBatch(transA, transB, c.rows, c.cols, k, alpha, a.data as Float64Array, a.offset, a.ld, a.stride, b.data as Float64Array, b.offset, b.ld, b.stride, beta, cd, c.offset, c.ld, c.stride, count);
    }
  }

  function syrk<T extends FloatArray>(a: Matrix<T>, c: Matrix<T>, options: SyrkOptions = NO_OPTIONS): void {
    const trans = options.trans ?? false;
    const alpha = options.alpha ?? 1;
    const beta = options.beta ?? 0;
    checkSyrk(a, c, trans, alpha, beta);
    const n = c.rows;
    const k = trans ? a.rows : a.cols;
    const cd: FloatArray = c.data;
    if (n === 0) return;
    if (k === 0 || alpha === 0) {
      scale(cd, beta);
      return mirrorUpper(cd, n);
    }
    if (isFloat32("syrk", cd)) addon.ssyrk(trans, n, k, alpha, a.data as Float32Array, a.cols, beta, cd, n);
    else addon.dsyrk(trans, n, k, alpha, a.data as Float64Array, a.cols, beta, cd, n);
  }

  function eigh<T extends FloatArray>(a: Matrix<T>): EighResult<T> {
    const n = checkSquare("eigh", a);
    const f32 = isFloat32("eigh", a.data);
    checkFinite("syevd", a.data, n, n, true);
    const values = allocLike(a.data, n);
    const vectors = allocLike(a.data, n * n);
    if (n > 0) {
      const info = f32
        ? addon.ssyevd(n, a.data as Float32Array, values as Float32Array, vectors as Float32Array)
        : addon.dsyevd(n, a.data as Float64Array, values as Float64Array, vectors as Float64Array);
      checkInfo("syevd", a.data, info, n, n);
    }
    return { values, vectors: new Matrix(n, n, vectors) };
  }

  function svd<T extends FloatArray>(a: Matrix<T>): SvdResult<T> {
    checkStorage("svd", "A", a);
    const { rows: m, cols: n } = a;
    const r = Math.min(m, n);
    const f32 = isFloat32("svd", a.data);
    checkFinite("gesdd", a.data, m, n);
    const u = allocLike(a.data, m * r);
    const s = allocLike(a.data, r);
    const vt = allocLike(a.data, r * n);
    if (r > 0) {
      const info = f32
        ? addon.sgesdd(m, n, a.data as Float32Array, u as Float32Array, s as Float32Array, vt as Float32Array)
        : addon.dgesdd(m, n, a.data as Float64Array, u as Float64Array, s as Float64Array, vt as Float64Array);
      checkInfo("gesdd", a.data, info, m, n);
    }
    return { u: new Matrix(m, r, u), s, vt: new Matrix(r, n, vt) };
  }

  function choleskySolve<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>): Matrix<T> {
    checkSolve("choleskySolve", a, b);
    const n = a.rows;
    const r = b.cols;
    const f32 = isFloat32("choleskySolve", a.data);
    checkFinite("potrf", a.data, n, n, true);
    const x = allocLike(a.data, n * r);
    if (n > 0) {
      const info = f32
        ? addon.sposv(n, r, a.data as Float32Array, b.data as Float32Array, x as Float32Array)
        : addon.dposv(n, r, a.data as Float64Array, b.data as Float64Array, x as Float64Array);
      checkInfo("potrf", a.data, info, n, n);
    }
    return new Matrix(n, r, x);
  }

  function solve<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>): Matrix<T> {
    checkSolve("solve", a, b);
    const n = a.rows;
    const r = b.cols;
    const f32 = isFloat32("solve", a.data);
    checkFinite("gesv", a.data, n, n);
    const x = allocLike(a.data, n * r);
    if (n > 0) {
      const info = f32
        ? addon.sgesv(n, r, a.data as Float32Array, b.data as Float32Array, x as Float32Array)
        : addon.dgesv(n, r, a.data as Float64Array, b.data as Float64Array, x as Float64Array);
      checkInfo("gesv", a.data, info, n, n);
    }
    return new Matrix(n, r, x);
  }

  function activationForward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>): void {
    const code = checkActivationForward(name, pre, post);
    const x: FloatArray = pre.data;
    const n = x.length;
    if (isFloat32("activationForward", x)) addon.sactivationForward(code, n, x, post.data as Float32Array);
    else addon.dactivationForward(code, n, x, post.data as Float64Array);
  }

  function activationBackward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>, dPost: Matrix<T>, dPre: Matrix<T>): void {
    const code = checkActivationBackward(name, pre, post, dPost, dPre);
    const x: FloatArray = pre.data;
    const n = x.length;
    if (isFloat32("activationBackward", x)) {
      addon.sactivationBackward(code, n, x, post.data as Float32Array, dPost.data as Float32Array, dPre.data as Float32Array);
    } else {
      addon.dactivationBackward(code, n, x, post.data as Float64Array, dPost.data as Float64Array, dPre.data as Float64Array);
    }
  }

  function addRowVector<T extends FloatArray>(y: Matrix<T>, b: T): void {
    checkRowVector("addRowVector", y, "Y", b, "b");
    const yd: FloatArray = y.data;
    if (isFloat32("addRowVector", yd)) addon.saddRowVector(y.rows, y.cols, yd, b as Float32Array);
    else addon.daddRowVector(y.rows, y.cols, yd, b as Float64Array);
  }

  function addColumnSums<T extends FloatArray>(dY: Matrix<T>, db: T): void {
    checkRowVector("addColumnSums", dY, "dY", db, "db");
    const g: FloatArray = dY.data;
    if (isFloat32("addColumnSums", g)) addon.saddColumnSums(dY.rows, dY.cols, g, db as Float32Array);
    else addon.daddColumnSums(dY.rows, dY.cols, g, db as Float64Array);
  }

  /** [lr, momentum, gradScale, weightDecay] for the addon, refilled on every call. */
  const sgdCoefficients = new Float64Array(4);

  function sgdStep<T extends FloatArray>(p: T, grad: T, buf: T | null, c: SgdCoefficients): void {
    checkSgdStep(p, grad, buf, c);
    const k = sgdCoefficients;
    k[0] = c.lr;
    k[1] = c.momentum;
    k[2] = c.gradScale;
    k[3] = c.weightDecay;
    const pd: FloatArray = p;
    if (isFloat32("sgdStep", pd)) addon.ssgdStep(pd.length, pd, grad as Float32Array, buf as Float32Array | null, k, c.nesterov);
    else addon.dsgdStep(pd.length, pd, grad as Float64Array, buf as Float64Array | null, k, c.nesterov);
  }

  /** The 14 geometry fields for the addon, refilled on every call. */
  const im2colFields = new Int32Array(IM2COL_FIELDS.length);

  function packShape(shape: Im2colShape): Int32Array {
    const f = im2colFields;
    for (let i = 0; i < IM2COL_FIELDS.length; i++) f[i] = shape[IM2COL_FIELDS[i]];
    return f;
  }

  function im2col<T extends FloatArray>(x: T, shape: Im2colShape, cols: Matrix<T>): void {
    checkIm2col("im2col", x, shape, cols);
    const xd: FloatArray = x;
    if (isFloat32("im2col", xd)) addon.sim2col(packShape(shape), xd, cols.data as Float32Array);
    else addon.dim2col(packShape(shape), xd, cols.data as Float64Array);
  }

  function col2im<T extends FloatArray>(cols: Matrix<T>, shape: Im2colShape, dx: T): void {
    checkIm2col("col2im", dx, shape, cols);
    const xd: FloatArray = dx;
    if (isFloat32("col2im", xd)) addon.scol2im(packShape(shape), cols.data as Float32Array, xd);
    else addon.dcol2im(packShape(shape), cols.data as Float64Array, xd);
  }

  function maxPool<T extends FloatArray>(x: T, shape: Im2colShape, y: T, argmax: Int32Array): void {
    checkMaxPool("maxPool", x, shape, y, argmax);
    const xd: FloatArray = x;
    if (isFloat32("maxPool", xd)) addon.smaxPool(packShape(shape), xd, y as Float32Array, argmax);
    else addon.dmaxPool(packShape(shape), xd, y as Float64Array, argmax);
  }

  function maxPoolBackward<T extends FloatArray>(dy: T, argmax: Int32Array, dx: T, gate: T | null = null): void {
    checkMaxPoolBackward(dy, argmax, dx, gate);
    const g: FloatArray = dy;
    const bad = isFloat32("maxPoolBackward", g) ? addon.smaxPoolBackward(g, argmax, dx as Float32Array, gate as Float32Array | null) : addon.dmaxPoolBackward(g, argmax, dx as Float64Array, gate as Float64Array | null);
    if (bad >= 0) throw poolIndexError(bad, argmax[bad], dx.length);
  }

  function transposeBlocks<T extends FloatArray>(src: T, rows: number, cols: number, block: number, dst: T): void {
    checkTransposeBlocks(src, rows, cols, block, dst);
    const s: FloatArray = src;
    if (isFloat32("transposeBlocks", s)) addon.stransposeBlocks(rows, cols, block, s, dst as Float32Array);
    else addon.dtransposeBlocks(rows, cols, block, s, dst as Float64Array);
  }

  return {
    name: "native",
    gemm,
    gemmBatch,
    syrk,
    eigh,
    svd,
    choleskySolve,
    solve,
    activationForward,
    activationBackward,
    addRowVector,
    addColumnSums,
    sgdStep,
    im2col,
    col2im,
    maxPool,
    maxPoolBackward,
    transposeBlocks,
    numThreads: () => addon.numThreads(),
    setNumThreads(n: number): void {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected an integer ≥ 1, got ${n}`);
      addon.setNumThreads(n);
    },
  };
}

/**
 * C = beta · C, the whole of gemm when k = 0 or alpha = 0 (A and B are then not read, as
 * in the reference BLAS); beta = 0 overwrites, so NaN in C does not survive.
 */
function scale(c: FloatArray, beta: number): void {
  if (beta === 0) c.fill(0);
  else if (beta !== 1) for (let i = 0; i < c.length; i++) c[i] *= beta;
}
