/**
 * Element-wise kernel parity (activations and their derivatives, bias add, column sums, SGD):
 * the native set (or wasm under TINYGROW_PARITY_SET=wasm) against the portable one, in float32
 * and float64, on seeded random inputs, the edges of each definition and degenerate shapes.
 * Both compute float32 data in float64 and round once, so they agree to an ulp or exactly.
 * The matrix kernels' parity is parity.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { ACTIVATION_NAMES, type ActivationName, type Kernels, type SgdCoefficients } from "./kernels.js";
import { comparedSetForTests, onBothSets } from "../node/native/test-support.js";
import { as, assertClose, randn64, randomMatrix, snapshot, type Dtype } from "../node/native/test-math.js";

const native = comparedSetForTests();
const skip = native.skip;
const DTYPES: readonly Dtype[] = ["f32", "f64"];
const both = <R>(body: (k: Kernels) => R) => onBothSets(native, body);

/**
 * Element-wise kernels, relative to a per-entry scale (below). Both sets compute in float64
 * with libm-quality functions (≤ 1–2 ulp; gelu's 1 + erf(x/√2) cancels for x ≪ 0, an
 * absolute error ~|x|·ε), so f64 gets 1e-14. f32: both round a float64 value once, and the
 * values differ only when those straddle a float32 rounding boundary: 2 ulp = 2⁻²².
 * Pure additions (relu, identity, bias add, column sums) must agree exactly.
 */
const ELEMENTWISE_TOL: Record<Dtype, number> = { f64: 1e-14, f32: 2 ** -22 };
const EXACT: ReadonlySet<ActivationName> = new Set(["identity", "relu"]);

/**
 * Inputs (rows, cols): Gaussian × 3, then values at the edges of each definition: ±0, tiny,
 * the reduction boundary of SELU's expm1 (ln2/2), softplus's threshold 20, float32 exp
 * underflow (−88), saturation (±30, ±100, ±1e4) and NaN.
 */
function activationInput(rng: Rng, dtype: Dtype, rows: number, cols: number): Matrix {
  const m = randn64(rng, rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] *= 3;
  const special = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 0.3466, -0.3466, -0.3465, 5, -5, 19.9999, 20, 20.0001, -20, 30, -30, -88, -88.1, 100, -100, 1e4, -1e4, NaN];
  for (let i = 0; i < special.length && i < m.data.length; i++) m.data[(i * 7) % m.data.length] = special[i];
  return as(dtype, m);
}

/** Same NaN positions, then |a − b| ≤ tol · scale elsewhere (exact when tol = 0). */
function assertSameValues(what: string, a: ArrayLike<number>, b: ArrayLike<number>, tol: number, scale: ArrayLike<number>): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      assert.ok(Number.isNaN(a[i]) && Number.isNaN(b[i]), `${what}: NaN at ${i} on one side only (${a[i]} vs ${b[i]})`);
      continue;
    }
    if (a[i] === b[i]) continue;
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale[i], `${what}: index ${i}: ${a[i]} vs ${b[i]} (tol ${tol} × ${scale[i]})`);
  }
}

describe("element-wise kernel parity", { skip }, () => {
  const shapes: [rows: number, cols: number][] = [[0, 5], [5, 0], [1, 1], [1, 30], [7, 13], [64, 50]];

  for (const dtype of DTYPES) {
    for (const name of ACTIVATION_NAMES) {
      test(`${dtype} ${name}: forward (also in place) and backward`, () => {
        const rng = new Rng(300 + ACTIVATION_NAMES.indexOf(name));
        const tol = EXACT.has(name) ? 0 : ELEMENTWISE_TOL[dtype];
        for (const [rows, cols] of shapes) {
          const pre = activationInput(rng, dtype, rows, cols);
          const unchanged = snapshot(pre);
          const post = both((k) => {
            const out = as(dtype, new Matrix(rows, cols, new Float64Array(rows * cols).fill(NaN)));
            k.activationForward(name, pre, out);
            return out;
          });
          const inPlace = both((k) => {
            const m = pre.clone();
            k.activationForward(name, m, m);
            return m;
          });
          unchanged();
          const what = `${dtype} ${name} (${rows}, ${cols})`;
          const fwdScale = Array.from(pre.data, (x, i) => Math.abs(post.portable.data[i]) + Math.abs(x) + 1e-300);
          assertSameValues(`${what} forward`, post.native.data, post.portable.data, tol, fwdScale);
          assert.deepEqual(inPlace.native.data, post.native.data, `${what}: native in place`);
          assert.deepEqual(inPlace.portable.data, post.portable.data, `${what}: portable in place`);
          // Backward adds into a non-zero dPre, from the portable post (the same input for both).
          const dPost = randomMatrix(rng, dtype, rows, cols);
          const dPre0 = randomMatrix(rng, dtype, rows, cols);
          const dPre = both((k) => {
            const d = dPre0.clone();
            k.activationBackward(name, pre, post.portable, dPost, d);
            return d;
          });
          // |σ'| ≤ 1.76 (selu left of 0) for every activation here.
          const bwdScale = Array.from(dPre0.data, (d, i) => Math.abs(d) + 2 * Math.abs(dPost.data[i]) + 1e-300);
          assertSameValues(`${what} backward`, dPre.native.data, dPre.portable.data, tol, bwdScale);
        }
      });
    }

    test(`${dtype} addRowVector and addColumnSums: exact agreement, and the float64 truth`, () => {
      const rng = new Rng(400);
      for (const [rows, cols] of [...shapes, [256, 10], [3, 1]]) {
        const y0 = randomMatrix(rng, dtype, rows, cols);
        const b = as(dtype, randn64(rng, 1, cols)).data;
        const y = both((k) => {
          const m = y0.clone();
          k.addRowVector(m, b);
          return m;
        });
        assert.deepEqual(y.native.data, y.portable.data, `addRowVector ${dtype} (${rows}, ${cols})`);
        assertClose("addRowVector truth", y.portable.data, Array.from(y0.data, (v, i) => v + b[i % cols]), ELEMENTWISE_TOL[dtype], Array.from(y0.data, (v, i) => Math.abs(v) + Math.abs(b[i % cols])));
        const sums = both((k) => {
          const db = b.slice();
          k.addColumnSums(y0, db);
          return db;
        });
        assert.deepEqual(sums.native, sums.portable, `addColumnSums ${dtype} (${rows}, ${cols})`);
        const truth = Array.from(b, (v, c) => v + Array.from({ length: rows }, (_, r) => y0.get(r, c)).reduce((s, t) => s + t, 0));
        const scale = Array.from(b, (v, c) => Math.abs(v) + Array.from({ length: rows }, (_, r) => Math.abs(y0.get(r, c))).reduce((s, t) => s + t, 0));
        assertClose("addColumnSums truth", sums.portable, truth, ELEMENTWISE_TOL[dtype] * Math.max(rows, 1), scale);
      }
    });

    test(`${dtype} sgdStep: plain, momentum (first step and later), Nesterov, weight decay`, () => {
      const rng = new Rng(500);
      const cases: [label: string, useBuf: boolean, c: SgdCoefficients][] = [
        ["plain", false, { lr: 0.1, momentum: 0, gradScale: 1, weightDecay: 0, nesterov: false }],
        ["plain + weight decay", false, { lr: 0.05, momentum: 0, gradScale: 1, weightDecay: 0.01, nesterov: false }],
        ["momentum, dampening 0.1", true, { lr: 0.01, momentum: 0.9, gradScale: 0.9, weightDecay: 0, nesterov: false }],
        ["momentum + weight decay", true, { lr: 0.01, momentum: 0.5, gradScale: 1, weightDecay: 1e-3, nesterov: false }],
        ["nesterov", true, { lr: 0.02, momentum: 0.9, gradScale: 1, weightDecay: 1e-4, nesterov: true }],
      ];
      for (const n of [0, 1, 7, 1000]) {
        for (const [label, useBuf, c] of cases) {
          const p0 = as(dtype, randn64(rng, 1, n)).data;
          const g = as(dtype, randn64(rng, 1, n)).data;
          const buf0 = as(dtype, randn64(rng, 1, n)).data;
          const out = both((k) => {
            const p = p0.slice();
            const buf = useBuf ? buf0.slice() : null;
            k.sgdStep(p, g, buf, c);
            return { p, buf };
          });
          const what = `${dtype} sgdStep ${label} n=${n}`;
          // Terms of size |p|, lr·|g|, lr·|buf|: each side rounds a float64 value once (FMA may differ).
          const scale = Array.from(p0, (v, i) => Math.abs(v) + Math.abs(g[i]) + Math.abs(buf0[i]));
          assertSameValues(`${what}: p`, out.native.p, out.portable.p, ELEMENTWISE_TOL[dtype], scale);
          if (useBuf) assertSameValues(`${what}: buf`, out.native.buf as FloatArray, out.portable.buf as FloatArray, ELEMENTWISE_TOL[dtype], scale);
        }
      }
    });
  }
});
