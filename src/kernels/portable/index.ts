// PLACEHOLDER (being written by the portable-kernels helper): naive gemm only for now.
import type { Kernels } from "../kernels.js";
import { checkGemm } from "../checks.js";
import type { FloatArray, Matrix } from "../../tensor/matrix.js";

function gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options = {}): void {
  const { m, n, k, transA, transB, alpha, beta } = checkGemm(a, b, c, options);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a.data[p * a.cols + i] : a.data[i * a.cols + p];
        const bv = transB ? b.data[j * b.cols + p] : b.data[p * b.cols + j];
        s += av * bv;
      }
      c.data[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c.data[i * n + j]);
    }
  }
}

const notYet = (): never => {
  throw new Error("portable kernel not implemented yet");
};

export const portableKernels: Kernels = {
  name: "portable",
  gemm,
  eigh: notYet,
  svd: notYet,
  choleskySolve: notYet,
  solve: notYet,
  numThreads: () => 1,
  setNumThreads: () => {},
};
