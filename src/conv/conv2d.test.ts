import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { kernelSetsForTests } from "../node/native/test-support.js";
import { portableKernels } from "../kernels/portable/index.js";
import { assertGradcheck, gradcheck } from "../nn/gradcheck.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Conv2d, type Conv2dOptions } from "./conv2d.js";
import type { ImageShape } from "./geometry.js";

interface Case {
  what: string;
  options: Conv2dOptions;
  input: ImageShape;
  batch: number;
}

const CASES: Case[] = [
  { what: "3×3 same padding", options: { inChannels: 2, outChannels: 3, kernel: 3, padding: 1 }, input: { channels: 2, height: 5, width: 4 }, batch: 2 },
  { what: "rectangular kernel, stride, padding and dilation per axis", options: { inChannels: 3, outChannels: 2, kernel: [2, 3], stride: [2, 1], padding: [1, 2], dilation: [1, 2] }, input: { channels: 3, height: 6, width: 5 }, batch: 3 },
  { what: "no bias, 1×1 kernel, stride 2", options: { inChannels: 2, outChannels: 4, kernel: 1, stride: 2, bias: false }, input: { channels: 2, height: 5, width: 5 }, batch: 2 },
  { what: "kernel as large as the padded input", options: { inChannels: 1, outChannels: 2, kernel: [4, 3], padding: [1, 0] }, input: { channels: 1, height: 2, width: 3 }, batch: 2 },
];

/** conv(x)[i, o, r, q] = b[o] + Σ_{c,u,v} W[o, c, u, v] · x[i, c, r·s − p + u·d, q·s − p + v·d] (zero outside). */
function directConv(layer: Conv2d<Float64Array>, x: Matrix64, input: ImageShape): Float64Array {
  const out = layer.outputShape(input);
  const [kh, kw] = layer.geometry.kernel;
  const [sh, sw] = layer.geometry.stride;
  const [ph, pw] = layer.geometry.padding;
  const [dh, dw] = layer.geometry.dilation;
  const { channels: C, height: H, width: W } = input;
  const O = layer.outChannels;
  const y = new Float64Array(x.rows * O * out.height * out.width);
  for (let i = 0; i < x.rows; i++) for (let o = 0; o < O; o++) for (let r = 0; r < out.height; r++) for (let q = 0; q < out.width; q++) {
    let s = layer.bias === null ? 0 : layer.bias[o];
    for (let c = 0; c < C; c++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const h = r * sh - ph + u * dh;
      const w = q * sw - pw + v * dw;
      if (h >= 0 && h < H && w >= 0 && w < W) s += layer.weight.get(o, (c * kh + u) * kw + v) * x.get(i, (c * H + h) * W + w);
    }
    y[((i * O + o) * out.height + r) * out.width + q] = s;
  }
  return y;
}

function setup(c: Case, kernels: Kernels = portableKernels, seed = 5) {
  const rng = new Rng(seed);
  const layer = Conv2d.zeros64(c.options);
  rng.fillNormal(layer.weight.data);
  if (layer.bias !== null) rng.fillNormal(layer.bias);
  const out = layer.outputShape(c.input);
  const ws = layer.workspace(c.batch, c.input, new Float64Array(0));
  const x = zeros64(c.batch, c.input.channels * c.input.height * c.input.width);
  rng.fillNormal(x.data);
  const y = zeros64(c.batch, out.channels * out.height * out.width);
  const r = zeros64(y.rows, y.cols); // L = Σ r ⊙ y, so dY = r
  rng.fillNormal(r.data);
  const f = (): number => {
    layer.forward(kernels, x, y, ws);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += r.data[i] * y.data[i];
    return s;
  };
  return { layer, ws, x, y, r, f, out };
}

for (const c of CASES) {
  for (const set of kernelSetsForTests()) {
    test(`Conv2d ${c.what} (${set.name}): forward equals the direct convolution`, { skip: set.skip }, () => {
      const { layer, x, y, ws } = setup(c, set.kernels);
      layer.forward(set.kernels, x, y, ws);
      const want = directConv(layer, x, c.input);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y.data[i] - want[i]) < 1e-12, `entry ${i}: ${y.data[i]} vs ${want[i]}`);
    });

    test(`Conv2d ${c.what} (${set.name}): dX, dW, db match central differences (float64)`, { skip: set.skip }, () => {
      const { layer, ws, x, r, f } = setup(c, set.kernels);
      f();
      const dX = zeros64(x.rows, x.cols);
      layer.backward(set.kernels, r, dX, ws);
      assertGradcheck(gradcheck(f, x.data, dX.data), `${c.what} dX`);
      assertGradcheck(gradcheck(f, layer.weight.data, layer.dWeight.data), `${c.what} dW`);
      if (layer.bias !== null) assertGradcheck(gradcheck(f, layer.bias, layer.dBias as Float64Array), `${c.what} db`);
    });
  }
}

test("Conv2d backward adds into dW, db and dX (a second call doubles them)", () => {
  const { layer, ws, x, r, f } = setup(CASES[0]);
  f();
  const dX = zeros64(x.rows, x.cols);
  layer.backward(portableKernels, r, dX, ws);
  const once = [dX.data.slice(), layer.dWeight.data.slice(), (layer.dBias as Float64Array).slice()];
  layer.backward(portableKernels, r, dX, ws);
  const twice = [dX.data, layer.dWeight.data, layer.dBias as Float64Array];
  once.forEach((a, k) => a.forEach((v, i) => assert.ok(Math.abs(twice[k][i] - 2 * v) < 1e-12)));
});

test("Conv2d growth: new output channels compute from their kernels, old ones are unchanged; zero new input kernels preserve the function", () => {
  const c = CASES[1];
  const { layer, x, y, ws } = setup(c);
  layer.forward(portableKernels, x, y, ws);
  const before = y.clone();
  const rng = new Rng(9);
  const K = 2;
  const D = layer.weight.cols;
  const rows = zeros64(K, D);
  rng.fillNormal(rows.data);
  layer.addOutputChannels(rows, Float64Array.of(0.5, -1));
  assert.equal(layer.outChannels, 4);
  assert.equal(layer.params()[0].value.length, 4 * D);
  assert.ok(!layer.fits(ws), "an old workspace no longer fits");
  const ws2 = layer.workspace(c.batch, c.input, new Float64Array(0));
  const out = layer.outputShape(c.input);
  const y2 = zeros64(c.batch, out.channels * out.height * out.width);
  layer.forward(portableKernels, x, y2, ws2);
  const L = out.height * out.width;
  const want = directConv(layer, x, c.input);
  for (let i = 0; i < c.batch; i++) {
    for (let o = 0; o < 4; o++) {
      for (let l = 0; l < L; l++) {
        const got = y2.data[(i * 4 + o) * L + l];
        if (o < 2) assert.equal(got, before.data[(i * 2 + o) * L + l]);
        assert.ok(Math.abs(got - want[(i * 4 + o) * L + l]) < 1e-12);
      }
    }
  }
  // New input channels with zero kernels: same outputs on the old channels of x.
  layer.addInputChannels(zeros64(4, 2 * layer.taps));
  assert.equal(layer.inChannels, 5);
  const input5: ImageShape = { ...c.input, channels: 5 };
  const x5 = zeros64(c.batch, 5 * c.input.height * c.input.width);
  const P = c.input.height * c.input.width;
  for (let i = 0; i < c.batch; i++) for (let k = 0; k < 3 * P; k++) x5.data[i * 5 * P + k] = x.data[i * 3 * P + k];
  for (let i = 0; i < c.batch; i++) for (let k = 3 * P; k < 5 * P; k++) x5.data[i * 5 * P + k] = 7;
  const y3 = zeros64(y2.rows, y2.cols);
  layer.forward(portableKernels, x5, y3, layer.workspace(c.batch, input5, new Float64Array(0)));
  assert.deepEqual(Array.from(y3.data), Array.from(y2.data));
});

test("Conv2d errors: kernel larger than the padded input, stride/dilation < 1, wrong channels or batch shape", () => {
  const layer = Conv2d.zeros32({ inChannels: 1, outChannels: 2, kernel: 5, padding: 1, dilation: [1, 2], name: "blocks.0.conv" });
  assert.throws(
    () => layer.outputShape({ channels: 1, height: 2, width: 9 }),
    (e: unknown) => e instanceof ShapeError && /^blocks\.0\.conv: expected an input height of at least 3 for kernel 5 with padding 1/.test(e.message) && /got input \(C=1, H=2, W=9\)/.test(e.message),
  );
  assert.throws(
    () => layer.outputShape({ channels: 1, height: 9, width: 6 }),
    (e: unknown) => e instanceof ShapeError && /input width of at least 7 for kernel 5 dilated ×2 with padding 1/.test(e.message),
  );
  assert.throws(
    () => layer.outputShape({ channels: 3, height: 9, width: 9 }),
    (e: unknown) => e instanceof ShapeError && e.message === "blocks.0.conv: expected an input with C=1 channels, got input (C=3, H=9, W=9)",
  );
  assert.throws(
    () => Conv2d.zeros32({ inChannels: 1, outChannels: 1, kernel: 3, stride: 0, dilation: [1, 0], name: "c1" }),
    (e: unknown) => e instanceof ConfigError && e.issues.length === 2 && e.issues[0].source === "c1" && e.issues[0].path === "stride" && /≥ 1, got 0/.test(e.issues[0].message) && e.issues[1].path === "dilation",
  );
  assert.throws(() => Conv2d.zeros32({ inChannels: 1, outChannels: 1, kernel: [3, 1.5] }), (e: unknown) => e instanceof ConfigError && e.issues[0].path === "kernel");
  const ws = layer.workspace(2, { channels: 1, height: 9, width: 9 }, new Float32Array(0));
  const x = new Matrix(3, 81, new Float32Array(243));
  const y = new Matrix(2, 2 * 7 * 5, new Float32Array(140));
  assert.throws(
    () => layer.forward(portableKernels, x, y, ws),
    (e: unknown) => e instanceof ShapeError && e.message === "blocks.0.conv.forward: expected x of shape (B, C·H·W) = (2, 81) for images (C=1, H=9, W=9), got x (3, 81)",
  );
});
