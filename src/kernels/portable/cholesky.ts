/**
 * Solves A X = B for symmetric positive definite A (n, n), B (n, r) by the Cholesky
 * factorisation A = L Lᵀ (LAPACK potrf + potrs), computed in float64. Only the lower
 * triangle of A is read, as with potrf's uplo = "L".
 *
 * The factor is computed row by row (Cholesky–Banachiewicz), so every inner product runs
 * along two contiguous rows of L:
 *   L[i][j] = (A[i][j] − Σ_{k<j} L[i][k] L[j][k]) / L[j][j]   (j < i)
 *   L[i][i] = √(A[i][i] − Σ_{k<i} L[i][k]²)
 * The first i whose pivot is not > 0 (or is NaN) means the leading minor of order i + 1
 * is not positive definite; LAPACK reports the same order as its info.
 */
import { NumericalError } from "../../errors.js";
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import { checkSolve } from "../checks.js";
import { assertFinite, lapackName, matrixLike, widen } from "./float64.js";

export function choleskySolve<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>): Matrix<T> {
  checkSolve("choleskySolve", a, b);
  assertFinite("potrf", a, true);
  const n = a.rows;
  const r = b.cols;
  const l = choleskyLower(a);
  const x = widen(b.data);
  // L Y = B (forward substitution on whole rows of X).
  for (let i = 0; i < n; i++) {
    const xi = i * r;
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      const xk = k * r;
      for (let c = 0; c < r; c++) x[xi + c] -= lik * x[xk + c];
    }
    const d = l[i * n + i];
    for (let c = 0; c < r; c++) x[xi + c] /= d;
  }
  // Lᵀ X = Y (column-oriented back substitution: once X[i] is final, remove it from the rows above).
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * r;
    const d = l[i * n + i];
    for (let c = 0; c < r; c++) x[xi + c] /= d;
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      const xk = k * r;
      for (let c = 0; c < r; c++) x[xk + c] -= lik * x[xi + c];
    }
  }
  return matrixLike(b, n, r, x);
}

/** L (n, n) row-major, lower triangular with a positive diagonal, from the lower triangle of A. */
function choleskyLower(a: Matrix): Float64Array {
  const n = a.rows;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let j = 0; j <= i; j++) {
      const lj = j * n;
      let s = a.data[li + j];
      for (let k = 0; k < j; k++) s -= l[li + k] * l[lj + k];
      if (j < i) {
        l[li + j] = s / l[lj + j];
      } else if (s > 0) {
        l[li + i] = Math.sqrt(s);
      } else {
        throw new NumericalError(lapackName("potrf", a), `matrix (${n}, ${n}) is not positive definite (leading minor ${i + 1})`);
      }
    }
  }
  return l;
}
