import { test } from "node:test";
import assert from "node:assert/strict";
import { NumericalError, ShapeError } from "../../errors.js";
import { fromArrays64, Matrix, toFloat32, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { eigh, eighWithLimit } from "./eigh.js";
import { matmul64, maxAbs, maxAbsDiff, orthonormalColumnsError, randomSpd, randomSymmetric } from "./test-helpers.js";

/** Relative to ‖A‖max: backward error of a stable float64 eigensolver for these sizes. */
const TOL64 = 1e-13;
/** Float32 outputs of a float64 computation: the rounding of the result dominates. */
const TOL32 = 1e-6;

function reconstructionError(a: Matrix64, values: ArrayLike<number>, q: Matrix): number {
  const n = a.rows;
  const ql = new Matrix(n, n, Float64Array.from(q.data));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ql.data[i * n + j] *= values[j];
  return maxAbsDiff(matmul64(ql, q, false, true).data, a.data) / Math.max(maxAbs(a.data), 1e-300);
}

function assertAscending(values: ArrayLike<number>): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] <= values[i], `values[${i - 1}] > values[${i}]`);
}

test("eigh: random symmetric matrices reconstruct with orthonormal, ascending eigenvectors", () => {
  const rng = new Rng(1);
  for (const n of [2, 3, 5, 17, 64]) {
    const a = randomSymmetric(rng, n);
    const { values, vectors } = eigh(a);
    assert.ok(values instanceof Float64Array);
    assert.equal(vectors.rows, n);
    assert.equal(vectors.cols, n);
    assertAscending(values);
    assert.ok(reconstructionError(a, values, vectors) < TOL64, `n=${n}`);
    assert.ok(orthonormalColumnsError(vectors) < TOL64, `n=${n}`);
  }
});

test("eigh: reads only the lower triangle", () => {
  const rng = new Rng(2);
  const a = randomSymmetric(rng, 6);
  const lowerOnly = a.clone();
  for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) lowerOnly.set(i, j, 1e6 * (i + j));
  const { values, vectors } = eigh(lowerOnly);
  assert.ok(reconstructionError(a, values, vectors) < TOL64);
  assert.deepEqual(eigh(a).values, values);
});

test("eigh: does not modify its input", () => {
  const a = randomSymmetric(new Rng(3), 5);
  const before = a.data.slice();
  eigh(a);
  assert.deepEqual(a.data, before);
});

test("eigh: 2×2 closed form", () => {
  const [p, q, r] = [2, 1.5, -1];
  const a = fromArrays64([
    [p, q],
    [q, r],
  ]);
  const mean = (p + r) / 2;
  const radius = Math.hypot((p - r) / 2, q);
  const { values, vectors } = eigh(a);
  assert.ok(Math.abs(values[0] - (mean - radius)) < TOL64 * 4);
  assert.ok(Math.abs(values[1] - (mean + radius)) < TOL64 * 4);
  // (A − λI) v = 0 for each column.
  for (let j = 0; j < 2; j++) {
    const v0 = vectors.get(0, j);
    const v1 = vectors.get(1, j);
    assert.ok(Math.abs((p - values[j]) * v0 + q * v1) < TOL64 * 4);
    assert.ok(Math.abs(q * v0 + (r - values[j]) * v1) < TOL64 * 4);
  }
});

test("eigh: diagonal matrix gives its sorted diagonal and a signed permutation", () => {
  const diag = [3, -1, 7, 0, 2];
  const n = diag.length;
  const a = zeros64(n, n);
  diag.forEach((v, i) => a.set(i, i, v));
  const { values, vectors } = eigh(a);
  assert.deepEqual(Array.from(values), [...diag].sort((x, y) => x - y));
  for (let j = 0; j < n; j++) {
    const i = diag.indexOf(values[j]);
    assert.equal(Math.abs(vectors.get(i, j)), 1);
  }
});

test("eigh: repeated eigenvalues keep an orthonormal basis of the eigenspace", () => {
  // A = Q diag(1, 1, 1, 4, 4) Qᵀ with a random orthogonal Q (from a previous eigh).
  const rng = new Rng(4);
  const q = eigh(randomSymmetric(rng, 5)).vectors;
  const lambda = [1, 1, 1, 4, 4];
  const ql = q.clone();
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) ql.data[i * 5 + j] *= lambda[j];
  const a = matmul64(ql, q, false, true);
  const { values, vectors } = eigh(a);
  assert.ok(maxAbsDiff(values, lambda) < TOL64 * 10);
  assert.ok(orthonormalColumnsError(vectors) < TOL64);
  assert.ok(reconstructionError(a, values, vectors) < TOL64);
});

test("eigh: identity, zero matrix, n = 1 and n = 0", () => {
  const id = eigh(fromArrays64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]));
  assert.deepEqual(Array.from(id.values), [1, 1, 1]);
  assert.ok(orthonormalColumnsError(id.vectors) === 0);
  const zero = eigh(zeros64(4, 4));
  assert.deepEqual(Array.from(zero.values), [0, 0, 0, 0]);
  assert.ok(orthonormalColumnsError(zero.vectors) === 0);
  const one = eigh(fromArrays64([[-2.5]]));
  assert.deepEqual(Array.from(one.values), [-2.5]);
  assert.deepEqual(Array.from(one.vectors.data), [1]);
  const empty = eigh(zeros64(0, 0));
  assert.equal(empty.values.length, 0);
  assert.equal(empty.vectors.data.length, 0);
});

test("eigh: rank-deficient PSD matrix has (near-)zero eigenvalues, non-negative to rounding", () => {
  const rng = new Rng(5);
  const n = 30;
  const rank = 7;
  const x = new Matrix(n, rank, new Float64Array(n * rank));
  rng.fillNormal(x.data);
  const a = matmul64(x, x, false, true);
  const { values, vectors } = eigh(a);
  const scale = values[n - 1];
  for (let j = 0; j < n - rank; j++) assert.ok(Math.abs(values[j]) < TOL64 * scale, `λ${j} = ${values[j]}`);
  for (let j = n - rank; j < n; j++) assert.ok(values[j] > 1e-3 * scale);
  assert.ok(orthonormalColumnsError(vectors) < TOL64);
  assert.ok(reconstructionError(a, values, vectors) < TOL64);
});

test("eigh: SPD eigenvalues are positive and match the trace", () => {
  const a = randomSpd(new Rng(6), 40, 0.1);
  const { values } = eigh(a);
  assert.ok(values[0] > 0);
  let trace = 0;
  for (let i = 0; i < 40; i++) trace += a.get(i, i);
  const sum = values.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - trace) < TOL64 * trace);
});

test("eigh: float32 input gives float32 outputs of float64 accuracy", () => {
  const a = toFloat32(randomSymmetric(new Rng(7), 12));
  const { values, vectors } = eigh(a);
  assert.ok(values instanceof Float32Array);
  assert.ok(vectors.data instanceof Float32Array);
  assertAscending(values);
  const a64 = new Matrix(12, 12, Float64Array.from(a.data));
  assert.ok(reconstructionError(a64, values, vectors) < TOL32);
  assert.ok(orthonormalColumnsError(vectors) < TOL32);
});

test("eigh: a non-square matrix is a ShapeError, a non-finite entry a NumericalError", () => {
  assert.throws(() => eigh(zeros64(2, 3)), (e: unknown) => e instanceof ShapeError && e.message === "eigh: expected a square matrix, got A (2, 3)");
  const a = zeros64(3, 3);
  a.set(2, 1, Number.NaN);
  assert.throws(() => eigh(a), (e: unknown) => e instanceof NumericalError && e.message === "dsyevd: matrix (3, 3) has a non-finite entry at (2, 1)");
  a.set(2, 1, 0);
  a.set(1, 2, Number.NaN); // upper triangle: never read
  assert.doesNotThrow(() => eigh(a));
  const b = toFloat32(zeros64(2, 2));
  b.data[0] = Number.POSITIVE_INFINITY;
  assert.throws(() => eigh(b), /^NumericalError: ssyevd: matrix \(2, 2\) has a non-finite entry at \(0, 0\)$/);
});

test("eigh: QL iterations that do not converge are a NumericalError", () => {
  const a = randomSymmetric(new Rng(8), 10);
  assert.throws(
    () => eighWithLimit(a, 1),
    (e: unknown) => e instanceof NumericalError && /^dsyevd: matrix \(10, 10\): QL iteration did not converge for eigenvalue \d+$/.test(e.message),
  );
});

test("eigh: widely scaled entries neither overflow nor underflow", () => {
  for (const scale of [1e-300, 1e-200, 1e200, 1e300]) {
    const a = randomSymmetric(new Rng(9), 8);
    for (let i = 0; i < a.data.length; i++) a.data[i] *= scale;
    const { values, vectors } = eigh(a);
    assert.ok(reconstructionError(a, values, vectors) < TOL64, `scale ${scale}`);
    assert.ok(orthonormalColumnsError(vectors) < TOL64, `scale ${scale}`);
  }
});
