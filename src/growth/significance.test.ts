import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { resolveGrowthOptions } from "../dag/step.js";
import { randomPool, residualShape, selectNeurons } from "../dag/random-tries.js";
import { matmul, scale } from "./linalg.js";
import { computeNewNeurons } from "./new-neurons.js";
import { resolveSignificance, selectionGainEdge, singularValueEdge } from "./significance.js";

const K = kernelsUnderTest();

function gaussian(rng: Rng, rows: number, cols: number, sd = 1): Matrix64 {
  return new Matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => sd * rng.normal()));
}

/** X̃ = [x | 1] (n, r) and the statistics S = X̃ᵀX̃/n, N = −X̃ᵀV/n of TINY for residual V. */
function tinyStatistics(x: Matrix64, v: Matrix64): { s: Matrix64; nMat: Matrix64; meanSq: number } {
  const n = x.rows;
  let sq = 0;
  for (const e of v.data) sq += e * e;
  return { s: scale(matmul(K, x, x, { transA: true }), 1 / n), nMat: scale(matmul(K, x, v, { transA: true }), -1 / n), meanSq: sq / n };
}

function withOnes(x: Matrix64): Matrix64 {
  const out = zeros64(x.rows, x.cols + 1);
  for (let r = 0; r < x.rows; r++) {
    out.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), r * (x.cols + 1));
    out.data[r * (x.cols + 1) + x.cols] = 1;
  }
  return out;
}

/** Neurons kept by the Marchenko–Pastur edge for inputs x (n, d0) and residual v (n, d). */
function keptNeurons(x: Matrix64, v: Matrix64, level = 0.05): number {
  const xt = withOnes(x);
  const { s, nMat, meanSq } = tinyStatistics(xt, v);
  const edge = singularValueEdge({ n: x.rows, inputs: xt.cols, outputs: v.cols, residualMeanSq: meanSq, level });
  return computeNewNeurons(s, nMat, true, { significanceEdge: edge }, K).k;
}

test("pure noise: the Marchenko–Pastur edge keeps no neuron (≤ 2 of 40 draws per n, level 0.05), while τ_stat = 1e-3 always keeps one", () => {
  const rng = new Rng(1);
  for (const n of [40, 400, 4000]) {
    let withNeurons = 0;
    let thresholdKeeps = 0;
    for (let trial = 0; trial < 40; trial++) {
      const x = gaussian(rng, n, 8);
      const v = gaussian(rng, n, 3, 0.7);
      if (keptNeurons(x, v) > 0) withNeurons++;
      const { s, nMat } = tinyStatistics(withOnes(x), v);
      if (computeNewNeurons(s, nMat, true, {}, K).k > 0) thresholdKeeps++;
    }
    assert.ok(withNeurons <= 2, `n = ${n}: ${withNeurons} of 40 noise draws kept a neuron`);
    assert.equal(thresholdKeeps, 40, `n = ${n}: the fixed threshold keeps the largest singular value`);
  }
});

test("planted rank-3 bottleneck: exactly 3 neurons for large n, fewer for small n", () => {
  const rng = new Rng(2);
  const d0 = 10;
  const d = 5;
  // V = X W + noise with W = A Bᵀ of rank 3 (singular values 1, 0.6, 0.35).
  const a = gaussian(rng, d0, 3);
  const b = gaussian(rng, d, 3);
  const strengths = [1, 0.6, 0.35];
  const w = zeros64(d0, d);
  for (let i = 0; i < d0; i++) for (let j = 0; j < d; j++) for (let c = 0; c < 3; c++) w.data[i * d + j] += (strengths[c] * a.data[i * 3 + c] * b.data[j * 3 + c]) / Math.sqrt(d0 * d);
  const draw = (n: number): number => {
    const x = gaussian(rng, n, d0);
    const v = matmul(K, x, w);
    for (let i = 0; i < v.data.length; i++) v.data[i] += 0.5 * rng.normal();
    return keptNeurons(x, v);
  };
  assert.equal(draw(20000), 3);
  assert.equal(draw(40000), 3);
  const small = draw(30);
  assert.ok(small < 3, `n = 30 kept ${small} neurons`);
});

test("random-try selection: no neuron on pure noise, at least one on a planted neuron", () => {
  const rng = new Rng(3);
  const n = 2000;
  const x = withOnes(gaussian(rng, n, 6));
  const xMoment = scale(matmul(K, x, x, { transA: true }), 1 / n);
  const pool = randomPool(xMoment, true, 128, rng, K);
  const noise = { x, xMoment, withOnes: true, targets: [{ basis: null, basisMoment: null, v: gaussian(rng, n, 2) }] };
  const edgeOf = (data: typeof noise): number => selectionGainEdge({ ...residualShape(data), candidates: pool.rows, level: 0.05 });
  assert.equal(selectNeurons(noise, pool, 5, "relu", K, edgeOf(noise)).k, 0);
  assert.ok(selectNeurons(noise, pool, 5, "relu", K, 0).k > 0, "without the edge the noise is fitted");
  // V = relu(X̃ α₀) ω₀ + noise, α₀ one of the pool's neurons.
  const h = matmul(K, x, new Matrix(1, x.cols, pool.data.slice(0, x.cols)), { transB: true });
  const v = gaussian(rng, n, 2, 0.5);
  for (let r = 0; r < n; r++) for (let o = 0; o < 2; o++) v.data[r * 2 + o] += Math.max(0, h.data[r]) * (o === 0 ? 1 : -0.5);
  const planted = { x, xMoment, withOnes: true, targets: [{ basis: null, basisMoment: null, v }] };
  assert.ok(selectNeurons(planted, pool, 5, "relu", K, edgeOf(planted)).k >= 1);
});

test("a significance level outside (0, 1) or an unknown rule is a ConfigError naming the option", () => {
  for (const level of [0, 1, -0.1, 1.5, NaN]) {
    assert.throws(() => resolveSignificance({ rule: "marchenko-pastur", level }), (e: unknown) => e instanceof ConfigError && /growth\.significance\.level: expected a probability in \(0, 1\)/.test(e.message));
    assert.throws(() => resolveGrowthOptions({ fit: { significance: { rule: "marchenko-pastur", level } } }), /growth\.fit\.significance\.level/);
  }
  assert.throws(() => resolveSignificance({ rule: "bonferroni" as never }), /growth\.significance\.rule: expected one of threshold, marchenko-pastur/);
});
