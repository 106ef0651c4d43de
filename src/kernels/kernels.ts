/**
 * The kernel contract: dense linear algebra on row-major matrices, implemented twice
 * (native: OpenBLAS + LAPACK through an N-API addon; portable: pure TypeScript). The
 * portable kernels define the semantics; the parity tests hold the native ones to them.
 *
 * Every method is generic in the element type: all its matrices are float32, or all are
 * float64 (a mix does not type-check). Outputs have the inputs' element type.
 * Callers validate shapes once, above the kernels (see `checks.ts`); kernels may assume
 * valid arguments but native ones check again before crossing into C++.
 */
import type { FloatArray, Matrix } from "../tensor/matrix.js";

export type KernelName = "native" | "portable";

export interface GemmOptions {
  /** Use Aᵀ instead of A. */
  transA?: boolean;
  /** Use Bᵀ instead of B. */
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0: C is overwritten (its old contents are ignored, even NaN). */
  beta?: number;
}

export interface EighResult<T extends FloatArray> {
  /** Eigenvalues in ascending order, (n). */
  values: T;
  /** (n, n): column j is the unit eigenvector of values[j]. */
  vectors: Matrix<T>;
}

export interface SvdResult<T extends FloatArray> {
  /** (m, r), r = min(m, n), orthonormal columns. */
  u: Matrix<T>;
  /** Singular values, descending, (r). */
  s: T;
  /** (r, n), orthonormal rows. */
  vt: Matrix<T>;
}

export interface Kernels {
  readonly name: KernelName;

  /**
   * C (m, n) = alpha · op(A) · op(B) + beta · C, with op(A) (m, k) and op(B) (k, n)
   * (BLAS gemm). C must not alias A or B.
   */
  gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options?: GemmOptions): void;

  /**
   * Symmetric eigendecomposition A = Q diag(λ) Qᵀ (LAPACK syevd). Only the lower
   * triangle of A is read. A is not modified.
   */
  eigh<T extends FloatArray>(a: Matrix<T>): EighResult<T>;

  /** Thin SVD A (m, n) = U diag(s) Vᵀ (LAPACK gesdd). A is not modified. */
  svd<T extends FloatArray>(a: Matrix<T>): SvdResult<T>;

  /**
   * Solves A X = B for symmetric positive definite A (n, n), B (n, r), by Cholesky
   * (LAPACK potrf + potrs). Throws NumericalError when A is not positive definite.
   */
  choleskySolve<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>): Matrix<T>;

  /**
   * Solves A X = B for square A (n, n), B (n, r), by LU with partial pivoting (LAPACK
   * gesv). Throws NumericalError when A is exactly singular (a zero pivot).
   */
  solve<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>): Matrix<T>;

  /** Threads used by the kernels (OpenBLAS threads for native; always 1 for portable). */
  numThreads(): number;
  setNumThreads(n: number): void;
}
