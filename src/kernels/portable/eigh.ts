/**
 * Symmetric eigendecomposition A = Q diag(λ) Qᵀ by the EISPACK pair tred2 + tql2
 * (Householder reduction to tridiagonal form, then the implicit QL method with Wilkinson-
 * like shifts), following JAMA's `EigenvalueDecomposition` (Martin, Reinsch & Wilkinson,
 * Handbook for Automatic Computation vol. II; Smith et al., EISPACK Guide). Backward
 * stable: ‖QΛQᵀ − A‖ and ‖QᵀQ − I‖ are O(n·ε·‖A‖).
 *
 * Storage: JAMA works on V (n, n) and its hot loops walk down columns V[k][j]. We keep
 * W = Vᵀ row-major instead, so every inner loop (the similarity update, the accumulation
 * of the reflectors, the Givens rotations of tql2) runs along a contiguous row.
 */
import { NumericalError } from "../../errors.js";
import { Matrix, type FloatArray } from "../../tensor/matrix.js";
import { checkSquare } from "../checks.js";
import type { EighResult } from "../kernels.js";
import { assertFinite, lapackName, matrixLike, narrowLike } from "./float64.js";

const EPS = 2 ** -52;
/** QL iterations allowed per eigenvalue; LAPACK's dsteqr allows 30 as well. */
const MAX_QL_ITERATIONS = 30;

export function eigh<T extends FloatArray>(a: Matrix<T>): EighResult<T> {
  return eighWithLimit(a, MAX_QL_ITERATIONS);
}

/** eigh with the per-eigenvalue QL iteration limit as a parameter (tests reach the failure path). */
export function eighWithLimit<T extends FloatArray>(a: Matrix<T>, maxIterations: number): EighResult<T> {
  const n = checkSquare("eigh", a);
  assertFinite("syevd", a, true);
  // tql2 forms products of two off-diagonal entries, which over/underflow for |a| beyond
  // ~1e±150: scale by a power of two (exact) to max |a| in [1, 2) (dsyev also rescales).
  let amax = 0;
  for (let k = 0; k < n; k++) for (let j = 0; j <= k; j++) amax = Math.max(amax, Math.abs(a.data[k * n + j]));
  const scale = amax > 0 ? 2 ** Math.floor(Math.log2(amax)) : 1;
  // W = Aᵀ / scale from the lower triangle of A only: W[j][k] = A[k][j] for k ≥ j (the
  // upper triangle of W, which is all tred2 reads, as EISPACK documents).
  const w = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j <= k; j++) w[j * n + k] = a.data[k * n + j] / scale;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tred2(n, w, d, e);
    tql2(n, w, d, e, lapackName("syevd", a), maxIterations);
  }
  sortAscending(n, w, d);
  for (let j = 0; j < n; j++) d[j] *= scale;
  // vectors[k][j] = V[k][j] = W[j][k]: eigenvector j in column j.
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) q[k * n + j] = w[j * n + k];
  return { values: narrowLike(a.data, d), vectors: matrixLike(a, n, n, q) };
}

/**
 * Householder tridiagonalisation (EISPACK tred2): on return d holds the diagonal, e[1..n-1]
 * the subdiagonal, and W = Vᵀ the accumulated orthogonal transformation.
 */
function tred2(n: number, w: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    // Scale the row to avoid under/overflow in the norm.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
      d[i] = h;
      continue;
    }
    // Householder vector u = d, with H = I − u uᵀ / h.
    for (let k = 0; k < i; k++) {
      d[k] /= scale;
      h += d[k] * d[k];
    }
    let f = d[i - 1];
    let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
    e[i] = scale * g;
    h -= f * g;
    d[i - 1] = f - g;
    for (let j = 0; j < i; j++) e[j] = 0;
    // p = A u / h (in e), using the stored triangle W[j][k], k ≥ j.
    for (let j = 0; j < i; j++) {
      const row = j * n;
      f = d[j];
      w[i * n + j] = f;
      g = e[j] + w[row + j] * f;
      for (let k = j + 1; k <= i - 1; k++) {
        const wjk = w[row + k];
        g += wjk * d[k];
        e[k] += wjk * f;
      }
      e[j] = g;
    }
    f = 0;
    for (let j = 0; j < i; j++) {
      e[j] /= h;
      f += e[j] * d[j];
    }
    // q = p − (uᵀp / 2h) u, then A ← A − u qᵀ − q uᵀ.
    const hh = f / (h + h);
    for (let j = 0; j < i; j++) e[j] -= hh * d[j];
    for (let j = 0; j < i; j++) {
      const row = j * n;
      f = d[j];
      g = e[j];
      for (let k = j; k <= i - 1; k++) w[row + k] -= f * e[k] + g * d[k];
      d[j] = w[row + i - 1];
      w[row + i] = 0;
    }
    d[i] = h;
  }
  // Accumulate the transformations V = H₁ H₂ … (stored transposed).
  for (let i = 0; i < n - 1; i++) {
    const rowI1 = (i + 1) * n;
    w[i * n + n - 1] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[rowI1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[rowI1 + k] * w[row + k];
        for (let k = 0; k <= i; k++) w[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[rowI1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1];
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e) (EISPACK tql2), applying every Givens rotation to
 * the rows of W. On return d holds the eigenvalues (unsorted) and W's rows the eigenvectors.
 */
function tql2(n: number, w: Float64Array, d: Float64Array, e: Float64Array, op: string, maxIterations: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element e[m]: the block l..m splits off.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    let iter = 0;
    while (m > l && Math.abs(e[l]) > EPS * tst1) {
      if (++iter > maxIterations) {
        throw new NumericalError(op, `matrix (${n}, ${n}): QL iteration did not converge for eigenvalue ${l}`);
      }
      // Shift: the eigenvalue of the leading 2×2 block nearer to d[l].
      let g = d[l];
      let p = (d[l + 1] - g) / (2 * e[l]);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l] / (p + r);
      d[l + 1] = e[l] * (p + r);
      const dl1 = d[l + 1];
      let h = g - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h;
      f += h;
      // Implicit QL sweep from m − 1 up to l.
      p = d[m];
      let c = 1;
      let c2 = c;
      let c3 = c;
      const el1 = e[l + 1];
      let s = 0;
      let s2 = 0;
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        g = c * e[i];
        h = c * p;
        r = Math.hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        rotateRows(w, i * n, (i + 1) * n, n, c, s);
      }
      p = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** [xᵢ; xᵢ₊₁] ← [c·xᵢ − s·xᵢ₊₁; s·xᵢ + c·xᵢ₊₁] on two rows of W. */
function rotateRows(w: Float64Array, rowI: number, rowI1: number, n: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const h = w[rowI1 + k];
    const x = w[rowI + k];
    w[rowI1 + k] = s * x + c * h;
    w[rowI + k] = c * x - s * h;
  }
}

/** Selection sort of the eigenvalues, swapping the rows of W with them (n swaps at most). */
function sortAscending(n: number, w: Float64Array, d: Float64Array): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j] < d[k]) k = j;
    if (k === i) continue;
    const p = d[k];
    d[k] = d[i];
    d[i] = p;
    for (let j = 0; j < n; j++) {
      const t = w[i * n + j];
      w[i * n + j] = w[k * n + j];
      w[k * n + j] = t;
    }
  }
}
