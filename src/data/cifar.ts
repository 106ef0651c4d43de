/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each of the files
 * data_batch_1..5.bin (training) and test_batch.bin holds 10,000 records of 3,073 bytes:
 * one label byte (0..9), then the 32×32 image as 1,024 red, 1,024 green and 1,024 blue
 * bytes, each plane row-major — so a record's pixels are already one NCHW image (3, 32, 32).
 * Parsing works on bytes (no file access here; the Node adapter reads the files).
 */
import { DataError } from "../errors.js";

export const CIFAR10_CHANNELS = 3;
export const CIFAR10_SIDE = 32;
export const CIFAR10_IMAGE_BYTES = CIFAR10_CHANNELS * CIFAR10_SIDE * CIFAR10_SIDE;
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
export const CIFAR10_RECORDS_PER_FILE = 10_000;
export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"] as const;

export interface CifarRecords {
  /** Number of records n. */
  count: number;
  /** (n) labels in 0..9. */
  labels: Uint8Array;
  /** (n · 3 · 32 · 32) pixel bytes, image after image, NCHW (a view into the input where possible). */
  pixels: Uint8Array;
}

/**
 * Validates and splits one CIFAR-10 batch file's bytes. DataError naming `file` when the
 * length is not a whole number of 3,073-byte records (saying how many whole records there
 * are and how many bytes are left), when `expectRecords` is given and differs, or when a
 * label is above 9 (naming the record and its byte offset).
 */
export function parseCifarBatch(bytes: Uint8Array, file: string, expectRecords?: number): CifarRecords {
  const R = CIFAR10_RECORD_BYTES;
  if (bytes.length === 0 || bytes.length % R !== 0) {
    const whole = Math.floor(bytes.length / R);
    throw new DataError(file, `${bytes.length} bytes is not a whole number of ${R}-byte CIFAR-10 records (1 label byte + 3×32×32 pixels): ${whole} whole records and ${bytes.length - whole * R} bytes left over`, whole * R);
  }
  const count = bytes.length / R;
  if (expectRecords !== undefined && count !== expectRecords) {
    throw new DataError(file, `${count} records, expected ${expectRecords} (${expectRecords * R} bytes); the file is truncated or not a CIFAR-10 batch`);
  }
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * R];
    if (label > 9) throw new DataError(file, `record ${i}: label ${label}, expected a class index 0..9`, i * R);
    labels[i] = label;
    pixels.set(bytes.subarray(i * R + 1, (i + 1) * R), i * CIFAR10_IMAGE_BYTES);
  }
  return { count, labels, pixels };
}

/** One record's bytes (label, then the planes), for writing test files and fixtures. */
export function encodeCifarRecords(labels: ArrayLike<number>, pixels: Uint8Array): Uint8Array {
  const n = labels.length;
  if (pixels.length !== n * CIFAR10_IMAGE_BYTES) throw new DataError("encodeCifarRecords", `expected ${n}·${CIFAR10_IMAGE_BYTES} pixel bytes, got ${pixels.length}`);
  const out = new Uint8Array(n * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < n; i++) {
    out[i * CIFAR10_RECORD_BYTES] = labels[i];
    out.set(pixels.subarray(i * CIFAR10_IMAGE_BYTES, (i + 1) * CIFAR10_IMAGE_BYTES), i * CIFAR10_RECORD_BYTES + 1);
  }
  return out;
}
