import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../../errors.js";
import { fromArrays64, Matrix, zeros32 } from "../../tensor/matrix.js";
import type { SgdCoefficients } from "../kernels.js";
import { activationBackward, activationForward } from "./activation.js";
import { addColumnSums, addRowVector, sgdStep } from "./elementwise.js";

test("addRowVector adds b to every row; addColumnSums adds the column sums (both accumulate)", () => {
  const y = fromArrays64([[1, 2, 3], [4, 5, 6]]);
  addRowVector(y, Float64Array.from([10, 20, 30]));
  assert.deepEqual(y.toArrays(), [[11, 22, 33], [14, 25, 36]]);
  const db = Float64Array.from([1, 1, 1]);
  addColumnSums(y, db);
  assert.deepEqual(Array.from(db), [26, 48, 70]);
  // Zero rows: nothing to add; zero columns: an empty b.
  const empty = new Matrix(0, 3, new Float64Array(0));
  addRowVector(empty, db);
  addColumnSums(empty, db);
  assert.deepEqual(Array.from(db), [26, 48, 70]);
  addColumnSums(new Matrix(4, 0, new Float64Array(0)), new Float64Array(0));
});

test("addRowVector/addColumnSums: float32 results are float32 roundings of the float64 sums", () => {
  const y = zeros32(1, 2);
  y.data.set([1, 2 ** -30]);
  addRowVector(y, Float32Array.from([2 ** -30, 1]));
  assert.deepEqual(Array.from(y.data), [Math.fround(1 + 2 ** -30), Math.fround(1 + 2 ** -30)]);
});

test("addRowVector/addColumnSums errors name the op and the lengths", () => {
  assert.throws(() => addRowVector(fromArrays64([[1, 2]]), new Float64Array(3)), (e: unknown) => e instanceof ShapeError && e.message === "addRowVector: expected b of length 2 for Y (1, 2), got b of length 3");
  assert.throws(() => addColumnSums(fromArrays64([[1, 2]]), new Float64Array(1)), /addColumnSums: expected db of length 2 for dY \(1, 2\), got db of length 1/);
});

test("sgdStep: plain SGD, momentum (first step with a zero buffer, gradScale 1), Nesterov", () => {
  const c: SgdCoefficients = { lr: 0.5, momentum: 0, gradScale: 1, weightDecay: 0.1, nesterov: false };
  const p = Float64Array.from([1, -2]);
  sgdStep(p, Float64Array.from([2, 4]), null, c);
  // p − lr (g + wd p)
  assert.deepEqual(Array.from(p), [1 - 0.5 * (2 + 0.1), -2 - 0.5 * (4 - 0.2)]);
  const m: SgdCoefficients = { lr: 0.1, momentum: 0.9, gradScale: 1, weightDecay: 0, nesterov: false };
  const q = Float64Array.from([1]);
  const buf = new Float64Array(1);
  sgdStep(q, Float64Array.from([2]), buf, m);
  assert.deepEqual([q[0], buf[0]], [1 - 0.1 * 2, 2]);
  m.gradScale = 0.5; // dampening 0.5 from the second step
  sgdStep(q, Float64Array.from([2]), buf, m);
  assert.deepEqual([q[0], buf[0]], [0.8 - 0.1 * (0.9 * 2 + 0.5 * 2), 0.9 * 2 + 0.5 * 2]);
  const nesterov: SgdCoefficients = { lr: 0.1, momentum: 0.9, gradScale: 1, weightDecay: 0, nesterov: true };
  const r = Float64Array.from([1]);
  const rb = Float64Array.from([1]);
  sgdStep(r, Float64Array.from([2]), rb, nesterov);
  // buf = 0.9 · 1 + 2 = 2.9; p −= lr (g + μ buf)
  assert.deepEqual([r[0], rb[0]], [1 - 0.1 * (2 + 0.9 * 2.9), 2.9]);
});

test("sgdStep errors: lengths, element types, non-finite coefficients", () => {
  const c: SgdCoefficients = { lr: 0.1, momentum: 0.9, gradScale: 1, weightDecay: 0, nesterov: false };
  assert.throws(() => sgdStep(new Float64Array(2), new Float64Array(3), null, c), /sgdStep: expected grad of length 2 \(p\), got length 3/);
  assert.throws(() => sgdStep(new Float64Array(2), new Float32Array(2) as unknown as Float64Array, null, c), /sgdStep: expected all matrices of one element type \(Float64Array\), got Float32Array/);
  assert.throws(() => sgdStep(new Float64Array(2), new Float64Array(2), null, { ...c, weightDecay: Infinity }), /sgdStep: expected finite coefficients/);
});

test("activations: in place equals out of place; relu(NaN) = selu(NaN) = NaN (PyTorch's semantics, see non-finite.test.ts)", () => {
  const pre = fromArrays64([[-1, 0, 2, NaN]]);
  for (const name of ["relu", "selu", "gelu", "softplus", "identity"] as const) {
    const out = new Matrix(1, 4, new Float64Array(4));
    activationForward(name, pre, out);
    const inPlace = pre.clone();
    activationForward(name, inPlace, inPlace);
    assert.deepEqual(inPlace.data, out.data, name);
  }
  const relu = pre.clone();
  activationForward("relu", relu, relu);
  assert.deepEqual(Array.from(relu.data), [0, 0, 2, NaN]);
  const selu = pre.clone();
  activationForward("selu", selu, selu);
  assert.ok(Number.isNaN(selu.data[3]));
});

test("activations: an unknown name is a ShapeError listing the known ones", () => {
  const m = fromArrays64([[1]]);
  assert.throws(() => activationForward("swish" as "relu", m, m), /activationForward: expected an activation in identity, relu, selu, tanh, sigmoid, gelu, softplus, got "swish"/);
  assert.throws(() => activationBackward("swish" as "relu", m, m, m, m), /activationBackward: expected an activation in/);
});
