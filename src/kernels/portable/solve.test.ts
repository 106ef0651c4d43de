// Tests for both solves: choleskySolve (cholesky.ts) and solve (lu.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { NumericalError, ShapeError } from "../../errors.js";
import { fromArrays64, Matrix, toFloat32, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { choleskySolve } from "./cholesky.js";
import { solve } from "./lu.js";
import { matmul64, maxAbs, maxAbsDiff, randn64, randomSpd } from "./test-helpers.js";

/** ‖AX − B‖max / (‖A‖max·‖X‖max·n): normwise backward error of a stable float64 solve. */
const TOL64 = 1e-15;
/** The same for float32 outputs (the rounding of X to float32 dominates). */
const TOL32 = 1e-7;

function relativeResidual(a: Matrix, x: Matrix, b: Matrix): number {
  const ax = matmul64(a, x);
  return maxAbsDiff(ax.data, b.data) / (maxAbs(a.data) * Math.max(maxAbs(x.data), 1e-300) * Math.max(a.rows, 1));
}

const solvers = [
  ["choleskySolve", choleskySolve],
  ["solve", solve],
] as const;

test("choleskySolve and solve: small residual on SPD systems, several right-hand sides", () => {
  const rng = new Rng(21);
  for (const [name, fn] of solvers) {
    for (const [n, r] of [
      [1, 1],
      [4, 1],
      [17, 3],
      [120, 9],
    ]) {
      const a = randomSpd(rng, n, 0.1);
      const b = randn64(rng, n, r);
      const x = fn(a, b);
      assert.equal(x.rows, n);
      assert.equal(x.cols, r);
      assert.ok(relativeResidual(a, x, b) < TOL64, `${name} (${n}, ${r})`);
    }
  }
});

test("solve: general (non-symmetric) systems, including one that needs pivoting", () => {
  const rng = new Rng(22);
  for (const n of [2, 9, 64]) {
    const a = randn64(rng, n, n);
    const b = randn64(rng, n, 2);
    assert.ok(relativeResidual(a, solve(a, b), b) < TOL64, `n=${n}`);
  }
  // A zero in the (1,1) position: without pivoting this would divide by zero.
  const a = fromArrays64([
    [0, 1],
    [1, 0],
  ]);
  assert.deepEqual(solve(a, fromArrays64([[2], [3]])).toArrays(), [[3], [2]]);
});

test("choleskySolve: reads only the lower triangle", () => {
  const rng = new Rng(23);
  const a = randomSpd(rng, 6, 0.5);
  const b = randn64(rng, 6, 2);
  const lowerOnly = a.clone();
  for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) lowerOnly.set(i, j, Number.NaN);
  assert.deepEqual(choleskySolve(lowerOnly, b).data, choleskySolve(a, b).data);
});

test("choleskySolve and solve: inputs untouched, results fresh, empty systems", () => {
  const rng = new Rng(24);
  for (const [, fn] of solvers) {
    const a = randomSpd(rng, 5, 0.5);
    const b = randn64(rng, 5, 2);
    const [a0, b0] = [a.data.slice(), b.data.slice()];
    const x = fn(a, b);
    assert.deepEqual(a.data, a0);
    assert.deepEqual(b.data, b0);
    assert.notEqual(x.data, b.data);
    const empty = fn(zeros64(0, 0), zeros64(0, 3));
    assert.deepEqual([empty.rows, empty.cols], [0, 3]);
    const noRhs = fn(a, zeros64(5, 0));
    assert.deepEqual([noRhs.rows, noRhs.cols], [5, 0]);
  }
});

test("choleskySolve and solve: float32 in, float32 out, computed in float64", () => {
  const rng = new Rng(25);
  const a = toFloat32(randomSpd(rng, 30, 0.1));
  const b = toFloat32(randn64(rng, 30, 4));
  for (const [name, fn] of solvers) {
    const x = fn(a, b);
    assert.ok(x.data instanceof Float32Array, name);
    assert.ok(relativeResidual(a, x, b) < TOL32, name);
  }
});

function notPositiveDefinite(a: Matrix64, k: number, routine = "dpotrf"): (e: unknown) => boolean {
  const n = a.rows;
  return (e) => e instanceof NumericalError && e.message === `${routine}: matrix (${n}, ${n}) is not positive definite (leading minor ${k})`;
}

test("choleskySolve: a matrix that is not positive definite names the failing leading minor", () => {
  const b = zeros64(3, 1);
  const indefinite = fromArrays64([
    [4, 0, 0],
    [0, 1, 0],
    [0, 0, -1],
  ]);
  assert.throws(() => choleskySolve(indefinite, b), notPositiveDefinite(indefinite, 3));
  const semidefinite = fromArrays64([
    [1, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
  assert.throws(() => choleskySolve(semidefinite, b), notPositiveDefinite(semidefinite, 2));
  const negativeFirst = fromArrays64([
    [-1, 0],
    [0, 1],
  ]);
  assert.throws(() => choleskySolve(negativeFirst, zeros64(2, 1)), notPositiveDefinite(negativeFirst, 1));
  assert.throws(
    () => choleskySolve(toFloat32(indefinite), toFloat32(b)),
    /^NumericalError: spotrf: matrix \(3, 3\) is not positive definite \(leading minor 3\)$/,
  );
});

test("solve: an exactly singular matrix names the zero pivot", () => {
  const singular = fromArrays64([
    [1, 2, 3],
    [2, 4, 6],
    [1, 0, 1],
  ]);
  const b = zeros64(3, 1);
  assert.throws(
    () => solve(singular, b),
    (e: unknown) => e instanceof NumericalError && e.message === "dgesv: matrix (3, 3) is exactly singular (U(3,3) = 0)",
  );
  assert.throws(() => solve(zeros64(2, 2), zeros64(2, 1)), /^NumericalError: dgesv: matrix \(2, 2\) is exactly singular \(U\(1,1\) = 0\)$/);
  assert.throws(() => solve(toFloat32(singular), toFloat32(b)), /^NumericalError: sgesv: matrix \(3, 3\) is exactly singular \(U\(3,3\) = 0\)$/);
});

test("choleskySolve and solve: shape errors name the operation", () => {
  for (const [name, fn] of solvers) {
    assert.throws(() => fn(zeros64(2, 3), zeros64(2, 1)), (e: unknown) => e instanceof ShapeError && e.message === `${name}: expected a square matrix, got A (2, 3)`);
    assert.throws(() => fn(zeros64(2, 2), zeros64(3, 1)), (e: unknown) => e instanceof ShapeError && e.message === `${name}: expected B with 2 rows for A (2, 2), got B (3, 1)`);
  }
});

test("choleskySolve and solve: a non-finite entry of A is a NumericalError (lower triangle only for Cholesky)", () => {
  const a = fromArrays64([
    [4, Number.NaN],
    [1, Number.POSITIVE_INFINITY],
  ]);
  const b = zeros64(2, 1);
  assert.throws(() => choleskySolve(a, b), (e: unknown) => e instanceof NumericalError && e.message === "dpotrf: matrix (2, 2) has a non-finite entry at (1, 1)");
  assert.throws(() => solve(a, b), (e: unknown) => e instanceof NumericalError && e.message === "dgesv: matrix (2, 2) has a non-finite entry at (0, 1)");
  assert.throws(() => solve(toFloat32(a), toFloat32(b)), /^NumericalError: sgesv: matrix \(2, 2\) has a non-finite entry at \(0, 1\)$/);
});
