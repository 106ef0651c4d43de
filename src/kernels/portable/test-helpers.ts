/**
 * Float64 reference arithmetic for the portable-kernel tests: the naive products and
 * norms that the fast or factorised results are compared against. Test-only.
 */
import { Matrix, type FloatArray, type Matrix64 } from "../../tensor/matrix.js";
import type { Rng } from "../../tensor/rng.js";

/** A (rows, cols) float64 matrix with standard normal entries. */
export function randn64(rng: Rng, rows: number, cols: number): Matrix64 {
  const m = new Matrix(rows, cols, new Float64Array(rows * cols));
  rng.fillNormal(m.data);
  return m;
}

/** op(A) · op(B) by the naive triple loop in float64. */
export function matmul64(a: Matrix, b: Matrix, transA = false, transB = false): Matrix64 {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out = new Matrix(m, n, new Float64Array(m * n));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += (transA ? a.get(p, i) : a.get(i, p)) * (transB ? b.get(j, p) : b.get(p, j));
      }
      out.set(i, j, s);
    }
  }
  return out;
}

/** A symmetric (n, n) matrix Xᵀ X / n + shift · I from a random X (n, n). */
export function randomSpd(rng: Rng, n: number, shift = 0): Matrix64 {
  const x = randn64(rng, n, n);
  const s = matmul64(x, x, true, false);
  for (let i = 0; i < s.data.length; i++) s.data[i] /= Math.max(n, 1);
  for (let i = 0; i < n; i++) s.data[i * n + i] += shift;
  return s;
}

/** A random symmetric (n, n) matrix (Y + Yᵀ) / 2. */
export function randomSymmetric(rng: Rng, n: number): Matrix64 {
  const y = randn64(rng, n, n);
  const s = new Matrix(n, n, new Float64Array(n * n));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s.set(i, j, (y.get(i, j) + y.get(j, i)) / 2);
  return s;
}

/** max |xᵢ − yᵢ| (the lengths must agree). */
export function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`maxAbsDiff: lengths ${x.length} and ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** max |xᵢ|. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** max |QᵀQ − I| over the columns of Q (m, r). */
export function orthonormalColumnsError(q: Matrix): number {
  const g = matmul64(q, q, true, false);
  for (let i = 0; i < g.rows; i++) g.data[i * g.cols + i] -= 1;
  return maxAbs(g.data);
}

/** max |Q Qᵀ − I| over the rows of Q (r, n). */
export function orthonormalRowsError(q: Matrix): number {
  const g = matmul64(q, q, false, true);
  for (let i = 0; i < g.rows; i++) g.data[i * g.cols + i] -= 1;
  return maxAbs(g.data);
}

/** U diag(s) Vt in float64. */
export function reconstructSvd(u: Matrix, s: FloatArray, vt: Matrix): Matrix64 {
  const us = new Matrix(u.rows, u.cols, Float64Array.from(u.data));
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) us.data[i * u.cols + j] *= s[j];
  return matmul64(us, vt);
}
