import { test } from "node:test";
import assert from "node:assert/strict";
import { NumericalError } from "../../errors.js";
import { fromArrays64, Matrix, toFloat32, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { eigh } from "./eigh.js";
import { svd, svdWithLimit } from "./svd.js";
import {
  matmul64,
  maxAbs,
  maxAbsDiff,
  orthonormalColumnsError,
  orthonormalRowsError,
  randn64,
  randomSymmetric,
  reconstructSvd,
} from "./test-helpers.js";

/** Relative to max |a|: backward error and orthogonality of a float64 SVD at these sizes. */
const TOL64 = 1e-13;
/** Float32 outputs of a float64 computation. */
const TOL32 = 1e-6;
/** s² against eig(AᵀA): eigh is accurate to ε·s_max², so compare s to √(ε)-level absolute. */
const TOL_GRAM = 1e-7;

function checkSvd(a: Matrix64, tol = TOL64): void {
  const { u, s, vt } = svd(a);
  const r = Math.min(a.rows, a.cols);
  assert.equal(u.rows, a.rows);
  assert.equal(u.cols, r);
  assert.equal(s.length, r);
  assert.equal(vt.rows, r);
  assert.equal(vt.cols, a.cols);
  for (let i = 1; i < r; i++) assert.ok(s[i - 1] >= s[i], `s not descending at ${i}`);
  for (let i = 0; i < r; i++) assert.ok(s[i] >= 0);
  const scale = Math.max(maxAbs(a.data), 1);
  assert.ok(maxAbsDiff(reconstructSvd(u, s, vt).data, a.data) / scale < tol, `reconstruction ${a.shape}`);
  assert.ok(orthonormalColumnsError(u) < tol, `U orthonormality ${a.shape}`);
  assert.ok(orthonormalRowsError(vt) < tol, `Vt orthonormality ${a.shape}`);
}

test("svd: random tall, wide and square matrices", () => {
  const rng = new Rng(11);
  for (const [m, n] of [
    [5, 3],
    [3, 5],
    [8, 8],
    [40, 7],
    [7, 40],
    [785, 10],
    [10, 785],
    [33, 29],
  ]) {
    checkSvd(randn64(rng, m, n));
  }
});

test("svd: singular values agree with √eig(AᵀA)", () => {
  const rng = new Rng(12);
  const a = randn64(rng, 30, 12);
  const { s } = svd(a);
  const ev = eigh(matmul64(a, a, true, false)).values;
  const fromEig = Array.from(ev, (x) => Math.sqrt(Math.max(x, 0))).reverse();
  assert.ok(maxAbsDiff(s, fromEig) < TOL_GRAM * s[0]);
});

test("svd: known small cases", () => {
  const diag = svd(fromArrays64([
    [0, 0, 0],
    [0, -3, 0],
    [2, 0, 0],
  ]));
  assert.deepEqual(Array.from(diag.s), [3, 2, 0]);
  assert.ok(orthonormalColumnsError(diag.u) === 0);
  assert.ok(orthonormalRowsError(diag.vt) === 0);
  // [[3, 4]] has the single singular value 5, right vector ±(0.6, 0.8).
  const row = svd(fromArrays64([[3, 4]]));
  assert.ok(Math.abs(row.s[0] - 5) < TOL64);
  assert.ok(Math.abs(Math.abs(row.vt.get(0, 0)) - 0.6) < TOL64);
  assert.equal(Math.abs(row.u.get(0, 0)), 1);
  const one = svd(fromArrays64([[-2]]));
  assert.deepEqual(Array.from(one.s), [2]);
  assert.equal(one.u.get(0, 0) * one.vt.get(0, 0), -1);
});

test("svd: rank-deficient matrices keep orthonormal U and V", () => {
  const rng = new Rng(13);
  for (const [m, n, rank] of [
    [20, 8, 3],
    [8, 20, 3],
    [12, 12, 1],
  ]) {
    const a = matmul64(randn64(rng, m, rank), randn64(rng, rank, n));
    checkSvd(a);
    const { s } = svd(a);
    for (let i = rank; i < s.length; i++) assert.ok(s[i] < TOL64 * s[0], `s[${i}] = ${s[i]}`);
  }
});

test("svd: exactly zero columns and the zero matrix complete the basis", () => {
  const rng = new Rng(14);
  const a = randn64(rng, 9, 5);
  for (let i = 0; i < 9; i++) {
    a.set(i, 1, 0);
    a.set(i, 3, 0);
  }
  checkSvd(a);
  checkSvd(zeros64(6, 4));
  checkSvd(zeros64(4, 6));
  const z = svd(zeros64(3, 3));
  assert.deepEqual(Array.from(z.s), [0, 0, 0]);
});

test("svd: degenerate shapes m = 0 or n = 0", () => {
  for (const [m, n] of [
    [0, 0],
    [0, 4],
    [4, 0],
  ]) {
    const { u, s, vt } = svd(zeros64(m, n));
    assert.deepEqual([u.rows, u.cols, s.length, vt.rows, vt.cols], [m, 0, 0, 0, n]);
  }
});

test("svd: widely scaled entries neither overflow nor underflow", () => {
  const rng = new Rng(15);
  for (const scale of [1e-200, 1e200]) {
    const a = randn64(rng, 6, 4);
    for (let i = 0; i < a.data.length; i++) a.data[i] *= scale;
    const { u, s, vt } = svd(a);
    assert.ok(maxAbsDiff(reconstructSvd(u, s, vt).data, a.data) < TOL64 * maxAbs(a.data));
  }
});

test("svd: does not modify its input; float32 in, float32 out", () => {
  const a = randn64(new Rng(16), 7, 4);
  const before = a.data.slice();
  svd(a);
  assert.deepEqual(a.data, before);
  const a32 = toFloat32(a);
  const { u, s, vt } = svd(a32);
  assert.ok(u.data instanceof Float32Array && s instanceof Float32Array && vt.data instanceof Float32Array);
  const a64 = new Matrix(7, 4, Float64Array.from(a32.data));
  assert.ok(maxAbsDiff(reconstructSvd(u, s, vt).data, a64.data) < TOL32 * maxAbs(a64.data));
  assert.ok(orthonormalColumnsError(u) < TOL32);
});

test("svd: a non-finite entry is a NumericalError", () => {
  const a = zeros64(2, 3);
  a.set(1, 2, Number.NaN);
  assert.throws(() => svd(a), (e: unknown) => e instanceof NumericalError && e.message === "dgesdd: matrix (2, 3) has a non-finite entry at (1, 2)");
  assert.throws(() => svd(toFloat32(a)), /^NumericalError: sgesdd: matrix \(2, 3\) has a non-finite entry at \(1, 2\)$/);
});

test("svd: Jacobi sweeps that do not converge are a NumericalError", () => {
  const a = randn64(new Rng(17), 6, 5);
  assert.throws(
    () => svdWithLimit(toFloat32(a), 1),
    (e: unknown) => e instanceof NumericalError && e.message === "sgesdd: matrix (6, 5): one-sided Jacobi did not converge in 1 sweeps",
  );
});

test("svd: ill-conditioned matrix with known singular values 1 … 1e-11", () => {
  const rng = new Rng(18);
  const [m, n] = [20, 12];
  const q1 = eigh(randomSymmetric(rng, m)).vectors;
  const q2 = eigh(randomSymmetric(rng, n)).vectors;
  const sigma = Array.from({ length: n }, (_, i) => 10 ** -i);
  // A = Q1[:, :n] diag(σ) Q2ᵀ
  const left = new Matrix(m, n, new Float64Array(m * n));
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) left.set(i, j, q1.get(i, j) * sigma[j]);
  const a = matmul64(left, q2, false, true);
  const { s } = svd(a);
  assert.ok(maxAbsDiff(s, sigma) < TOL64, `max |s − σ| = ${maxAbsDiff(s, sigma)}`);
  checkSvd(a);
});

test("svd: columns at the rounding level of the largest converge (regression: rank-2 (7, 8) from a growth run)", () => {
  // Only the last two columns are non-zero: singular values 0.1547, 0.01768, then
  // 1e-17 … 1e-51 in exact arithmetic, which Jacobi cannot orthogonalise in relative terms.
  const col6 = [0.028530490737244996, 0.023627374889394856, -0.010770605961455296, -0.07566408571900671, -0.0015331606972733818, 0.01645897282140921, -0.0020340855847556637];
  const col7 = [0.031048807355515656, 0.03496018693134031, -0.008738270406959911, -0.10812168977846591, -0.010719817468708573, 0.05155964671050022, -0.00437258152929976];
  const a = fromArrays64(col6.map((x, i) => [0, 0, 0, 0, 0, 0, x, col7[i]]));
  const { u, s, vt } = svd(a);
  assert.ok(Math.abs(s[0] - 0.15467230726788625) < 1e-15 && Math.abs(s[1] - 0.01767756223100171) < 1e-15, `s = ${Array.from(s)}`);
  for (let j = 2; j < 7; j++) assert.ok(s[j] <= 1e-15 * s[0], `s[${j}] = ${s[j]}`);
  assert.ok(orthonormalColumnsError(u) < 1e-14);
  assert.ok(orthonormalRowsError(vt) < 1e-14);
  assert.ok(maxAbsDiff(reconstructSvd(u, s, vt).data, a.data) < 1e-15);
});
