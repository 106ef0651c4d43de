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

/** Pooled batch (n, C, ⌊H/p_h⌋, ⌊W/p_w⌋). */
export function pool64(z: Nchw64, p: PoolSpec, layer: string): Nchw64 {
  const [ho, wo] = pooledSize(p, z.h, z.w, layer);
  const [ph, pw] = p.size;
  const out = nchw64(z.n, z.c, ho, wo);
  for (let ic = 0; ic < z.n * z.c; ic++) {
    const src = ic * z.h * z.w;
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        let acc = p.kind === "max" ? -Infinity : 0;
        for (let a = 0; a < ph; a++) {
          for (let b = 0; b < pw; b++) {
            const v = z.data[src + (oh * ph + a) * z.w + ow * pw + b];
            acc = p.kind === "max" ? Math.max(acc, v) : acc + v;
          }
        }
        out.data[(ic * ho + oh) * wo + ow] = p.kind === "max" ? acc : acc / (ph * pw);
      }
    }
  }
  return out;
}
