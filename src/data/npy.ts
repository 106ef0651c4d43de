/**
 * NumPy .npy arrays (format versions 1.0, 2.0, 3.0): the header, and rows of
 * float32/float64/(u)int8/16/32/64 or bool values decoded to float32. Platform-free: the
 * Node adapter reads the file in pieces and hands the bytes here. A 2-D array may be in C
 * order (row after row) or Fortran order (column after column: what pandas' `to_numpy()`
 * and many numpy operations give); a reader of Fortran order decodes each column's segment
 * into every `cols`-th value of the row-major output (decodeNpyValues' `outStride`).
 *
 *   magic "\x93NUMPY", major, minor, header length (uint16 LE for 1.x, uint32 LE for 2.x/3.x),
 *   then a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }
 *   padded with spaces to a multiple of 64 bytes and ending with "\n".
 */
import { DataError } from "../errors.js";
import type { ColumnSpec, TableResult } from "./table.js";

export interface NpyHeader {
  /** NumPy type string, e.g. "<f4". */
  descr: string;
  /** Bytes per element. */
  itemSize: number;
  littleEndian: boolean;
  kind: "f" | "i" | "u" | "b";
  shape: number[];
  /** Column-major (Fortran) element order; C (row-major) order when false. */
  fortranOrder: boolean;
  /** Offset of the first data byte. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Bytes needed to read the header: the first 12 tell its length (see npyHeaderLength). */
export const NPY_PREAMBLE_BYTES = 12;

/** Total header length (preamble + dict) from the first bytes. */
export function npyHeaderLength(bytes: Uint8Array, file: string): number {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new DataError(file, "not a NumPy .npy file (the magic string \\x93NUMPY is missing)", 0);
  const major = bytes[6];
  if (major === 1) return 10 + (bytes[8] | (bytes[9] << 8));
  if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(file, "truncated .npy header", bytes.length);
    return 12 + (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
  }
  throw new DataError(file, `.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`, 6);
}

/** Parses the header; `bytes` must hold at least npyHeaderLength(bytes) bytes. */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const length = npyHeaderLength(bytes, file);
  if (bytes.length < length) throw new DataError(file, `truncated .npy header: ${bytes.length} bytes, the header says ${length}`, bytes.length);
  const start = bytes[6] === 1 ? 10 : 12;
  const text = new TextDecoder(bytes[6] === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, length));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new DataError(file, `malformed .npy header: ${JSON.stringify(text.trim())}`, start);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataError(file, `malformed .npy shape (${shapeText})`, start);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const supported = "float32/float64 (<f4, <f8), signed or unsigned integers of 1–8 bytes, bool";
  if (m === null) throw new DataError(file, `unsupported .npy dtype "${descr}" (supported: ${supported})`, start);
  const kind = m[2] as NpyHeader["kind"];
  const itemSize = Number(m[3]);
  const ok = kind === "f" ? itemSize === 4 || itemSize === 8 : kind === "b" ? itemSize === 1 : [1, 2, 4, 8].includes(itemSize);
  if (!ok) throw new DataError(file, `unsupported .npy dtype "${descr}" (supported: ${supported})`, start);
  return { descr, itemSize, littleEndian: m[1] !== ">", kind, shape, fortranOrder: fortran === "True", dataOffset: length };
}

/** (rows, cols) of a 1-D (n → n × 1) or 2-D array; DataError otherwise. */
export function npyMatrixShape(h: NpyHeader, file: string): { rows: number; cols: number } {
  if (h.shape.length === 1) return { rows: h.shape[0], cols: 1 };
  if (h.shape.length === 2) return { rows: h.shape[0], cols: h.shape[1] };
  throw new DataError(file, `expected a 1-D or 2-D array (rows × columns), got shape (${h.shape.join(", ")})`);
}

/**
 * Decodes `count` elements from `bytes` (starting at 0) into `out` at `outOffset`,
 * `outOffset + outStride`, …, as float32 (`outStride` > 1: one column of row-major rows).
 */
export function decodeNpyValues(h: NpyHeader, bytes: Uint8Array, count: number, out: Float32Array, outOffset: number, outStride = 1): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = h.littleEndian;
  const s = h.itemSize;
  for (let i = 0; i < count; i++) {
    const at = i * s;
    let v: number;
    if (h.kind === "f") v = s === 4 ? view.getFloat32(at, le) : view.getFloat64(at, le);
    else if (h.kind === "b") v = view.getUint8(at) !== 0 ? 1 : 0;
    else if (h.kind === "i") v = s === 1 ? view.getInt8(at) : s === 2 ? view.getInt16(at, le) : s === 4 ? view.getInt32(at, le) : Number(view.getBigInt64(at, le));
    else v = s === 1 ? view.getUint8(at) : s === 2 ? view.getUint16(at, le) : s === 4 ? view.getUint32(at, le) : Number(view.getBigUint64(at, le));
    out[outOffset + i * outStride] = v;
  }
}

/**
 * The header of a C-order array of `shape` (version 1.0, default little-endian float32).
 * `length`: pad to exactly this many bytes (a multiple of 64), so that a streaming writer
 * can reserve the header and rewrite it with the final row count.
 */
export function encodeNpyHeader(shape: readonly number[], descr = "<f4", length?: number): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const natural = 10 + dict.length + 1;
  const total = length ?? natural + ((64 - (natural % 64)) % 64);
  if (total < natural || total % 64 !== 0) throw new RangeError(`encodeNpyHeader: ${total} bytes cannot hold the header (${natural} needed, a multiple of 64)`);
  dict += " ".repeat(total - natural) + "\n";
  const out = new Uint8Array(10 + dict.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = dict.length & 0xff;
  out[9] = dict.length >> 8;
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/**
 * A features array (n, d) and an optional targets array (n, T) as a table (table.ts layout:
 * features then targets per row): columns x0…x(d−1) and y (or y0…), or the schema's names.
 * Classification targets must be integers; they become the labels "0", "1", … (sorted
 * numerically), or the schema's classes. NaN features follow `missing` like a CSV field.
 */
export function npyTable(
  x: { values: Float32Array; rows: number; cols: number; file: string },
  y: { values: Float32Array; rows: number; cols: number; file: string } | null,
  options: { classification: boolean; missing: "error" | "drop" | "mean"; schema?: { features: readonly ColumnSpec[]; targets: readonly ColumnSpec[] }; firstRow?: number },
): TableResult {
  // Row numbers in messages count from `firstRow` (a block of a larger file).
  const at = (i: number): number => i + (options.firstRow ?? 0);
  const schemaFeatures = options.schema?.features;
  if (schemaFeatures !== undefined && schemaFeatures.length !== x.cols) {
    throw new DataError(x.file, `${x.cols} feature column(s), the model expects ${schemaFeatures.length} (${schemaFeatures.map((c) => c.name).join(", ")})`);
  }
  if (schemaFeatures?.some((c) => c.kind === "categorical")) throw new DataError(x.file, "the model has categorical columns: give its data as CSV");
  if (y !== null && y.rows !== x.rows) throw new DataError(y.file, `${y.rows} rows of targets for ${x.rows} rows of features (${x.file})`);
  if (y !== null && options.classification && y.cols !== 1) throw new DataError(y.file, `classification needs one target column, got ${y.cols}`);
  const features: ColumnSpec[] = schemaFeatures !== undefined ? schemaFeatures.map((c) => ({ ...c })) : Array.from({ length: x.cols }, (_, i) => ({ name: `x${i}`, kind: "numeric" as const }));
  const T = y?.cols ?? 0;
  let targets: ColumnSpec[] = [];
  let labelIndex: Map<number, number> | null = null;
  if (y !== null) {
    const names = options.schema?.targets.map((t) => t.name) ?? Array.from({ length: T }, (_, i) => (T === 1 ? "y" : `y${i}`));
    if (options.classification) {
      const known = options.schema?.targets[0];
      let classes: string[];
      if (known !== undefined && known.kind === "categorical") classes = known.categories;
      else {
        const seen = new Set<number>();
        for (let i = 0; i < y.rows; i++) {
          const v = y.values[i];
          if (!Number.isInteger(v)) throw new DataError(y.file, `row ${at(i)}: class label ${v} is not an integer`);
          seen.add(v);
        }
        classes = [...seen].sort((a, b) => a - b).map(String);
        if (classes.length < 2) throw new DataError(y.file, `a single class (${classes[0] ?? "none"}) in ${y.rows} rows: classification needs at least two`);
      }
      labelIndex = new Map(classes.map((c, i) => [Number(c), i]));
      targets = [{ name: names[0], kind: "categorical", categories: classes }];
    } else targets = names.map((name) => ({ name, kind: "numeric" as const }));
  }
  const stride = x.cols + T;
  const values = new Float32Array(x.rows * stride);
  let rows = 0;
  let dropped = 0;
  for (let i = 0; i < x.rows; i++) {
    let missing = false;
    for (let j = 0; j < x.cols; j++) {
      const v = x.values[i * x.cols + j];
      if (Number.isNaN(v)) {
        if (options.missing === "error") throw new DataError(x.file, `row ${at(i)}, column ${j}: missing value (NaN) (use --missing drop or --missing mean)`);
        missing = true;
      }
      values[rows * stride + j] = v;
    }
    for (let t = 0; t < T && y !== null; t++) {
      const v = y.values[i * T + t];
      if (Number.isNaN(v)) {
        if (options.missing !== "drop") throw new DataError(y.file, `row ${at(i)}, column ${t}: missing target (NaN) (drop such rows with --missing drop)`);
        missing = true;
      }
      if (labelIndex !== null && !missing) {
        const c = labelIndex.get(v);
        if (c === undefined) throw new DataError(y.file, `row ${at(i)}: class ${v} that the training data never had (known: ${[...labelIndex.keys()].join(", ")})`);
        values[rows * stride + x.cols + t] = c;
      } else values[rows * stride + x.cols + t] = v;
    }
    if (missing && options.missing === "drop") {
      dropped++;
      continue;
    }
    rows++;
  }
  if (rows === 0) throw new DataError(x.file, x.rows === 0 ? "the array has no rows" : `no rows left after dropping ${dropped} with missing values`);
  return { file: x.file, features, targets, rows, dropped, values: values.subarray(0, rows * stride) };
}
