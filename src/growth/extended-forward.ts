/**
 * Forward pass of the pair `layer1 → σ → layer2`, plain and extended with a pending growth
 * step scaled by γ (SPEC §9.1), in float64:
 *
 *   B1 = σ(X W1ᵀ + b1)                                          (n, d1)
 *   A2(γ) = B1 W2ᵀ + b2 − γ²(B1 δWᵀ + δb) + γ σ(γ(X α_wᵀ + α_b)) ωᵀ    (n, d2)
 *
 * σ acts on the new pre-activations separately from the old ones. At γ = 0 this is exactly
 * the current network. Unlike GroMo (SPEC §13.6) a zero-width layer 2 still adds its bias
 * b2 (the goldens keep b2 = 0 there, so they do not depend on it).
 */
import { ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { activationForward, type ActivationName } from "../nn/layers/activation.js";
import { zeros64, type Matrix64 } from "../tensor/matrix.js";
import { matmul } from "./linalg.js";

/** Parameters of the pair: W1 (d1, d0), b1 (d1)|null, W2 (d2, d1), b2 (d2)|null. */
export interface TwoLayerParameters {
  w1: Matrix64;
  b1: Float64Array | null;
  w2: Matrix64;
  b2: Float64Array | null;
}

/** A pending growth step: δW (d2, d1), δb (d2)|null, α_w (k, d0), α_b (k)|null, ω (d2, k). */
export interface GrowthStep {
  deltaWeight: Matrix64;
  deltaBias: Float64Array | null;
  alphaWeight: Matrix64;
  alphaBias: Float64Array | null;
  omega: Matrix64;
}

export interface TwoLayerForward {
  /** H1 = X W1ᵀ + b1, (n, d1). */
  h1: Matrix64;
  /** B1 = σ(H1), (n, d1). */
  b1: Matrix64;
  /** A2 = B1 W2ᵀ + b2, (n, d2). */
  a2: Matrix64;
}

function addRowVector(m: Matrix64, v: Float64Array | null, factor = 1): void {
  if (v === null) return;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] += factor * v[j];
}

/** Checks that the parameters fit together. Returns (d0, d1, d2). */
export function checkTwoLayerParameters(op: string, p: TwoLayerParameters): { d0: number; d1: number; d2: number } {
  const d1 = p.w1.rows;
  const d0 = p.w1.cols;
  const d2 = p.w2.rows;
  if (p.w2.cols !== d1) throw new ShapeError(op, `W2 with ${d1} columns (W1 ${p.w1.shape})`, `W2 of shape ${p.w2.shape}`);
  if (p.b1 !== null && p.b1.length !== d1) throw new ShapeError(op, `b1 of length ${d1}`, `length ${p.b1.length}`);
  if (p.b2 !== null && p.b2.length !== d2) throw new ShapeError(op, `b2 of length ${d2}`, `length ${p.b2.length}`);
  return { d0, d1, d2 };
}

/** Checks that the parameters fit together and with X (n, d0). Returns (d0, d1, d2). */
export function checkTwoLayer(op: string, p: TwoLayerParameters, x: Matrix64): { d0: number; d1: number; d2: number } {
  const dims = checkTwoLayerParameters(op, p);
  if (x.cols !== dims.d0) throw new ShapeError(op, `X with ${dims.d0} columns (W1 ${p.w1.shape})`, `X of shape ${x.shape}`);
  return dims;
}

/** H1, B1, A2 of the current network on X (n, d0). */
export function twoLayerForward(p: TwoLayerParameters, x: Matrix64, activation: ActivationName, kernels: Kernels): TwoLayerForward {
  checkTwoLayer("twoLayerForward", p, x);
  const h1 = matmul(kernels, x, p.w1, { transB: true });
  addRowVector(h1, p.b1);
  const b1 = zeros64(h1.rows, h1.cols);
  activationForward(activation, h1, b1);
  const a2 = matmul(kernels, b1, p.w2, { transB: true });
  addRowVector(a2, p.b2);
  return { h1, b1, a2 };
}

export function checkGrowthStep(op: string, s: GrowthStep, d0: number, d1: number, d2: number): number {
  const k = s.alphaWeight.rows;
  const fail = (name: string, want: string, got: string): never => {
    throw new ShapeError(op, `${name} ${want}`, `${name} ${got}`);
  };
  if (s.deltaWeight.rows !== d2 || s.deltaWeight.cols !== d1) fail("δW", `of shape (${d2}, ${d1})`, `of shape ${s.deltaWeight.shape}`);
  if (s.deltaBias !== null && s.deltaBias.length !== d2) fail("δb", `of length ${d2}`, `of length ${s.deltaBias.length}`);
  if (s.alphaWeight.cols !== d0) fail("α_w", `of shape (${k}, ${d0})`, `of shape ${s.alphaWeight.shape}`);
  if (s.alphaBias !== null && s.alphaBias.length !== k) fail("α_b", `of length ${k}`, `of length ${s.alphaBias.length}`);
  if (s.omega.rows !== d2 || s.omega.cols !== k) fail("ω", `of shape (${d2}, ${k})`, `of shape ${s.omega.shape}`);
  return k;
}

/**
 * A2(γ) of the network extended by `step` (§9.1), (n, d2). `current` may pass the plain
 * forward already computed on the same X (the line search evaluates many γ).
 */
export function extendedForward(
  p: TwoLayerParameters,
  step: GrowthStep,
  x: Matrix64,
  gamma: number,
  activation: ActivationName,
  kernels: Kernels,
  current?: TwoLayerForward,
): Matrix64 {
  const op = "extendedForward";
  const { d0, d1, d2 } = checkTwoLayer(op, p, x);
  checkGrowthStep(op, step, d0, d1, d2);
  const base = current ?? twoLayerForward(p, x, activation, kernels);
  const a2 = base.a2.clone();
  // − γ² (B1 δWᵀ + δb)
  const g2 = gamma * gamma;
  const delta = matmul(kernels, base.b1, step.deltaWeight, { transB: true });
  addRowVector(delta, step.deltaBias);
  for (let i = 0; i < a2.data.length; i++) a2.data[i] -= g2 * delta.data[i];
  // + γ σ(γ (X α_wᵀ + α_b)) ωᵀ
  const zExt = matmul(kernels, x, step.alphaWeight, { transB: true }); // (n, k)
  addRowVector(zExt, step.alphaBias);
  for (let i = 0; i < zExt.data.length; i++) zExt.data[i] *= gamma;
  const bExt = zeros64(zExt.rows, zExt.cols);
  activationForward(activation, zExt, bExt);
  const ext = matmul(kernels, bExt, step.omega, { transB: true }); // (n, d2)
  for (let i = 0; i < a2.data.length; i++) a2.data[i] += gamma * ext.data[i];
  return a2;
}
