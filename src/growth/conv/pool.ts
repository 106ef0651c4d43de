/**
 * Pooling between σ and the next layer of a growable pair, float64 (growth side only):
 * windows of `size` with stride = size, no padding, floor (PyTorch's MaxPool2d/AvgPool2d(k)).
 * Global average pooling is the window of the whole map.
 *
 * Why it matters for growth: with average pooling, B1 = avgpool(σ(Z1)) is linear in σ(Z1),
 * so the new channels' linearised contribution goes through pooled conv1 patches
 * ū_{i,l'} = mean_{l ∈ window l'} ũ_{1,i,l} (the bias feature stays 1) and the Full /
 * Restricted statistics are exactly those of §8/§9 on the pooled map. Max pooling is not
 * linear at γ → 0 (it selects by α); tinygrow then uses the average-pooled patches as the
 * linearisation (an approximation, flagged `exact: false`); the line search and the applied
 * step use the real max pool.
 */
import { ShapeError } from "../../errors.js";
import { Pool2d } from "../../conv/pooling.js";
import type { Kernels } from "../../kernels/kernels.js";
import { portableKernels } from "../../kernels/portable/index.js";
import { Matrix } from "../../tensor/matrix.js";
import { nchw64, type Pair, type Nchw64 } from "./geometry.js";

export interface PoolSpec {
  kind: "avg" | "max";
  /** Window = stride, per axis. */
  size: Pair;
}

export function pooledSize(p: PoolSpec, h: number, w: number, layer: string): [number, number] {
  const [ph, pw] = p.size;
  if (!(Number.isInteger(ph) && Number.isInteger(pw) && ph >= 1 && pw >= 1)) throw new ShapeError(`pool after ${layer}`, "a window of integers ≥ 1", p.size.join("×"));
  if (ph > h || pw > w) throw new ShapeError(`pool after ${layer}`, `a window at most the map size ${h}×${w}`, p.size.join("×"));
  return [Math.floor(h / ph), Math.floor(w / pw)];
}

/** Pooled batch (n, C, ⌊H/p_h⌋, ⌊W/p_w⌋), by the network's own pooling layer (src/conv/pooling.ts). */
export function pool64(z: Nchw64, p: PoolSpec, layer: string, kernels: Kernels = portableKernels): Nchw64 {
  const [ho, wo] = pooledSize(p, z.h, z.w, layer);
  const out = nchw64(z.n, z.c, ho, wo);
  poolPlanes(kernels, p, z.data, z.n * z.c, z.h, z.w, out.data, layer);
  return out;
}

/** Pools `planes` one-channel (H, W) maps of x into y (planes, ⌊H/p_h⌋·⌊W/p_w⌋). */
export function poolPlanes(kernels: Kernels, p: PoolSpec, x: Float64Array, planes: number, h: number, w: number, y: Float64Array, layer: string): void {
  const pool = new Pool2d(p.kind, { kernel: p.size, name: `pool after ${layer}` });
  const ws = pool.workspace(planes, { channels: 1, height: h, width: w });
  pool.forward(kernels, new Matrix(planes, h * w, x), new Matrix(planes, ws.output.height * ws.output.width, y), ws);
}
