/**
 * Dense row-major matrices. One class, two element types kept apart by the type parameter:
 * `Matrix32` (Float32Array) for the network, `Matrix64` (Float64Array) for statistics and
 * small linear algebra. Passing a Matrix32 where a Matrix64 is expected is a compile error.
 */
import { ShapeError } from "../errors.js";

export type FloatArray = Float32Array | Float64Array;

export class Matrix<T extends FloatArray = FloatArray> {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: T,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ShapeError("Matrix", "non-negative integer dimensions", `(${rows}, ${cols})`);
    }
    if (data.length !== rows * cols) {
      throw new ShapeError("Matrix", `data of length ${rows}*${cols}=${rows * cols}`, `length ${data.length}`);
    }
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  get shape(): string {
    return `(${this.rows}, ${this.cols})`;
  }

  /** A copy with the same element type. */
  clone(): Matrix<T> {
    return new Matrix(this.rows, this.cols, this.data.slice() as T);
  }

  /** The first `rows` rows, sharing storage (no copy): used for a short last mini-batch. */
  topRows(rows: number): Matrix<T> {
    if (rows > this.rows) throw new ShapeError("Matrix.topRows", `at most ${this.rows} rows`, `${rows}`);
    return new Matrix(rows, this.cols, this.data.subarray(0, rows * this.cols) as T);
  }

  /** Nested arrays, row by row (for JSON and tests). */
  toArrays(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }
}

export type Matrix32 = Matrix<Float32Array>;
export type Matrix64 = Matrix<Float64Array>;

export function zeros32(rows: number, cols: number): Matrix32 {
  return new Matrix(rows, cols, new Float32Array(rows * cols));
}

export function zeros64(rows: number, cols: number): Matrix64 {
  return new Matrix(rows, cols, new Float64Array(rows * cols));
}

/** A zero matrix with the same element type as `like`. */
export function zerosLike<T extends FloatArray>(like: Matrix<T>, rows = like.rows, cols = like.cols): Matrix<T> {
  const Ctor = like.data.constructor as new (n: number) => T;
  return new Matrix(rows, cols, new Ctor(rows * cols));
}

function fromArraysInto<T extends FloatArray>(rows: readonly (readonly number[])[], make: (n: number) => T, op: string): Matrix<T> {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const data = make(r * c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new ShapeError(op, `${c} entries in every row`, `${rows[i].length} in row ${i}`);
    for (let j = 0; j < c; j++) data[i * c + j] = rows[i][j];
  }
  return new Matrix(r, c, data);
}

export function fromArrays32(rows: readonly (readonly number[])[]): Matrix32 {
  return fromArraysInto(rows, (n) => new Float32Array(n), "fromArrays32");
}

export function fromArrays64(rows: readonly (readonly number[])[], cols?: number): Matrix64 {
  if (rows.length === 0 && cols !== undefined) return zeros64(0, cols);
  return fromArraysInto(rows, (n) => new Float64Array(n), "fromArrays64");
}

export function toFloat64(m: Matrix32 | Matrix64): Matrix64 {
  return new Matrix(m.rows, m.cols, Float64Array.from(m.data));
}

export function toFloat32(m: Matrix32 | Matrix64): Matrix32 {
  return new Matrix(m.rows, m.cols, Float32Array.from(m.data));
}

/** Throws a ShapeError naming `op` unless `m` is (rows, cols); -1 accepts any size. */
export function expectShape(op: string, name: string, m: Matrix, rows: number, cols: number): void {
  if ((rows >= 0 && m.rows !== rows) || (cols >= 0 && m.cols !== cols)) {
    const want = `(${rows < 0 ? "*" : rows}, ${cols < 0 ? "*" : cols})`;
    throw new ShapeError(op, `${name} of shape ${want}`, `${name} of shape ${m.shape}`);
  }
}
