import assert from "node:assert/strict";
import { test } from "node:test";
import { ShapeError } from "../errors.js";
import { portableKernels } from "../kernels/portable/index.js";
import { Matrix, zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Conv2d } from "./conv2d.js";
import { resolveGeometry, type ImageShape } from "./geometry.js";
import { fold64, unfold64 } from "./unfold.js";

test("unfold64: a convolution is [W♭ | b] · Ũ (SPEC §3), with the bias feature as the last row of ones", () => {
  const rng = new Rng(8);
  const input: ImageShape = { channels: 2, height: 5, width: 6 };
  const layer = Conv2d.zeros64({ inChannels: 2, outChannels: 3, kernel: [3, 2], stride: [1, 2], padding: [1, 1], dilation: [2, 1] });
  rng.fillNormal(layer.weight.data);
  rng.fillNormal(layer.bias as Float64Array);
  const B = 2;
  const x = zeros64(B, 60);
  rng.fillNormal(x.data);
  const out = layer.outputShape(input);
  const y = zeros64(B, out.channels * out.height * out.width);
  layer.forward(portableKernels, x, y, layer.workspace(B, input, new Float64Array(0)));
  const u = unfold64(Float32Array.from(x.data), B, input, layer.geometry, { biasFeature: true }); // float32 data is widened
  const ux = unfold64(x.data, B, input, layer.geometry, { biasFeature: true });
  const D = 2 * 3 * 2;
  const L = out.height * out.width;
  assert.equal(ux.rows, D + 1);
  assert.equal(ux.cols, B * L);
  for (let j = 0; j < ux.cols; j++) assert.equal(ux.get(D, j), 1);
  for (let i = 0; i < B; i++) for (let o = 0; o < 3; o++) for (let m = 0; m < L; m++) {
    let s = (layer.bias as Float64Array)[o];
    for (let d = 0; d < D; d++) s += layer.weight.get(o, d) * ux.get(d, i * L + m);
    assert.ok(Math.abs(s - y.data[(i * 3 + o) * L + m]) < 1e-12);
  }
  const rounded = unfold64(Float64Array.from(Float32Array.from(x.data)), B, input, layer.geometry, { biasFeature: true });
  assert.deepEqual(Array.from(u.data), Array.from(rounded.data));
});

test("fold64 is the adjoint of unfold64", () => {
  const rng = new Rng(9);
  const input: ImageShape = { channels: 3, height: 4, width: 5 };
  const g = resolveGeometry("t", { kernel: 3, stride: 2, padding: 1 });
  const x = new Float64Array(2 * 60);
  rng.fillNormal(x);
  const u = unfold64(x, 2, input, g);
  const c = new Matrix(u.rows, u.cols, new Float64Array(u.data.length));
  rng.fillNormal(c.data);
  const folded = fold64(c, 2, input, g);
  const lhs = u.data.reduce((s, v, i) => s + v * c.data[i], 0);
  const rhs = x.reduce((s, v, i) => s + v * folded[i], 0);
  assert.ok(Math.abs(lhs - rhs) < 1e-10 * Math.abs(lhs));
});

test("unfold64 names the layer when the kernel does not fit", () => {
  const g = resolveGeometry("conv2", { kernel: 5 });
  assert.throws(() => unfold64(new Float64Array(9), 1, { channels: 1, height: 3, width: 3 }, g, { layer: "blocks.1.conv" }), (e: unknown) => e instanceof ShapeError && e.op === "blocks.1.conv");
});
