import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../errors.js";
import { kernelSetsForTests } from "../node/native/test-support.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix, zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { assertGradcheck, gradcheck } from "./gradcheck.js";
import type { ActivationName } from "./layers/activation.js";
import { mseLoss } from "./losses/mse.js";
import { softmaxCrossEntropyLoss } from "./losses/softmax-cross-entropy.js";
import { Mlp } from "./mlp.js";

const kernels = kernelsUnderTest();

const ACTS: ActivationName[] = ["tanh", "selu", "gelu", "softplus"];

// Float64 gradients through each kernel set's gemm, activations, bias add and column sums.
for (const set of kernelSetsForTests()) {
  for (const activation of [...ACTS, "relu"] as ActivationName[]) {
    test(`Mlp (${activation}, ${set.name} kernels) end to end: every parameter gradient and dX match central differences`, { skip: set.skip }, () => {
      const kernels = set.kernels;
      const rng = new Rng(21);
      const mlp = Mlp.create64({ sizes: [3, 5, 4, 2], activation, init: "lecun-normal" }, rng);
      for (const l of mlp.layers) if (l.bias !== null) rng.fillNormal(l.bias, 0, 0.3);
      const x = zeros64(6, 3);
      const t = zeros64(6, 2);
      rng.fillNormal(x.data);
      rng.fillNormal(t.data);
      const f = () => mseLoss(mlp.forward(kernels, x), t, "mean");
      const dOut = zeros64(6, 2);
      mseLoss(mlp.forward(kernels, x), t, "mean", dOut);
      const dX = zeros64(6, 3);
      mlp.backward(kernels, dOut, dX);
      const params = mlp.params();
      assert.equal(params.length, 6);
      for (const p of params) assertGradcheck(gradcheck(f, p.value as Float64Array, p.grad), `${activation} ${p.name}`);
      assertGradcheck(gradcheck(f, x.data, dX.data), `${activation} dX`);
    });
  }
}

test("Mlp without bias, cross-entropy: gradients match, layer inputs and pre-activation grads are exposed", () => {
  const rng = new Rng(4);
  const mlp = Mlp.create64({ sizes: [4, 6, 3], activation: "relu", bias: false }, rng);
  const x = zeros64(5, 4);
  rng.fillNormal(x.data);
  const labels = Int32Array.from([0, 2, 1, 1, 0]);
  const f = () => softmaxCrossEntropyLoss(mlp.forward(kernels, x), labels, "sum");
  const dOut = zeros64(5, 3);
  softmaxCrossEntropyLoss(mlp.forward(kernels, x), labels, "sum", dOut);
  mlp.backward(kernels, dOut);
  assert.equal(mlp.params().length, 2);
  // dLoss/dpre of the hidden layer, by finite differences on pre through the rest of the net.
  const pre0 = mlp.layerPreActivation(0).clone();
  const g0 = mlp.layerPreActivationGrad(0).clone();
  assert.equal(mlp.layerInput(0), x);
  for (const p of mlp.params()) assertGradcheck(gradcheck(f, p.value as Float64Array, p.grad), `relu ${p.name}`);
  const tail = () => {
    const post = zeros64(5, 6);
    for (let i = 0; i < post.data.length; i++) post.data[i] = Math.max(0, pre0.data[i]);
    const out = zeros64(5, 3);
    mlp.layers[1].forward(kernels, post, out);
    return softmaxCrossEntropyLoss(out, labels, "sum");
  };
  assertGradcheck(gradcheck(tail, pre0.data, g0.data), "dLoss/dpre_0");
  mlp.forward(kernels, x);
  const h = mlp.layerInput(1);
  for (let i = 0; i < h.data.length; i++) assert.equal(h.data[i], Math.max(0, mlp.layerPreActivation(0).data[i]));
});

test("Mlp caches buffers per batch size and rebuilds them after growth (function preserved)", () => {
  const rng = new Rng(8);
  const mlp = Mlp.create({ sizes: [3, 4, 2], activation: "selu", init: "lecun-normal" }, rng);
  const x8 = new Matrix(8, 3, new Float32Array(24));
  rng.fillNormal(x8.data);
  const out1 = mlp.forward(kernels, x8);
  const before = out1.data.slice();
  assert.equal(mlp.forward(kernels, x8), out1);
  const out3 = mlp.forward(kernels, x8.topRows(3));
  assert.notEqual(out3, out1);
  assert.equal(mlp.forward(kernels, x8), out1);
  // Grow the hidden layer by 2 neurons with zero outgoing weights: same function.
  const rows = new Matrix(2, 3, new Float32Array(6));
  rng.fillNormal(rows.data);
  mlp.layers[0].appendOutputs(rows, new Float32Array(2));
  mlp.layers[1].appendInputs(new Matrix(2, 2, new Float32Array(4)));
  assert.deepEqual(mlp.sizes, [3, 6, 2]);
  const grown = mlp.forward(kernels, x8);
  assert.notEqual(grown, out1);
  for (let i = 0; i < before.length; i++) assert.ok(Math.abs(grown.data[i] - before[i]) < 1e-6);
  mlp.backward(kernels, new Matrix(8, 2, new Float32Array(16).fill(1)));
  assert.equal(mlp.layerPreActivationGrad(0).shape, "(8, 6)");
});

test("Mlp: shape errors name the op and the shapes", () => {
  const mlp = Mlp.create({ sizes: [3, 4, 2], activation: "tanh" }, new Rng(1));
  assert.throws(
    () => mlp.forward(kernels, new Matrix(2, 5, new Float32Array(10))),
    (e: unknown) => e instanceof ShapeError && e.message === "Mlp.forward: expected x of shape (B, 3), got x (2, 5)",
  );
  assert.throws(() => mlp.backward(kernels, new Matrix(2, 2, new Float32Array(4))), /Mlp\.backward: expected a forward pass first/);
  mlp.forward(kernels, new Matrix(2, 3, new Float32Array(6)));
  assert.throws(() => mlp.backward(kernels, new Matrix(3, 2, new Float32Array(6))), /Mlp\.backward: expected dOut of shape \(2, 2\) \(last forward\), got dOut \(3, 2\)/);
  assert.throws(() => mlp.layerInput(2), /Mlp\.layerInput: expected a layer index in \[0, 2\), got 2/);
  assert.throws(() => Mlp.create({ sizes: [3], activation: "tanh" }, new Rng(1)), /Mlp: expected sizes \[I, …, O\] with at least 2 entries, got \[3\]/);
});
