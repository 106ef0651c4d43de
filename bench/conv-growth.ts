/**
 * Conv growth-step benchmark (issue 10 item 6c): one TINY growth step of every pair of the
 * grow-cnn study's CNN (28×28 inputs, blocks conv 3×3 → ReLU → max pool 2×2, widths 16-32,
 * flatten → Linear 10) — statistics over 10,000 images in three passes (S, M, S_growth,
 * M_prev, E; N from the residual; the quadratic term Q), δW* solves, S_growth^{-1/2} and the
 * SVD (`cnnGrowthCandidates`) — for the Full and the Restricted variant. Native kernels,
 * median over `repeats` (at least one).
 */
import { Cnn } from "../src/conv/cnn.js";
import { cnnGrowthCandidates } from "../src/growth/conv/cnn-growth-step.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { fmtSeconds, median, timeRuns } from "./stats.js";

export function benchConvGrowth(options: { repeats: number; kernels: Kernels; images?: number; widths?: number[] }): { header: string[]; rows: string[][] } {
  const images = options.images ?? 10_000;
  const widths = options.widths ?? [16, 32];
  const model = Cnn.create({ input: { channels: 1, height: 28, width: 28 }, blocks: widths.map((w) => ({ channels: w, kernel: 3, padding: 1, pool: { kind: "max", kernel: 2 } })), outputs: 10 }, new Rng(1));
  const x = new Float32Array(images * 784);
  new Rng(2).fillNormal(x, 0, 1);
  const stats = { x: new Matrix(images, 784, x), labels: Int32Array.from({ length: images }, (_, i) => i % 10) };
  const rows: string[][] = [];
  for (const variant of ["full", "restricted"] as const) {
    const t = timeRuns(() => {
      cnnGrowthCandidates(model, stats, { variant, maxChannels: 4, statisticalThreshold: 1e-3, numericalThreshold: 1e-6, updateDelta: false, deltaRidge: 1e-3, lineSearchPoints: 40, batchSize: 256 }, options.kernels);
    }, Math.max(1, options.repeats));
    rows.push([`${variant}, widths ${widths.join("-")}, ${images} images, both pairs`, fmtSeconds(t.seconds)]);
  }
  return { header: ["conv growth step", "native"], rows };
}

/**
 * The cost of the sign-flip significance rule (docs/significance.md §6): the same
 * `cnnGrowthCandidates` (Full, both pairs) at the grow-cnn validation trials' sizes (widths
 * 8-16, 512 and 2,048 statistics images of random 28×28 inputs), rule "threshold" against
 * "sign-flip" with B = 99, alternating; medians and their ratio.
 */
export function benchConvSignificance(options: { repeats: number; kernels: Kernels }): { header: string[]; rows: string[][] } {
  const model = Cnn.create({ input: { channels: 1, height: 28, width: 28 }, blocks: [8, 16].map((w) => ({ channels: w, kernel: 3, padding: 1, pool: { kind: "max" as const, kernel: 2 } })), outputs: 10 }, new Rng(1));
  const rows: string[][] = [];
  for (const images of [512, 2048]) {
    const x = new Float32Array(images * 784);
    new Rng(2).fillNormal(x, 0, 1);
    const stats = { x: new Matrix(images, 784, x), labels: Int32Array.from({ length: images }, (_, i) => i % 10) };
    const seconds = { threshold: [] as number[], "sign-flip": [] as number[] };
    for (let r = 0; r < Math.max(1, options.repeats); r++) {
      for (const rule of ["threshold", "sign-flip"] as const) {
        const t0 = performance.now();
        cnnGrowthCandidates(model, stats, { variant: "full", maxChannels: 8, statisticalThreshold: 1e-3, numericalThreshold: 1e-6, updateDelta: false, deltaRidge: 1e-3, lineSearchPoints: 10, batchSize: 256, significance: { rule, level: 0.05, flips: 99, seed: 0 } }, options.kernels);
        seconds[rule].push((performance.now() - t0) / 1000);
      }
    }
    const [a, b] = [median(seconds.threshold), median(seconds["sign-flip"])];
    rows.push([`widths 8-16, ${images} images, both pairs`, fmtSeconds(a), fmtSeconds(b), (b / a).toFixed(2)]);
  }
  return { header: ["conv growth candidates", "threshold", "sign-flip (B = 99)", "sign-flip / threshold"], rows };
}
