/**
 * LAPACK's `info` → NumericalError naming the routine and the matrix size. The messages
 * match the portable kernels' where both can fail the same way (non-finite input, not
 * positive definite, singular), so callers see one text whichever set ran.
 */
import { NumericalError } from "../../errors.js";
import type { FloatArray } from "../../tensor/matrix.js";

export type LapackRoutine = "syevd" | "gesdd" | "potrf" | "gesv";

/** "dpotrf" for float64 data, "spotrf" for float32. */
export function routineName(routine: LapackRoutine, data: FloatArray): string {
  return (data instanceof Float64Array ? "d" : "s") + routine;
}

/** The message after the routine name, for `matrix` = "matrix (rows, cols)". */
function explain(routine: LapackRoutine, info: number, matrix: string): string {
  if (info < 0) {
    // gesdd (LAPACK ≥ 3.10) flags a NaN in A as an illegal argument 4; the other negative
    // values cannot happen after the argument checks.
    return routine === "gesdd" && info === -4 ? `${matrix} contains NaN` : `${matrix}: argument ${-info} had an illegal value`;
  }
  switch (routine) {
    case "potrf":
      return `${matrix} is not positive definite (leading minor ${info})`;
    case "gesv":
      return `${matrix} is exactly singular (U(${info},${info}) = 0)`;
    case "syevd":
      return `${matrix}: the divide and conquer eigensolver did not converge (info ${info})`;
    case "gesdd":
      return `${matrix}: the bidiagonal SVD (bdsdc) did not converge (info ${info})`;
  }
}

/** Throws unless info is 0; `rows`, `cols` is the factorised matrix's shape. */
export function checkInfo(routine: LapackRoutine, data: FloatArray, info: number, rows: number, cols: number): void {
  if (info !== 0) throw new NumericalError(routineName(routine, data), explain(routine, info, `matrix (${rows}, ${cols})`));
}

/**
 * Rejects NaN/±Inf before LAPACK sees them (LAPACK would return NaN or fail obscurely).
 * `lowerOnly` scans only the triangle that the symmetric routines read.
 */
export function checkFinite(routine: LapackRoutine, data: FloatArray, rows: number, cols: number, lowerOnly = false): void {
  for (let i = 0; i < rows; i++) {
    const end = lowerOnly ? Math.min(i + 1, cols) : cols;
    for (let j = 0; j < end; j++) {
      if (!Number.isFinite(data[i * cols + j])) {
        throw new NumericalError(routineName(routine, data), `matrix (${rows}, ${cols}) has a non-finite entry at (${i}, ${j})`);
      }
    }
  }
}
