/**
 * The sign-flip rule for new channels (significance.ts, docs/significance.md "Convolutions:
 * images as units"), tested from the math: pure noise — including noise correlated across the
 * positions of an image — adds no channel with probability ≥ 1 − p at every image count, while
 * the naive Marchenko–Pastur edge that counts positions as samples keeps channels there; a
 * planted rank-r bottleneck gives exactly r channels for large n and fewer for small n; Full,
 * Restricted and the head pair (with pooling, several mini-batches); deterministic given the seed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../errors.js";
import { kernelsUnderTest } from "../../node/under-test.js";
import { Matrix, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { singularValueEdge } from "../significance.js";
import { activate64, conv2d64 } from "./conv-forward.js";
import { computeConvDelta, convGrowthFromN, type ConvGrowth } from "./conv-growth.js";
import { nchw64, type Nchw64 } from "./geometry.js";
import { linearHeadPair } from "./linear-head.js";
import { pool64 } from "./pool.js";
import { checkConvSignificance, signFlipEdge, SignFlipResidualAccumulator, type SignFlipEdge } from "./significance.js";
import { ConvPairAccumulator, convPairDims, type ConvPairBatch, type ConvPairShape, type ConvVariant } from "./statistics.js";
import { geom } from "./test-helpers.js";

const K = kernelsUnderTest();
const same3 = geom([3, 3], [1, 1], [1, 1]);

function gaussian(rng: Rng, n: number, c: number, h: number, w: number, sd = 1): Nchw64 {
  const z = nchw64(n, c, h, w);
  rng.fillNormal(z.data, 0, sd);
  return z;
}

/** Circular box blur of radius r on every plane: noise correlated across positions. */
function smoothed(z: Nchw64, r: number): Nchw64 {
  const out = nchw64(z.n, z.c, z.h, z.w);
  const { h, w } = z;
  for (let p = 0; p < z.n * z.c; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) s += z.data[p * h * w + ((y + dy + h) % h) * w + ((x + dx + w) % w)];
        out.data[p * h * w + y * w + x] = s / (2 * r + 1);
      }
    }
  }
  return out;
}

function images(z: Nchw64, from: number, to: number): Nchw64 {
  const per = z.c * z.h * z.w;
  return nchw64(to - from, z.c, z.h, z.w, z.data.slice(from * per, to * per));
}

/** The data split into mini-batches of the given sizes. */
function batches(x: Nchw64, b1: Nchw64, g: Nchw64, sizes: readonly number[]): ConvPairBatch[] {
  const out: ConvPairBatch[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push({ x: images(x, at, at + s), b1: images(b1, at, at + s), g: images(g, at, at + s) });
    at += s;
  }
  return out;
}

/** Statistics, δW*, N with B sign flips, τ and the channels kept (the pipeline of cnnGrowthCandidates). */
function fit(shape: ConvPairShape, data: readonly ConvPairBatch[], level: number, seed: number, flips = 99): { growth: ConvGrowth; flip: SignFlipEdge } {
  const acc = new ConvPairAccumulator(shape, { crossCovariance: false });
  for (const b of data) acc.update(b, K);
  const stats = acc.read();
  const options = { activation: "relu" as const, numericalThreshold: 1e-6, deltaRidge: 1e-3 };
  const delta = computeConvDelta(stats, options, K)!;
  const res = new SignFlipResidualAccumulator(shape, delta.deltaWeight, delta.deltaBias, flips, seed);
  for (const b of data) res.update(b, K);
  const n = res.read();
  const flip = signFlipEdge(stats.SGrowth, res.nulls(stats.S, options.deltaRidge, K), level, 1e-6, K);
  return { growth: convGrowthFromN(stats, delta, n, { ...options, significanceEdge: flip.edge }, K), flip };
}

function convShape(variant: ConvVariant, c0: number, c1: number, c2: number, size: number, conv1 = same3): ConvPairShape {
  return { variant, inChannels: c0, hiddenChannels: c1, outChannels: c2, inputSize: [size, size], conv1, conv2: same3, layer1Bias: true, layer2Bias: true };
}

/** B1 = σ(conv1(X; W1, b1)) for random W1 reading only the input channels in `reads`. */
function hidden(rng: Rng, shape: ConvPairShape, x: Nchw64, reads: readonly number[]): Nchw64 {
  const K1 = shape.conv1.kernel[0] * shape.conv1.kernel[1];
  const w1 = zeros64(shape.hiddenChannels, shape.inChannels * K1);
  for (let o = 0; o < shape.hiddenChannels; o++) for (const c of reads) for (let e = 0; e < K1; e++) w1.data[o * w1.cols + c * K1 + e] = rng.normal() / Math.sqrt(K1);
  const b = Float64Array.from({ length: shape.hiddenChannels }, () => 0.1 * rng.normal());
  return activate64("relu", conv2d64(x, w1, b, shape.conv1, "conv1", K));
}

test("spatially correlated pure noise, Restricted and Full: no channel in ≥ 38 of 40 draws at p = 0.01 (n = 24, 160 images), while the Marchenko–Pastur edge with n·L samples keeps channels in ≥ 20", () => {
  const rng = new Rng(11);
  const shape = convShape("restricted", 2, 1, 3, 8);
  const L2 = convPairDims(shape).L2;
  for (const n of [24, 160]) {
    let signFlipKeeps = 0;
    let naiveKeeps = 0;
    for (let draw = 0; draw < 40; draw++) {
      const x = smoothed(gaussian(rng, n, 2, 8, 8), 3);
      const g = smoothed(gaussian(rng, n, 3, 8, 8), 3); // independent of X: H₀
      // The layer's one channel reads input channel 0: δW* cannot explain what channel 1's patches see.
      const { growth } = fit(shape, batches(x, hidden(rng, shape, x, [0]), g, [n]), 0.01, draw);
      if (growth.neurons.k > 0) signFlipKeeps++;
      // Positions as samples: the per-patch statistics are S/L2, N/L2, so Π' = Π/√L2, and the
      // residual's mean square per patch is (1/n)‖V‖²/L2.
      const i0 = growth.n.rows;
      const naive = singularValueEdge({ n: n * L2, inputs: i0, outputs: growth.n.cols, residualMeanSq: growth.bottleneck.meanSqNorm / L2, level: 0.01 });
      if (growth.neurons.allSingularValues[0] / Math.sqrt(L2) > naive) naiveKeeps++;
    }
    if (process.env.TINYGROW_SIGNIFICANCE_COUNTS) console.log(`n = ${n}: sign-flip ${signFlipKeeps}/40, naive ${naiveKeeps}/40`);
    assert.ok(signFlipKeeps <= 2, `n = ${n}: the sign-flip rule kept channels in ${signFlipKeeps} of 40 noise draws`);
    // Full: the residual is also read at K2 shifted taps (correlated across them); no FC edge to compare with.
    let fullKeeps = 0;
    const full = { ...shape, variant: "full" as const };
    for (let draw = 0; draw < 40; draw++) {
      const x = smoothed(gaussian(rng, n, 2, 8, 8), 3);
      const g = smoothed(gaussian(rng, n, 3, 8, 8), 3);
      if (fit(full, batches(x, hidden(rng, full, x, [0]), g, [n]), 0.01, draw).growth.neurons.k > 0) fullKeeps++;
    }
    assert.ok(fullKeeps <= 2, `n = ${n}, Full: kept channels in ${fullKeeps} of 40 noise draws`);
    if (process.env.TINYGROW_SIGNIFICANCE_COUNTS) console.log(`n = ${n}: Full sign-flip ${fullKeeps}/40`);
    assert.ok(naiveKeeps >= 20, `n = ${n}: the naive n·L edge kept channels in only ${naiveKeeps} of 40 draws (the test would not catch a "simplified" rule)`);
  }
});

test("head pairs (avg pool, flatten → Linear; GAP → Linear), pure noise in 3 mini-batches: no channel in ≥ 38 of 40 draws at p = 0.01, n = 30 and 200", () => {
  const rng = new Rng(12);
  const head = (kind: "flatten" | "gap") => linearHeadPair({ head: kind, inChannels: 2, hiddenChannels: 3, outFeatures: 3, inputSize: [6, 6], conv1: same3, layer1Bias: true, linearBias: true, activation: "relu", pool: kind === "flatten" ? { kind: "avg", size: [2, 2] } : null }).shape;
  for (const [shape, n] of [[head("flatten"), 30], [head("flatten"), 200], [head("gap"), 30], [head("gap"), 200]] as const) {
    let keeps = 0;
    for (let draw = 0; draw < 40; draw++) {
      const x = gaussian(rng, n, 2, 6, 6);
      const b1 = pool64(hidden(rng, shape, x, [0, 1]), shape.pool!, "conv1", K);
      const g = gaussian(rng, n, 3, 1, 1);
      const third = Math.floor(n / 3);
      if (fit(shape, batches(x, b1, g, [third, third, n - 2 * third]), 0.01, draw).growth.neurons.k > 0) keeps++;
    }
    assert.ok(keeps <= 2, `${shape.conv2.kernel.join("×")} head kernel, n = ${n}: kept channels in ${keeps} of 40 noise draws`);
  }
});

/**
 * G = ω ⋆ (α · x) + noise: r = 3 channels the layer lacks (1×1 kernels α_j over input channels
 * 1..3, 3×3 kernels ω_j of strengths 1, 0.6, 0.35 into conv2's outputs), the existing channels
 * reading only input channel 0 (so δW* cannot explain them). X is independent across positions
 * and α has no bias, so N has rank exactly 3 (docs/significance.md, the planted case).
 */
function plantedDraw(rng: Rng, shape: ConvPairShape, alpha: Matrix64, omega: Matrix64, n: number): ConvPairBatch[] {
  const size = shape.inputSize[0];
  const x = gaussian(rng, n, shape.inChannels, size, size);
  const h = conv2d64(x, alpha, null, shape.conv1, "planted conv1", K);
  const g = conv2d64(h, omega, null, shape.conv2, "planted conv2", K);
  const noise = smoothed(gaussian(rng, n, shape.outChannels, size, size, 1.5), 1);
  for (let i = 0; i < g.data.length; i++) g.data[i] += noise.data[i];
  return batches(x, hidden(rng, shape, x, [0]), g, [Math.ceil(n / 2), Math.floor(n / 2)]);
}

test("planted rank-3 bottleneck, Full: exactly 3 channels for n = 800 and 1,600 images, fewer for n = 40 (> δW*'s 19 inputs)", () => {
  const rng = new Rng(13);
  const shape = convShape("full", 4, 2, 4, 6, geom([1, 1]));
  const r = 3;
  const alpha = zeros64(r, 4);
  for (let j = 0; j < r; j++) for (let c = 1; c < 4; c++) alpha.data[j * 4 + c] = rng.normal();
  const strengths = [1, 0.6, 0.35];
  const omega = new Matrix(4, r * 9, Float64Array.from({ length: 4 * r * 9 }, (_, i) => (strengths[Math.floor((i % (r * 9)) / 9)] * rng.normal()) / 3));
  for (const n of [800, 1600]) {
    const { growth, flip } = fit(shape, plantedDraw(rng, shape, alpha, omega, n), 0.05, n);
    assert.equal(growth.neurons.k, r, `n = ${n}: s = ${Array.from(growth.neurons.allSingularValues.subarray(0, 5), (s) => s.toPrecision(3))}, τ = ${flip.edge.toPrecision(3)}`);
  }
  const small = fit(shape, plantedDraw(rng, shape, alpha, omega, 40), 0.05, 40).growth.neurons.k;
  assert.ok(small < r, `n = 40 kept ${small} channels`);
});

test("the sign flips are deterministic given the seed and do not depend on the mini-batches", () => {
  const rng = new Rng(14);
  const shape = convShape("full", 2, 2, 3, 6);
  const n = 40;
  const x = gaussian(rng, n, 2, 6, 6);
  const b1 = hidden(rng, shape, x, [0, 1]);
  const g = gaussian(rng, n, 3, 6, 6);
  const one = fit(shape, batches(x, b1, g, [n]), 0.05, 7).flip;
  const three = fit(shape, batches(x, b1, g, [7, 20, 13]), 0.05, 7).flip;
  assert.ok(Math.abs(one.edge - three.edge) <= 1e-9 * one.edge, `τ ${one.edge} vs ${three.edge}`);
  assert.ok(Math.abs(one.observed - three.observed) <= 1e-9 * one.observed);
  assert.notEqual(fit(shape, batches(x, b1, g, [n]), 0.05, 8).flip.edge, one.edge, "another seed draws other signs");
  // The observed s_1 is that of the N the growth decomposes (up to the ridge of δW*'s normal equations).
  const s1 = fit(shape, batches(x, b1, g, [n]), 0.05, 7).growth.neurons.allSingularValues[0];
  assert.ok(Math.abs(s1 - one.observed) <= 1e-2 * one.observed, `s₁ ${s1} vs ${one.observed}`);
});

test("significance options: a level outside (0, 1), NaN, too few flips for the level, or marchenko-pastur are ConfigErrors naming the option", () => {
  const ok = { rule: "sign-flip" as const, level: 0.05, flips: 99, seed: 0 };
  checkConvSignificance(ok);
  for (const level of [0, 1, -0.1, 1.5, NaN]) assert.throws(() => checkConvSignificance({ ...ok, level }), (e: unknown) => e instanceof ConfigError && /growth\.significanceLevel: expected a probability in \(0, 1\)/.test(e.message));
  assert.throws(() => checkConvSignificance({ ...ok, level: 0.001 }), /growth\.significanceFlips: level 0.001 needs at least 999 sign flips/);
  assert.throws(() => checkConvSignificance({ ...ok, rule: "marchenko-pastur" as never }), /growth\.significance: the Marchenko–Pastur edge assumes independent samples.*use "sign-flip"/);
  assert.throws(() => checkConvSignificance({ ...ok, rule: "bonferroni" as never }), /growth\.significance: expected one of threshold, sign-flip/);
});
