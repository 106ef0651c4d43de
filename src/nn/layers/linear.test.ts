import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import { kernelSetsForTests } from "../../node/native/test-support.js";
import { portableKernels, portableKernels as kernels } from "../../kernels/portable/index.js";
import { Matrix, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { assertGradcheck, gradcheck } from "../gradcheck.js";
import { Linear } from "./linear.js";

const B = 5;
const I = 4;
const O = 3;

function randomMatrix(rng: Rng, rows: number, cols: number): Matrix64 {
  const m = zeros64(rows, cols);
  rng.fillNormal(m.data);
  return m;
}

function setup(withBias: boolean, kernels: Kernels = portableKernels) {
  const rng = new Rng(11);
  const layer = Linear.zeros64(I, O, withBias);
  rng.fillNormal(layer.weight.data);
  if (layer.bias !== null) rng.fillNormal(layer.bias);
  const x = randomMatrix(rng, B, I);
  const r = randomMatrix(rng, B, O); // L = Σ r ⊙ y, so dY = r
  const y = zeros64(B, O);
  const f = (): number => {
    layer.forward(kernels, x, y);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += r.data[i] * y.data[i];
    return s;
  };
  return { layer, x, r, y, f };
}

for (const withBias of [true, false]) {
  test(`Linear ${withBias ? "with" : "without"} bias: forward is x Wᵀ + b`, () => {
    const { layer, x, y } = setup(withBias);
    layer.forward(kernels, x, y);
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < O; o++) {
        let s = layer.bias === null ? 0 : layer.bias[o];
        for (let i = 0; i < I; i++) s += x.get(b, i) * layer.weight.get(o, i);
        assert.ok(Math.abs(y.get(b, o) - s) < 1e-12);
      }
    }
  });

  for (const set of kernelSetsForTests()) {
    test(`Linear ${withBias ? "with" : "without"} bias (${set.name} kernels): dX, dW, db match central differences (float64)`, { skip: set.skip }, () => {
      const { layer, x, r, f } = setup(withBias, set.kernels);
      const dX = zeros64(B, I);
      layer.backward(set.kernels, x, r, dX);
      assertGradcheck(gradcheck(f, x.data, dX.data), "Linear dX");
      assertGradcheck(gradcheck(f, layer.weight.data, layer.dWeight.data), "Linear dW");
      if (withBias) assertGradcheck(gradcheck(f, layer.bias as Float64Array, layer.dBias as Float64Array), "Linear db");
      else assert.equal(layer.dBias, null);
    });
  }

  test(`Linear ${withBias ? "with" : "without"} bias: backward accumulates (twice doubles)`, () => {
    const { layer, x, r } = setup(withBias);
    const dX = zeros64(B, I);
    layer.backward(kernels, x, r, dX);
    const once = [dX.data.slice(), layer.dWeight.data.slice(), layer.dBias?.slice() ?? new Float64Array(0)];
    layer.backward(kernels, x, r, dX);
    const twice = [dX.data, layer.dWeight.data, layer.dBias ?? new Float64Array(0)];
    for (let k = 0; k < 3; k++) for (let i = 0; i < once[k].length; i++) assert.ok(Math.abs(twice[k][i] - 2 * once[k][i]) < 1e-12);
  });
}

test("Linear: shape errors name the operation and both shapes", () => {
  const layer = Linear.zeros64(I, O, true);
  assert.throws(
    () => layer.forward(kernels, zeros64(B, I + 1), zeros64(B, O)),
    (e: unknown) => e instanceof ShapeError && e.message === "Linear.forward: expected x of shape (B, 4), got x (5, 5)",
  );
  assert.throws(() => layer.forward(kernels, zeros64(B, I), zeros64(B + 1, O)), /Linear\.forward: expected y of shape \(5, 3\), got y \(6, 3\)/);
  assert.throws(() => layer.backward(kernels, zeros64(B, I), zeros64(B, O + 1), null), /Linear\.backward: expected dY of shape \(5, 3\), got dY \(5, 4\)/);
  assert.throws(() => layer.backward(kernels, zeros64(B, I), zeros64(B, O), zeros64(B, 2)), /Linear\.backward: expected dX of shape \(5, 4\), got dX \(5, 2\)/);
  assert.throws(() => new Linear(zeros64(O, I), new Float64Array(2)), /Linear: expected bias of length O=3 for weight \(3, 4\), got length 2/);
  assert.throws(() => layer.appendOutputs(zeros64(2, I + 1), null), /Linear\.appendOutputs: expected rowsW of shape \(K, 4\), got rowsW \(2, 5\)/);
  assert.throws(() => layer.appendInputs(zeros64(O + 1, 2)), /Linear\.appendInputs: expected colsW of shape \(3, K\), got colsW \(4, 2\)/);
  assert.throws(() => Linear.zeros64(I, O, false).appendOutputs(zeros64(1, I), new Float64Array(1)), /no biasK \(the layer has no bias\)/);
});

test("Linear growth: appendOutputs/appendInputs keep old values and gradients, same Param objects", () => {
  const rng = new Rng(3);
  const layer = Linear.zeros64(2, 2, true);
  layer.weight.data.set([1, 2, 3, 4]);
  (layer.bias as Float64Array).set([5, 6]);
  layer.dWeight.data.set([0.1, 0.2, 0.3, 0.4]);
  const [wp, bp] = layer.params();
  layer.appendOutputs(new Matrix(1, 2, new Float64Array([7, 8])), new Float64Array([9]));
  assert.deepEqual(layer.weight.toArrays(), [[1, 2], [3, 4], [7, 8]]);
  assert.deepEqual(Array.from(layer.bias as Float64Array), [5, 6, 9]);
  assert.deepEqual(Array.from(layer.dWeight.data), [0.1, 0.2, 0.3, 0.4, 0, 0]);
  assert.equal(layer.params()[0], wp);
  assert.equal(layer.params()[1], bp);
  assert.equal(wp.value, layer.weight.data);
  assert.equal(bp.grad.length, 3);
  layer.appendInputs(new Matrix(3, 1, new Float64Array([-1, -2, -3])));
  assert.deepEqual(layer.weight.toArrays(), [[1, 2, -1], [3, 4, -2], [7, 8, -3]]);
  assert.deepEqual(Array.from(layer.dWeight.data), [0.1, 0.2, 0, 0.3, 0.4, 0, 0, 0, 0]);
  assert.equal(wp.grad, layer.dWeight.data);
  // Zero new input columns preserve the function on the old inputs.
  layer.appendInputs(zeros64(3, 2));
  const x = randomMatrix(rng, 4, 5);
  const y = zeros64(4, 3);
  layer.forward(kernels, x, y);
  const xOld = new Matrix(4, 3, new Float64Array(12));
  for (let b = 0; b < 4; b++) for (let i = 0; i < 3; i++) xOld.set(b, i, x.get(b, i));
  const small = new Linear<Float64Array>(new Matrix(3, 3, new Float64Array([1, 2, -1, 3, 4, -2, 7, 8, -3])), new Float64Array([5, 6, 9]));
  const y2 = zeros64(4, 3);
  small.forward(kernels, xOld, y2);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(y.data[i] - y2.data[i]) < 1e-12);
});
