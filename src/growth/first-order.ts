/**
 * First-order improvements of a growth step (SPEC §8): the predicted decrease of the
 * per-sample loss per unit of γ² (GroMo's γ is the square root of the paper's step) for
 * the joint move "W2 ← W2 − γ²δW, plus k new neurons (γα, γω)".
 *
 * Two quantities, computed separately on purpose:
 *
 * 1. `firstOrderImprovement` — GroMo's estimate, reproduced exactly (goldens):
 *      D + σ'(0)·Σ_j s_j²
 *    with σ'(0) from GroMo's table (SELU 1.0507 — rounded). It DROPS the cross term
 *      −σ'(0)·tr(α P δW_rawᵀ ω),
 *    the interaction of the δW step with the new neurons (the new neurons were fitted to
 *    the residual after δW, but their first-order effect is measured against the raw
 *    gradient). `crossTerm` below computes tr(α P δW_rawᵀ ω).
 *
 * 2. `exactFirstOrderImprovement` — the true derivative −d/d(γ²) of the extended
 *    per-sample loss at γ = 0⁺, keeping the cross term:
 *      D − (1/n) Σ_i g_iᵀ ω φ(α x̃_i),   φ(z) = lim_{γ→0⁺} σ(γz)/γ = σ'(0⁺)z⁺ − σ'(0⁻)z⁻
 *    For σ differentiable at 0 this is D − σ'(0)·tr(α M_prev ω)
 *      = D + σ'(0)·(Σ s_j² − tr(α P δW_rawᵀ ω))       (`exactFirstOrderImprovementSmooth`).
 *    SELU and ReLU have different one-sided slopes at 0, so they need the samples.
 *    This is what the finite-difference test checks. Requires σ(0) = 0.
 */
import { ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { SELU_ALPHA, SELU_SCALE, type ActivationName } from "../nn/layers/activation.js";
import type { Matrix64 } from "../tensor/matrix.js";
import { augmentWithOnes, matmul, traceOfProduct } from "./linalg.js";

/**
 * σ'(0⁺) as GroMo's `known_activations_zero_plus_gradient` table has it (SELU rounded to
 * 1.0507). Softplus is not in the table: GroMo differentiates it at 1e-5, i.e. sigmoid(1e-5).
 */
export function gromoActivationGradientAtZero(name: ActivationName): number {
  switch (name) {
    case "relu":
    case "tanh":
    case "identity":
      return 1;
    case "gelu":
      return 0.5;
    case "selu":
      return 1.0507;
    case "sigmoid":
      return 0.25;
    case "softplus":
      return 1 / (1 + Math.exp(-1e-5));
  }
}

/** The exact one-sided slopes (σ'(0⁻), σ'(0⁺)) of activations with σ(0) = 0; null otherwise. */
export function oneSidedSlopesAtZero(name: ActivationName): { left: number; right: number } | null {
  switch (name) {
    case "identity":
    case "tanh":
      return { left: 1, right: 1 };
    case "relu":
      return { left: 0, right: 1 };
    case "selu":
      return { left: SELU_SCALE * SELU_ALPHA, right: SELU_SCALE };
    case "gelu":
      return { left: 0.5, right: 0.5 };
    case "sigmoid":
    case "softplus":
      return null;
  }
}

export interface FirstOrderImprovement {
  /** D = tr(M δW_raw) (§4). */
  parameterUpdateDecrease: number;
  /** σ'(0)·Σ s_j² (GroMo's `new_neurons_fo_improvement`). */
  newNeuronsImprovement: number;
  /** D + σ'(0)·Σ s_j² (GroMo's `first_order_improvement`; cross term dropped). */
  total: number;
}

/** GroMo's formula (§8): D + σ'(0)·Σ s_j² — see the file comment for the dropped cross term. */
export function firstOrderImprovement(decrease: number, singularValues: Float64Array, activationGradientAtZero: number): FirstOrderImprovement {
  let sumSq = 0;
  for (const s of singularValues) sumSq += s * s;
  const newNeuronsImprovement = activationGradientAtZero * sumSq;
  return { parameterUpdateDecrease: decrease, newNeuronsImprovement, total: decrease + newNeuronsImprovement };
}

/**
 * The cross term tr(α P δW_rawᵀ ω) dropped by GroMo.
 * @param alpha α (k, d0+β1). @param p P (d0+β1, d1+β2). @param deltaRaw δW_raw (d2, d1+β2). @param omega ω (d2, k).
 */
export function crossTerm(alpha: Matrix64, p: Matrix64, deltaRaw: Matrix64, omega: Matrix64, kernels: Kernels): number {
  const pDelta = matmul(kernels, p, deltaRaw, { transB: true }); // (d0+β1, d2)
  return traceOfProduct(matmul(kernels, alpha, pDelta), omega); // tr((α P δWᵀ) ω)
}

/**
 * Exact first-order decrease for σ differentiable at 0 with σ(0) = 0:
 * D − σ'(0)·tr(α M_prev ω). @param mPrev M_prev (d0+β1, d2).
 */
export function exactFirstOrderImprovementSmooth(decrease: number, alpha: Matrix64, mPrev: Matrix64, omega: Matrix64, slopeAtZero: number, kernels: Kernels): number {
  return decrease - slopeAtZero * traceOfProduct(matmul(kernels, alpha, mPrev), omega);
}

/**
 * Exact first-order decrease from the samples, for any σ with σ(0) = 0 and one-sided slopes:
 * D − (1/n) Σ_i g_iᵀ ω φ(α x̃_i).
 * @param x X (n, d0). @param g G (n, d2). @param alpha α (k, d0+β1). @param omega ω (d2, k).
 */
export function exactFirstOrderImprovement(
  decrease: number,
  x: Matrix64,
  g: Matrix64,
  alpha: Matrix64,
  omega: Matrix64,
  layer1Bias: boolean,
  activation: ActivationName,
  kernels: Kernels,
): number {
  const slopes = oneSidedSlopesAtZero(activation);
  if (slopes === null) throw new ShapeError("exactFirstOrderImprovement", "an activation with σ(0) = 0", activation);
  if (g.rows !== x.rows) throw new ShapeError("exactFirstOrderImprovement", `G with ${x.rows} rows`, `G of shape ${g.shape}`);
  const z = matmul(kernels, augmentWithOnes(x, layer1Bias), alpha, { transB: true }); // α x̃_i as rows, (n, k)
  for (let i = 0; i < z.data.length; i++) z.data[i] *= z.data[i] > 0 ? slopes.right : slopes.left;
  const gOmega = matmul(kernels, g, omega); // (n, k)
  let s = 0;
  for (let i = 0; i < z.data.length; i++) s += z.data[i] * gOmega.data[i];
  return decrease - s / x.rows;
}
