/**
 * gemmBatch and maxPoolBackward (plain and ReLU-gated), the per-image kernels of Conv2d and max pooling: every kernel set
 * against a direct float64 evaluation of the contract in kernels.ts (each matrix read through its
 * offset, leading dimension and stride; products applied in order p = 0, 1, …, so a stride-0 C
 * accumulates), in float32 and float64, on random strided layouts, the Conv2d layouts (column blocks
 * of a wide matrix, stride-0 weights) and degenerate sizes; then the errors both sets share.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../errors.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import type { GemmOptions, Kernels, MatrixBatch } from "./kernels.js";
import { kernelSetsForTests } from "../node/native/test-support.js";

type Make = (n: number) => FloatArray;
const TYPES: readonly [string, Make, number][] = [
  // Relative to |alpha|·|op(A)||op(B)| + |beta|·|C| summed over the products: sgemm accumulates in
  // float32 (k ≤ 40 here), the portable kernel in float64; f64 leaves room for any order.
  ["f32", (n) => new Float32Array(n), 1e-5],
  ["f64", (n) => new Float64Array(n), 1e-12],
];

interface Layout { offset: number; rows: number; cols: number; ld: number; stride: number }

function extent(l: Layout, count: number): number {
  return count === 0 || l.rows === 0 || l.cols === 0 ? l.offset : l.offset + (count - 1) * l.stride + (l.rows - 1) * l.ld + l.cols;
}

function randomLayout(rng: Rng, rows: number, cols: number, count: number, strideZero = false): Layout {
  const ld = cols + rng.int(3);
  const size = rows === 0 ? 0 : (rows - 1) * ld + cols;
  return { offset: rng.int(4), rows, cols, ld: Math.max(1, ld), stride: strideZero ? 0 : size + rng.int(3) + (count > 1 && size === 0 ? 1 : 0) };
}

function batchOf<T extends FloatArray>(make: (n: number) => T, l: Layout, count: number, rng: Rng): MatrixBatch<T> {
  const data = make(extent(l, count) + rng.int(3));
  rng.fillNormal(data);
  return { data, ...l };
}

/** The contract, in float64: returns C's array after the count products and the error scale per entry. */
function reference(a: MatrixBatch<FloatArray>, b: MatrixBatch<FloatArray>, c: MatrixBatch<FloatArray>, count: number, o: GemmOptions): { value: Float64Array; scale: Float64Array } {
  const { transA = false, transB = false, alpha = 1, beta = 0 } = o;
  const value = Float64Array.from(c.data);
  const scale = new Float64Array(c.data.length);
  const k = transA ? a.rows : a.cols;
  const at = (x: MatrixBatch<FloatArray>, p: number, r: number, q: number) => x.data[x.offset + p * x.stride + r * x.ld + q];
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) {
      let s = 0;
      let abs = 0;
      for (let t = 0; t < k; t++) {
        const x = transA ? at(a, p, t, i) : at(a, p, i, t);
        const y = transB ? at(b, p, j, t) : at(b, p, t, j);
        s += x * y;
        abs += Math.abs(x * y);
      }
      const idx = c.offset + p * c.stride + i * c.ld + j;
      const old = value[idx];
      value[idx] = (k === 0 ? 0 : alpha * s) + (beta === 0 ? 0 : beta * old);
      scale[idx] = Math.abs(alpha) * abs + Math.abs(beta) * scale[idx] + Math.abs(beta * old) + Number.MIN_VALUE;
    }
  }
  return { value, scale };
}

function check(kernels: Kernels, what: string, a: MatrixBatch<FloatArray>, b: MatrixBatch<FloatArray>, c: MatrixBatch<FloatArray>, count: number, o: GemmOptions, tol: number): void {
  const want = reference(a, b, c, count, o);
  const got = { ...c, data: c.data.slice() };
  kernels.gemmBatch(a, b, got, count, o);
  for (let i = 0; i < got.data.length; i++) {
    const err = Math.abs(got.data[i] - want.value[i]);
    if (!(err <= tol * want.scale[i]) && !(got.data[i] === want.value[i])) {
      assert.fail(`${kernels.name} ${what}: C[${i}] = ${got.data[i]}, want ${want.value[i]} (|err| ${err} > ${tol} × ${want.scale[i]})`);
    }
  }
}

for (const set of kernelSetsForTests()) {
  describe(`gemmBatch (${set.name})`, { skip: set.skip }, () => {
    for (const [dtype, make, tol] of TYPES) {
      test(`${dtype}: random strided batches, all transposes, alpha/beta, count 0–4`, () => {
        const rng = new Rng(11);
        for (let trial = 0; trial < 60; trial++) {
          const [m, n, k] = [rng.int(6), rng.int(6), rng.int(7)];
          const count = rng.int(5);
          const transA = rng.int(2) === 1;
          const transB = rng.int(2) === 1;
          const o: GemmOptions = { transA, transB, alpha: [1, -0.5, 0, 2][rng.int(4)], beta: [0, 1, 0.5][rng.int(3)] };
          const a = batchOf(make, randomLayout(rng, transA ? k : m, transA ? m : k, count, rng.int(4) === 0), count, rng);
          const b = batchOf(make, randomLayout(rng, transB ? n : k, transB ? k : n, count, rng.int(4) === 0), count, rng);
          const c = batchOf(make, randomLayout(rng, m, n, count, rng.int(3) === 0), count, rng);
          check(set.kernels, `trial ${trial} (m ${m}, n ${n}, k ${k}, count ${count}, ${JSON.stringify(o)})`, a, b, c, count, o, tol);
        }
      });

      test(`${dtype}: the Conv2d layouts (U_i column blocks, NCHW images, stride-0 weights accumulating)`, () => {
        const rng = new Rng(12);
        const [B, O, D, L] = [3, 4, 6, 10];
        const N = B * L;
        const w = batchOf(make, { offset: 0, rows: O, cols: D, ld: D, stride: 0 }, B, rng);
        const cols = batchOf(make, { offset: 0, rows: D, cols: L, ld: N, stride: L }, B, rng);
        const images = batchOf(make, { offset: 0, rows: O, cols: L, ld: L, stride: O * L }, B, rng);
        check(set.kernels, "forward y_i = W U_i + y_i", w, cols, images, B, { beta: 1 }, tol);
        check(set.kernels, "dW += Σ dY_i U_iᵀ", images, cols, w, B, { transB: true, beta: 1 }, tol);
        check(set.kernels, "dCols_i = Wᵀ dY_i", w, images, cols, B, { transA: true }, tol);
      });

      test(`${dtype}: k = 0 and alpha = 0 give beta · C (beta = 0 clears NaN); m or n = 0 writes nothing`, () => {
        const rng = new Rng(13);
        const a = batchOf(make, { offset: 0, rows: 2, cols: 0, ld: 1, stride: 0 }, 2, rng);
        const b = batchOf(make, { offset: 0, rows: 0, cols: 3, ld: 3, stride: 0 }, 2, rng);
        const c = { data: make(12).fill(Number.NaN), offset: 0, rows: 2, cols: 3, ld: 3, stride: 6 };
        set.kernels.gemmBatch(a, b, c, 2, { beta: 0 });
        assert.deepEqual(Array.from(c.data), new Array(12).fill(0));
        const a2 = batchOf(make, { offset: 0, rows: 2, cols: 2, ld: 2, stride: 4 }, 2, rng);
        const b2 = batchOf(make, { offset: 0, rows: 2, cols: 3, ld: 3, stride: 6 }, 2, rng);
        c.data.fill(2);
        set.kernels.gemmBatch(a2, b2, c, 2, { alpha: 0, beta: 0.5 });
        assert.deepEqual(Array.from(c.data), new Array(12).fill(1));
        const empty = { data: make(4).fill(7), offset: 0, rows: 0, cols: 3, ld: 3, stride: 0 };
        set.kernels.gemmBatch({ ...a2, rows: 0 }, b2, empty, 2);
        assert.deepEqual(Array.from(empty.data), [7, 7, 7, 7]);
      });
    }

    test("errors name the operand: a matrix past the array, ld < cols, C sharing A's storage, mixed types, bad count", () => {
      const f32 = (rows: number, cols: number, stride: number, length: number, ld = cols) => ({ data: new Float32Array(length), offset: 0, rows, cols, ld, stride });
      const k = set.kernels;
      const cases: [string, () => void, RegExp][] = [
        ["past the array", () => k.gemmBatch(f32(2, 2, 4, 8), f32(2, 2, 4, 7), f32(2, 2, 4, 8), 2), /B's 2 matrices \(2, 2\) inside its 7 values/],
        ["ld < cols", () => k.gemmBatch(f32(2, 3, 0, 6, 2), f32(3, 2, 0, 6), f32(2, 2, 0, 4), 1), /A\.ld ≥ max\(1, cols = 3\)/],
        ["shapes", () => k.gemmBatch(f32(2, 3, 0, 6), f32(2, 2, 0, 4), f32(2, 2, 0, 4), 1), /inner dimensions/],
        ["bad count", () => k.gemmBatch(f32(1, 1, 0, 1), f32(1, 1, 0, 1), f32(1, 1, 0, 1), -1), /count a non-negative integer/],
        ["bad offset", () => k.gemmBatch({ ...f32(1, 1, 0, 1), offset: 0.5 }, f32(1, 1, 0, 1), f32(1, 1, 0, 1), 1), /A\.offset a non-negative integer/],
        ["mixed types", () => k.gemmBatch(f32(1, 1, 0, 1), { ...f32(1, 1, 0, 1), data: new Float64Array(1) } as unknown as MatrixBatch<Float32Array>, f32(1, 1, 0, 1), 1), /one element type/],
      ];
      const shared = new Float32Array(8);
      cases.push(["C shares A", () => k.gemmBatch({ data: shared, offset: 0, rows: 2, cols: 2, ld: 2, stride: 0 }, f32(2, 2, 0, 4), { data: shared.subarray(4), offset: 0, rows: 2, cols: 2, ld: 2, stride: 0 }, 1), /C not sharing storage/]);
      for (const [what, run, message] of cases) assert.throws(run, (e: unknown) => e instanceof ShapeError && message.test(e.message), what);
    });
  });

  describe(`maxPoolBackward (${set.name})`, { skip: set.skip }, () => {
    for (const [dtype, make] of TYPES) {
      test(`${dtype}: dx[argmax[k]] += dy[k] in order, −1 skipped, repeated indices summed, exactly`, () => {
        const rng = new Rng(14);
        const n = 37;
        const dy = make(60);
        rng.fillNormal(dy);
        const argmax = new Int32Array(60);
        for (let t = 0; t < argmax.length; t++) argmax[t] = rng.int(5) === 0 ? -1 : rng.int(n);
        const dx = make(n);
        rng.fillNormal(dx);
        const want = Float64Array.from(dx);
        // In the element type, in the same order (exact agreement is then required).
        const acc = make(n);
        acc.set(dx);
        for (let t = 0; t < argmax.length; t++) if (argmax[t] >= 0) acc[argmax[t]] += dy[t];
        want.set(acc);
        set.kernels.maxPoolBackward(dy, argmax, dx);
        assert.deepEqual(Array.from(dx), Array.from(want));
      });
    }

    for (const [dtype, make] of TYPES) {
      test(`${dtype}: with a gate, the bits of maxPoolBackward into zeros then activationBackward(relu) (NaN, 0, ±z, repeated indices)`, () => {
        const rng = new Rng(15);
        const n = 41;
        const dy = make(70);
        rng.fillNormal(dy);
        const argmax = new Int32Array(70);
        for (let t = 0; t < argmax.length; t++) argmax[t] = rng.int(6) === 0 ? -1 : rng.int(n);
        const pre = make(n);
        rng.fillNormal(pre);
        pre[0] = 0;
        pre[1] = Number.NaN;
        pre[2] = -0;
        argmax.set([0, 1, 2, 1], 0);
        const dPost = make(n);
        set.kernels.maxPoolBackward(dy, argmax, dPost);
        const want = make(n);
        const as = (d: FloatArray) => new Matrix(1, n, d);
        set.kernels.activationBackward("relu", as(pre), as(pre.slice()), as(dPost), as(want));
        const got = make(n);
        set.kernels.maxPoolBackward(dy, argmax, got, pre);
        assert.deepEqual(Array.from(got), Array.from(want));
        assert.ok(got[1] !== 0 && got[0] === 0, "NaN passes the gradient, z = 0 does not");
      });
    }

    test("an index outside [−1, dx.length) is an error naming it, and nothing is written", () => {
      const dy = new Float32Array([1, 2, 3]);
      const dx = new Float32Array(4);
      for (const bad of [4, -2]) {
        const argmax = new Int32Array([0, 1, bad]);
        assert.throws(() => set.kernels.maxPoolBackward(dy, argmax, dx), (e: unknown) => e instanceof ShapeError && e.message.includes(`argmax[2] = ${bad}`) && e.message.includes("[−1, 4)"));
        assert.deepEqual(Array.from(dx), [0, 0, 0, 0]);
      }
      assert.throws(() => set.kernels.maxPoolBackward(dy, new Int32Array(2), dx), /argmax an Int32Array of length 3/);
      assert.throws(() => set.kernels.maxPoolBackward(dy, new Int32Array(3), new Float64Array(4) as unknown as Float32Array), /one element type/);
      assert.throws(() => set.kernels.maxPoolBackward(dy, new Int32Array(3), dx, new Float32Array(3)), /gate a Float32Array of dx's length 4/);
    });
  });
}
