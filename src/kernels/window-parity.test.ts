/**
 * Window kernels. im2col / col2im: both kernel sets against a direct float64 evaluation of the formula in
 * kernels.ts (every entry read from its source pixel or 0 in the padding), native against
 * portable in float32 and float64, and the adjoint identity ⟨im2col(x), g⟩ = ⟨x, col2im(g)⟩.
 * Shapes: random geometries (kernel, stride, padding, dilation per axis), and degenerate
 * ones (1×1 images and kernels, a kernel as large as the padded input, zero channels or
 * batch, padding wider than the kernel, outputs entirely in the padding). maxPool and
 * transposeBlocks: both sets against their formulas, exactly (argmax included).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ShapeError } from "../errors.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import type { Im2colShape, Kernels } from "./kernels.js";
import { kernelSetsForTests, nativeForTests } from "../node/native/test-support.js";
import { portableKernels } from "./portable/index.js";

type Dims = [B: number, C: number, H: number, W: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number];

function out(n: number, k: number, s: number, p: number, d: number): number {
  const span = d * (k - 1) + 1;
  return n + 2 * p < span ? 0 : Math.floor((n + 2 * p - span) / s) + 1;
}

function shapeOf(d: Dims): Im2colShape {
  const [batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW] = d;
  return { batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH: out(height, kernelH, strideH, padH, dilationH), outW: out(width, kernelW, strideW, padW, dilationW) };
}

/** The formula of Kernels.im2col, entry by entry, in float64. */
function referenceIm2col(x: ArrayLike<number>, s: Im2colShape): Float64Array {
  const L = s.outH * s.outW;
  const N = s.batch * L;
  const cols = new Float64Array(s.channels * s.kernelH * s.kernelW * N);
  for (let c = 0; c < s.channels; c++) for (let u = 0; u < s.kernelH; u++) for (let v = 0; v < s.kernelW; v++) {
    const row = (c * s.kernelH + u) * s.kernelW + v;
    for (let i = 0; i < s.batch; i++) for (let oh = 0; oh < s.outH; oh++) for (let ow = 0; ow < s.outW; ow++) {
      const ih = oh * s.strideH - s.padH + u * s.dilationH;
      const iw = ow * s.strideW - s.padW + v * s.dilationW;
      const inside = ih >= 0 && ih < s.height && iw >= 0 && iw < s.width;
      cols[row * N + i * L + oh * s.outW + ow] = inside ? x[((i * s.channels + c) * s.height + ih) * s.width + iw] : 0;
    }
  }
  return cols;
}

function randomDims(rng: Rng): Dims {
  const kh = 1 + rng.int(4);
  const kw = 1 + rng.int(4);
  const dh = 1 + rng.int(2);
  const dw = 1 + rng.int(3);
  const ph = rng.int(3);
  const pw = rng.int(3);
  // Inputs at least as large as the dilated kernel minus the padding (at least 1).
  const H = Math.max(1, dh * (kh - 1) + 1 - 2 * ph) + rng.int(6);
  const W = Math.max(1, dw * (kw - 1) + 1 - 2 * pw) + rng.int(6);
  return [1 + rng.int(3), 1 + rng.int(3), H, W, kh, kw, 1 + rng.int(3), 1 + rng.int(3), ph, pw, dh, dw];
}

const DEGENERATE: Dims[] = [
  [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1], // 1×1 image, 1×1 kernel
  [2, 3, 5, 4, 5, 4, 1, 1, 0, 0, 1, 1], // kernel = input: one output
  [1, 2, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1], // "same" 3×3
  [1, 1, 2, 2, 1, 1, 1, 1, 3, 3, 1, 1], // padding wider than the image: borders all zero
  [1, 1, 1, 7, 3, 1, 2, 3, 2, 0, 2, 1], // a single row, tall kernel reading padding only
  [0, 2, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1], // empty batch
  [2, 0, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1], // zero channels
  [1, 1, 2, 2, 3, 3, 1, 1, 0, 0, 1, 1], // kernel larger than the input: zero outputs
  [3, 2, 9, 8, 2, 3, 3, 2, 1, 2, 3, 2], // everything rectangular and > 1
  [2, 3, 6, 7, 2, 2, 2, 2, 0, 0, 1, 1], // the CNNs' 2×2 stride-2 pool (native fast path), odd width floored
  [1, 2, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1], // the same on a 28×28 map
];

function fill<T extends FloatArray>(make: (n: number) => T, n: number, rng: Rng): T {
  const a = make(n);
  rng.fillNormal(a);
  return a;
}

const makers = {
  f32: (n: number) => new Float32Array(n),
  f64: (n: number) => new Float64Array(n),
};

function runIm2col<T extends FloatArray>(k: Kernels, x: T, s: Im2colShape, make: (n: number) => T): Matrix<T> {
  const rows = s.channels * s.kernelH * s.kernelW;
  const n = s.batch * s.outH * s.outW;
  const cols = new Matrix(rows, n, make(rows * n));
  cols.data.fill(NaN); // every entry must be written
  k.im2col(x, s, cols);
  return cols;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function caseName(d: Dims): string {
  const [B, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw] = d;
  return `B=${B} C=${C} ${H}×${W} k=${kh}×${kw} s=${sh}×${sw} p=${ph}×${pw} d=${dh}×${dw}`;
}

const rngCases = new Rng(77);
const CASES: Dims[] = [...DEGENERATE, ...Array.from({ length: 40 }, () => randomDims(rngCases))];

for (const set of kernelSetsForTests()) {
  describe(`im2col/col2im (${set.name}) against the formula`, { skip: set.skip }, () => {
    test("im2col equals the direct formula on every entry (f64 exactly, f32 exactly)", () => {
      const rng = new Rng(1);
      for (const d of CASES) {
        const s = shapeOf(d);
        for (const dtype of ["f64", "f32"] as const) {
          const x = fill(makers[dtype] as (n: number) => FloatArray, d[0] * d[1] * d[2] * d[3], rng);
          const got = runIm2col(set.kernels, x, s, makers[dtype] as (n: number) => FloatArray);
          assert.deepEqual(Array.from(got.data), Array.from(referenceIm2col(x, s)), `${dtype} ${caseName(d)}`);
        }
      }
    });

    test("col2im is the adjoint: ⟨im2col(x), g⟩ = ⟨x, col2im(g)⟩, and adds into dx", () => {
      const rng = new Rng(2);
      for (const d of CASES) {
        const s = shapeOf(d);
        const n = d[0] * d[1] * d[2] * d[3];
        const x = fill(makers.f64, n, rng);
        const cols = runIm2col(set.kernels, x, s, makers.f64);
        const g = new Matrix(cols.rows, cols.cols, fill(makers.f64, cols.data.length, rng));
        const base = fill(makers.f64, n, rng);
        const dx = base.slice();
        set.kernels.col2im(g, s, dx);
        const folded = dx.map((v, i) => v - base[i]);
        const lhs = dot(cols.data, g.data);
        const rhs = dot(x, folded);
        assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `${caseName(d)}: ${lhs} vs ${rhs}`);
      }
    });
  });
}

const native = nativeForTests();

describe("im2col/col2im parity, native vs portable", { skip: native.skip }, () => {
  test("col2im sums agree (f64 to 1e-12 relative, f32 to 1e-6 of the largest term)", () => {
    const rng = new Rng(3);
    const nk = native.kernels as Kernels;
    for (const d of CASES) {
      const s = shapeOf(d);
      const n = d[0] * d[1] * d[2] * d[3];
      const rows = d[1] * d[4] * d[5];
      for (const dtype of ["f64", "f32"] as const) {
        const make = makers[dtype] as (n: number) => FloatArray;
        const g = new Matrix(rows, d[0] * s.outH * s.outW, fill(make, rows * d[0] * s.outH * s.outW, rng));
        const a = make(n);
        const b = make(n);
        portableKernels.col2im(g, s, a);
        nk.col2im(g, s, b);
        const tol = dtype === "f64" ? 1e-12 : 1e-6;
        for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(a[i])), `${dtype} ${caseName(d)} at ${i}: ${a[i]} vs ${b[i]}`);
      }
    }
  });

  test("bad arguments: the same ShapeError from both sets, before any work", () => {
    const s = shapeOf([1, 2, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1]);
    const x = new Float32Array(32);
    const cases: [string, () => [Float32Array, Im2colShape, Matrix<Float32Array>], RegExp][] = [
      ["wrong cols shape", () => [x, s, new Matrix(18, 15, new Float32Array(270))], /cols of shape \(C·kh·kw, B·outH·outW\) = \(18, 16\)/],
      ["wrong image length", () => [new Float32Array(31), s, new Matrix(18, 16, new Float32Array(288))], /B·C·H·W = 1·2·4·4 = 32/],
      ["outH not the formula", () => [x, { ...s, outH: 3 }, new Matrix(18, 12, new Float32Array(216))], /outH×outW = 4×4/],
      ["stride 0", () => [x, { ...s, strideH: 0 }, new Matrix(18, 16, new Float32Array(288))], /shape.strideH an integer ≥ 1/],
      ["dilation 0.5", () => [x, { ...s, dilationW: 0.5 }, new Matrix(18, 16, new Float32Array(288))], /shape.dilationW an integer ≥ 1/],
    ];
    for (const kernels of [portableKernels, native.kernels as Kernels]) {
      for (const [what, args, message] of cases) {
        const [xx, ss, cols] = args();
        assert.throws(() => kernels.im2col(xx, ss, cols), (e: unknown) => e instanceof ShapeError && e.op === "im2col" && message.test(e.message), `${kernels.name} im2col: ${what}`);
        assert.throws(() => kernels.col2im(cols, ss, xx), (e: unknown) => e instanceof ShapeError && e.op === "col2im" && message.test(e.message), `${kernels.name} col2im: ${what}`);
      }
    }
  });
});

/** Kernels.maxPool's formula, entry by entry: first maximum in window order, NaN wins, −1 for an all-padding window. */
function referenceMaxPool(x: ArrayLike<number>, s: Im2colShape): { y: number[]; argmax: number[] } {
  const y: number[] = [];
  const argmax: number[] = [];
  for (let p = 0; p < s.batch * s.channels; p++) for (let r = 0; r < s.outH; r++) for (let q = 0; q < s.outW; q++) {
    let best = -Infinity;
    let at = -1;
    for (let u = 0; u < s.kernelH; u++) for (let v = 0; v < s.kernelW; v++) {
      const h = r * s.strideH - s.padH + u * s.dilationH;
      const w = q * s.strideW - s.padW + v * s.dilationW;
      if (h < 0 || h >= s.height || w < 0 || w >= s.width) continue;
      const k = p * s.height * s.width + h * s.width + w;
      if (at < 0 || x[k] > best || (Number.isNaN(x[k]) && !Number.isNaN(best))) {
        best = x[k];
        at = k;
      }
    }
    y.push(best);
    argmax.push(at);
  }
  return { y, argmax };
}

for (const set of kernelSetsForTests()) {
  describe(`maxPool and transposeBlocks (${set.name}) against the formula`, { skip: set.skip }, () => {
    test("maxPool: values and argmax on every geometry, with ties (small integers) and NaNs", () => {
      const rng = new Rng(4);
      for (const d of CASES) {
        const s = shapeOf(d);
        const n = d[0] * d[1] * d[2] * d[3];
        for (const dtype of ["f64", "f32"] as const) {
          const make = makers[dtype] as (n: number) => FloatArray;
          const x = make(n);
          for (let i = 0; i < n; i++) x[i] = rng.int(4) - 2;
          if (n > 3) x[rng.int(n)] = NaN;
          const m = s.batch * s.channels * s.outH * s.outW;
          const y = make(m);
          const argmax = new Int32Array(m);
          set.kernels.maxPool(x, s, y, argmax);
          const want = referenceMaxPool(x, s);
          assert.deepEqual(Array.from(argmax), want.argmax, `${dtype} ${caseName(d)}`);
          assert.deepEqual(Array.from(y), want.y, `${dtype} ${caseName(d)}`);
        }
      }
    });

    test("maxPool 2×2 stride 2 (the CNNs' window, a kernel of its own): rows with and without NaNs, ties, odd widths", () => {
      const rng = new Rng(6);
      for (const d of [[3, 4, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1], [2, 3, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1], [1, 2, 14, 15, 2, 2, 2, 2, 0, 0, 1, 1]] as Dims[]) {
        const s = shapeOf(d);
        const n = d[0] * d[1] * d[2] * d[3];
        for (const dtype of ["f64", "f32"] as const) {
          const x = (makers[dtype] as (n: number) => FloatArray)(n);
          for (let i = 0; i < n; i++) x[i] = rng.int(3) - 1; // many ties
          // NaNs in a few row pairs only (most rows take the NaN-free path), at window starts too.
          for (let k = 0; k < 6; k++) x[rng.int(n)] = NaN;
          x[0] = NaN;
          x[2 * d[3] + 1] = NaN;
          const m = s.batch * s.channels * s.outH * s.outW;
          const y = (makers[dtype] as (n: number) => FloatArray)(m);
          const argmax = new Int32Array(m);
          set.kernels.maxPool(x, s, y, argmax);
          const want = referenceMaxPool(x, s);
          assert.deepEqual(Array.from(argmax), want.argmax, `${dtype} ${caseName(d)}`);
          assert.deepEqual(Array.from(y), want.y, `${dtype} ${caseName(d)}`);
        }
      }
    });

    test("transposeBlocks: dst[(j·rows + i)·block + t] = src[(i·cols + j)·block + t], degenerate sizes included", () => {
      const rng = new Rng(5);
      for (const [rows, cols, block] of [[1, 1, 1], [3, 5, 7], [64, 16, 49], [0, 4, 3], [4, 0, 3], [2, 3, 0], [5, 1, 9], [1, 6, 2]]) {
        const src = fill(makers.f32, rows * cols * block, rng);
        const dst = new Float32Array(src.length).fill(NaN);
        set.kernels.transposeBlocks(src, rows, cols, block, dst);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) for (let t = 0; t < block; t++) {
          assert.equal(dst[(j * rows + i) * block + t], src[(i * cols + j) * block + t]);
        }
      }
      assert.throws(() => set.kernels.transposeBlocks(new Float32Array(6), 2, 3, 2, new Float32Array(12)), (e: unknown) => e instanceof ShapeError && /src and dst of length rows·cols·block = 2·3·2 = 12, got 6 and 12/.test(e.message));
      const shared = new Float32Array(12);
      assert.throws(() => set.kernels.transposeBlocks(shared, 2, 3, 2, shared), (e: unknown) => e instanceof ShapeError && /dst not aliasing src/.test(e.message));
      assert.throws(() => set.kernels.maxPool(new Float32Array(16), shapeOf([1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1]), new Float32Array(4), new Int32Array(3)), (e: unknown) => e instanceof ShapeError && /argmax an Int32Array of length 4/.test(e.message));
    });
  });
}
