/**
 * Tiny MNIST-shaped data sets for tests: four IDX files with the published names, written
 * into a folder, and registry entries whose checksums match them (for fetch tests).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx } from "../../data/idx.js";
import type { DatasetFile, Split } from "./mnist.js";

export interface TinyMnistOptions {
  train?: number;
  test?: number;
  rows?: number;
  cols?: number;
  /** Write name.gz (default) or the decompressed name. */
  gzip?: boolean;
}

export interface TinyFile {
  file: DatasetFile;
  /** The bytes as written (gzip or raw). */
  bytes: Uint8Array;
}

function hash(kind: "md5" | "sha256", bytes: Uint8Array): string {
  return createHash(kind).update(bytes).digest("hex");
}

/** Pixel (i, k) = (7i + 3k) mod 256; label i = i mod 10. */
export function tinyMnistFiles(options: TinyMnistOptions = {}): TinyFile[] {
  const rows = options.rows ?? 4;
  const cols = options.cols ?? 4;
  const out: TinyFile[] = [];
  for (const split of ["train", "test"] as Split[]) {
    const n = (split === "train" ? options.train : options.test) ?? (split === "train" ? 12 : 5);
    const stem = split === "train" ? "train" : "t10k";
    const pixels = new Uint8Array(n * rows * cols);
    for (let i = 0; i < n; i++) for (let k = 0; k < rows * cols; k++) pixels[i * rows * cols + k] = (7 * i + 3 * k) % 256;
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const raw = { images: encodeIdx([n, rows, cols], pixels), labels: encodeIdx([n], labels) };
    for (const role of ["images", "labels"] as const) {
      const gz = gzipSync(raw[role]);
      const bytes = options.gzip === false ? raw[role] : gz;
      const name = `${stem}-${role}-idx${role === "images" ? 3 : 1}-ubyte.gz`;
      out.push({ bytes, file: { split, role, name, md5: hash("md5", gz), sha256: hash("sha256", gz), rawMd5: hash("md5", raw[role]) } });
    }
  }
  return out;
}

/** Writes the tiny files into `dir` (which must exist) and returns them. */
export function writeTinyMnist(dir: string, options: TinyMnistOptions = {}): TinyFile[] {
  const files = tinyMnistFiles(options);
  for (const f of files) writeFileSync(join(dir, options.gzip === false ? f.file.name.slice(0, -3) : f.file.name), f.bytes);
  return files;
}
