/**
 * A .npy file on disk read in row blocks (Node adapter; the header and value decoding are
 * data/npy.ts): the header is read and checked against the file size when it is opened (a
 * truncated file fails before any row is used), then `readRows` decodes any range of rows
 * with positioned reads, so a file larger than memory can be predicted block by block. A
 * Fortran-order array is read the same way: a block is one positioned read per column (the
 * column's rows [start, start + count) are contiguous), placed into row-major rows.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { DataError } from "../errors.js";
import { decodeNpyValues, NPY_PREAMBLE_BYTES, npyHeaderLength, npyMatrixShape, parseNpyHeader, type NpyHeader } from "../data/npy.js";

/** Rows as float32, row-major. */
export interface NpyRows {
  values: Float32Array;
  rows: number;
  cols: number;
  file: string;
}

export class NpyFile {
  readonly rows: number;
  readonly cols: number;
  private readonly header: NpyHeader;
  private fd: number | null;

  constructor(readonly file: string) {
    if (!existsSync(file)) throw new DataError(file, "no such file");
    const fd = openSync(file, "r");
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new DataError(file, "not a file");
      const size = st.size;
      const preamble = this.read(fd, 0, Math.min(size, NPY_PREAMBLE_BYTES));
      const length = npyHeaderLength(preamble, file);
      this.header = parseNpyHeader(this.read(fd, 0, Math.min(size, length)), file);
      ({ rows: this.rows, cols: this.cols } = npyMatrixShape(this.header, file));
      const need = this.header.dataOffset + this.rows * this.cols * this.header.itemSize;
      if (size < need) throw new DataError(file, `truncated: the header promises ${this.rows}×${this.cols} values of ${this.header.itemSize} bytes (${need} bytes), the file has ${size}`, size);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
  }

  /** Rows [start, start + count) as float32. */
  readRows(start: number, count: number): NpyRows {
    if (this.fd === null) throw new Error(`NpyFile ${this.file}: read after close`);
    const n = Math.max(0, Math.min(count, this.rows - start));
    const { itemSize, dataOffset } = this.header;
    const values = new Float32Array(n * this.cols);
    if (this.header.fortranOrder && this.cols > 1) {
      // Column j holds elements (0, j) … (rows − 1, j) from byte dataOffset + j · rows · itemSize.
      for (let j = 0; j < this.cols; j++) {
        const bytes = this.read(this.fd, dataOffset + (j * this.rows + start) * itemSize, n * itemSize);
        decodeNpyValues(this.header, bytes, n, values, j, this.cols);
      }
    } else {
      const perRow = this.cols * itemSize;
      decodeNpyValues(this.header, this.read(this.fd, dataOffset + start * perRow, n * perRow), n * this.cols, values, 0);
    }
    return { values, rows: n, cols: this.cols, file: this.file };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private read(fd: number, position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const got = readSync(fd, out, done, length - done, position + done);
      if (got === 0) break;
      done += got;
    }
    return out.subarray(0, done);
  }
}

/** The whole 1-D or 2-D array as float32 (rows, cols). */
export function readNpyMatrix(path: string): NpyRows {
  const f = new NpyFile(path);
  try {
    return f.readRows(0, f.rows);
  } finally {
    f.close();
  }
}
