/**
 * What every optimizer offers. State (momentum buffers, Adam moments) is kept per Param,
 * by the Param's position in the list, and sized to the Param's length.
 *
 * Growth rule: when growth resizes a parameter (Linear.appendOutputs/appendInputs swap the
 * arrays of the same Param object), that parameter's state is *reset*: the growth code
 * calls `optimizer.resetState(param)`. As a safety net, `step()` also resets the state of
 * any parameter whose length no longer matches its state. Other parameters keep theirs.
 * New parameters (a DAG gaining an edge) are added with `setParams`, which keeps the state
 * of every parameter still present.
 */
import { ConfigError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import type { FloatArray } from "../../tensor/matrix.js";
import { checkParam, type Param } from "../param.js";

export interface Optimizer {
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  readonly params: readonly Param[];
  /**
   * One update of every parameter from its current gradient. `kernels`, when given, does
   * the element-wise work (Sgd uses kernels.sgdStep); otherwise the portable loops run.
   */
  step(kernels?: Kernels): void;
  /** Sets every gradient to zero. */
  zeroGrad(): void;
  /** Forgets the state of `param` (after growth resized it); it restarts as at step 1. */
  resetState(param: Param): void;
  /** Replaces the parameter list, keeping the state of parameters present in both. */
  setParams(params: readonly Param[]): void;
}

/** Shared bookkeeping: the parameter list and one state slot per parameter. */
export abstract class OptimizerBase<S extends { length: number }> implements Optimizer {
  abstract lr: number;
  protected paramList: Param[] = [];
  protected states: (S | null)[] = [];

  get params(): readonly Param[] {
    return this.paramList;
  }

  abstract step(kernels?: Kernels): void;

  zeroGrad(): void {
    for (let i = 0; i < this.paramList.length; i++) this.paramList[i].grad.fill(0);
  }

  resetState(param: Param): void {
    const i = this.paramList.indexOf(param);
    if (i >= 0) this.states[i] = null;
  }

  setParams(params: readonly Param[]): void {
    const old = new Map<Param, S | null>();
    for (let i = 0; i < this.paramList.length; i++) old.set(this.paramList[i], this.states[i]);
    for (const p of params) checkParam(`${this.constructor.name}.setParams`, p);
    this.paramList = params.slice();
    this.states = this.paramList.map((p) => old.get(p) ?? null);
  }

  /** Deep copies of every parameter's state, by position (null where none), for checkpoints. */
  exportStates(): (S | null)[] {
    return structuredClone(this.states);
  }

  /** Restores states saved by exportStates onto the same parameter list (a length mismatch drops that state). */
  importStates(states: readonly (S | null)[]): void {
    this.states = this.paramList.map((p, i) => {
      const s = states[i] ?? null;
      return s !== null && s.length === p.value.length ? structuredClone(s) : null;
    });
  }

  /** The state of parameter i, or null when it must be (re)created (none yet, or resized). */
  protected currentState(i: number): S | null {
    const s = this.states[i];
    return s !== null && s.length === this.paramList[i].value.length ? s : null;
  }
}

/** A float array of the Param's own element type (state matches the parameter dtype, as in PyTorch). */
export function stateArray<T extends FloatArray>(like: T): T {
  const Ctor = like.constructor as new (n: number) => T;
  return new Ctor(like.length);
}

/** Throws one ConfigError listing every out-of-range option. */
export function checkOptions(source: string, checks: readonly [string, boolean, string][]): void {
  const issues = checks.filter(([, ok]) => !ok).map(([path, , message]) => ({ source, path, message }));
  if (issues.length > 0) throw new ConfigError(issues);
}
