/**
 * Applying a growth step to the parameters (SPEC §10), purely (new matrices out):
 *
 *   W2 ← [ W2 − γ² δW | γ ω ]   (d2, d1 + k)      b2 ← b2 − γ² δb
 *   W1 ← [ W1 ; γ α_w ]         (d1 + k, d0)      b1 ← [ b1 ; γ α_b ]
 *
 * The grown network computes exactly A2(γ) of the extended forward (§9.1); at γ = 0 the new
 * rows/columns are zero and the step is function-preserving.
 */
import { ShapeError } from "../errors.js";
import { checkGrowthStep, checkTwoLayerParameters, type GrowthStep, type TwoLayerParameters } from "./extended-forward.js";
import { concatColumns, concatRows, linearCombination, scale } from "./linalg.js";

export function applyGrowth(p: TwoLayerParameters, step: GrowthStep, gamma: number): TwoLayerParameters {
  const op = "applyGrowth";
  const { d0, d1, d2 } = checkTwoLayerParameters(op, p);
  const k = checkGrowthStep(op, step, d0, d1, d2);
  if ((p.b1 === null) !== (step.alphaBias === null)) throw new ShapeError(op, `α_b ${p.b1 === null ? "null (layer 1 has no bias)" : "present"}`, step.alphaBias === null ? "null" : "a vector");
  if ((p.b2 === null) !== (step.deltaBias === null)) throw new ShapeError(op, `δb ${p.b2 === null ? "null (layer 2 has no bias)" : "present"}`, step.deltaBias === null ? "null" : "a vector");
  const g2 = gamma * gamma;
  const w2 = concatColumns(linearCombination(1, p.w2, -g2, step.deltaWeight), scale(step.omega, gamma));
  const w1 = concatRows(p.w1, scale(step.alphaWeight, gamma));
  let b1: Float64Array | null = null;
  if (p.b1 !== null && step.alphaBias !== null) {
    b1 = new Float64Array(p.b1.length + k);
    b1.set(p.b1);
    for (let j = 0; j < k; j++) b1[p.b1.length + j] = gamma * step.alphaBias[j];
  }
  let b2: Float64Array | null = null;
  if (p.b2 !== null && step.deltaBias !== null) {
    b2 = new Float64Array(p.b2.length);
    for (let j = 0; j < b2.length; j++) b2[j] = p.b2[j] - g2 * step.deltaBias[j];
  }
  return { w1, b1, w2, b2 };
}
