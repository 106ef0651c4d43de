/**
 * The IDX file format (LeCun's MNIST format), parsed from bytes (files and gzip: node/data/idx-files.ts).
 *
 *   bytes 0-1   0x00 0x00
 *   byte  2     element type: 0x08 = unsigned byte (the only one MNIST-like data uses)
 *   byte  3     rank r (1 for labels, 3 for images)
 *   bytes 4..   r big-endian uint32 dimensions, then prod(dims) elements, row-major
 *
 * So image files start with the magic number 0x00000803 and label files with 0x00000801.
 * Every check names the file and, where it applies, the byte offset; for a gzip file the
 * offset counts bytes of the decompressed content.
 */
import { DataError } from "../errors.js";

export const IDX_UBYTE = 0x08;
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** An IDX array of unsigned bytes: `data` holds prod(dims) elements, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface IdxImages {
  /** n. */
  count: number;
  rows: number;
  cols: number;
  /** (n, rows*cols) unsigned bytes, row-major. */
  pixels: Uint8Array;
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function hex32(n: number): string {
  return "0x" + (n >>> 0).toString(16).padStart(8, "0");
}

function kindOf(rank: number): string {
  return rank === 3 ? "images" : rank === 1 ? "labels" : `rank ${rank}`;
}

/**
 * Parses decompressed IDX bytes. `expectedRank` (1 labels, 3 images) is checked against the
 * magic number. The length must be exactly header + prod(dims): a short file is truncated,
 * a long one has trailing garbage; both are errors.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedRank?: number): IdxArray {
  const want = expectedRank === undefined ? "an IDX magic number 0x000008rr" : `magic ${hex32(0x800 + expectedRank)} (${kindOf(expectedRank)}: unsigned bytes, ${expectedRank} dimension${expectedRank === 1 ? "" : "s"})`;
  if (bytes.length < 4) throw new DataError(file, `truncated header: expected ${want}, but the file has only ${bytes.length} bytes`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(file, `not an IDX file: expected ${want}, got ${hex32(magic)}`, 0);
  const type = bytes[2];
  const rank = bytes[3];
  if (type !== IDX_UBYTE) {
    const name = TYPE_NAMES[type] ?? "unknown type";
    throw new DataError(file, `expected element type 0x08 (unsigned byte) in ${want}, got 0x${type.toString(16).padStart(2, "0")} (${name}) in ${hex32(magic)}`, 2);
  }
  if (expectedRank !== undefined && rank !== expectedRank) throw new DataError(file, `expected ${want}, got ${hex32(magic)} (${kindOf(rank)})`, 3);
  if (rank === 0) throw new DataError(file, `expected at least one dimension, got ${hex32(magic)}`, 3);
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw new DataError(file, `truncated header: expected ${rank} dimension sizes (${header} header bytes), the file ends after ${bytes.length}`, bytes.length);
  }
  const dims: number[] = [];
  for (let k = 0; k < rank; k++) dims.push(view.getUint32(4 + 4 * k, false));
  let size = 1;
  for (const d of dims) size *= d;
  if (!Number.isSafeInteger(size) || size > 2 ** 32) throw new DataError(file, `implausible dimensions ${dims.join("×")}`, 4);
  const expectedLength = header + size;
  if (bytes.length < expectedLength) {
    throw new DataError(
      file,
      `truncated: dimensions ${dims.join("×")} need ${size} data bytes (${expectedLength} in all), but the data ends after ${bytes.length - header}`,
      bytes.length,
    );
  }
  if (bytes.length > expectedLength) {
    throw new DataError(file, `${bytes.length - expectedLength} unexpected bytes after the ${dims.join("×")} data (expected ${expectedLength} bytes in all)`, expectedLength);
  }
  return { dims, data: bytes.subarray(header, expectedLength) };
}

/** Images from decompressed IDX bytes (magic 0x00000803); rows and cols must be positive. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const { dims, data } = parseIdx(bytes, file, 3);
  const [count, rows, cols] = dims;
  if (rows === 0 || cols === 0) throw new DataError(file, `expected images of at least 1×1 pixels, got ${rows}×${cols}`, 8);
  return { count, rows, cols, pixels: data };
}

/**
 * Labels from decompressed IDX bytes (magic 0x00000801). With `numClasses`, every label must
 * lie in 0..numClasses-1; the first one outside is reported with its index and byte offset.
 */
export function parseIdxLabels(bytes: Uint8Array, file: string, numClasses?: number): Uint8Array {
  const { data } = parseIdx(bytes, file, 1);
  if (numClasses !== undefined) {
    for (let i = 0; i < data.length; i++) {
      if (data[i] >= numClasses) {
        throw new DataError(file, `label ${data[i]} at index ${i} is out of range: expected 0..${numClasses - 1} (${numClasses} classes)`, 8 + i);
      }
    }
  }
  return data;
}

/** Encodes unsigned bytes as an IDX file (the inverse of parseIdx); used to write small test data. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  let size = 1;
  for (const d of dims) size *= d;
  if (data.length !== size) throw new DataError("(encodeIdx)", `expected ${size} bytes for dimensions ${dims.join("×")}, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
