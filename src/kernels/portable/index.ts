/**
 * The portable kernel set: pure TypeScript, single-threaded, and the reference semantics
 * for the native set (the parity tests hold OpenBLAS/LAPACK to these results).
 *
 *   gemm           cache-blocked, packed, 4×4 register micro-kernel        gemm.ts
 *   gemmBatch      gemm on each matrix of strided batches (same blocking)    gemm.ts
 *   syrk           gemm of A·Aᵀ (the reference semantics; no triangle saved) gemm.ts
 *   eigh           Householder tridiagonalisation + implicit QL (tred2/tql2) eigh.ts
 *   svd            one-sided Jacobi (Hestenes, dgesvj ordering)             svd.ts
 *   choleskySolve  Cholesky–Banachiewicz, potrf/potrs semantics            cholesky.ts
 *   solve          LU with partial pivoting, gesv semantics                lu.ts
 *   activationForward, activationBackward   the 7 activations         activation.ts
 *   addRowVector, addColumnSums, sgdStep    bias add/gradient, SGD    elementwise.ts
 *   im2col, col2im                          conv patches unfold/fold  im2col.ts
 *   maxPool, maxPoolBackward, transposeBlocks   pooling, NCHW ↔ (C, B·L)   pooling.ts
 *
 * The factorisations compute in float64 whatever the input type and return results of the
 * input's element type.
 */
import type { Kernels } from "../kernels.js";
import { activationBackward, activationForward } from "./activation.js";
import { choleskySolve } from "./cholesky.js";
import { eigh } from "./eigh.js";
import { addColumnSums, addRowVector, sgdStep } from "./elementwise.js";
import { gemm, gemmBatch, syrk } from "./gemm.js";
import { col2im, im2col } from "./im2col.js";
import { maxPool, maxPoolBackward, transposeBlocks } from "./pooling.js";
import { solve } from "./lu.js";
import { svd } from "./svd.js";

export const portableKernels: Kernels = {
  name: "portable",
  gemm,
  gemmBatch,
  syrk,
  eigh,
  svd,
  choleskySolve,
  solve,
  activationForward,
  activationBackward,
  addRowVector,
  addColumnSums,
  sgdStep,
  im2col,
  col2im,
  maxPool,
  maxPoolBackward,
  transposeBlocks,
  numThreads: () => 1,
  setNumThreads: (n: number) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected an integer ≥ 1, got ${n}`);
  },
};
