/**
 * The kernel contract: dense linear algebra on row-major matrices, implemented twice
 * (native: OpenBLAS + LAPACK through an N-API addon; portable: pure TypeScript). The
 * portable kernels define the semantics; the parity tests hold the native ones to them.
 *
 * Every method is generic in the element type: all its matrices are float32, or all are
 * float64 (a mix does not type-check). Outputs have the inputs' element type.
 * Callers validate shapes once, above the kernels (see `checks.ts`); kernels may assume
 * valid arguments but native ones check again before crossing into C++.
 *
 * Besides BLAS/LAPACK, the contract holds the element-wise work of a training step
 * (activations, bias add, bias gradient, SGD update): small loops run a few times per
 * step, where per-operation overhead and branchy scalar code would dominate.
 */
import type { FloatArray, Matrix } from "../tensor/matrix.js";

export type KernelName = "native" | "wasm" | "portable";

/**
 * The element-wise activations (PyTorch's definitions; see portable/activation.ts). The
 * order is part of the native ABI: the addon receives a name's index in this list.
 */
export const ACTIVATION_NAMES = ["identity", "relu", "selu", "tanh", "sigmoid", "gelu", "softplus"] as const;

export type ActivationName = (typeof ACTIVATION_NAMES)[number];

export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATION_NAMES as readonly string[]).includes(name);
}

/**
 * The coefficients of one SGD update (torch.optim.SGD for one tensor):
 *   g' = grad + weightDecay · p
 *   with a momentum buffer:  buf ← momentum · buf + gradScale · g'
 *                            step = nesterov ? g' + momentum · buf : buf
 *   without (buf null):      step = g'
 *   p ← p − lr · step
 * gradScale is 1 − dampening, or 1 on the first step (buf then holds zeros, so buf ← g'
 * as PyTorch does). Kept in one reusable object by the optimizer (nothing allocated per step).
 */
export interface SgdCoefficients {
  lr: number;
  momentum: number;
  gradScale: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Options of syrk: C = alpha · A·Aᵀ (or AᵀA with `trans`) + beta · C. */
export interface SyrkOptions {
  /** Use AᵀA (A (k, n)) instead of A·Aᵀ (A (n, k)). */
  trans?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0: C is overwritten. */
  beta?: number;
}

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

/**
 * `count` row-major matrices of one shape (rows, cols) in one array, a fixed `stride` apart
 * (cuBLAS's gemmStridedBatched layout): element (r, c) of matrix p is
 * data[offset + p·stride + r·ld + c], ld ≥ cols. A column block of a wider matrix is one
 * matrix with ld = the wider matrix's cols; stride 0 repeats one matrix for every p.
 * Callers build these once per buffer (they are plain, reusable descriptors).
 */
export interface MatrixBatch<T extends FloatArray> {
  readonly data: T;
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
  readonly ld: number;
  readonly stride: number;
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

/**
 * The geometry of one im2col/col2im call: a batch of B images (C, H, W), NCHW row-major,
 * and a convolution's kernel (kh, kw), stride, zero padding and dilation per axis, with
 * its output size (outH, outW) = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 per axis (≥ 1).
 * All fields are integers; callers build one per (batch size, input shape) and reuse it
 * (see conv/geometry.ts, `im2colShape`).
 */
export interface Im2colShape {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly outH: number;
  readonly outW: number;
}

export interface Kernels {
  readonly name: KernelName;

  /**
   * C (m, n) = alpha · op(A) · op(B) + beta · C, with op(A) (m, k) and op(B) (k, n)
   * (BLAS gemm). C must not alias A or B.
   */
  gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options?: GemmOptions): void;

  /**
   * For p = 0, 1, …, count − 1 in this order: C_p = alpha · op(A_p) · op(B_p) + beta · C_p
   * (gemm on each matrix of three strided batches). With c.stride = 0 and beta = 1 the
   * products accumulate into one C (e.g. a weight gradient summed over images). No C_p may
   * share storage with A or B. Used by Conv2d to multiply per image without transposing
   * NCHW batches to channel-major and back.
   */
  gemmBatch<T extends FloatArray>(a: MatrixBatch<T>, b: MatrixBatch<T>, c: MatrixBatch<T>, count: number, options?: GemmOptions): void;

  /**
   * C (n, n) = alpha · A·Aᵀ + beta · C with A (n, k), or alpha · AᵀA + beta · C with `trans`
   * and A (k, n) (BLAS syrk: half of gemm's multiply-adds for a symmetric product, e.g. the
   * growth statistics S = (1/n) Σ x xᵀ). C is symmetric on return: with beta ≠ 0 it must be
   * symmetric on entry (its upper triangle is the one read). C must not alias A.
   */
  syrk<T extends FloatArray>(a: Matrix<T>, c: Matrix<T>, options?: SyrkOptions): void;

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

  /**
   * post (B, N) = σ(pre (B, N)) for the activation `name`; post may be pre itself (in place).
   */
  activationForward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>): void;

  /**
   * dPre (B, N) += σ'(pre) ⊙ dPost, all (B, N), where post = σ(pre) from the forward pass
   * (read where it is cheaper than recomputing: tanh, sigmoid, selu). relu'(0) = 0.
   */
  activationBackward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>, dPost: Matrix<T>, dPre: Matrix<T>): void;

  /** Y (B, O) += 1 · bᵀ: adds the row vector b (O) to every row of Y (the bias of a Linear layer). */
  addRowVector<T extends FloatArray>(y: Matrix<T>, b: T): void;

  /** db (O) += 1ᵀ · dY: adds the column sums of dY (B, O), rows summed in order (the bias gradient). */
  addColumnSums<T extends FloatArray>(dY: Matrix<T>, db: T): void;

  /**
   * One SGD update of a parameter p (n) from its gradient (n), in one pass (see
   * SgdCoefficients); buf (n) is the momentum buffer, or null for plain SGD.
   */
  sgdStep<T extends FloatArray>(p: T, grad: T, buf: T | null, coefficients: SgdCoefficients): void;

  /**
   * Unfolds patches (im2col, torch.nn.functional.unfold over a batch): x (B·C·H·W) →
   * cols (C·kh·kw, B·outH·outW), overwritten, with
   *   cols[(c·kh + u)·kw + v, i·L + oh·outW + ow] = x[i, c, oh·sh − ph + u·dh, ow·sw − pw + v·dw]
   * (L = outH·outW), and 0 where the source lies in the zero padding. So a convolution of
   * the batch is W♭ (O, C·kh·kw) · cols, giving the output channel-major, (O, B·L).
   */
  im2col<T extends FloatArray>(x: T, shape: Im2colShape, cols: Matrix<T>): void;

  /**
   * The adjoint of im2col (col2im, torch.nn.functional.fold): dx (B·C·H·W) += the sum, over
   * every entry of cols (C·kh·kw, B·outH·outW), of that entry added at the x position it was
   * read from (entries that came from the padding are dropped).
   */
  col2im<T extends FloatArray>(cols: Matrix<T>, shape: Im2colShape, dx: T): void;

  /**
   * Max pooling of a NCHW batch x (B·C·H·W) with the window geometry of `shape` (kernel,
   * stride, zero padding, dilation; `shape.channels` = C): y (B·C·outH·outW) = the maximum
   * over each window, padding counting as −∞; argmax (same length) = the flat index into x
   * of that maximum (the first in window order, u then v; a NaN wins and propagates), or −1
   * (and y = −∞) for a window lying entirely in the padding.
   */
  maxPool<T extends FloatArray>(x: T, shape: Im2colShape, y: T, argmax: Int32Array): void;

  /**
   * Max pooling's adjoint: dx[argmax[k]] += dy[k] for every k with argmax[k] ≥ 0, in
   * increasing k (overlapping windows add in that order). argmax comes from maxPool; an
   * index past dx is an error (checked before anything is written). With `gate` (dx's
   * length), only where gate[argmax[k]] is not ≤ 0: relu's derivative at the pooled input
   * (0 for z ≤ 0, else 1, NaN included, as activationBackward), so that ReLU → max pool
   * backpropagates in one pass into a zeroed dx — the same sums, in the same order, as
   * maxPoolBackward into a zeroed dPost followed by activationBackward.
   */
  maxPoolBackward<T extends FloatArray>(dy: T, argmax: Int32Array, dx: T, gate?: T | null): void;

  /**
   * dst ← src with its (rows, cols) grid of blocks transposed, each block being `block`
   * contiguous elements: dst[(j·rows + i)·block + t] = src[(i·cols + j)·block + t]. E.g.
   * NCHW (B, C, H·W) ↔ channel-major (C, B, H·W), the layout of im2col + gemm outputs.
   */
  transposeBlocks<T extends FloatArray>(src: T, rows: number, cols: number, block: number, dst: T): void;

  /** Threads used by the kernels (OpenBLAS threads for native; always 1 for portable). */
  numThreads(): number;
  setNumThreads(n: number): void;
}
