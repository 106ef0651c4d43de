/** sgemm throughput (GFLOP/s) at the three shapes. */
import type { Kernels } from "../src/kernels/kernels.js";
import { zeros32 } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { timePerCall } from "./stats.js";

/** (m, k, n): C (m, n) = A (m, k) · B (k, n). */
export const GEMM_SHAPES: readonly [number, number, number][] = [
  [256, 784, 128],
  [1024, 1024, 1024],
  [64, 50, 50],
];

export const gemmJobName = ([m, k, n]: readonly number[]) => `sgemm ${m}x${k}x${n}`;

export const torchGemmJob = ([m, k, n]: readonly number[]) => ({ name: gemmJobName([m, k, n]), kind: "gemm", m, k, n, repeats: 1 });

/** Returns a function that measures the shape once (calibrated loop) and gives GFLOP/s. */
export function gemmProbe(kernels: Kernels, [m, k, n]: readonly number[]): () => number {
  const rng = new Rng(1);
  const a = zeros32(m, k);
  const b = zeros32(k, n);
  const c = zeros32(m, n);
  rng.fillUniform(a.data);
  rng.fillUniform(b.data);
  return () => (2 * m * k * n) / timePerCall(() => kernels.gemm(a, b, c), 1).seconds / 1e9;
}
