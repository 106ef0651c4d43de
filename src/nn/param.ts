/**
 * A trainable parameter as the optimizers see it: a flat value array and its gradient of
 * the same length. A layer owns its Param objects for its whole life; when growth resizes a
 * parameter, the layer swaps `value` and `grad` for the new arrays *on the same object*,
 * so an optimizer keyed by Param identity notices the new length (see Optimizer.resetState).
 */
import { ShapeError } from "../errors.js";
import type { FloatArray } from "../tensor/matrix.js";

export interface Param<T extends FloatArray = FloatArray> {
  /** Flat values, e.g. a weight matrix's row-major data (O·I) or a bias (O). */
  value: T;
  /** dLoss/dvalue, same length; backward adds into it, `zeroGrads` clears it. */
  grad: T;
  /** For messages and checkpoints, e.g. "layers.0.weight". */
  readonly name: string;
}

/** Sets every gradient to zero (explicit; backward only ever adds). */
export function zeroGrads(params: readonly Param[]): void {
  for (let i = 0; i < params.length; i++) params[i].grad.fill(0);
}

/** Throws a ShapeError unless value and grad have the same length. */
export function checkParam(op: string, p: Param): void {
  if (p.value.length !== p.grad.length) {
    throw new ShapeError(op, `${p.name}.grad of length ${p.value.length}`, `length ${p.grad.length}`);
  }
}

/** Total number of scalars in `params`. */
export function countParams(params: readonly Param[]): number {
  let n = 0;
  for (const p of params) n += p.value.length;
  return n;
}
