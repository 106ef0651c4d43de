/**
 * IDX files on disk, raw or gzip-compressed (gzip detected by its magic, not the file name);
 * the format itself is parsed from bytes by the core (data/idx.ts).
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError } from "../../errors.js";
import { isGzip, parseIdx, parseIdxImages, parseIdxLabels, type IdxArray, type IdxImages } from "../../data/idx.js";

/** Decompresses gzip content (detected by its magic, not the file name); raw bytes pass through. */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataError(file, `corrupt gzip data (${bytes.length} compressed bytes): ${(err as Error).message}`);
  }
}

/** The decompressed bytes of a file (gzip detected by its magic). */
export function readRaw(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(path, `cannot read file: ${(err as Error).message}`);
  }
  return gunzipIfNeeded(bytes, path);
}

/** Reads an IDX file, raw or gzip. */
export function readIdxFile(path: string, expectedRank?: number): IdxArray {
  return parseIdx(readRaw(path), path, expectedRank);
}

export function readIdxImages(path: string): IdxImages {
  return parseIdxImages(readRaw(path), path);
}

export function readIdxLabels(path: string, numClasses?: number): Uint8Array {
  return parseIdxLabels(readRaw(path), path, numClasses);
}
