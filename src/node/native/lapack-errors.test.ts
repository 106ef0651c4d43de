/**
 * The info → NumericalError messages, including those no test input can provoke (LAPACK
 * non-convergence, illegal arguments). Pure TypeScript: runs without the addon.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NumericalError } from "../../errors.js";
import { checkFinite, checkInfo } from "./lapack-errors.js";

const f64 = new Float64Array(0);
const f32 = new Float32Array(0);

function messageOf(call: () => void): string {
  try {
    call();
  } catch (e) {
    assert.ok(e instanceof NumericalError);
    return e.message;
  }
  return assert.fail("did not throw");
}

test("info 0 is success", () => {
  checkInfo("potrf", f64, 0, 3, 3);
});

test("each routine's failure names the routine, its precision and the matrix size", () => {
  assert.equal(messageOf(() => checkInfo("potrf", f64, 3, 5, 5)), "dpotrf: matrix (5, 5) is not positive definite (leading minor 3)");
  assert.equal(messageOf(() => checkInfo("gesv", f32, 2, 4, 4)), "sgesv: matrix (4, 4) is exactly singular (U(2,2) = 0)");
  assert.equal(messageOf(() => checkInfo("syevd", f64, 7, 6, 6)), "dsyevd: matrix (6, 6): the divide and conquer eigensolver did not converge (info 7)");
  assert.equal(messageOf(() => checkInfo("gesdd", f32, 1, 3, 8)), "sgesdd: matrix (3, 8): the bidiagonal SVD (bdsdc) did not converge (info 1)");
  assert.equal(messageOf(() => checkInfo("gesdd", f64, -4, 3, 8)), "dgesdd: matrix (3, 8) contains NaN");
  assert.equal(messageOf(() => checkInfo("gesv", f64, -7, 2, 2)), "dgesv: matrix (2, 2): argument 7 had an illegal value");
});

test("non-finite entries are reported by position; lowerOnly ignores the upper triangle", () => {
  const a = Float64Array.from([1, Infinity, 0, 1]);
  assert.equal(messageOf(() => checkFinite("gesv", a, 2, 2)), "dgesv: matrix (2, 2) has a non-finite entry at (0, 1)");
  checkFinite("potrf", a, 2, 2, true);
});
