/**
 * Adam with PyTorch's torch.optim.Adam / AdamW semantics (amsgrad off). Per parameter, with
 * its own step count t (restarting at 1 after resetState):
 *   Adam:  g ← grad + weightDecay · p          AdamW (decoupledWeightDecay): p ← p (1 - lr · weightDecay)
 *   m ← β₁ m + (1 - β₁) g,   v ← β₂ v + (1 - β₂) g²
 *   p ← p - (lr / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)
 */
import type { FloatArray } from "../../tensor/matrix.js";
import type { Param } from "../param.js";
import { checkOptions, OptimizerBase, stateArray } from "./optimizer.js";

export interface AdamOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Default 0. */
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding to the gradient; default false. */
  decoupledWeightDecay?: boolean;
}

interface AdamState {
  /** First moment. */
  m: FloatArray;
  /** Second moment. */
  v: FloatArray;
  /** Steps taken with this state. */
  t: number;
  length: number;
}

export class Adam extends OptimizerBase<AdamState> {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;

  constructor(params: readonly Param[], options: AdamOptions = {}) {
    super();
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, decoupledWeightDecay = false } = options;
    checkOptions("Adam options", [
      ["lr", Number.isFinite(lr) && lr >= 0, `expected a finite lr >= 0, got ${lr}`],
      ["betas.0", betas[0] >= 0 && betas[0] < 1, `expected 0 <= beta1 < 1, got ${betas[0]}`],
      ["betas.1", betas[1] >= 0 && betas[1] < 1, `expected 0 <= beta2 < 1, got ${betas[1]}`],
      ["eps", eps >= 0, `expected eps >= 0, got ${eps}`],
      ["weightDecay", Number.isFinite(weightDecay) && weightDecay >= 0, `expected weightDecay >= 0, got ${weightDecay}`],
    ]);
    this.lr = lr;
    this.beta1 = betas[0];
    this.beta2 = betas[1];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupledWeightDecay = decoupledWeightDecay;
    this.setParams(params);
  }

  step(): void {
    const lr = this.lr;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.eps;
    const coupledWd = this.decoupledWeightDecay ? 0 : this.weightDecay;
    const decay = this.decoupledWeightDecay ? 1 - lr * this.weightDecay : 1;
    for (let i = 0; i < this.paramList.length; i++) {
      const param = this.paramList[i];
      const p = param.value;
      const g = param.grad;
      const n = p.length;
      let s = this.currentState(i);
      if (s === null) {
        s = { m: stateArray(p), v: stateArray(p), t: 0, length: n };
        this.states[i] = s;
      }
      s.t += 1;
      const m = s.m;
      const v = s.v;
      const stepSize = lr / (1 - Math.pow(b1, s.t));
      const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, s.t));
      for (let j = 0; j < n; j++) {
        const pj = p[j] * decay;
        const gj = g[j] + coupledWd * p[j];
        const mj = b1 * m[j] + (1 - b1) * gj;
        const vj = b2 * v[j] + (1 - b2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        p[j] = pj - (stepSize * mj) / (Math.sqrt(vj) / bc2Sqrt + eps);
      }
    }
  }
}
