import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../errors.js";
import { assertGradcheck, gradcheck } from "../nn/gradcheck.js";
import { zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { BatchNorm2d } from "./batchnorm2d.js";
import type { ImageShape } from "./geometry.js";

const INPUT: ImageShape = { channels: 3, height: 2, width: 3 };

function setup(training: boolean) {
  const rng = new Rng(6);
  const bn = new BatchNorm2d<Float64Array>(3, new Float64Array(0), { name: "blocks.0.bn" });
  bn.training = training;
  rng.fillNormal(bn.weightParam.value);
  rng.fillNormal(bn.biasParam.value);
  for (let c = 0; c < 3; c++) {
    bn.runningMean[c] = rng.normal();
    bn.runningVar[c] = 0.5 + rng.uniform();
  }
  const ws = bn.workspace(4, INPUT, (r, c) => zeros64(r, c));
  const x = zeros64(4, 18);
  rng.fillNormal(x.data);
  for (let k = 0; k < x.data.length; k++) x.data[k] = 2 * x.data[k] + 1;
  const y = zeros64(4, 18);
  const r = zeros64(4, 18);
  rng.fillNormal(r.data);
  const saved = { mean: bn.runningMean.slice(), variance: bn.runningVar.slice() };
  const f = () => {
    bn.forward(x, y, ws);
    bn.runningMean.set(saved.mean); // keep the running statistics fixed across evaluations
    bn.runningVar.set(saved.variance);
    return y.data.reduce((s, v, i) => s + v * r.data[i], 0);
  };
  return { bn, ws, x, y, r, f, saved };
}

for (const training of [true, false]) {
  test(`BatchNorm2d (${training ? "training" : "eval"} mode): dX, dγ, dβ match central differences (float64)`, () => {
    const { bn, ws, x, r, f } = setup(training);
    f();
    const dX = zeros64(4, 18);
    bn.backward(r, dX, ws);
    const dGamma = bn.weightParam.grad.slice();
    const dBeta = bn.biasParam.grad.slice();
    assertGradcheck(gradcheck(f, x.data, dX.data), "bn dX");
    assertGradcheck(gradcheck(f, bn.weightParam.value, dGamma), "bn dγ");
    assertGradcheck(gradcheck(f, bn.biasParam.value, dBeta), "bn dβ");
  });
}

test("BatchNorm2d: normalised channels, PyTorch's running-statistics update, growth with identity channels", () => {
  const { bn, ws, x, y, saved } = setup(true);
  bn.weightParam.value.fill(1);
  bn.biasParam.value.fill(0);
  bn.forward(x, y, ws);
  for (let c = 0; c < 3; c++) {
    const vals: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 4; i++) for (let l = 0; l < 6; l++) {
      vals.push(y.data[(i * 3 + c) * 6 + l]);
      raw.push(x.data[(i * 3 + c) * 6 + l]);
    }
    const mean = vals.reduce((s, v) => s + v, 0) / 24;
    const variance = vals.reduce((s, v) => s + (v - mean) ** 2, 0) / 24;
    assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-4, `channel ${c}: mean ${mean}, variance ${variance}`);
    const m = raw.reduce((s, v) => s + v, 0) / 24;
    const unbiased = raw.reduce((s, v) => s + (v - m) ** 2, 0) / 23;
    assert.ok(Math.abs(bn.runningMean[c] - (0.9 * saved.mean[c] + 0.1 * m)) < 1e-12);
    assert.ok(Math.abs(bn.runningVar[c] - (0.9 * saved.variance[c] + 0.1 * unbiased)) < 1e-12);
  }
  bn.addChannels(2);
  assert.equal(bn.channels, 5);
  assert.deepEqual(Array.from(bn.weightParam.value.subarray(3)), [1, 1]);
  assert.deepEqual(Array.from(bn.biasParam.value.subarray(3)), [0, 0]);
  assert.deepEqual(Array.from(bn.runningVar.subarray(3)), [1, 1]);
  assert.throws(() => bn.forward(x, y, ws), (e: unknown) => e instanceof ShapeError && /blocks.0.bn.forward: expected a workspace for C=5/.test(e.message));
  assert.throws(() => bn.workspace(4, INPUT, (r, c) => zeros64(r, c)), (e: unknown) => e instanceof ShapeError && e.message === "blocks.0.bn: expected an input with C=5 channels, got input (C=3, H=2, W=3)");
});
