/**
 * Float64 reference arithmetic and matrix builders for the kernel parity tests: inputs
 * with a known decomposition (so results are checked against the truth, not only against
 * the other kernel set) and comparisons that report where they fail. Test-only.
 */
import assert from "node:assert/strict";
import { Matrix, type FloatArray, type Matrix64 } from "../../tensor/matrix.js";
import type { Rng } from "../../tensor/rng.js";
import { matmul64, maxAbs, randn64 } from "../../kernels/portable/test-helpers.js";

// Shared with the portable-kernel tests.
export { matmul64, maxAbs, randn64 };

export type Dtype = "f32" | "f64";

/** `m` with the element type `dtype` (a copy). */
export function as<T extends FloatArray = FloatArray>(dtype: Dtype, m: Matrix): Matrix<T> {
  const data = dtype === "f32" ? Float32Array.from(m.data) : Float64Array.from(m.data);
  return new Matrix(m.rows, m.cols, data as T);
}

/** A (rows, cols) matrix of standard normal entries, element type `dtype`. */
export function randomMatrix(rng: Rng, dtype: Dtype, rows: number, cols: number): Matrix {
  return as(dtype, randn64(rng, rows, cols));
}

/** (|op(A)| · |op(B)|)ᵢⱼ: the scale of the rounding error of a computed product. */
export function absProduct64(a: Matrix, b: Matrix, transA: boolean, transB: boolean): Matrix64 {
  const abs = (m: Matrix) => new Matrix(m.rows, m.cols, Float64Array.from(m.data, Math.abs));
  return matmul64(abs(a), abs(b), transA, transB);
}

/** Q (rows, cols), rows ≥ cols, with orthonormal columns: Gram–Schmidt, twice, on a Gaussian matrix. */
export function randomOrthonormal(rng: Rng, rows: number, cols: number): Matrix64 {
  const q = randn64(rng, rows, cols);
  for (let j = 0; j < cols; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q.get(i, p) * q.get(i, j);
        for (let i = 0; i < rows; i++) q.set(i, j, q.get(i, j) - dot * q.get(i, p));
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += q.get(i, j) ** 2;
    for (let i = 0; i < rows; i++) q.set(i, j, q.get(i, j) / Math.sqrt(norm));
  }
  return q;
}

/** U diag(s) Vᵀ with U (m, r) and V (n, r) given by columns. */
export function usvt64(u: Matrix, s: ArrayLike<number>, v: Matrix, vIsTransposed = false): Matrix64 {
  const us = new Matrix(u.rows, u.cols, new Float64Array(u.rows * u.cols));
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) us.set(i, j, u.get(i, j) * s[j]);
  return matmul64(us, v, false, !vIsTransposed);
}

/** Q (n, n) diag(λ) Qᵀ for a random orthogonal Q: a symmetric matrix with eigenvalues λ. */
export function symmetricWithSpectrum(rng: Rng, values: readonly number[]): Matrix64 {
  const n = values.length;
  const q = randomOrthonormal(rng, n, n);
  const a = usvt64(q, values, q);
  // Exact symmetry, so both triangles hold the same numbers.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.set(j, i, a.get(i, j));
  return a;
}

/**
 * Asserts |actual − expected| ≤ tol · scale elementwise (scale: one number, or one per
 * element); on failure reports the max difference and the first offending index.
 */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, scale: number | ArrayLike<number> = 1): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  let worst = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    const limit = tol * (typeof scale === "number" ? scale : scale[i]);
    if (!(d <= limit) && first < 0) first = i;
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  }
  if (first >= 0) {
    assert.fail(
      `${what}: max |difference| ${worst.toExponential(3)}; first beyond tolerance at index ${first}: ` +
        `${actual[first]} vs ${expected[first]} (tol ${tol} × scale)`,
    );
  }
}

/** max |QᵀQ − I| over the columns of Q (transposed: over its rows). */
export function orthonormalityError(q: Matrix, rows = false): number {
  const g = rows ? matmul64(q, q, false, true) : matmul64(q, q, true, false);
  for (let i = 0; i < g.rows; i++) g.data[i * g.cols + i] -= 1;
  return maxAbs(g.data);
}

/** Column j of Q (or row j when `rows`), times `sign`. */
export function vectorOf(q: Matrix, j: number, rows = false, sign = 1): number[] {
  const len = rows ? q.cols : q.rows;
  const out: number[] = [];
  for (let i = 0; i < len; i++) out.push(sign * (rows ? q.get(j, i) : q.get(i, j)));
  return out;
}

export function dot(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** A copy of every input's data, to check afterwards that a kernel left them alone. */
export function snapshot(...ms: Matrix[]): () => void {
  const before = ms.map((m) => m.data.slice());
  return () => ms.forEach((m, i) => assert.deepEqual(m.data, before[i], `input ${i} was modified`));
}
