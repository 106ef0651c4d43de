/**
 * syrk parity: C = alpha · A·Aᵀ (AᵀA with trans) + beta · C on the native set (BLAS ssyrk /
 * dsyrk on the upper triangle, mirrored) against the portable one (gemm, mirrored) and the
 * float64 truth, with gemm's tolerances (parity.test.ts): every shape, both transposes,
 * alpha/beta, zero sizes; the result is exactly symmetric; with beta ≠ 0 only C's upper
 * triangle is read; bad shapes and aliasing are ShapeErrors naming syrk on both sets.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import type { Kernels } from "./kernels.js";
import { comparedSetForTests, onBothSets } from "../node/native/test-support.js";
import { absProduct64, as, assertClose, matmul64, randn64, snapshot, type Dtype } from "../node/native/test-math.js";
import { portableKernels } from "./portable/index.js";

const native = comparedSetForTests();
const TOL: Record<Dtype, number> = { f64: 1e-10, f32: 1e-5 };

const both = <R>(body: (k: Kernels) => R) => onBothSets(native, body);

/** A symmetric (n, n) matrix of the given element type. */
function symmetric(rng: Rng, dtype: Dtype, n: number): Matrix {
  const r = randn64(rng, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) r.data[i * n + j] = r.data[j * n + i];
  return as(dtype, r);
}

function assertSymmetric(what: string, c: Matrix): void {
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < i; j++) assert.equal(c.data[i * c.cols + j], c.data[j * c.cols + i], `${what}: C[${i}][${j}] ≠ C[${j}][${i}]`);
}

describe("syrk parity", { skip: native.skip }, () => {
  const shapes: [n: number, k: number][] = [[1, 1], [5, 1], [7, 13], [50, 200], [145, 300], [3, 0], [0, 4]];
  const scalars: [alpha: number, beta: number][] = [[1, 0], [-0.5, 2], [0.25, 1]];
  for (const dtype of ["f32", "f64"] as const) {
    for (const trans of [false, true]) {
      test(`${dtype} ${trans ? "AᵀA" : "A·Aᵀ"}: all shapes, alpha/beta, symmetric result`, () => {
        const rng = new Rng(2000 + Number(trans));
        for (const [n, k] of shapes) {
          for (const [alpha, beta] of scalars) {
            const a = as(dtype, randn64(rng, trans ? k : n, trans ? n : k));
            const c0 = symmetric(rng, dtype, n);
            const unchanged = snapshot(a);
            const out = both((kernels) => {
              const c = c0.clone();
              kernels.syrk(a, c, { trans, alpha, beta });
              return c;
            });
            unchanged();
            const exact = matmul64(a, a, trans, !trans);
            const scale = absProduct64(a, a, trans, !trans).data.map((v, i) => Math.abs(alpha) * v + Math.abs(beta * c0.data[i]));
            const expected = exact.data.map((v, i) => alpha * v + beta * c0.data[i]);
            const what = `${dtype} (${n}, ${k}) alpha=${alpha} beta=${beta}`;
            assertClose(`native ${what}`, out.native.data, expected, TOL[dtype], scale);
            assertClose(`portable ${what}`, out.portable.data, expected, TOL[dtype], scale);
            assertSymmetric(`native ${what}`, out.native);
            assertSymmetric(`portable ${what}`, out.portable);
          }
        }
      });
    }

    test(`${dtype} with beta ≠ 0 only C's upper triangle is read`, () => {
      const rng = new Rng(2100);
      const a = as(dtype, randn64(rng, 6, 4));
      const upper = symmetric(rng, dtype, 6);
      const c0 = upper.clone();
      for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) c0.data[i * 6 + j] = NaN;
      const out = both((kernels) => {
        const c = c0.clone();
        kernels.syrk(a, c, { beta: 1 });
        return c;
      });
      const expected = matmul64(a, a, false, true).data.map((v, i) => v + upper.data[i]);
      assertClose("native", out.native.data, expected, TOL[dtype], 10);
      assertClose("portable", out.portable.data, expected, TOL[dtype], 10);
    });
  }

  test("bad shapes and aliasing are ShapeErrors naming syrk, on both sets", () => {
    const f64 = (r: number, c: number) => new Matrix(r, c, new Float64Array(r * c));
    for (const kernels of [portableKernels, native.kernels!]) {
      assert.throws(() => kernels.syrk(f64(3, 2), f64(2, 2)), (e: unknown) => e instanceof ShapeError && /^syrk: expected C of shape \(3, 3\)/.test(e.message), kernels.name);
      assert.throws(() => kernels.syrk(f64(3, 2), f64(3, 3), { trans: true }), (e: unknown) => e instanceof ShapeError && /^syrk: expected C of shape \(2, 2\)/.test(e.message), kernels.name);
      const c = f64(3, 3);
      assert.throws(() => kernels.syrk(c, c), (e: unknown) => e instanceof ShapeError && /^syrk: expected C not aliasing/.test(e.message), kernels.name);
    }
  });
});
