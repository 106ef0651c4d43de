import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../../errors.js";
import { fromArrays64, Matrix, toFloat32, zeros32, zeros64, type FloatArray } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { gemm } from "./gemm.js";
import { matmul64, maxAbsDiff, randn64 } from "./test-helpers.js";

/** Float64 gemm vs the naive loop: both are sums of k products, differing in order only. */
const TOL64 = 1e-13;
/** Float32 C: one rounding of C per KC slice on top of float64 accumulation, relative to √k·|a||b|. */
const TOL32 = 1e-6;

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Expected alpha · op(A) op(B) + beta · C0 (C0 ignored when beta = 0) in float64. */
function reference(a: Matrix, b: Matrix, c0: Matrix, transA: boolean, transB: boolean, alpha: number, beta: number): Float64Array {
  const ab = matmul64(a, b, transA, transB).data;
  return ab.map((v, i) => alpha * v + (beta === 0 ? 0 : beta * c0.data[i]));
}

function operands<T extends FloatArray>(
  rng: Rng,
  convert: (m: Matrix<Float64Array>) => Matrix<T>,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): [Matrix<T>, Matrix<T>, Matrix<T>] {
  const a = convert(transA ? randn64(rng, k, m) : randn64(rng, m, k));
  const b = convert(transB ? randn64(rng, n, k) : randn64(rng, k, n));
  return [a, b, convert(randn64(rng, m, n))];
}

// Sizes around the micro-tile (4) and the block sizes (MC = 128, KC = 256, NC = 1024), and ones that divide nothing.
const SIZES = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 4, 4],
  [5, 9, 2],
  [17, 13, 31],
  [130, 6, 259],
  [9, 131, 300],
  [3, 1030, 5],
];

test("gemm float64: all transpose combinations and odd sizes match the naive loop", () => {
  const rng = new Rng(31);
  for (const [m, n, k] of SIZES) {
    for (const [transA, transB] of TRANSPOSES) {
      const [a, b, c] = operands(rng, (x) => x, m, n, k, transA, transB);
      gemm(a, b, c, { transA, transB });
      const want = reference(a, b, c, transA, transB, 1, 0);
      assert.ok(maxAbsDiff(c.data, want) < TOL64 * Math.sqrt(k), `(${m}, ${n}, ${k}) transA=${transA} transB=${transB}`);
    }
  }
});

test("gemm float32: all transpose combinations, alpha and beta", () => {
  const rng = new Rng(32);
  for (const [m, n, k] of SIZES) {
    for (const [transA, transB] of TRANSPOSES) {
      const [a, b, c] = operands(rng, toFloat32, m, n, k, transA, transB);
      const c0 = c.clone();
      gemm(a, b, c, { transA, transB, alpha: -0.5, beta: 2 });
      assert.ok(c.data instanceof Float32Array);
      const want = reference(a, b, c0, transA, transB, -0.5, 2);
      assert.ok(maxAbsDiff(c.data, want) < TOL32 * Math.sqrt(k) * 4, `(${m}, ${n}, ${k}) transA=${transA} transB=${transB}`);
    }
  }
});

test("gemm float64: alpha and beta combinations", () => {
  const rng = new Rng(33);
  for (const [alpha, beta] of [
    [1, 1],
    [2.5, 0],
    [0.5, -1],
    [0, 3],
    [0, 0],
  ]) {
    const [a, b, c] = operands(rng, (x) => x, 6, 11, 9, false, true);
    const c0 = c.clone();
    gemm(a, b, c, { transB: true, alpha, beta });
    assert.ok(maxAbsDiff(c.data, reference(a, b, c0, false, true, alpha, beta)) < TOL64, `alpha=${alpha} beta=${beta}`);
  }
});

test("gemm: beta = 0 ignores NaN in C; alpha = 0 ignores NaN in A and B", () => {
  const a = fromArrays64([[1, 2]]);
  const b = fromArrays64([[3], [4]]);
  const c = fromArrays64([[Number.NaN]]);
  gemm(a, b, c);
  assert.deepEqual(Array.from(c.data), [11]);
  const c32 = zeros32(2, 2).clone();
  c32.data.fill(Number.NaN);
  gemm(toFloat32(fromArrays64([[1], [2]])), toFloat32(fromArrays64([[3, 4]])), c32, { beta: 0 });
  assert.deepEqual(Array.from(c32.data), [3, 4, 6, 8]);
  const nanA = fromArrays64([[Number.NaN, 1]]);
  const c2 = fromArrays64([[5]]);
  gemm(nanA, b, c2, { alpha: 0, beta: 2 });
  assert.deepEqual(Array.from(c2.data), [10]);
});

test("gemm: 1×1, k = 0 and empty outputs", () => {
  const c = fromArrays64([[7]]);
  gemm(fromArrays64([[3]]), fromArrays64([[-2]]), c, { alpha: 2, beta: 1 });
  assert.deepEqual(Array.from(c.data), [-5]);
  // k = 0: op(A) op(B) is an empty sum, so C = beta · C.
  const ck = fromArrays64([
    [1, 2],
    [3, 4],
  ]);
  gemm(zeros64(2, 0), zeros64(0, 2), ck, { beta: 3 });
  assert.deepEqual(Array.from(ck.data), [3, 6, 9, 12]);
  const ck0 = fromArrays64([[Number.NaN]]);
  gemm(zeros64(1, 0), zeros64(0, 1), ck0);
  assert.deepEqual(Array.from(ck0.data), [0]);
  assert.doesNotThrow(() => gemm(zeros64(0, 5), zeros64(5, 3), zeros64(0, 3)));
  assert.doesNotThrow(() => gemm(zeros64(4, 5), zeros64(5, 0), zeros64(4, 0)));
});

test("gemm: repeated calls of shrinking and growing sizes reuse the scratch correctly", () => {
  const rng = new Rng(34);
  for (const [m, n, k] of [
    [40, 40, 300],
    [3, 2, 1],
    [200, 70, 20],
    [5, 5, 5],
  ]) {
    const [a, b, c] = operands(rng, (x) => x, m, n, k, false, false);
    gemm(a, b, c);
    assert.ok(maxAbsDiff(c.data, reference(a, b, c, false, false, 1, 0)) < TOL64 * Math.sqrt(k));
  }
});

test("gemm: inputs are not modified", () => {
  const rng = new Rng(35);
  const [a, b, c] = operands(rng, (x) => x, 7, 5, 6, true, false);
  const [a0, b0] = [a.data.slice(), b.data.slice()];
  gemm(a, b, c, { transA: true });
  assert.deepEqual(a.data, a0);
  assert.deepEqual(b.data, b0);
});

test("gemm: shape errors come from checkGemm", () => {
  assert.throws(
    () => gemm(zeros64(2, 3), zeros64(4, 2), zeros64(2, 2)),
    (e: unknown) => e instanceof ShapeError && e.message === "gemm: expected inner dimensions to agree, got A (2, 3) · B (4, 2)",
  );
  const shared = zeros64(2, 2);
  assert.throws(() => gemm(shared, zeros64(2, 2), shared), /C not aliasing A or B/);
});
