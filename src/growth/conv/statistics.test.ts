/**
 * The conv pair statistics against their definitions, computed by brute force (explicit loops
 * over images, positions and taps, test-helpers.ts) on random small cases: rectangular and even
 * kernels, strides, dilation and padding per axis, every bias combination, pooling, zero width,
 * several mini-batches, both variants and both Restricted S_growth conventions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../../errors.js";
import { kernelSets } from "../test-helpers.js";
import { centreIndex, convOutputSize, tapTable } from "./geometry.js";
import type { Kernels } from "../../kernels/kernels.js";
import { Matrix } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { linearHeadPair } from "./linear-head.js";
import { ConvResidualAccumulator } from "./statistics.js";
import { bruteForceStatistics, convProblem, geom, relDiff, type ConvProblemSpec } from "./test-helpers.js";

const base: Omit<ConvProblemSpec, "variant"> = {
  c0: 2,
  c1: 3,
  c2: 2,
  input: [6, 5],
  conv1: geom([3, 3], [1, 1], [1, 1]),
  conv2: geom([3, 3], [1, 1], [1, 1]),
  bias1: true,
  bias2: true,
  activation: "selu",
  loss: "mse_sum",
  n: 5,
  batches: [2, 1, 2],
};

const cases: [string, ConvProblemSpec][] = [
  ["full, same padding, both biases, 3 batches", { ...base, variant: "full" }],
  [
    "full, rectangular kernels, per-axis stride/padding/dilation, bias1 only, CE after GAP",
    { ...base, variant: "full", input: [7, 8], conv1: geom([2, 3], [1, 2], [1, 0]), conv2: geom([3, 2], [2, 1], [0, 1], [2, 1]), bias2: false, activation: "relu", loss: "ce_gap_sum", c2: 3 },
  ],
  ["full, no bias, stride 2", { ...base, variant: "full", input: [7, 6], conv2: geom([3, 3], [2, 2], [1, 1]), bias1: false, bias2: false, activation: "tanh", batches: [5] }],
  ["full, average pool 2×2 between the convs", { ...base, variant: "full", input: [8, 6], pool: { kind: "avg", size: [2, 2] }, conv2: geom([2, 2], [1, 1], [1, 0]) }],
  ["restricted (centre S), stride 2, bias2 only", { ...base, variant: "restricted", input: [7, 6], conv2: geom([3, 3], [2, 2], [1, 1]), bias1: false, activation: "tanh", batches: [1, 4] }],
  ["restricted (GroMo's layer-1 S), stride 2", { ...base, variant: "restricted", input: [7, 6], conv2: geom([3, 3], [2, 2], [1, 1]), restrictedSGrowth: "layer1" }],
  ["restricted, even kernel 2×4, dilation (1,2), padding (1,2), CE after GAP", { ...base, variant: "restricted", input: [6, 7], conv2: geom([2, 4], [1, 1], [1, 2], [1, 2]), loss: "ce_gap_sum", c2: 3 }],
  ["restricted, max pool (linearised by the window mean)", { ...base, variant: "restricted", input: [8, 8], pool: { kind: "max", size: [2, 2] } }],
  ["full, zero hidden channels, bias2", { ...base, variant: "full", c1: 0 }],
  ["restricted, zero hidden channels, no bias2", { ...base, variant: "restricted", c1: 0, bias2: false, conv2: geom([3, 3], [1, 1], [2, 2], [2, 2]) }],
];

const flatten = linearHeadPair({ head: "flatten", inChannels: 2, hiddenChannels: 3, outFeatures: 4, inputSize: [6, 6], conv1: geom([3, 3], [1, 1], [1, 1]), layer1Bias: true, linearBias: true, activation: "selu", pool: { kind: "avg", size: [2, 2] } });
cases.push(["linear head: avg pool → flatten → Linear", { ...base, variant: "full", c2: 4, input: [6, 6], conv2: flatten.shape.conv2, pool: flatten.shape.pool, loss: "ce_gap_sum" }]);
const gap = linearHeadPair({ head: "gap", inChannels: 2, hiddenChannels: 3, outFeatures: 4, inputSize: [5, 6], conv1: geom([3, 3], [1, 1], [1, 1]), layer1Bias: false, linearBias: true, activation: "relu" });
cases.push(["linear head: GAP → Linear", { ...base, variant: "full", c2: 4, input: [5, 6], conv2: gap.shape.conv2, pool: gap.shape.pool, bias1: false, loss: "ce_gap_sum" }]);

for (const set of kernelSets()) {
  for (const [name, spec] of cases) {
    test(`conv statistics = brute force: ${name} (${set.name})`, (t) => {
      if (set.kernels === null) return t.skip(set.skip ?? "unavailable");
      const p = convProblem(spec, set.kernels);
      const ref = bruteForceStatistics(p);
      assert.equal(p.stats.n, spec.n);
      for (const key of ["S", "M", "E", "SGrowth", "MPrev", "P"] as const) {
        const got = p.stats[key];
        assert.equal(got.shape, ref[key].shape, `${key} shape`);
        assert.ok(relDiff(got.data, ref[key].data) < 1e-12, `${key}: rel diff ${relDiff(got.data, ref[key].data)}`);
      }
    });
  }
}

test("native = portable: every pair statistic and N from the residual, on every case (one float64 im2col + dgemm path)", (t) => {
  const [portable, native] = kernelSets();
  if (native.kernels === null) return t.skip(native.skip ?? "unavailable");
  for (const [name, spec] of cases) {
    const a = convProblem(spec, portable.kernels!);
    const b = convProblem(spec, native.kernels);
    for (const key of ["S", "M", "E", "SGrowth", "MPrev", "P"] as const) assert.ok(relDiff(a.stats[key].data, b.stats[key].data) < 1e-12, `${name}: ${key} native vs portable ${relDiff(a.stats[key].data, b.stats[key].data)}`);
    // N from the residual with one δW (random, the pair's shape), the same batches on both kernel sets.
    const rng = new Rng(9);
    const dw = new Matrix(spec.c2, spec.c1 * a.shape.conv2.kernel[0] * a.shape.conv2.kernel[1], new Float64Array(spec.c2 * spec.c1 * a.shape.conv2.kernel[0] * a.shape.conv2.kernel[1]));
    rng.fillNormal(dw.data, 0, 0.1);
    const db = spec.bias2 ? Float64Array.from({ length: spec.c2 }, () => rng.normal()) : null;
    const residual = (p: typeof a, kernels: Kernels): Float64Array => {
      const acc = new ConvResidualAccumulator(p.shape, dw, db);
      acc.update({ x: p.x, b1: p.forward.b1, g: p.g }, kernels);
      return acc.read().data;
    };
    const na = residual(a, portable.kernels!);
    assert.ok(relDiff(na, residual(b, native.kernels)) < 1e-12, `${name}: N native vs portable`);
  }
});

test("Restricted S_growth conventions coincide exactly for stride 1 'same' padding, and differ otherwise (SPEC §16 D7)", () => {
  const kernels = kernelSets()[0].kernels!;
  const same = (s: "centre" | "layer1") => convProblem({ ...base, variant: "restricted", restrictedSGrowth: s }, kernels).stats.SGrowth.data;
  assert.ok(relDiff(same("centre"), same("layer1")) < 1e-13);
  const strided = (s: "centre" | "layer1") => convProblem({ ...base, variant: "restricted", conv2: geom([3, 3], [2, 2], [1, 1]), restrictedSGrowth: s }, kernels).stats.SGrowth.data;
  assert.ok(relDiff(strided("centre"), strided("layer1")) > 0.1);
});

test("geometry: output sizes include dilation (SPEC §16 D5), tap and centre tables, typed errors", () => {
  // GroMo's zero-width size would be 8×8 here; PyTorch's (and ours) is 6×6.
  assert.deepEqual(convOutputSize(geom([3, 3], [1, 1], [2, 2], [2, 2]), 6, 6, "conv2"), [6, 6]);
  assert.deepEqual(convOutputSize(geom([3, 2], [2, 1], [1, 0], [1, 3]), 7, 6, "c"), [4, 3]);
  const tau = tapTable(geom([3, 3], [1, 1], [1, 1]), 4, 4, "c");
  assert.deepEqual(Array.from(tau.subarray(0, 9)), [-1, -1, -1, -1, 0, 1, -1, 4, 5]);
  assert.deepEqual(Array.from(centreIndex(geom([2, 2], [2, 2]), 4, 4, "c")), [5, 7, 13, 15]);
  assert.throws(() => convOutputSize(geom([5, 5]), 3, 3, "conv7"), (e: unknown) => e instanceof ShapeError && /conv layer conv7/.test(e.message) && /padded input/.test(e.message));
  assert.throws(() => convOutputSize(geom([3, 3], [0, 1]), 6, 6, "conv3"), (e: unknown) => e instanceof ShapeError && /conv layer conv3.*stride along h/.test(e.message));
  assert.throws(() => convOutputSize(geom([3, 3], [1, 1], [0, 0], [1, 0]), 6, 6, "conv3"), (e: unknown) => e instanceof ShapeError && /dilation along w/.test(e.message));
});
