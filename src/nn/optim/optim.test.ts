import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import { kernelSetsForTests } from "../../node/native/test-support.js";
import type { Param } from "../param.js";
import { Adam, type AdamOptions } from "./adam.js";
import type { Optimizer } from "./optimizer.js";
import { Sgd, type SgdOptions } from "./sgd.js";

/**
 * Expected values were computed by hand-written float64 Python following the update rules
 * of torch.optim.SGD / Adam / AdamW (see the module comments), from p₀ = [1, -2] with the
 * gradients below at steps 1, 2, 3.
 */
const GRADS = [
  [0.5, 0.25],
  [-0.1, 0.4],
  [0.3, -0.2],
];

function makeParam(): Param<Float64Array> {
  return { value: new Float64Array([1, -2]), grad: new Float64Array(2), name: "p" };
}

function run(make: (params: Param[]) => Optimizer, kernels?: Kernels): number[][] {
  const p = makeParam();
  const opt = make([p]);
  const out: number[][] = [];
  for (const g of GRADS) {
    opt.zeroGrad();
    p.grad[0] += g[0];
    p.grad[1] += g[1];
    opt.step(kernels);
    out.push(Array.from(p.value));
  }
  return out;
}

function assertClose(got: number[][], want: number[][], tol = 1e-12): void {
  for (let s = 0; s < want.length; s++) {
    for (let j = 0; j < want[s].length; j++) {
      assert.ok(Math.abs(got[s][j] - want[s][j]) <= tol, `step ${s + 1}, p[${j}]: got ${got[s][j]}, want ${want[s][j]}`);
    }
  }
}

const sgd = (o: SgdOptions) => (params: Param[]) => new Sgd(params, o);
const adam = (o: AdamOptions) => (params: Param[]) => new Adam(params, o);

// The SGD update runs in kernels.sgdStep: each kernel set must take the same steps.
for (const set of kernelSetsForTests()) {
  test(`SGD without momentum (${set.name} kernels)`, { skip: set.skip }, () => {
    assertClose(run(sgd({ lr: 0.1 }), set.kernels), [
      [0.95, -2.025],
      [0.96, -2.065],
      [0.93, -2.045],
    ]);
  });

  test(`SGD with momentum and weight decay (PyTorch: buf = g at step 1) (${set.name} kernels)`, { skip: set.skip }, () => {
    assertClose(run(sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), set.kernels), [
      [0.94, -2.005],
      [0.8866, -2.02945],
      [0.799674, -2.0111605],
    ]);
  });

  test(`SGD with Nesterov momentum (${set.name} kernels)`, { skip: set.skip }, () => {
    assertClose(run(sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), set.kernels), [
      [0.905, -2.0475],
      [0.8835, -2.14375],
      [0.79815, -2.156375],
    ]);
  });

  test(`SGD with dampening (first step undamped, as PyTorch) (${set.name} kernels)`, { skip: set.skip }, () => {
    assertClose(run(sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5 }), set.kernels), [
      [0.95, -2.025],
      [0.91, -2.0675],
      [0.859, -2.09575],
    ]);
  });
}

test("Adam with bias correction", () => {
  assertClose(run(adam({ lr: 0.1 })), [
    [0.900000002, -2.099999996],
    [0.8488973956993239, -2.1986117759130273],
    [0.7824417742018707, -2.243834147226119],
  ]);
});

test("Adam with (coupled) weight decay", () => {
  assertClose(run(adam({ lr: 0.1, weightDecay: 0.1 })), [
    [0.9000000016666666, -2.099999980000004],
    [0.8342441676622847, -2.189010438597585],
    [0.7570041507810498, -2.1603725723950746],
  ]);
});

test("AdamW (decoupled weight decay)", () => {
  assertClose(run(adam({ lr: 0.1, weightDecay: 0.1, decoupledWeightDecay: true })), [
    [0.890000002, -2.079999996],
    [0.8299973956793238, -2.1578117759530273],
    [0.7552418002250774, -2.1814560295065886],
  ]);
});

test("float32 parameters take the same steps (to float32 precision)", () => {
  const p: Param<Float32Array> = { value: new Float32Array([1, -2]), grad: new Float32Array([0.5, 0.25]), name: "p" };
  new Adam([p], { lr: 0.1 }).step();
  assert.ok(Math.abs(p.value[0] - 0.9) < 1e-6 && Math.abs(p.value[1] - -2.1) < 1e-6);
});

test("resetState after growth: the resized parameter restarts, the others keep their state", () => {
  const a = makeParam();
  const b = makeParam();
  const opt = new Adam([a, b], { lr: 0.1 });
  a.grad.set([0.5, 0.25]);
  b.grad.set([0.5, 0.25]);
  opt.step();
  // Growth swaps a's arrays for longer ones (same Param object).
  a.value = Float64Array.from([...a.value, 3]);
  a.grad = new Float64Array([0.5, 0.25, -1]);
  opt.resetState(a);
  b.grad.set([0.5, 0.25]);
  opt.step();
  // A fresh Adam state moves each entry by lr·sign(g) at its first step.
  assertClose([Array.from(a.value)], [[0.8, -2.2, 3.1]], 1e-8);
  assertClose([Array.from(b.value)], [[0.8, -2.2]], 1e-8); // constant g: still lr·sign(g) per step
  // Without resetState, a length change is detected and the state reset all the same.
  const s = makeParam();
  const sg = new Sgd([s], { lr: 1, momentum: 0.5 });
  s.grad.set([1, 1]);
  sg.step();
  s.value = new Float64Array(3);
  s.grad = new Float64Array([1, 1, 1]);
  sg.step();
  assert.deepEqual(Array.from(s.value), [-1, -1, -1]);
});

test("setParams keeps the state of parameters present in both lists", () => {
  const a = makeParam();
  const opt = new Sgd([a], { lr: 1, momentum: 0.5 });
  a.grad.set([1, 0]);
  opt.step(); // buf = [1, 0], a = [0, -2]
  const c = makeParam();
  opt.setParams([c, a]);
  a.grad.set([1, 0]);
  c.grad.set([1, 0]);
  opt.step();
  assert.deepEqual(Array.from(a.value), [-1.5, -2]); // buf = 0.5·1 + 1
  assert.deepEqual(Array.from(c.value), [0, -2]); // fresh: buf = g
  opt.zeroGrad();
  assert.deepEqual(Array.from(a.grad), [0, 0]);
});

test("bad optimizer options are one ConfigError listing each", () => {
  assert.throws(
    () => new Sgd([], { lr: -1, nesterov: true }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues.length === 2 &&
      /Sgd options: lr: expected a finite lr >= 0, got -1/.test(e.message) &&
      /Sgd options: nesterov: nesterov needs momentum > 0 and dampening 0, got momentum 0, dampening 0/.test(e.message),
  );
  assert.throws(() => new Adam([], { betas: [1, 0.999] }), /Adam options: betas\.0: expected 0 <= beta1 < 1, got 1/);
  const bad: Param = { value: new Float32Array(2), grad: new Float32Array(3), name: "w" };
  assert.throws(() => new Sgd([bad], { lr: 1 }), /Sgd\.setParams: expected w\.grad of length 2, got length 3/);
});
