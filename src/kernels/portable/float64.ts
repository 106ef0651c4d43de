/**
 * Precision plumbing for the portable factorisations: eigh, svd and the solves always
 * compute in float64 (a float32 input is widened once on entry) and hand back results
 * with the input's element type, as the contract requires.
 */
import { NumericalError } from "../../errors.js";
import { Matrix, type FloatArray } from "../../tensor/matrix.js";

/** A float64 copy of `data` (always a copy: the kernels never modify their inputs). */
export function widen(data: FloatArray): Float64Array {
  return Float64Array.from(data);
}

/** `data64` as an array of `like`'s element type (the same array when that is float64). */
export function narrowLike<T extends FloatArray>(like: T, data64: Float64Array): T {
  if (like instanceof Float64Array) return data64 as T;
  return Float32Array.from(data64) as T;
}

/** A (rows, cols) matrix of `like`'s element type holding `data64`. */
export function matrixLike<T extends FloatArray>(like: Matrix<T>, rows: number, cols: number, data64: Float64Array): Matrix<T> {
  return new Matrix(rows, cols, narrowLike(like.data, data64));
}

/**
 * The LAPACK name of `routine` in the precision of `like` ("potrf" → "dpotrf" or "spotrf"),
 * so that NumericalError messages read the same from the portable and the native kernels.
 */
export function lapackName(routine: string, like: Matrix): string {
  return (like.data instanceof Float64Array ? "d" : "s") + routine;
}

/**
 * Throws NumericalError(`routine`) at the first NaN/±Inf of A in row-major order (only the
 * lower triangle when `lowerOnly`, for the symmetric routines), with the native set's text.
 */
export function assertFinite(routine: string, a: Matrix, lowerOnly = false): void {
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) {
    const end = lowerOnly ? Math.min(i + 1, cols) : cols;
    for (let j = 0; j < end; j++) {
      if (!Number.isFinite(data[i * cols + j])) {
        throw new NumericalError(lapackName(routine, a), `matrix (${rows}, ${cols}) has a non-finite entry at (${i}, ${j})`);
      }
    }
  }
}
