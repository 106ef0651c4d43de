import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, ShapeError } from "../errors.js";
import { assertGradcheck, gradcheck } from "../nn/gradcheck.js";
import { fromArrays64, zeros64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { portableKernels } from "../kernels/portable/index.js";
import { imageSize, type ImageShape } from "./geometry.js";
import { avgPool2d, GlobalAvgPool2d, maxPool2d, type Pool2d } from "./pooling.js";

test("MaxPool2d 2×2 and AvgPool2d 2×2 on a 4×4 image: the values PyTorch gives", () => {
  const x = fromArrays64([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]]);
  const input: ImageShape = { channels: 1, height: 4, width: 4 };
  const max = maxPool2d({ kernel: 2 });
  const y = zeros64(1, 4);
  max.forward(portableKernels, x, y, max.workspace(1, input));
  assert.deepEqual(Array.from(y.data), [6, 8, 14, 16]);
  const avg = avgPool2d({ kernel: 2 });
  avg.forward(portableKernels, x, y, avg.workspace(1, input));
  assert.deepEqual(Array.from(y.data), [3.5, 5.5, 11.5, 13.5]);
  // padding 1, stride 2, 3×3 windows: AvgPool counts the zero padding (count_include_pad).
  const avgPad = avgPool2d({ kernel: 3, stride: 2, padding: 1 });
  const y2 = zeros64(1, 4);
  avgPad.forward(portableKernels, x, y2, avgPad.workspace(1, input));
  const want = [14 / 9, 30 / 9, 57 / 9, 99 / 9]; // torch.nn.functional.avg_pool2d(x, 3, 2, 1)
  want.forEach((v, i) => assert.ok(Math.abs(y2.data[i] - v) < 1e-15, `${y2.data[i]} vs ${v}`));
  const maxPad = maxPool2d({ kernel: 3, stride: 2, padding: 1 });
  maxPad.forward(portableKernels, fromArrays64([x.toArrays()[0].map((v) => -v)]), y2, maxPad.workspace(1, input));
  assert.deepEqual(Array.from(y2.data), [-1, -2, -5, -6], "padding is −∞ for max pooling, not 0");
});

const POOLS: [string, () => Pool2d, ImageShape][] = [
  ["max 2×2", () => maxPool2d({ kernel: 2 }), { channels: 2, height: 6, width: 5 }],
  ["max 3×2, stride (2, 1), padding (1, 1), dilation (1, 2)", () => maxPool2d({ kernel: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [1, 2] }), { channels: 3, height: 7, width: 6 }],
  ["avg 2×2", () => avgPool2d({ kernel: 2 }), { channels: 2, height: 6, width: 5 }],
  ["avg 3×3, stride 2, padding 1", () => avgPool2d({ kernel: 3, stride: 2, padding: 1 }), { channels: 2, height: 5, width: 6 }],
];

for (const [what, make, input] of POOLS) {
  test(`Pool2d ${what}: dX matches central differences (float64)`, () => {
    const pool = make();
    const B = 2;
    const ws = pool.workspace(B, input);
    const rng = new Rng(3);
    const x = zeros64(B, imageSize(input));
    rng.fillNormal(x.data);
    const y = zeros64(B, imageSize(ws.output));
    const r = zeros64(y.rows, y.cols);
    rng.fillNormal(r.data);
    const f = () => {
      pool.forward(portableKernels, x, y, ws);
      return y.data.reduce((s, v, i) => s + v * r.data[i], 0);
    };
    f();
    const dX = zeros64(x.rows, x.cols);
    pool.backward(portableKernels, r, dX, ws);
    assertGradcheck(gradcheck(f, x.data, dX.data), what);
  });
}

test("GlobalAvgPool2d: means per channel, and dX matches central differences", () => {
  const gap = new GlobalAvgPool2d();
  const input: ImageShape = { channels: 3, height: 2, width: 3 };
  const rng = new Rng(4);
  const x = zeros64(2, 18);
  rng.fillNormal(x.data);
  const y = zeros64(2, 3);
  gap.forward(x, input, y);
  for (let k = 0; k < 6; k++) assert.ok(Math.abs(y.data[k] - x.data.subarray(k * 6, k * 6 + 6).reduce((s, v) => s + v, 0) / 6) < 1e-15);
  const r = zeros64(2, 3);
  rng.fillNormal(r.data);
  const f = () => {
    gap.forward(x, input, y);
    return y.data.reduce((s, v, i) => s + v * r.data[i], 0);
  };
  const dX = zeros64(2, 18);
  gap.backward(r, input, dX);
  assertGradcheck(gradcheck(f, x.data, dX.data), "gap");
});

test("pooling errors: padding over half the kernel, dilation for average pooling, a window larger than the input, wrong shapes", () => {
  assert.throws(() => maxPool2d({ kernel: 2, padding: 2, name: "blocks.1.pool" }), (e: unknown) => e instanceof ConfigError && e.issues[0].source === "blocks.1.pool" && /at most half the kernel size \(2×2\), got 2×2/.test(e.issues[0].message));
  assert.throws(() => avgPool2d({ kernel: 2, dilation: 2 }), (e: unknown) => e instanceof ConfigError && e.issues[0].path === "dilation");
  assert.throws(() => maxPool2d({ kernel: 2, stride: 0 }), (e: unknown) => e instanceof ConfigError && e.issues[0].path === "stride");
  const pool = maxPool2d({ kernel: 3, name: "p" });
  assert.throws(() => pool.outputShape({ channels: 1, height: 2, width: 8 }), (e: unknown) => e instanceof ShapeError && /^p: expected an input height of at least 3/.test(e.message));
  const ws = pool.workspace(2, { channels: 1, height: 6, width: 6 });
  assert.throws(() => pool.forward(portableKernels, zeros64(2, 35), zeros64(2, 4), ws), (e: unknown) => e instanceof ShapeError && e.message === "p.forward: expected x of shape (B, C·H·W) = (2, 36) for images (C=1, H=6, W=6), got x (2, 35)");
});
