/**
 * Float64 forward pass of a conv pair conv1 → σ → conv2, plain and extended by a pending
 * growth step (SPEC-conv-growth §12), and the pure application of the step (§14). Weights
 * are kept flat, W♭ = W.reshape(C_out, C_in·K) (§2): column c·K + u·k_w + v = W[:, c, u, v].
 *
 *   B1    = σ(conv1(X; W1, b1))          (then pooled when the pair has a pool, pool.ts)
 *   A2(γ) = conv2(B1; W2, b2) − γ² conv2(B1; δW, δb) + γ conv2(σ(γ conv1(X; α_w, α_b)); ω, 0)
 *   apply: W2 ← [W2 − γ²δW | γω] (new last input channels), b2 ← b2 − γ²δb,
 *          W1 ← [W1 ; γα_w], b1 ← [b1 ; γα_b]
 *
 * Each conv uses its own layer's geometry; B_ext is zero-padded after σ. At zero hidden width
 * conv2 still adds b2 (SPEC §16 D11: GroMo ignores it there and leaves it uninitialised).
 */
import { ShapeError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import { activationForward, type ActivationName } from "../../nn/layers/activation.js";
import { Matrix, type Matrix64 } from "../../tensor/matrix.js";
import { concatColumns, concatRows, linearCombination, scale } from "../linalg.js";
import { convOutputSize, nchw64, taps, type ConvGeometry, type Nchw64 } from "./geometry.js";
import { pool64, type PoolSpec } from "./pool.js";
import { columnsToNchw, patchColumns, Scratch } from "./patches.js";

/** conv(Z; W♭, b): W♭ (C_out, C_in·K), b (C_out)|null → (n, C_out, H', W'), as W♭·Ũ(Z) (+ b) on the kernels. */
export function conv2d64(z: Nchw64, wFlat: Matrix64, b: Float64Array | null, g: ConvGeometry, layer: string, kernels: Kernels, scratch?: Scratch): Nchw64 {
  const K = taps(g);
  if (wFlat.cols !== z.c * K) throw new ShapeError(`conv layer ${layer}`, `weights with ${z.c}·${K} = ${z.c * K} columns (input channels × taps)`, `weights of shape ${wFlat.shape}`);
  if (b !== null && b.length !== wFlat.rows) throw new ShapeError(`conv layer ${layer}`, `a bias of length ${wFlat.rows}`, `length ${b.length}`);
  const [ho, wo] = convOutputSize(g, z.h, z.w, layer);
  const u = patchColumns(kernels, z, g, false, layer, scratch, "conv-patches"); // (C_in·K, n·L')
  const cols = new Matrix(wFlat.rows, u.cols, Scratch.alloc(scratch, "conv-columns")(wFlat.rows * u.cols).fill(0)); // (C_out, n·L')
  if (wFlat.rows > 0 && u.rows > 0) kernels.gemm(wFlat, u, cols);
  if (b !== null) for (let c = 0; c < cols.rows; c++) for (let j = c * cols.cols, end = j + cols.cols; j < end; j++) cols.data[j] += b[c];
  return columnsToNchw(kernels, cols, z.n, ho, wo);
}

/** σ(Z), element-wise, a fresh batch. */
export function activate64(name: ActivationName, z: Nchw64): Nchw64 {
  const out = nchw64(z.n, z.c, z.h, z.w);
  activationForward(name, new Matrix(1, z.data.length, z.data), new Matrix(1, out.data.length, out.data));
  return out;
}

/** Parameters of the pair, flat: W1♭ (C1, C0·K1), b1 (C1)|null, W2♭ (C2, C1·K2), b2 (C2)|null. */
export interface ConvPairParameters {
  w1: Matrix64;
  b1: Float64Array | null;
  w2: Matrix64;
  b2: Float64Array | null;
}

export interface ConvPairGeometry {
  conv1: ConvGeometry;
  conv2: ConvGeometry;
  activation: ActivationName;
  /** Pooling between σ and conv2: B1 = pool(σ(Z1)) (none by default). */
  pool?: PoolSpec | null;
}

/** A pending step, flat: δW♭ (C2, C1·K2), δb|null, α_w (k, C0·K1), α_b (k)|null, ω♭ (C2, k·K2) (column j·K2 + e = ω[:, j, u, v]). */
export interface ConvGrowthStep {
  deltaWeight: Matrix64;
  deltaBias: Float64Array | null;
  alphaWeight: Matrix64;
  alphaBias: Float64Array | null;
  omega: Matrix64;
}

export interface ConvPairForward {
  z1: Nchw64;
  b1: Nchw64;
  a2: Nchw64;
}

export function convPairForward(p: ConvPairParameters, geo: ConvPairGeometry, x: Nchw64, kernels: Kernels): ConvPairForward {
  const z1 = conv2d64(x, p.w1, p.b1, geo.conv1, "conv1", kernels);
  const b1 = maybePool(activate64(geo.activation, z1), geo, kernels);
  const a2 = conv2d64(b1, p.w2, p.b2, geo.conv2, "conv2", kernels);
  return { z1, b1, a2 };
}

function maybePool(z: Nchw64, geo: ConvPairGeometry, kernels: Kernels): Nchw64 {
  return geo.pool ? pool64(z, geo.pool, "conv1", kernels) : z;
}

/** B_ext = pool(σ(γ conv1(X; α_w, α_b))), (n, k, H1, W1). */
export function extensionActivity(step: ConvGrowthStep, geo: ConvPairGeometry, x: Nchw64, gamma: number, kernels: Kernels): Nchw64 {
  return scaledExtension(conv2d64(x, step.alphaWeight, step.alphaBias, geo.conv1, "conv1 (new channels)", kernels), geo, gamma, kernels);
}

/** pool(σ(γ Z_ext)) for Z_ext = conv1(X; α_w, α_b). */
function scaledExtension(zExt: Nchw64, geo: ConvPairGeometry, gamma: number, kernels: Kernels): Nchw64 {
  const z = nchw64(zExt.n, zExt.c, zExt.h, zExt.w, zExt.data.map((v) => gamma * v));
  return maybePool(activate64(geo.activation, z), geo, kernels);
}

/**
 * γ ↦ A2(γ) of the extended pair (§12) on one X, with what does not depend on γ computed
 * once (the plain forward, conv2(B1; δW, δb), conv1(X; α)): the line search's objective.
 */
export function extendedForwardOf(p: ConvPairParameters, step: ConvGrowthStep, geo: ConvPairGeometry, x: Nchw64, kernels: Kernels, current?: ConvPairForward): (gamma: number) => Nchw64 {
  const base = current ?? convPairForward(p, geo, x, kernels);
  const delta = step.deltaWeight.rows > 0 && (step.deltaWeight.cols > 0 || step.deltaBias !== null) ? conv2d64(base.b1, step.deltaWeight, step.deltaBias, geo.conv2, "conv2 (δW)", kernels) : null;
  const zExt = step.alphaWeight.rows > 0 ? conv2d64(x, step.alphaWeight, step.alphaBias, geo.conv1, "conv1 (new channels)", kernels) : null;
  const scratch = new Scratch();
  return (gamma: number): Nchw64 => {
    const out = nchw64(base.a2.n, base.a2.c, base.a2.h, base.a2.w, base.a2.data.slice());
    const g2 = gamma * gamma;
    if (delta !== null) for (let i = 0; i < out.data.length; i++) out.data[i] -= g2 * delta.data[i];
    if (zExt !== null) {
      const ext = conv2d64(scaledExtension(zExt, geo, gamma, kernels), step.omega, null, geo.conv2, "conv2 (new channels)", kernels, scratch);
      for (let i = 0; i < out.data.length; i++) out.data[i] += gamma * ext.data[i];
    }
    return out;
  };
}

/** A2(γ) of the extended pair (§12), (n, C2, H2, W2); `current` may pass the plain forward on the same X. */
export function convExtendedForward(p: ConvPairParameters, step: ConvGrowthStep, geo: ConvPairGeometry, x: Nchw64, gamma: number, kernels: Kernels, current?: ConvPairForward): Nchw64 {
  return extendedForwardOf(p, step, geo, x, kernels, current)(gamma);
}

/** The grown parameters (§14); the grown pair computes exactly A2(γ). */
export function applyConvGrowth(p: ConvPairParameters, step: ConvGrowthStep, gamma: number): ConvPairParameters {
  const op = "applyConvGrowth";
  if ((p.b1 === null) !== (step.alphaBias === null)) throw new ShapeError(op, `α_b ${p.b1 === null ? "null (conv1 has no bias)" : "present"}`, step.alphaBias === null ? "null" : "a vector");
  if ((p.b2 === null) !== (step.deltaBias === null)) throw new ShapeError(op, `δb ${p.b2 === null ? "null (conv2 has no bias)" : "present"}`, step.deltaBias === null ? "null" : "a vector");
  const g2 = gamma * gamma;
  const w2 = concatColumns(linearCombination(1, p.w2, -g2, step.deltaWeight), scale(step.omega, gamma));
  const b2 = p.b2 === null ? null : p.b2.map((v, i) => v - g2 * step.deltaBias![i]);
  const w1 = concatRows(p.w1, scale(step.alphaWeight, gamma));
  const b1 = p.b1 === null ? null : Float64Array.from([...p.b1, ...step.alphaBias!.map((v) => gamma * v)]);
  return { w1, b1, w2, b2 };
}
