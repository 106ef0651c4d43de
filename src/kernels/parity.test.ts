/**
 * Kernel parity: every kernel of the native set (OpenBLAS/LAPACK) against the portable set
 * (the reference semantics), in float32 and float64, on seeded random inputs and
 * degenerate shapes. Where the math gives the answer (matrices built from a chosen
 * spectrum or singular values), both sets are also checked against that truth.
 * Eigen- and singular vectors are compared only where they are unique up to sign (simple,
 * well-separated values); otherwise values, reconstruction and orthonormality are.
 * The element-wise kernels' parity is elementwise-parity.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NumericalError, ShapeError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { type ActivationName, type Kernels, type SgdCoefficients } from "./kernels.js";
import { comparedSetForTests, onBothSets } from "../node/native/test-support.js";
import {
  absProduct64, as, assertClose, dot, matmul64, maxAbs, orthonormalityError, randn64, randomOrthonormal,
  randomMatrix, snapshot, symmetricWithSpectrum, usvt64, vectorOf, type Dtype,
} from "../node/native/test-math.js";
import { portableKernels } from "./portable/index.js";

// The set compared with portable: native, or wasm under TINYGROW_PARITY_SET=wasm (wasm/parity.test.ts).
const native = comparedSetForTests();
const skip = native.skip;
const DTYPES: readonly Dtype[] = ["f32", "f64"];

/**
 * gemm, relative to the error scale |alpha|·(|op(A)|·|op(B)|)ᵢⱼ + |beta|·|Cᵢⱼ|: a dot
 * product of length k has rounding error ≤ k·ε of that scale. f64: ε = 1.1e-16, so 1e-10
 * leaves room for any k here. f32: sgemm accumulates in float32 (ε = 6e-8) while the
 * portable kernel accumulates in float64 and rounds once: 1e-5 covers k ≤ ~150.
 */
const GEMM_TOL: Record<Dtype, number> = { f64: 1e-10, f32: 1e-5 };
/**
 * Factorisations, relative to max|A|: backward-stable algorithms give O(n·ε·‖A‖) errors in
 * values, reconstructions and orthonormality. f64: n ≤ 40 gives ≤ ~1e-14, tol 1e-9. f32:
 * LAPACK's s-routines work in float32 (ε = 6e-8) while the portable ones work in float64,
 * so the float32 side dominates: tol 2e-4. Vectors get tol · ‖A‖ / gap (Davis–Kahan).
 */
const FACTOR_TOL: Record<Dtype, number> = { f64: 1e-9, f32: 2e-4 };

/** Runs `body` on each kernel set; each result is then compared with the others. */
const both = <R>(body: (k: Kernels) => R) => onBothSets(native, body);

describe("gemm parity", { skip }, () => {
  const shapes: [m: number, n: number, k: number][] = [
    [1, 1, 1], [5, 7, 1], [1, 9, 6], [9, 1, 6], [64, 50, 50], [33, 17, 65], [200, 3, 5], [3, 200, 5],
  ];
  const scalars: [alpha: number, beta: number][] = [[1, 0], [-0.5, 2], [0.25, 1]];
  for (const dtype of DTYPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        test(`${dtype} ${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"}: all shapes, alpha/beta`, () => {
          const rng = new Rng(1000 + Number(transA) * 2 + Number(transB));
          for (const [m, n, k] of shapes) {
            for (const [alpha, beta] of scalars) {
              const a = randomMatrix(rng, dtype, transA ? k : m, transA ? m : k);
              const b = randomMatrix(rng, dtype, transB ? n : k, transB ? k : n);
              const c0 = randomMatrix(rng, dtype, m, n);
              const unchanged = snapshot(a, b);
              const out = both((kernels) => {
                const c = c0.clone();
                kernels.gemm(a, b, c, { transA, transB, alpha, beta });
                return c;
              });
              unchanged();
              const exact = matmul64(a, b, transA, transB);
              const scale = absProduct64(a, b, transA, transB).data.map((v, i) => Math.abs(alpha) * v + Math.abs(beta * c0.data[i]));
              const expected = exact.data.map((v, i) => alpha * v + beta * c0.data[i]);
              const what = `${dtype} (${m}, ${n}, ${k}) alpha=${alpha} beta=${beta}`;
              assertClose(`native ${what}`, out.native.data, expected, GEMM_TOL[dtype], scale);
              assertClose(`portable ${what}`, out.portable.data, expected, GEMM_TOL[dtype], scale);
            }
          }
        });
      }
    }
  }

  for (const dtype of DTYPES) {
    test(`${dtype} zero sizes and the BLAS conventions for beta = 0 and alpha = 0`, () => {
      const nanC = (m: number, n: number) => as(dtype, new Matrix(m, n, new Float64Array(m * n).fill(NaN)));
      const rng = new Rng(7);
      // k = 0: C = beta · C; beta = 0 overwrites even NaN.
      const overwritten = both((kernels) => {
        const c = nanC(3, 4);
        kernels.gemm(as(dtype, new Matrix(3, 0, new Float64Array(0))), as(dtype, new Matrix(0, 4, new Float64Array(0))), c);
        return c;
      });
      assert.deepEqual(Array.from(overwritten.native.data), new Array(12).fill(0));
      assert.deepEqual(overwritten.native.data, overwritten.portable.data);
      const c0 = randomMatrix(rng, dtype, 3, 4);
      const scaled = both((kernels) => {
        const c = c0.clone();
        kernels.gemm(as(dtype, new Matrix(0, 3, new Float64Array(0))), as(dtype, new Matrix(0, 4, new Float64Array(0))), c, { transA: true, beta: 2 });
        return c;
      });
      assertClose("k = 0, beta = 2", scaled.native.data, Array.from(c0.data, (v) => 2 * v), 0);
      assert.deepEqual(scaled.native.data, scaled.portable.data);
      // beta = 0 with k > 0: NaN in C must not leak into the product.
      const a = randomMatrix(rng, dtype, 3, 5);
      const b = randomMatrix(rng, dtype, 5, 4);
      const fresh = both((kernels) => {
        const c = nanC(3, 4);
        kernels.gemm(a, b, c);
        return c;
      });
      assert.ok(fresh.native.data.every(Number.isFinite), "native: NaN from C survived beta = 0");
      assertClose("beta = 0 over NaN", fresh.native.data, fresh.portable.data, GEMM_TOL[dtype], maxAbs(absProduct64(a, b, false, false).data));
      // alpha = 0: A and B are not read (NaN there does not matter).
      const nanA = nanC(3, 5);
      const alphaZero = both((kernels) => {
        const c = c0.clone();
        kernels.gemm(nanA, b, c, { alpha: 0, beta: -1 });
        return c;
      });
      assert.deepEqual(alphaZero.native.data, alphaZero.portable.data);
      assertClose("alpha = 0", alphaZero.native.data, Array.from(c0.data, (v) => -v), 0);
      // m = 0 or n = 0: nothing to do, and no error.
      for (const [m, n] of [[0, 4], [3, 0], [0, 0]]) {
        both((kernels) => kernels.gemm(randomMatrix(rng, dtype, m, 2), randomMatrix(rng, dtype, 2, n), nanC(m, n)));
      }
    });
  }
});

describe("eigh parity", { skip }, () => {
  const checkEigh = (dtype: Dtype, a: Matrix, truth: readonly number[] | null, compareVectors: boolean, label: string) => {
    const n = a.rows;
    const norm = Math.max(maxAbs(a.data), 1e-300);
    const tol = FACTOR_TOL[dtype];
    const unchanged = snapshot(a);
    const out = both((kernels) => kernels.eigh(a));
    unchanged();
    for (const [name, r] of Object.entries(out)) {
      assert.equal(r.values.constructor, a.data.constructor, `${name}: values element type`);
      assert.equal(r.vectors.rows, n);
      assert.equal(r.vectors.cols, n);
      for (let j = 1; j < n; j++) assert.ok(r.values[j - 1] <= r.values[j], `${name} ${label}: values not ascending`);
      if (truth) assertClose(`${name} ${label}: values vs truth`, r.values, truth, tol, norm);
      assertClose(`${name} ${label}: Q diag(λ) Qᵀ`, usvt64(r.vectors, r.values, r.vectors).data, a.data, tol, norm);
      assert.ok(orthonormalityError(r.vectors) <= tol * n, `${name} ${label}: QᵀQ ≠ I`);
    }
    assertClose(`${label}: values native vs portable`, out.native.values, out.portable.values, tol, norm);
    if (!compareVectors) return;
    const values = Array.from(out.portable.values);
    for (let j = 0; j < n; j++) {
      const gap = Math.min(j > 0 ? values[j] - values[j - 1] : Infinity, j < n - 1 ? values[j + 1] - values[j] : Infinity);
      const p = vectorOf(out.portable.vectors, j);
      const q = vectorOf(out.native.vectors, j);
      const aligned = vectorOf(out.native.vectors, j, false, Math.sign(dot(p, q)) || 1);
      assertClose(`${label}: eigenvector ${j}`, aligned, p, tol, n === 1 ? 1 : norm / gap);
    }
  };

  for (const dtype of DTYPES) {
    test(`${dtype} known spectrum, distinct eigenvalues: values, vectors up to sign`, () => {
      const rng = new Rng(2024);
      for (const n of [1, 2, 5, 17, 40]) {
        const values = Array.from({ length: n }, (_, i) => i - n / 2 + 0.3 * rng.uniform());
        checkEigh(dtype, as(dtype, symmetricWithSpectrum(rng, values)), values, true, `n=${n}`);
      }
    });

    test(`${dtype} random symmetric and repeated eigenvalues: values and Q diag(λ) Qᵀ`, () => {
      const rng = new Rng(99);
      const g = randn64(rng, 12, 12);
      const sym = new Matrix(12, 12, new Float64Array(144));
      for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) sym.set(i, j, (g.get(i, j) + g.get(j, i)) / 2);
      checkEigh(dtype, as(dtype, sym), null, false, "random 12×12");
      const repeated = [1, 1, 1, 2, 2, 5];
      checkEigh(dtype, as(dtype, symmetricWithSpectrum(rng, repeated)), repeated, false, "λ = 1,1,1,2,2,5");
      checkEigh(dtype, as(dtype, new Matrix(4, 4, new Float64Array(16))), [0, 0, 0, 0], false, "zero 4×4");
      const identity = new Matrix(3, 3, Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]));
      checkEigh(dtype, as(dtype, identity), [1, 1, 1], false, "I 3×3");
    });

    test(`${dtype} reads only the lower triangle (NaN above the diagonal is ignored)`, () => {
      const rng = new Rng(5);
      const values = [-2, 0.5, 3, 7];
      const full = as(dtype, symmetricWithSpectrum(rng, values));
      const lower = full.clone();
      for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) lower.set(i, j, NaN);
      const out = both((kernels) => kernels.eigh(lower));
      assertClose("native", out.native.values, values, FACTOR_TOL[dtype], 7);
      assertClose("portable", out.portable.values, values, FACTOR_TOL[dtype], 7);
    });

    test(`${dtype} 0×0`, () => {
      const out = both((kernels) => kernels.eigh(as(dtype, new Matrix(0, 0, new Float64Array(0)))));
      for (const r of Object.values(out)) {
        assert.equal(r.values.length, 0);
        assert.equal(r.vectors.shape, "(0, 0)");
      }
    });
  }
});

describe("svd parity", { skip }, () => {
  const checkSvd = (dtype: Dtype, a: Matrix, truth: readonly number[] | null, compareVectors: boolean, label: string) => {
    const { rows: m, cols: n } = a;
    const r = Math.min(m, n);
    const norm = Math.max(maxAbs(a.data), 1e-300);
    const tol = FACTOR_TOL[dtype];
    const unchanged = snapshot(a);
    const out = both((kernels) => kernels.svd(a));
    unchanged();
    for (const [name, res] of Object.entries(out)) {
      assert.equal(res.u.shape, `(${m}, ${r})`, `${name} ${label}: U shape`);
      assert.equal(res.vt.shape, `(${r}, ${n})`, `${name} ${label}: Vᵀ shape`);
      assert.equal(res.s.constructor, a.data.constructor, `${name}: element type`);
      for (let j = 1; j < r; j++) assert.ok(res.s[j - 1] >= res.s[j], `${name} ${label}: s not descending`);
      if (truth) assertClose(`${name} ${label}: s vs truth`, res.s, truth, tol, norm);
      assertClose(`${name} ${label}: U diag(s) Vᵀ`, usvt64(res.u, res.s, res.vt, true).data, a.data, tol, norm);
      assert.ok(orthonormalityError(res.u) <= tol * Math.max(m, 1), `${name} ${label}: UᵀU ≠ I`);
      assert.ok(orthonormalityError(res.vt, true) <= tol * Math.max(n, 1), `${name} ${label}: V Vᵀ ≠ I`);
    }
    assertClose(`${label}: s native vs portable`, out.native.s, out.portable.s, tol, norm);
    if (!compareVectors) return;
    const s = Array.from(out.portable.s);
    for (let j = 0; j < r; j++) {
      const gap = Math.min(j > 0 ? s[j - 1] - s[j] : Infinity, j < r - 1 ? s[j] - s[j + 1] : Infinity, s[j]);
      const sign = Math.sign(dot(vectorOf(out.portable.u, j), vectorOf(out.native.u, j))) || 1;
      const scale = r === 1 ? 1 : norm / gap;
      assertClose(`${label}: u ${j}`, vectorOf(out.native.u, j, false, sign), vectorOf(out.portable.u, j), tol, scale);
      assertClose(`${label}: vᵀ ${j}`, vectorOf(out.native.vt, j, true, sign), vectorOf(out.portable.vt, j, true), tol, scale);
    }
  };

  /** A (m, n) = U diag(s) Vᵀ with random orthonormal U, V: singular values known. */
  const withSingularValues = (rng: Rng, m: number, n: number, s: readonly number[]) =>
    usvt64(randomOrthonormal(rng, m, s.length), s, randomOrthonormal(rng, n, s.length));

  for (const dtype of DTYPES) {
    test(`${dtype} known singular values, square/tall/wide/1×k: values, vectors up to sign`, () => {
      const rng = new Rng(31);
      for (const [m, n] of [[1, 1], [1, 5], [5, 1], [6, 4], [4, 6], [30, 8], [8, 30], [20, 20]]) {
        const r = Math.min(m, n);
        const s = Array.from({ length: r }, (_, i) => r - i + 0.4 * rng.uniform());
        checkSvd(dtype, as(dtype, withSingularValues(rng, m, n, s)), s, true, `(${m}, ${n})`);
      }
    });

    test(`${dtype} rank-deficient and random: singular values and U diag(s) Vᵀ`, () => {
      const rng = new Rng(32);
      checkSvd(dtype, as(dtype, withSingularValues(rng, 6, 4, [3, 2])), [3, 2, 0, 0], false, "rank 2 of (6, 4)");
      checkSvd(dtype, as(dtype, withSingularValues(rng, 5, 9, [4])), [4, 0, 0, 0, 0], false, "rank 1 of (5, 9)");
      checkSvd(dtype, as(dtype, withSingularValues(rng, 5, 5, [2, 2, 1])), [2, 2, 1, 0, 0], false, "repeated, rank 3 of (5, 5)");
      checkSvd(dtype, as(dtype, new Matrix(4, 3, new Float64Array(12))), [0, 0, 0], false, "zero (4, 3)");
      checkSvd(dtype, randomMatrix(rng, dtype, 13, 7), null, false, "random (13, 7)");
    });

    test(`${dtype} zero-size: (0, 0), (3, 0), (0, 3)`, () => {
      for (const [m, n] of [[0, 0], [3, 0], [0, 3]]) {
        const out = both((kernels) => kernels.svd(as(dtype, new Matrix(m, n, new Float64Array(0)))));
        for (const r of Object.values(out)) {
          assert.equal(r.u.shape, `(${m}, 0)`);
          assert.equal(r.s.length, 0);
          assert.equal(r.vt.shape, `(0, ${n})`);
        }
      }
    });
  }
});

describe("solve and choleskySolve parity", { skip }, () => {
  const checkSolution = (dtype: Dtype, kind: "solve" | "choleskySolve", a: Matrix, b: Matrix, label: string) => {
    const unchanged = snapshot(a, b);
    const out = both((kernels) => kernels[kind](a, b));
    unchanged();
    const tol = FACTOR_TOL[dtype];
    for (const [name, x] of Object.entries(out)) {
      assert.equal(x.shape, b.shape, `${name} ${label}: X shape`);
      assert.equal(x.data.constructor, a.data.constructor, `${name}: element type`);
      // Backward error: ‖A X − B‖ ≤ tol · ‖A‖ · ‖X‖ (max norms, up to a factor n).
      const residual = matmul64(a, x).data.map((v, i) => v - b.data[i]);
      const scale = Math.max(maxAbs(a.data) * maxAbs(x.data) * a.rows, 1e-300);
      assertClose(`${name} ${label}: A X − B`, residual, new Float64Array(residual.length), tol, scale);
    }
    // The A built below have condition number ≤ 3, so forward errors are ~ backward errors.
    assertClose(`${label}: X native vs portable`, out.native.data, out.portable.data, tol, Math.max(maxAbs(out.portable.data), 1) * a.rows);
  };

  for (const dtype of DTYPES) {
    test(`${dtype} solve: n = 1…40, r = 1 and 4, pivoting needed`, () => {
      const rng = new Rng(41);
      for (const n of [1, 3, 10, 40]) {
        // A = P diag(d) Qᵀ with d in [1, 3]: well conditioned but far from diagonally dominant.
        const d = Array.from({ length: n }, () => 1 + 2 * rng.uniform());
        const a = as(dtype, usvt64(randomOrthonormal(rng, n, n), d, randomOrthonormal(rng, n, n)));
        for (const r of [1, 4]) checkSolution(dtype, "solve", a, randomMatrix(rng, dtype, n, r), `n=${n} r=${r}`);
      }
      const swap = as(dtype, new Matrix(2, 2, Float64Array.from([0, 1, 1, 0])));
      checkSolution(dtype, "solve", swap, as(dtype, new Matrix(2, 1, Float64Array.from([3, 4]))), "zero leading pivot");
    });

    test(`${dtype} choleskySolve: n = 1…40, r = 1 and 4, lower triangle only`, () => {
      const rng = new Rng(42);
      for (const n of [1, 3, 10, 40]) {
        const values = Array.from({ length: n }, () => 1 + 2 * rng.uniform());
        const a = as(dtype, symmetricWithSpectrum(rng, values));
        for (const r of [1, 4]) checkSolution(dtype, "choleskySolve", a, randomMatrix(rng, dtype, n, r), `n=${n} r=${r}`);
        // NaN above the diagonal must not be read.
        const lower = a.clone();
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lower.set(i, j, NaN);
        const b = randomMatrix(rng, dtype, n, 2);
        const out = both((kernels) => kernels.choleskySolve(lower, b));
        const expected = portableKernels.choleskySolve(a, b);
        assertClose(`n=${n} lower only: native`, out.native.data, expected.data, FACTOR_TOL[dtype], Math.max(maxAbs(expected.data), 1) * n);
        assertClose(`n=${n} lower only: portable`, out.portable.data, expected.data, 0);
      }
    });

    test(`${dtype} zero sizes: n = 0, r = 0`, () => {
      for (const kind of ["solve", "choleskySolve"] as const) {
        const empty = both((kernels) => kernels[kind](as(dtype, new Matrix(0, 0, new Float64Array(0))), as(dtype, new Matrix(0, 3, new Float64Array(0)))));
        const noRhs = both((kernels) => kernels[kind](as(dtype, new Matrix(2, 2, Float64Array.from([2, 0, 0, 2]))), as(dtype, new Matrix(2, 0, new Float64Array(0)))));
        for (const x of [...Object.values(empty), ...Object.values(noRhs)]) assert.equal(x.data.length, 0, kind);
        assert.equal(empty.native.shape, "(0, 3)");
        assert.equal(noRhs.native.shape, "(2, 0)");
      }
    });
  }
});

describe("error paths: same error, same message from both kernel sets", { skip }, () => {
  const f64 = (rows: number, cols: number, values?: number[]) => new Matrix(rows, cols, values ? Float64Array.from(values) : new Float64Array(rows * cols));
  const f32 = (rows: number, cols: number, values?: number[]) => as<Float32Array>("f32", f64(rows, cols, values));

  /** Both kernel sets throw `type` with the same message, which must match `pattern`. */
  const throwsAlike = (call: (k: Kernels) => unknown, type: typeof ShapeError | typeof NumericalError, pattern: RegExp) => {
    const messages = Object.entries(both((kernels) => {
      try {
        call(kernels);
      } catch (e) {
        assert.ok(e instanceof type, `${kernels.name}: expected ${type.name}, got ${String(e)}`);
        return e.message;
      }
      return assert.fail(`${kernels.name}: did not throw`);
    }));
    for (const [name, message] of messages) assert.match(message, pattern, name);
    assert.equal(messages[0][1], messages[1][1]);
  };

  test("gemm shape mismatch names the op and both shapes", () => {
    throwsAlike((k) => k.gemm(f64(2, 3), f64(4, 5), f64(2, 5)), ShapeError, /^gemm: .*\(2, 3\).*\(4, 5\)/);
    throwsAlike((k) => k.gemm(f32(2, 3), f32(3, 5), f32(5, 2)), ShapeError, /^gemm: expected C of shape \(2, 5\).*got C \(5, 2\)/);
    throwsAlike((k) => k.gemm(f64(3, 2), f64(3, 5), f64(2, 5), { transB: true }), ShapeError, /^gemm: expected inner dimensions to agree, got A \(3, 2\) · Bᵀ \(5, 3\)$/);
  });

  test("element types may not be mixed (bypassing the types with a cast)", () => {
    throwsAlike((k) => k.gemm(f32(2, 2), f64(2, 2) as unknown as Matrix<Float32Array>, f32(2, 2)), ShapeError, /^gemm: .*Float32Array.*Float64Array/);
    throwsAlike((k) => k.solve(f64(2, 2, [1, 0, 0, 1]), f32(2, 1) as unknown as Matrix<Float64Array>), ShapeError, /^solve: /);
    throwsAlike((k) => k.choleskySolve(f32(2, 2, [1, 0, 0, 1]), f64(2, 1) as unknown as Matrix<Float32Array>), ShapeError, /^choleskySolve: /);
  });

  test("choleskySolve of a matrix that is not positive definite: NumericalError naming dpotrf/spotrf", () => {
    const diag = [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    throwsAlike((k) => k.choleskySolve(f64(5, 5, diag), f64(5, 1)), NumericalError, /^dpotrf: matrix \(5, 5\) is not positive definite \(leading minor 3\)$/);
    throwsAlike((k) => k.choleskySolve(f32(5, 5, diag), f32(5, 2)), NumericalError, /^spotrf: matrix \(5, 5\) is not positive definite \(leading minor 3\)$/);
    throwsAlike((k) => k.choleskySolve(f64(2, 2, [1, 0, 2, 1]), f64(2, 0)), NumericalError, /^dpotrf: .*leading minor 2/);
  });

  test("solve of a singular matrix: NumericalError naming dgesv/sgesv and the zero pivot", () => {
    // Rows (1, 2) and (2, 4): after pivoting, elimination leaves an exact 0 in U(2, 2).
    throwsAlike((k) => k.solve(f64(2, 2, [1, 2, 2, 4]), f64(2, 1, [1, 1])), NumericalError, /^dgesv: matrix \(2, 2\) is exactly singular \(U\(2,2\) = 0\)$/);
    throwsAlike((k) => k.solve(f32(3, 3), f32(3, 2)), NumericalError, /^sgesv: matrix \(3, 3\) is exactly singular \(U\(1,1\) = 0\)$/);
  });

  test("non-finite input to a factorisation: NumericalError naming the routine and the entry", () => {
    throwsAlike((k) => k.eigh(f64(3, 3, [1, 0, 0, 0, 1, 0, 0, NaN, 1])), NumericalError, /^dsyevd: matrix \(3, 3\) has a non-finite entry at \(2, 1\)$/);
    throwsAlike((k) => k.svd(f32(2, 3, [1, 2, 3, 4, Infinity, 6])), NumericalError, /^sgesdd: matrix \(2, 3\) has a non-finite entry at \(1, 1\)$/);
    throwsAlike((k) => k.solve(f64(2, 2, [1, NaN, 0, 1]), f64(2, 1)), NumericalError, /^dgesv: .*non-finite entry at \(0, 1\)$/);
  });

  test("element-wise kernels: shapes, element types and activation names are checked alike", () => {
    throwsAlike((k) => k.activationForward("tanh", f64(2, 3), f64(3, 2)), ShapeError, /^activationForward\(tanh\): expected post of the shape of pre \(2, 3\), got post \(3, 2\)$/);
    throwsAlike((k) => k.activationBackward("gelu", f32(2, 3), f32(2, 3), f32(2, 3), f32(2, 4)), ShapeError, /^activationBackward\(gelu\): expected dPre of the shape of pre \(2, 3\), got dPre \(2, 4\)$/);
    throwsAlike((k) => k.activationBackward("selu", f32(2, 3), f32(2, 3), f64(2, 3) as unknown as Matrix<Float32Array>, f32(2, 3)), ShapeError, /^activationBackward\(selu\): .*Float32Array.*Float64Array/);
    throwsAlike((k) => k.activationForward("swish" as ActivationName, f64(1, 1), f64(1, 1)), ShapeError, /^activationForward: expected an activation in identity, relu, .*softplus, got "swish"$/);
    throwsAlike((k) => k.addRowVector(f32(4, 3), new Float32Array(2)), ShapeError, /^addRowVector: expected b of length 3 for Y \(4, 3\), got b of length 2$/);
    throwsAlike((k) => k.addColumnSums(f64(4, 3), new Float32Array(3) as unknown as Float64Array), ShapeError, /^addColumnSums: .*Float64Array.*Float32Array/);
    const c: SgdCoefficients = { lr: 0.1, momentum: 0.9, gradScale: 1, weightDecay: 0, nesterov: false };
    throwsAlike((k) => k.sgdStep(new Float32Array(3), new Float32Array(3), new Float32Array(2), c), ShapeError, /^sgdStep: expected buf of length 3 \(p\), got length 2$/);
    throwsAlike((k) => k.sgdStep(new Float64Array(3), new Float64Array(3), null, { ...c, lr: NaN }), ShapeError, /^sgdStep: expected finite coefficients, got lr=NaN/);
  });

  test("eigh of a non-square matrix: ShapeError", () => {
    throwsAlike((k) => k.eigh(f64(2, 3)), ShapeError, /^eigh: expected a square matrix, got A \(2, 3\)$/);
  });
});
