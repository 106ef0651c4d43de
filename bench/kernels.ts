/** sgemm throughput (GFLOP/s) at the three shapes, per kernel set and for PyTorch. */
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

export function torchGemmJobs(): object[] {
  return GEMM_SHAPES.map(([m, k, n]) => ({ name: gemmJobName([m, k, n]), kind: "gemm", m, k, n }));
}

export function benchGemm(kernels: Kernels, repeats: number, shapes = GEMM_SHAPES): Map<string, number> {
  const rng = new Rng(1);
  const out = new Map<string, number>();
  for (const [m, k, n] of shapes) {
    const a = zeros32(m, k);
    const b = zeros32(k, n);
    const c = zeros32(m, n);
    rng.fillUniform(a.data);
    rng.fillUniform(b.data);
    const { seconds } = timePerCall(() => kernels.gemm(a, b, c), repeats);
    out.set(gemmJobName([m, k, n]), (2 * m * k * n) / seconds / 1e9);
  }
  return out;
}
