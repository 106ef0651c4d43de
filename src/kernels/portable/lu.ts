/**
 * Solves A X = B for square A (n, n), B (n, r) by LU factorisation with partial pivoting,
 * P A = L U (LAPACK getrf + getrs, together gesv), computed in float64.
 *
 * Right-looking elimination on a row-major copy: at step k the pivot is the first entry of
 * largest magnitude in column k at or below the diagonal (idamax), rows are swapped in both
 * A and B, and each row below is updated by a contiguous axpy. The same row operations are
 * applied to B, so only back substitution with U remains. An exactly zero pivot means A is
 * singular; like gesv, report U(k, k) = 0 with k 1-based.
 */
import { NumericalError } from "../../errors.js";
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import { checkSolve } from "../checks.js";
import { assertFinite, lapackName, matrixLike, widen } from "./float64.js";

export function solve<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>): Matrix<T> {
  checkSolve("solve", a, b);
  assertFinite("gesv", a);
  const n = a.rows;
  const r = b.cols;
  const lu = widen(a.data);
  const x = widen(b.data);
  for (let k = 0; k < n; k++) {
    let p = k;
    let big = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > big) {
        big = v;
        p = i;
      }
    }
    if (big === 0) {
      throw new NumericalError(lapackName("gesv", a), `matrix (${n}, ${n}) is exactly singular (U(${k + 1},${k + 1}) = 0)`);
    }
    if (p !== k) {
      swapRows(lu, k * n, p * n, n);
      swapRows(x, k * r, p * r, r);
    }
    const pivot = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k] / pivot;
      lu[i * n + k] = f;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
      for (let c = 0; c < r; c++) x[i * r + c] -= f * x[k * r + c];
    }
  }
  // U X = Y, column-oriented: once row i of X is final, remove it from the rows above.
  for (let i = n - 1; i >= 0; i--) {
    const d = lu[i * n + i];
    for (let c = 0; c < r; c++) x[i * r + c] /= d;
    for (let k = 0; k < i; k++) {
      const u = lu[k * n + i];
      for (let c = 0; c < r; c++) x[k * r + c] -= u * x[i * r + c];
    }
  }
  return matrixLike(b, n, r, x);
}

function swapRows(w: Float64Array, rowA: number, rowB: number, len: number): void {
  for (let c = 0; c < len; c++) {
    const t = w[rowA + c];
    w[rowA + c] = w[rowB + c];
    w[rowB + c] = t;
  }
}
