import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../../errors.js";
import { Matrix, zeros64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { assertGradcheck, gradcheck } from "../gradcheck.js";
import { mseLoss, type Reduction } from "./mse.js";
import { argmaxRows, softmaxCrossEntropyLoss } from "./softmax-cross-entropy.js";

const REDUCTIONS: Reduction[] = ["mean", "sum"];

for (const reduction of REDUCTIONS) {
  test(`mseLoss (${reduction}): value and dPred match central differences`, () => {
    const rng = new Rng(1);
    const pred = zeros64(4, 3);
    const target = zeros64(4, 3);
    rng.fillNormal(pred.data);
    rng.fillNormal(target.data);
    const dPred = zeros64(4, 3);
    dPred.data.fill(123); // overwritten, not added to
    const value = mseLoss(pred, target, reduction, dPred);
    let s = 0;
    for (let i = 0; i < 12; i++) s += (pred.data[i] - target.data[i]) ** 2;
    assert.ok(Math.abs(value - (reduction === "mean" ? s / 12 : s)) < 1e-12);
    assertGradcheck(gradcheck(() => mseLoss(pred, target, reduction), pred.data, dPred.data), `mse ${reduction}`);
  });

  test(`softmaxCrossEntropyLoss (${reduction}): value and dLogits match central differences`, () => {
    const rng = new Rng(2);
    const logits = zeros64(5, 4);
    rng.fillNormal(logits.data, 0, 2);
    const labels = new Int32Array([0, 3, 1, 1, 2]);
    const dLogits = zeros64(5, 4);
    const value = softmaxCrossEntropyLoss(logits, labels, reduction, dLogits);
    let s = 0;
    for (let i = 0; i < 5; i++) {
      let z = 0;
      for (let c = 0; c < 4; c++) z += Math.exp(logits.get(i, c));
      s += Math.log(z) - logits.get(i, labels[i]);
    }
    assert.ok(Math.abs(value - (reduction === "mean" ? s / 5 : s)) < 1e-12);
    assertGradcheck(gradcheck(() => softmaxCrossEntropyLoss(logits, labels, reduction), logits.data, dLogits.data), `cross-entropy ${reduction}`);
  });
}

test("softmaxCrossEntropyLoss is stable for huge logits", () => {
  const logits = new Matrix(2, 3, new Float32Array([1000, 0, -1000, -5000, 5000, 5000]));
  const d = new Matrix(2, 3, new Float32Array(6));
  const value = softmaxCrossEntropyLoss(logits, new Int32Array([0, 1]), "mean", d);
  // Row 0: loss 0; row 1: log 2.
  assert.ok(Math.abs(value - Math.log(2) / 2) < 1e-7);
  for (const v of d.data) assert.ok(Number.isFinite(v));
  assert.ok(Math.abs(d.get(1, 1) - -0.25) < 1e-7 && Math.abs(d.get(1, 2) - 0.25) < 1e-7);
});

test("softmaxCrossEntropyLoss: a label out of range names the index and value", () => {
  const logits = zeros64(3, 4);
  assert.throws(
    () => softmaxCrossEntropyLoss(logits, new Int32Array([0, 1, 4]), "mean"),
    (e: unknown) => e instanceof ShapeError && e.message === "softmaxCrossEntropyLoss: expected labels in [0, 4) for logits (3, 4), got labels[2] = 4",
  );
  assert.throws(() => softmaxCrossEntropyLoss(logits, new Int32Array([-1, 1, 2]), "sum"), /got labels\[0\] = -1/);
  assert.throws(() => softmaxCrossEntropyLoss(logits, new Int32Array(2), "sum"), /expected labels of length B=3 for logits \(3, 4\), got length 2/);
});

test("loss shape errors name the op and both shapes", () => {
  assert.throws(
    () => mseLoss(zeros64(3, 2), zeros64(3, 1), "mean"),
    (e: unknown) => e instanceof ShapeError && e.message === "mseLoss: expected target of the shape of pred (3, 2), got target (3, 1)",
  );
  assert.throws(() => mseLoss(zeros64(3, 2), zeros64(3, 2), "mean", zeros64(2, 2)), /mseLoss: expected dPred of the shape of pred \(3, 2\), got dPred \(2, 2\)/);
  assert.throws(() => softmaxCrossEntropyLoss(zeros64(3, 2), new Int32Array(3), "mean", zeros64(3, 3)), /expected dLogits of the shape of logits \(3, 2\), got dLogits \(3, 3\)/);
});

test("argmaxRows takes the first maximum", () => {
  const out = new Int32Array(3);
  argmaxRows(new Matrix(3, 3, new Float64Array([1, 3, 3, -1, -2, -3, 0, 0, 5])), out);
  assert.deepEqual(Array.from(out), [1, 0, 2]);
});
