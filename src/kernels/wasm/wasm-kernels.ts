/**
 * The WebAssembly kernel set: f32 gemm (SIMD, cache-blocked; wasm/gemm.ts) and the
 * element-wise kernels of a training step (wasm/elementwise.ts) run in the module; float64
 * work, gemmBatch, gelu, im2col/col2im, maxPool(Backward), transposeBlocks and the factorisations (eigh, svd, solves)
 * delegate to the portable kernels,
 * which define the semantics for all three sets.
 *
 * The module works on its own linear memory, so every call copies its operands in and its
 * outputs out (O(size) against the O(m·n·k) of a gemm). Argument checks are the shared ones
 * (checks.ts): same errors, same messages as the other sets.
 */
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import { checkActivationBackward, checkActivationForward, checkGemm, checkRowVector, checkSgdStep } from "../checks.js";
import { ACTIVATION_NAMES, type ActivationName, type GemmOptions, type Kernels, type SgdCoefficients } from "../kernels.js";
import { portableKernels } from "../portable/index.js";

/** The functions the module exports (byte offsets into its memory). */
export interface WasmKernelExports {
  memory: WebAssembly.Memory;
  gemmPackBytes(): number;
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, alpha: number, beta: number, pack: number): void;
  activationForward(kind: number, x: number, y: number, n: number): number;
  activationBackward(kind: number, x: number, y: number, g: number, d: number, n: number): number;
  addRowVector(y: number, b: number, rows: number, cols: number): void;
  addColumnSums(g: number, db: number, rows: number, cols: number): void;
  sgdStep(p: number, g: number, buf: number, n: number, lr: number, mu: number, scale: number, wd: number, mode: number): void;
}

/** Regions of the module's memory past its static data, laid out per call; grows as needed. */
class Workspace {
  private readonly base: number;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.base = memory.buffer.byteLength;
  }

  /** Byte offsets of consecutive 16-byte-aligned regions of the given float counts. */
  layout(floats: readonly number[]): number[] {
    let end = this.base;
    const offsets = floats.map((n) => {
      const at = end;
      end += Math.ceil((n * 4) / 16) * 16;
      return at;
    });
    const missing = end - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    return offsets;
  }

  /** A view of `n` floats at `offset` (a fresh view: growing detaches the old buffer). */
  view(offset: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, n);
  }

  put(offset: number, data: Float32Array): void {
    this.view(offset, data.length).set(data);
  }

  take(offset: number, into: Float32Array): void {
    into.set(this.view(offset, into.length));
  }
}

const GELU = ACTIVATION_NAMES.indexOf("gelu");
const NO_OPTIONS: GemmOptions = Object.freeze({});

function isF32(...xs: (FloatArray | null)[]): boolean {
  return xs.every((x) => x === null || x instanceof Float32Array);
}

/** The Kernels over an instantiated module (see load.ts). */
export function createWasmKernels(wasm: WasmKernelExports): Kernels {
  const ws = new Workspace(wasm.memory);
  const packFloats = wasm.gemmPackBytes() / 4;

  function gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options: GemmOptions = NO_OPTIONS): void {
    if (!isF32(a.data, b.data, c.data)) return portableKernels.gemm(a, b, c, options);
    const transA = options.transA ?? false;
    const transB = options.transB ?? false;
    const alpha = options.alpha ?? 1;
    const beta = options.beta ?? 0;
    checkGemm(a, b, c, transA, transB, alpha, beta);
    const k = transA ? a.rows : a.cols;
    const [pa, pb, pc, pp] = ws.layout([a.data.length, b.data.length, c.data.length, packFloats]);
    ws.put(pa, a.data as Float32Array);
    ws.put(pb, b.data as Float32Array);
    if (beta !== 0) ws.put(pc, c.data as Float32Array);
    wasm.gemm(pa, pb, pc, c.rows, c.cols, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, pp);
    ws.take(pc, c.data as Float32Array);
  }

  function activationForward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>): void {
    const kind = ACTIVATION_NAMES.indexOf(name);
    if (kind === GELU || !isF32(pre.data, post.data)) return portableKernels.activationForward(name, pre, post);
    checkActivationForward(name, pre, post);
    const n = pre.data.length;
    const [px, py] = ws.layout([n, n]);
    ws.put(px, pre.data as Float32Array);
    wasm.activationForward(kind, px, post.data === pre.data ? px : py, n);
    ws.take(post.data === pre.data ? px : py, post.data as Float32Array);
  }

  function activationBackward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>, dPost: Matrix<T>, dPre: Matrix<T>): void {
    const kind = ACTIVATION_NAMES.indexOf(name);
    if (kind === GELU || !isF32(pre.data, post.data, dPost.data, dPre.data)) return portableKernels.activationBackward(name, pre, post, dPost, dPre);
    checkActivationBackward(name, pre, post, dPost, dPre);
    const n = pre.data.length;
    const [px, py, pg, pd] = ws.layout([n, n, n, n]);
    ws.put(px, pre.data as Float32Array);
    ws.put(py, post.data as Float32Array);
    ws.put(pg, dPost.data as Float32Array);
    ws.put(pd, dPre.data as Float32Array);
    wasm.activationBackward(kind, px, py, pg, pd, n);
    ws.take(pd, dPre.data as Float32Array);
  }

  function addRowVector<T extends FloatArray>(y: Matrix<T>, b: T): void {
    if (!isF32(y.data, b)) return portableKernels.addRowVector(y, b);
    checkRowVector("addRowVector", y, "Y", b, "b");
    const [py, pb] = ws.layout([y.data.length, b.length]);
    ws.put(py, y.data as Float32Array);
    ws.put(pb, b as Float32Array);
    wasm.addRowVector(py, pb, y.rows, y.cols);
    ws.take(py, y.data as Float32Array);
  }

  function addColumnSums<T extends FloatArray>(dY: Matrix<T>, db: T): void {
    if (!isF32(dY.data, db)) return portableKernels.addColumnSums(dY, db);
    checkRowVector("addColumnSums", dY, "dY", db, "db");
    const [pg, pb] = ws.layout([dY.data.length, db.length]);
    ws.put(pg, dY.data as Float32Array);
    ws.put(pb, db as Float32Array);
    wasm.addColumnSums(pg, pb, dY.rows, dY.cols);
    ws.take(pb, db as Float32Array);
  }

  function sgdStep<T extends FloatArray>(p: T, grad: T, buf: T | null, c: SgdCoefficients): void {
    if (!isF32(p, grad, buf)) return portableKernels.sgdStep(p, grad, buf, c);
    checkSgdStep(p, grad, buf, c);
    const n = p.length;
    const [pp, pg, pbuf] = ws.layout([n, n, buf === null ? 0 : n]);
    ws.put(pp, p as Float32Array);
    ws.put(pg, grad as Float32Array);
    if (buf !== null) ws.put(pbuf, buf as Float32Array);
    wasm.sgdStep(pp, pg, pbuf, n, c.lr, c.momentum, c.gradScale, c.weightDecay, buf === null ? 0 : c.nesterov ? 2 : 1);
    ws.take(pp, p as Float32Array);
    if (buf !== null) ws.take(pbuf, buf as Float32Array);
  }

  return {
    name: "wasm",
    gemm,
    gemmBatch: portableKernels.gemmBatch,
    syrk: portableKernels.syrk,
    eigh: portableKernels.eigh,
    svd: portableKernels.svd,
    choleskySolve: portableKernels.choleskySolve,
    solve: portableKernels.solve,
    im2col: portableKernels.im2col,
    col2im: portableKernels.col2im,
    maxPool: portableKernels.maxPool,
    maxPoolBackward: portableKernels.maxPoolBackward,
    transposeBlocks: portableKernels.transposeBlocks,
    activationForward,
    activationBackward,
    addRowVector,
    addColumnSums,
    sgdStep,
    numThreads: () => 1,
    setNumThreads: portableKernels.setNumThreads,
  };
}
