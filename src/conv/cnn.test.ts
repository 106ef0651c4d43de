import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, ShapeError } from "../errors.js";
import { kernelSetsForTests } from "../node/native/test-support.js";
import { portableKernels } from "../kernels/portable/index.js";
import { assertGradcheck, gradcheck } from "../nn/gradcheck.js";
import { Sgd } from "../nn/optim/sgd.js";
import { countParams } from "../nn/param.js";
import { Matrix, zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Cnn } from "./cnn.js";
import type { CnnOptions } from "./cnn-spec.js";

const NETS: [string, CnnOptions][] = [
  ["conv-BN-max pool-conv-avg pool, flatten head", {
    input: { channels: 2, height: 8, width: 7 },
    blocks: [{ channels: 3, kernel: 3, padding: 1, batchNorm: true, pool: { kind: "max", kernel: 2 } }, { channels: 2, kernel: [2, 2], stride: [1, 1], pool: { kind: "avg", kernel: 2, stride: 1 } }],
    activation: "tanh",
    outputs: 3,
  }],
  ["two convs without pooling, dilation, GAP head, no biases", {
    input: { channels: 1, height: 7, width: 6 },
    blocks: [{ channels: 2, kernel: 3, dilation: [2, 1], bias: false }, { channels: 3, kernel: 1, bias: false }],
    activation: "selu",
    head: "gap",
    outputs: 2,
    headBias: false,
  }],
  ["ReLU → max pool (one fused backward pass), overlapping windows, two blocks, flatten head", {
    input: { channels: 2, height: 9, width: 8 },
    blocks: [{ channels: 3, kernel: 3, padding: 1, pool: { kind: "max", kernel: 3, stride: 2, padding: 1 } }, { channels: 2, kernel: 2, pool: { kind: "max", kernel: 2 } }],
    activation: "relu",
    outputs: 3,
  }],
];

for (const [what, options] of NETS) {
  for (const set of kernelSetsForTests()) {
    test(`Cnn ${what} (${set.name}): every parameter gradient and dX match central differences (float64)`, { skip: set.skip }, () => {
      const rng = new Rng(21);
      const model = Cnn.create64(options, rng);
      const B = 3;
      const x = zeros64(B, options.input.channels * options.input.height * options.input.width);
      rng.fillNormal(x.data);
      const r = zeros64(B, options.outputs);
      rng.fillNormal(r.data);
      const f = () => {
        const y = model.forward(set.kernels, x);
        return y.data.reduce((s, v, i) => s + v * r.data[i], 0);
      };
      f();
      for (const p of model.params()) p.grad.fill(0);
      const dX = zeros64(x.rows, x.cols);
      model.backward(set.kernels, r, dX);
      const grads = model.params().map((p) => ({ name: p.name, value: p.value as Float64Array, grad: (p.grad as Float64Array).slice() }));
      assertGradcheck(gradcheck(f, x.data, dX.data), `${what} dX`);
      for (const g of grads) assertGradcheck(gradcheck(f, g.value, g.grad, { atol: 1e-6 }), `${what} ${g.name}`);
    });
  }
}

test("Cnn.addChannels: with zero consumer weights the function is unchanged, every layer grows, and the new channels then matter", () => {
  for (const [what, options] of NETS) {
    const rng = new Rng(5);
    const model = Cnn.create64(options, rng);
    const x = zeros64(2, options.input.channels * options.input.height * options.input.width);
    rng.fillNormal(x.data);
    const before = model.forward(portableKernels, x).clone();
    const opt = new Sgd(model.params(), { lr: 0.1, momentum: 0.9 });
    for (let l = 0; l < model.blocks.length; l++) {
      const conv = model.blocks[l].conv;
      const w = zeros64(2, conv.weight.cols);
      rng.fillNormal(w.data);
      const [count, per] = [countParams(model.params()), model.parametersPerChannel(l)];
      model.addChannels(l, { weight: w, bias: conv.bias === null ? null : Float64Array.of(0.3, -0.2), next: null }, opt);
      assert.equal(countParams(model.params()), count + 2 * per, `${what}: block ${l}, 2 channels of ${per} parameters`);
      const after = model.forward(portableKernels, x);
      for (let i = 0; i < after.data.length; i++) assert.ok(Math.abs(after.data[i] - before.data[i]) < 1e-12, `${what}: block ${l} grown, output ${i}`);
    }
    assert.deepEqual(model.widths, options.blocks.map((b) => b.channels + 2));
    opt.step(); // optimizer state follows the resized parameters
    const shapes = model.shapes();
    const last = shapes[shapes.length - 1].output;
    const per = options.head === "gap" ? 1 : last.height * last.width;
    const next = zeros64(options.outputs, 2 * per);
    next.data.fill(0.5);
    const conv = model.blocks[model.blocks.length - 1].conv;
    model.addChannels(model.blocks.length - 1, { weight: zeros64(2, conv.weight.cols), bias: conv.bias === null ? null : Float64Array.of(1, 1), next });
    assert.ok(model.head.inputs === (options.head === "gap" ? last.channels + 2 : (last.channels + 2) * per));
  }
});

test("Cnn with a zero-width block trains and grows from zero", () => {
  const rng = new Rng(3);
  const model = Cnn.create64({ input: { channels: 1, height: 5, width: 5 }, blocks: [{ channels: 0, kernel: 3, padding: 1 }, { channels: 2, kernel: 3 }], outputs: 2 }, rng);
  const x = zeros64(2, 25);
  rng.fillNormal(x.data);
  const y0 = model.forward(portableKernels, x).clone();
  model.backward(portableKernels, zeros64(2, 2).clone());
  const w = zeros64(1, 9);
  rng.fillNormal(w.data);
  model.addChannels(0, { weight: w, bias: Float64Array.of(0), next: null });
  assert.deepEqual(Array.from(model.forward(portableKernels, x).data), Array.from(y0.data));
  assert.deepEqual(model.widths, [1, 2]);
});

test("Cnn errors: images of the wrong size, bad options, a window that does not fit, a bad growth", () => {
  const rng = new Rng(1);
  const model = Cnn.create({ input: { channels: 1, height: 28, width: 28 }, blocks: [{ channels: 4, kernel: 3, pool: { kind: "max", kernel: 2 } }], outputs: 10 }, rng);
  assert.throws(() => model.forward(portableKernels, new Matrix(2, 3072, new Float32Array(6144))),
    (e: unknown) => e instanceof ShapeError && e.message === "cnn.forward: expected images of shape (B, C·H·W) = (B, 784) for the network's input (C=1, H=28, W=28), got x (2, 3072)");
  assert.throws(() => Cnn.create({ input: { channels: 0, height: 28, width: 28 }, blocks: [{ channels: -1 }], outputs: 0, head: "max" as never }, rng),
    (e: unknown) => e instanceof ConfigError && ["input.channels", "blocks.0.channels", "head", "outputs"].every((p) => e.issues.some((i) => i.path === p)));
  assert.throws(() => Cnn.create({ input: { channels: 1, height: 6, width: 6 }, blocks: [{ channels: 2, kernel: 3, pool: { kind: "max", kernel: 2 } }, { channels: 2, kernel: 3 }], outputs: 2 }, rng),
    (e: unknown) => e instanceof ShapeError && e.op === "blocks.1.conv" && /input height of at least 3/.test(e.message));
  assert.throws(() => model.addChannels(0, { weight: new Matrix(1, 9, new Float32Array(9)), bias: null, next: new Matrix(10, 5, new Float32Array(50)) }),
    (e: unknown) => e instanceof ShapeError && /next of shape \(10, 169\) for 1 new channels feeding head \(flatten\)/.test(e.message));
});
