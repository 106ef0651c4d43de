/**
 * The native kernel set: validates in TypeScript (checks.ts), settles zero-size cases here
 * without crossing into C++, then calls the addon with the matrices' own typed arrays.
 * LAPACK's `info` comes back as a number and becomes a NumericalError (lapack-errors.ts).
 *
 * gemm is the hot path (≈10 calls per training step on 64×50 matrices): it allocates
 * nothing beyond what checkGemm does and passes plain numbers and booleans.
 */
import { ShapeError } from "../../errors.js";
import { Matrix, type FloatArray } from "../../tensor/matrix.js";
import { checkGemm, checkSolve, checkSquare } from "../checks.js";
import type { EighResult, GemmOptions, Kernels, SvdResult } from "../kernels.js";
import type { NativeAddon } from "./addon.js";
import { checkFinite, checkInfo } from "./lapack-errors.js";

/** True for float32 data, false for float64; anything else is rejected before C++ sees it. */
function isFloat32(op: string, data: FloatArray): data is Float32Array {
  if (data instanceof Float32Array) return true;
  if (data instanceof Float64Array) return false;
  const got = (data as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof data;
  throw new ShapeError(op, "Float32Array or Float64Array data", got);
}

function allocLike<T extends FloatArray>(like: T, length: number): T {
  return (like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as T;
}

export function createNativeKernels(addon: NativeAddon): Kernels {
  function gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options?: GemmOptions): void {
    const { m, n, k, transA, transB, alpha, beta } = checkGemm(a, b, c, options);
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

  return {
    name: "native",
    gemm,
    eigh,
    svd,
    choleskySolve,
    solve,
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
