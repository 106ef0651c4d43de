/**
 * Stochastic gradient descent with PyTorch's torch.optim.SGD semantics:
 *   g ← grad + weightDecay · p
 *   momentum ≠ 0:  buf ← g at the first step, else buf ← momentum · buf + (1 - dampening) · g
 *                  g ← nesterov ? g + momentum · buf : buf
 *   p ← p - lr · g
 * Each parameter is updated in one pass over its arrays (kernels.sgdStep).
 */
import type { Kernels, SgdCoefficients } from "../../kernels/kernels.js";
import { portableKernels } from "../../kernels/portable/index.js";
import type { FloatArray } from "../../tensor/matrix.js";
import type { Param } from "../param.js";
import { checkOptions, OptimizerBase, stateArray } from "./optimizer.js";

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
  /** Reused by every step (lr and gradScale refreshed): nothing is allocated per step. */
  private readonly coefficients: SgdCoefficients;

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
    this.coefficients = { lr, momentum, gradScale: 1 - dampening, weightDecay, nesterov };
    this.setParams(params);
  }

  /**
   * Updates every parameter, each in one pass through `kernels.sgdStep` (default: the
   * portable loops; the training loop passes its kernels).
   */
  step(kernels: Kernels = portableKernels): void {
    const c = this.coefficients;
    c.lr = this.lr;
    const params = this.paramList;
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      if (c.momentum === 0) {
        kernels.sgdStep(param.value, param.grad, null, c);
        continue;
      }
      let buf = this.currentState(i);
      c.gradScale = 1 - this.dampening;
      if (buf === null) {
        // First step: buf = g (no dampening), as PyTorch: a zero buffer and gradScale 1.
        buf = stateArray(param.value);
        this.states[i] = buf;
        c.gradScale = 1;
      }
      kernels.sgdStep(param.value, param.grad, buf, c);
    }
  }
}
