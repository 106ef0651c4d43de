/**
 * Running a piece of work with one OpenBLAS thread. BLAS results depend on the thread count
 * (another partition of the sums), and pool workers run one thread each, so everything whose
 * result a pooled run must reproduce bit for bit runs with one thread in the main thread too;
 * LAPACK's solves of the step's sizes also gain nothing from a second thread. The count is
 * process-wide and only the main thread changes it (contract in node/pool.ts).
 */
import type { Kernels } from "./kernels.js";

/** `f()` with the kernels' BLAS thread count set to 1, restored afterwards (after the promise settles, for an async `f`). */
export function onOneBlasThread<R>(kernels: Kernels, f: () => R): R {
  const threads = kernels.numThreads();
  kernels.setNumThreads(1);
  let settlesLater = false;
  try {
    const result = f();
    if (result instanceof Promise) {
      settlesLater = true;
      return result.finally(() => kernels.setNumThreads(threads)) as R;
    }
    return result;
  } finally {
    if (!settlesLater) kernels.setNumThreads(threads);
  }
}
