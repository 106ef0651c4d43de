/**
 * Argument validation shared by both kernel sets, done in TypeScript before any work (and
 * before crossing into native code). Each check throws a ShapeError naming the operation.
 */
import { ShapeError } from "../errors.js";
import type { FloatArray, Matrix } from "../tensor/matrix.js";
import type { GemmOptions } from "./kernels.js";

export interface GemmDims {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
}

function sameElementType(op: string, ...ms: Matrix[]): void {
  const t = ms[0].data.constructor;
  for (const m of ms) {
    if (m.data.constructor !== t) {
      throw new ShapeError(op, `all matrices of one element type (${t.name})`, m.data.constructor.name);
    }
  }
}

export function checkGemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, options: GemmOptions = {}): GemmDims {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  sameElementType("gemm", a, b, c);
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  const opA = `${transA ? "Aᵀ" : "A"} ${transA ? `(${a.cols}, ${a.rows})` : a.shape}`;
  const opB = `${transB ? "Bᵀ" : "B"} ${transB ? `(${b.cols}, ${b.rows})` : b.shape}`;
  if (k !== kb) throw new ShapeError("gemm", `inner dimensions to agree`, `${opA} · ${opB}`);
  if (c.rows !== m || c.cols !== n) throw new ShapeError("gemm", `C of shape (${m}, ${n}) for ${opA} · ${opB}`, `C ${c.shape}`);
  if (c.data === (a.data as FloatArray) || c.data === (b.data as FloatArray) || sharesBuffer(c, a) || sharesBuffer(c, b)) {
    throw new ShapeError("gemm", "C not aliasing A or B", "C sharing storage with an input");
  }
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new ShapeError("gemm", "finite alpha and beta", `alpha=${alpha}, beta=${beta}`);
  return { m, n, k, transA, transB, alpha, beta };
}

function sharesBuffer(x: Matrix, y: Matrix): boolean {
  if (x.data.buffer !== y.data.buffer || x.data.length === 0 || y.data.length === 0) return false;
  const x0 = x.data.byteOffset;
  const x1 = x0 + x.data.byteLength;
  const y0 = y.data.byteOffset;
  const y1 = y0 + y.data.byteLength;
  return x0 < y1 && y0 < x1;
}

export function checkSquare(op: string, a: Matrix): number {
  if (a.rows !== a.cols) throw new ShapeError(op, "a square matrix", `A ${a.shape}`);
  return a.rows;
}

export function checkSolve<T extends FloatArray>(op: string, a: Matrix<T>, b: Matrix<T>): void {
  sameElementType(op, a, b);
  const n = checkSquare(op, a);
  if (b.rows !== n) throw new ShapeError(op, `B with ${n} rows for A ${a.shape}`, `B ${b.shape}`);
}
