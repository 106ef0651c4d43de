/**
 * Finite-difference gradient checks in float64, shared by every nn test: the central
 * difference (f(x + εeᵢ) - f(x - εeᵢ)) / 2ε, perturbing `x` in place (and restoring it),
 * compared with an analytic gradient element by element as torch.allclose does:
 * |a - n| ≤ atol + rtol·|n|. The report gives the largest absolute and relative errors and
 * the first index that fails, and `assertGradcheck` turns a failure into an error saying so.
 */
import { NumericalError, ShapeError } from "../errors.js";

export interface GradcheckOptions {
  /** Step ε; default 1e-6. */
  eps?: number;
  /** Default 1e-7. */
  atol?: number;
  /** Default 1e-5. */
  rtol?: number;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** First index where |a - n| > atol + rtol·|n|, or -1. */
  firstBadIndex: number;
  analytic: Float64Array;
  numerical: Float64Array;
}

/** The central-difference gradient of f with respect to `x` (x is restored afterwards). */
export function numericalGradient(f: () => number, x: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = f();
    x[i] = saved - eps;
    const minus = f();
    x[i] = saved;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

export function compareGradients(analytic: ArrayLike<number>, numerical: ArrayLike<number>, options: GradcheckOptions = {}): GradcheckReport {
  const { atol = 1e-7, rtol = 1e-5 } = options;
  if (analytic.length !== numerical.length) throw new ShapeError("compareGradients", `analytic of length ${numerical.length}`, `length ${analytic.length}`);
  let maxAbsError = 0;
  let maxRelError = 0;
  let firstBadIndex = -1;
  for (let i = 0; i < analytic.length; i++) {
    const a = analytic[i];
    const n = numerical[i];
    const abs = Math.abs(a - n);
    const rel = abs / Math.max(Math.abs(n), Number.MIN_VALUE);
    if (abs > maxAbsError || Number.isNaN(abs)) maxAbsError = Number.isNaN(abs) ? NaN : abs;
    if (abs > 0 && rel > maxRelError) maxRelError = rel;
    if (firstBadIndex < 0 && !(abs <= atol + rtol * Math.abs(n))) firstBadIndex = i;
  }
  return { ok: firstBadIndex < 0, maxAbsError, maxRelError, firstBadIndex, analytic: Float64Array.from(analytic), numerical: Float64Array.from(numerical) };
}

/** Checks `analytic` (dF/dx, already computed at the current x) against central differences of f. */
export function gradcheck(f: () => number, x: Float64Array, analytic: ArrayLike<number>, options: GradcheckOptions = {}): GradcheckReport {
  return compareGradients(analytic, numericalGradient(f, x, options.eps ?? 1e-6), options);
}

/** Throws a NumericalError describing the failure (max errors, first bad index and both values). */
export function assertGradcheck(report: GradcheckReport, what: string): void {
  if (report.ok) return;
  const i = report.firstBadIndex;
  throw new NumericalError(
    `gradcheck(${what})`,
    `max abs error ${report.maxAbsError.toExponential(3)}, max rel error ${report.maxRelError.toExponential(3)}; ` +
      `first bad index ${i}: analytic ${report.analytic[i]}, numerical ${report.numerical[i]}`,
  );
}
