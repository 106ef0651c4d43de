/**
 * Small float64 helpers shared by the growth math: products that tolerate zero-sized
 * dimensions (growth from zero hidden width produces (n, 0) matrices, which some BLAS
 * builds reject), column splits and joins, transposes, norms and finiteness checks.
 * Everything here is pure: inputs are never modified, results are fresh matrices.
 */
import { NumericalError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/** op(A) · op(B) through `kernels.gemm`; empty products are answered without calling the kernel. */
export function matmul(kernels: Kernels, a: Matrix64, b: Matrix64, options: MatmulOptions = {}): Matrix64 {
  const m = options.transA ? a.cols : a.rows;
  const k = options.transA ? a.rows : a.cols;
  const kb = options.transB ? b.cols : b.rows;
  const n = options.transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new ShapeError("matmul", "inner dimensions to agree", `${options.transA ? "Aᵀ" : "A"} of ${a.shape} and ${options.transB ? "Bᵀ" : "B"} of ${b.shape}`);
  }
  const c = zeros64(m, n);
  if (m === 0 || n === 0 || k === 0) return c;
  kernels.gemm(a, b, c, { transA: options.transA ?? false, transB: options.transB ?? false });
  return c;
}

export function transpose(a: Matrix64): Matrix64 {
  const t = zeros64(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** Columns [from, to) of `a`, as a copy: (rows, to − from). */
export function sliceColumns(a: Matrix64, from: number, to: number): Matrix64 {
  const out = zeros64(a.rows, to - from);
  for (let i = 0; i < a.rows; i++) for (let j = from; j < to; j++) out.data[i * out.cols + j - from] = a.data[i * a.cols + j];
  return out;
}

/** Column `j` of `a`, (rows). */
export function column(a: Matrix64, j: number): Float64Array {
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) out[i] = a.data[i * a.cols + j];
  return out;
}

/** [A | B]: the columns of B appended after those of A (same number of rows). */
export function concatColumns(a: Matrix64, b: Matrix64): Matrix64 {
  if (a.rows !== b.rows) throw new ShapeError("concatColumns", `B with ${a.rows} rows`, `B of shape ${b.shape}`);
  const out = zeros64(a.rows, a.cols + b.cols);
  for (let i = 0; i < a.rows; i++) {
    out.data.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * out.cols);
    out.data.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * out.cols + a.cols);
  }
  return out;
}

/** [A ; B]: the rows of B appended after those of A (same number of columns). */
export function concatRows(a: Matrix64, b: Matrix64): Matrix64 {
  if (a.cols !== b.cols) throw new ShapeError("concatRows", `B with ${a.cols} columns`, `B of shape ${b.shape}`);
  const data = new Float64Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data, a.data.length);
  return new Matrix(a.rows + b.rows, a.cols, data);
}

/** All the matrices' rows stacked in order (each with `cols` columns). */
export function stackRows(parts: readonly Matrix64[], cols: number): Matrix64 {
  let rows = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new ShapeError("stackRows", `parts with ${cols} columns`, `a part of shape ${p.shape}`);
    rows += p.rows;
  }
  const data = new Float64Array(rows * cols);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return new Matrix(rows, cols, data);
}

/** X̃ = [X | 1] when `withOnes`, else a float64 copy of X: (n, d + 1) or (n, d). */
export function augmentWithOnes(x: Matrix64, withOnes: boolean): Matrix64 {
  if (!withOnes) return x.clone();
  const out = zeros64(x.rows, x.cols + 1);
  for (let i = 0; i < x.rows; i++) {
    out.data.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), i * out.cols);
    out.data[i * out.cols + x.cols] = 1;
  }
  return out;
}

/** αA + βB, element-wise (same shapes). */
export function linearCombination(alpha: number, a: Matrix64, beta: number, b: Matrix64): Matrix64 {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError("linearCombination", `B of shape ${a.shape}`, `B of shape ${b.shape}`);
  const out = zeros64(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = alpha * a.data[i] + beta * b.data[i];
  return out;
}

export function scale(a: Matrix64, factor: number): Matrix64 {
  const out = zeros64(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = factor * a.data[i];
  return out;
}

/** ‖A‖_F = sqrt(Σ a_ij²). */
export function frobeniusNorm(a: Matrix64): number {
  let s = 0;
  for (const v of a.data) s += v * v;
  return Math.sqrt(s);
}

/** tr(A) for square A. */
export function trace(a: Matrix64): number {
  if (a.rows !== a.cols) throw new ShapeError("trace", "a square matrix", `A of shape ${a.shape}`);
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += a.data[i * a.cols + i];
  return s;
}

/** tr(A B) for A (m, k), B (k, m), without forming the product. */
export function traceOfProduct(a: Matrix64, b: Matrix64): number {
  if (a.cols !== b.rows || a.rows !== b.cols) throw new ShapeError("traceOfProduct", `B of shape (${a.cols}, ${a.rows})`, `B of shape ${b.shape}`);
  let s = 0;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j] * b.data[j * b.cols + i];
  return s;
}

/** Throws NumericalError naming `op`, the matrix and the first non-finite entry. */
export function requireFinite(op: string, name: string, a: Matrix64 | Float64Array): void {
  const data = a instanceof Matrix ? a.data : a;
  const cols = a instanceof Matrix ? a.cols : data.length;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const where = a instanceof Matrix ? `(${Math.floor(i / Math.max(cols, 1))}, ${i % Math.max(cols, 1)})` : `[${i}]`;
      throw new NumericalError(op, `${name} has a non-finite entry (${data[i]}) at ${where}`);
    }
  }
}

/** Throws ShapeError unless `a` is square. */
export function requireSquare(op: string, name: string, a: Matrix64): number {
  if (a.rows !== a.cols) throw new ShapeError(op, `${name} square`, `${name} of shape ${a.shape}`);
  return a.rows;
}
