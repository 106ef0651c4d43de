/**
 * Shared fixtures for the growth unit tests: seeded random layer-pair problems and the
 * kernel sets to run them on (portable always; native when the addon loads — a missing
 * addon is reported loudly, and is a failure under TINYGROW_REQUIRE_NATIVE=1).
 */
import type { Kernels } from "../kernels/kernels.js";
import { chooseKernels } from "../node/kernels.js";
import { portableKernels } from "../kernels/portable/index.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { Rng } from "../tensor/rng.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import { twoLayerForward, type TwoLayerForward, type TwoLayerParameters } from "./extended-forward.js";
import { lossSumAndGradient } from "./loss.js";
import { LayerPairAccumulator, type LayerPairShape, type LayerPairStatistics } from "./statistics.js";

export function randomMatrix(rng: Rng, rows: number, cols: number, std = 1): Matrix64 {
  const m = zeros64(rows, cols);
  rng.fillNormal(m.data, 0, std);
  return m;
}

export function randomVector(rng: Rng, n: number, std = 1): Float64Array {
  const v = new Float64Array(n);
  rng.fillNormal(v, 0, std);
  return v;
}

export interface KernelSet {
  name: string;
  kernels: Kernels | null;
  /** Why the set is unavailable (null when available). */
  skip: string | null;
}

/** Portable, and native when it loads; the reason when it does not. */
export function kernelSets(env: NodeJS.ProcessEnv = process.env): KernelSet[] {
  const sets: KernelSet[] = [{ name: "portable", kernels: portableKernels, skip: null }];
  try {
    sets.push({ name: "native", kernels: chooseKernels("native").kernels, skip: null });
  } catch (err) {
    const reason = `native kernels unavailable (${(err as Error).message.split("\n")[0]})`;
    if (env.TINYGROW_REQUIRE_NATIVE === "1") throw new Error(`TINYGROW_REQUIRE_NATIVE=1 but ${reason}`);
    process.stderr.write(`growth tests: SKIPPING native runs: ${reason}\n`);
    sets.push({ name: "native", kernels: null, skip: reason });
  }
  return sets;
}

export interface PairProblem {
  shape: LayerPairShape;
  params: TwoLayerParameters;
  x: Matrix64;
  y: Matrix64;
  forward: TwoLayerForward;
  g: Matrix64;
  stats: LayerPairStatistics;
}

export interface PairProblemSpec {
  n: number;
  d0: number;
  d1: number;
  d2: number;
  layer1Bias?: boolean;
  layer2Bias?: boolean;
  activation?: ActivationName;
  seed?: number;
  /** Mini-batch sizes for the statistics (default: one batch). */
  batches?: number[];
}

/** Rows [from, to) of m, as a copy. */
export function rowsOf(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

/** A seeded random layer pair with MSE(sum) targets, its forward pass, G and its statistics. */
export function pairProblem(spec: PairProblemSpec, kernels: Kernels): PairProblem {
  const rng = new Rng(spec.seed ?? 1);
  const shape: LayerPairShape = {
    inFeatures: spec.d0,
    hiddenFeatures: spec.d1,
    outFeatures: spec.d2,
    layer1Bias: spec.layer1Bias ?? true,
    layer2Bias: spec.layer2Bias ?? true,
  };
  const params: TwoLayerParameters = {
    w1: randomMatrix(rng, spec.d1, spec.d0, 1 / Math.sqrt(Math.max(spec.d0, 1))),
    b1: shape.layer1Bias ? randomVector(rng, spec.d1, 0.1) : null,
    w2: randomMatrix(rng, spec.d2, spec.d1, 1 / Math.sqrt(Math.max(spec.d1, 1))),
    b2: shape.layer2Bias ? randomVector(rng, spec.d2, 0.1) : null,
  };
  const x = randomMatrix(rng, spec.n, spec.d0);
  const y = randomMatrix(rng, spec.n, spec.d2);
  const activation = spec.activation ?? "selu";
  const forward = twoLayerForward(params, x, activation, kernels);
  const { g } = lossSumAndGradient("mse_sum", forward.a2, y);
  const acc = new LayerPairAccumulator(shape);
  let start = 0;
  for (const size of spec.batches ?? [spec.n]) {
    acc.update({ x: rowsOf(x, start, start + size), b1: rowsOf(forward.b1, start, start + size), g: rowsOf(g, start, start + size) }, kernels);
    start += size;
  }
  return { shape, params, x, y, forward, g, stats: acc.read() };
}

/** max |a − b| / max(max |b|, tiny) over two equally shaped arrays. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return diff / Math.max(ref, 1e-300);
}
