/**
 * Stochastic gradient descent with PyTorch's torch.optim.SGD semantics:
 *   g ← grad + weightDecay · p
 *   momentum ≠ 0:  buf ← g at the first step, else buf ← momentum · buf + (1 - dampening) · g
 *                  g ← nesterov ? g + momentum · buf : buf
 *   p ← p - lr · g
 * Each parameter is updated in one pass over its arrays.
 */
import type { Param } from "../param.js";
import { checkOptions, OptimizerBase, stateArray } from "./optimizer.js";
import type { FloatArray } from "../../tensor/matrix.js";

export interface SgdOptions {
  lr: number;
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0 (as PyTorch). */
  nesterov?: boolean;
}

export class Sgd extends OptimizerBase<FloatArray> {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: readonly Param[], options: SgdOptions) {
    super();
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    checkOptions("Sgd options", [
      ["lr", Number.isFinite(lr) && lr >= 0, `expected a finite lr >= 0, got ${lr}`],
      ["momentum", Number.isFinite(momentum) && momentum >= 0, `expected momentum >= 0, got ${momentum}`],
      ["dampening", Number.isFinite(dampening), `expected a finite dampening, got ${dampening}`],
      ["weightDecay", Number.isFinite(weightDecay) && weightDecay >= 0, `expected weightDecay >= 0, got ${weightDecay}`],
      ["nesterov", !nesterov || (momentum > 0 && dampening === 0), `nesterov needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`],
    ]);
    this.lr = lr;
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.setParams(params);
  }

  step(): void {
    const lr = this.lr;
    const wd = this.weightDecay;
    const mu = this.momentum;
    const damp = 1 - this.dampening;
    for (let i = 0; i < this.paramList.length; i++) {
      const param = this.paramList[i];
      const p = param.value;
      const g = param.grad;
      const n = p.length;
      if (mu === 0) {
        for (let j = 0; j < n; j++) p[j] -= lr * (g[j] + wd * p[j]);
        continue;
      }
      let buf = this.currentState(i);
      if (buf === null) {
        buf = stateArray(p);
        this.states[i] = buf;
        // First step: buf = g (no dampening), as PyTorch.
        for (let j = 0; j < n; j++) {
          const gj = g[j] + wd * p[j];
          buf[j] = gj;
          p[j] -= lr * (this.nesterov ? gj + mu * gj : gj);
        }
        continue;
      }
      if (this.nesterov) {
        for (let j = 0; j < n; j++) {
          const gj = g[j] + wd * p[j];
          const b = mu * buf[j] + damp * gj;
          buf[j] = b;
          p[j] -= lr * (gj + mu * b);
        }
      } else {
        for (let j = 0; j < n; j++) {
          const b = mu * buf[j] + damp * (g[j] + wd * p[j]);
          buf[j] = b;
          p[j] -= lr * b;
        }
      }
    }
  }
}
