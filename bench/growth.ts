/**
 * Growth-step benchmark (issue 3): the time of one TINY growth step of a layer pair —
 * statistics S, M, S_growth, M_prev, P, E accumulated over 10,000 samples (10 batches of
 * 1,000 float32 rows, as the MLP hands them over) + δW* solve + S_growth^{-1/2} (eigh) + SVD
 * (`computeLayerGrowth`) — for layer inputs X̃ of 20, 200 and 785 features (d0 = 19, 199, 784
 * plus the bias column), hidden width d1 = 32, output width d2 = 10; and a float64
 * eigendecomposition of a 785 × 785 SPD matrix. Per kernel set, median over `repeats`.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { computeLayerGrowth } from "../src/growth/layer-growth.js";
import { LayerPairAccumulator, type LayerPairBatch } from "../src/growth/statistics.js";
import { activationForward } from "../src/nn/layers/activation.js";
import { Matrix, zeros64, type Matrix32, type Matrix64 } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { fmtSeconds, timeRuns } from "./stats.js";

export interface GrowthBenchOptions {
  repeats: number;
  kernels: { name: string; kernels: Kernels }[];
  /** Samples the statistics are accumulated over (default 10,000). */
  samples?: number;
  /** Augmented input widths d0 + 1 (default 20, 200, 785). */
  inputs?: readonly number[];
}

export interface GrowthBenchResult {
  header: string[];
  rows: string[][];
  /** Raw medians in seconds: `${case} ${kernel name}` → seconds. */
  seconds: Record<string, number>;
}

const HIDDEN = 32;
const OUTPUTS = 10;
const BATCH = 1000;

function randn32(rng: Rng, rows: number, cols: number, std = 1): Matrix32 {
  const m = new Matrix(rows, cols, new Float32Array(rows * cols));
  rng.fillNormal(m.data, 0, std);
  return m;
}

/** Batches of (X, B1 = selu(X W1ᵀ), G) for a d0 → 32 → 10 pair; the data are random but fixed by the seed. */
function makeBatches(d0: number, samples: number, kernels: Kernels): LayerPairBatch[] {
  const rng = new Rng(d0);
  const w1 = randn32(rng, HIDDEN, d0, 1 / Math.sqrt(d0));
  const out: LayerPairBatch[] = [];
  for (let start = 0; start < samples; start += BATCH) {
    const rows = Math.min(BATCH, samples - start);
    const x = randn32(rng, rows, d0);
    const h = new Matrix(rows, HIDDEN, new Float32Array(rows * HIDDEN));
    kernels.gemm(x, w1, h, { transB: true });
    const b1 = new Matrix(rows, HIDDEN, new Float32Array(rows * HIDDEN));
    activationForward("selu", h, b1);
    out.push({ x, b1, g: randn32(rng, rows, OUTPUTS) });
  }
  return out;
}

/** One growth step: accumulate the statistics over the batches, then δW*, eigh, SVD. Returns k. */
function growthStep(batches: readonly LayerPairBatch[], d0: number, kernels: Kernels): number {
  const acc = new LayerPairAccumulator({ inFeatures: d0, hiddenFeatures: HIDDEN, outFeatures: OUTPUTS, layer1Bias: true, layer2Bias: true });
  for (const b of batches) acc.update(b, kernels);
  return computeLayerGrowth(acc.read(), { activation: "selu" }, kernels).neurons.k;
}

/** A well-conditioned SPD matrix RᵀR/n + I (n, n), n = size, float64. */
function spd(size: number, kernels: Kernels): Matrix64 {
  const rng = new Rng(size + 1);
  const r = zeros64(2 * size, size);
  rng.fillNormal(r.data);
  const a = zeros64(size, size);
  kernels.gemm(r, r, a, { transA: true, alpha: 1 / (2 * size) });
  for (let i = 0; i < size; i++) a.data[i * size + i] += 1;
  return a;
}

export function benchGrowth(options: GrowthBenchOptions): GrowthBenchResult {
  const samples = options.samples ?? 10000;
  const inputs = options.inputs ?? [20, 200, 785];
  const names = options.kernels.map((k) => k.name);
  const header = ["case", ...names, ...(names.length === 2 ? [`${names[1]}/${names[0]}`] : [])];
  const rows: string[][] = [];
  const seconds: Record<string, number> = {};
  const addRow = (label: string, times: number[]) => {
    const ratio = times.length === 2 ? [`${(times[1] / times[0]).toFixed(1)}×`] : [];
    rows.push([label, ...times.map(fmtSeconds), ...ratio]);
  };
  for (const width of inputs) {
    const d0 = width - 1;
    const batches = makeBatches(d0, samples, options.kernels[0].kernels);
    const label = `growth step, X̃ ${width} cols (${d0}+1 → ${HIDDEN} → ${OUTPUTS}, n ${samples})`;
    const times = options.kernels.map(({ name, kernels }) => {
      growthStep(batches, d0, kernels); // warm-up
      const t = timeRuns(() => growthStep(batches, d0, kernels), options.repeats).seconds;
      seconds[`growth-${width} ${name}`] = t;
      return t;
    });
    addRow(label, times);
  }
  const a = spd(785, options.kernels[0].kernels);
  const times = options.kernels.map(({ name, kernels }) => {
    kernels.eigh(a);
    const t = timeRuns(() => kernels.eigh(a), options.repeats).seconds;
    seconds[`eigh-785 ${name}`] = t;
    return t;
  });
  addRow("eigh float64 785×785 SPD", times);
  return { header, rows, seconds };
}
