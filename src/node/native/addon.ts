/**
 * Locating and loading build/Release/tinygrow.node, and the shape of what it exports.
 * Nothing here validates matrix arguments: that is `native-kernels.ts`'s job.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Relative to the package root; also the "not found" reason, so keep it short. */
export const ADDON_PATH = "build/Release/tinygrow.node";

/**
 * The addon's functions (native/*.cc). Matrices are row-major typed arrays; outputs are
 * caller-allocated. LAPACK routines return their `info` (0 = success) instead of throwing;
 * bad argument types or lengths throw a TypeError.
 */
export interface NativeAddon {
  /** C (m, n) = alpha · op(A) · op(B) + beta · C with leading dimensions lda, ldb, ldc. */
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  dgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float64Array, lda: number, b: Float64Array, ldb: number, beta: number, c: Float64Array, ldc: number): void;
  /** For p = 0 … count − 1: C_p = alpha op(A_p) op(B_p) + beta C_p, X_p at X[offX + p·strideX] with leading dimension ldX (Kernels.gemmBatch). */
  sgemmBatch(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, offA: number, lda: number, strideA: number, b: Float32Array, offB: number, ldb: number, strideB: number, beta: number, c: Float32Array, offC: number, ldc: number, strideC: number, count: number): void;
  dgemmBatch(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float64Array, offA: number, lda: number, strideA: number, b: Float64Array, offB: number, ldb: number, strideB: number, beta: number, c: Float64Array, offC: number, ldc: number, strideC: number, count: number): void;
  /** The upper triangle of C (n, n) = alpha · A·Aᵀ (trans: AᵀA) + beta · C by BLAS syrk, mirrored into the lower. */
  ssyrk(trans: boolean, n: number, k: number, alpha: number, a: Float32Array, lda: number, beta: number, c: Float32Array, ldc: number): void;
  dsyrk(trans: boolean, n: number, k: number, alpha: number, a: Float64Array, lda: number, beta: number, c: Float64Array, ldc: number): void;
  /** A (n, n) → values (n) ascending, vectors (n, n) with eigenvectors as columns. */
  ssyevd(n: number, a: Float32Array, values: Float32Array, vectors: Float32Array): number;
  dsyevd(n: number, a: Float64Array, values: Float64Array, vectors: Float64Array): number;
  /** A (m, n) → U (m, r), S (r), VT (r, n), r = min(m, n). */
  sgesdd(m: number, n: number, a: Float32Array, u: Float32Array, s: Float32Array, vt: Float32Array): number;
  dgesdd(m: number, n: number, a: Float64Array, u: Float64Array, s: Float64Array, vt: Float64Array): number;
  /** potrf + potrs: A (n, n) SPD, B and X (n, r); returns potrf's info. */
  sposv(n: number, r: number, a: Float32Array, b: Float32Array, x: Float32Array): number;
  dposv(n: number, r: number, a: Float64Array, b: Float64Array, x: Float64Array): number;
  /** LU with partial pivoting: A (n, n), B and X (n, r). */
  sgesv(n: number, r: number, a: Float32Array, b: Float32Array, x: Float32Array): number;
  dgesv(n: number, r: number, a: Float64Array, b: Float64Array, x: Float64Array): number;
  /** post (n) = σ(pre (n)); `code` is the activation's index in ACTIVATION_NAMES. post may be pre. */
  sactivationForward(code: number, n: number, pre: Float32Array, post: Float32Array): void;
  dactivationForward(code: number, n: number, pre: Float64Array, post: Float64Array): void;
  /** dPre (n) += σ'(pre) ⊙ dPost. */
  sactivationBackward(code: number, n: number, pre: Float32Array, post: Float32Array, dPost: Float32Array, dPre: Float32Array): void;
  dactivationBackward(code: number, n: number, pre: Float64Array, post: Float64Array, dPost: Float64Array, dPre: Float64Array): void;
  /** Y (rows, cols) += 1 · bᵀ. */
  saddRowVector(rows: number, cols: number, y: Float32Array, b: Float32Array): void;
  daddRowVector(rows: number, cols: number, y: Float64Array, b: Float64Array): void;
  /** db (cols) += 1ᵀ · dY (rows, cols). */
  saddColumnSums(rows: number, cols: number, dY: Float32Array, db: Float32Array): void;
  daddColumnSums(rows: number, cols: number, dY: Float64Array, db: Float64Array): void;
  /**
   * One SGD update of p (n) (see SgdCoefficients in kernels.ts); buf null: no momentum.
   * `coefficients` is [lr, momentum, gradScale, weightDecay] (a typed array, so no number
   * is boxed per call).
   */
  ssgdStep(n: number, p: Float32Array, grad: Float32Array, buf: Float32Array | null, coefficients: Float64Array, nesterov: boolean): void;
  dsgdStep(n: number, p: Float64Array, grad: Float64Array, buf: Float64Array | null, coefficients: Float64Array, nesterov: boolean): void;
  /**
   * Patches of a NCHW batch into cols (C·kh·kw, B·outH·outW) (see Kernels.im2col); `shape`
   * holds the 14 Im2colShape fields in the order of IM2COL_FIELDS (checks.ts).
   */
  sim2col(shape: Int32Array, x: Float32Array, cols: Float32Array): void;
  dim2col(shape: Int32Array, x: Float64Array, cols: Float64Array): void;
  /** dx += fold(cols), the adjoint of im2col. */
  scol2im(shape: Int32Array, cols: Float32Array, dx: Float32Array): void;
  dcol2im(shape: Int32Array, cols: Float64Array, dx: Float64Array): void;
  /** Max pooling with the window geometry of `shape` (see Kernels.maxPool). */
  smaxPool(shape: Int32Array, x: Float32Array, y: Float32Array, argmax: Int32Array): void;
  dmaxPool(shape: Int32Array, x: Float64Array, y: Float64Array, argmax: Int32Array): void;
  /** dx[argmax[k]] += dy[k] (argmax[k] ≥ 0; where gate is not ≤ 0 when given); returns −1, or the first k whose index is outside [−1, dx.length) (then nothing is written). */
  smaxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array, gate: Float32Array | null): number;
  dmaxPoolBackward(dy: Float64Array, argmax: Int32Array, dx: Float64Array, gate: Float64Array | null): number;
  /** dst ← src with its (rows, cols) grid of `block`-element blocks transposed. */
  stransposeBlocks(rows: number, cols: number, block: number, src: Float32Array, dst: Float32Array): void;
  dtransposeBlocks(rows: number, cols: number, block: number, src: Float64Array, dst: Float64Array): void;
  numThreads(): number;
  setNumThreads(n: number): void;
  /** openblas_get_config() and openblas_get_corename(). */
  config(): { config: string; core: string };
}

const REQUIRED: readonly (keyof NativeAddon)[] = [
  "sgemm", "dgemm", "sgemmBatch", "dgemmBatch", "ssyrk", "dsyrk", "ssyevd", "dsyevd", "sgesdd", "dgesdd", "sposv", "dposv", "sgesv", "dgesv",
  "sactivationForward", "dactivationForward", "sactivationBackward", "dactivationBackward",
  "saddRowVector", "daddRowVector", "saddColumnSums", "daddColumnSums", "ssgdStep", "dsgdStep",
  "sim2col", "dim2col", "scol2im", "dcol2im", "smaxPool", "dmaxPool", "smaxPoolBackward", "dmaxPoolBackward", "stransposeBlocks", "dtransposeBlocks",
  "numThreads", "setNumThreads", "config",
];

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

/** The nearest folder at or above `start` holding a package.json. */
export function findPackageRoot(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** Loads the addon from the package root (by default the one holding this file). */
export function loadAddon(root = findPackageRoot(dirname(fileURLToPath(import.meta.url)))): AddonLoad {
  if (root === null) return { ok: false, reason: "package root (package.json) not found" };
  const path = join(root, ADDON_PATH);
  if (!existsSync(path)) return { ok: false, reason: `${ADDON_PATH} not found` };
  let addon: Partial<NativeAddon>;
  try {
    addon = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const missing = REQUIRED.filter((name) => typeof addon[name] !== "function");
  if (missing.length > 0) return { ok: false, reason: `${ADDON_PATH} is out of date (missing ${missing.join(", ")})` };
  return { ok: true, addon: addon as NativeAddon, path };
}
