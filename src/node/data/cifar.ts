/**
 * CIFAR-10 (binary version) on disk: where the six batch files are looked up, loading a
 * split into a Matrix32 (n, 3·32·32) of NCHW images scaled to [0, 1], and the download of
 * the published archive.
 *
 * Lookup: the folders of `searchDirs` (as for MNIST: --data-dir DIR → DIR/cifar10, DIR;
 * $TINYGROW_DATA_DIR likewise; the cache <cache>/cifar10), each also with its
 * `cifar-10-batches-bin/` subfolder (the archive's own folder, for a hand-extracted copy).
 *
 * Download: https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, checked against the MD5
 * published on the CIFAR page (c32a1d4a…, 170,052,171 bytes; the SHA-256 is the one listed by
 * independent loaders for that file) while streaming into a temporary file, renamed only
 * once both match; the six batch files are then extracted, each validated (10,000 records,
 * labels 0..9) and written atomically (temporary file + rename), and the archive removed.
 */
import { mkdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ConfigError, DataError } from "../../errors.js";
import { CIFAR10_CLASSES, CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, CIFAR10_RECORDS_PER_FILE, parseCifarBatch } from "../../data/cifar.js";
import { tarMembers } from "../../data/tar.js";
import { Matrix, type Matrix32 } from "../../tensor/matrix.js";
import { writeFileAtomic } from "../io/atomic.js";
import { dirsFor, locateFiles, type SearchDir } from "./data-dir.js";
import { downloadFile, type FetchEvent } from "./fetch.js";

export const CIFAR10 = {
  name: "cifar10",
  title: "CIFAR-10 (binary version)",
  homepage: "https://www.cs.toronto.edu/~kriz/cifar.html",
  mirrors: ["https://www.cs.toronto.edu/~kriz/"],
  archive: { name: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530", sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", bytes: 170_052_171 },
  /** The folder inside the archive. */
  folder: "cifar-10-batches-bin",
  files: { train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"], test: ["test_batch.bin"] },
  classes: CIFAR10_CLASSES,
  /** Bytes of every batch file. */
  fileBytes: CIFAR10_RECORDS_PER_FILE * CIFAR10_RECORD_BYTES,
} as const;

export type CifarSplit = "train" | "test";

export const CIFAR10_FETCH_HINT = "get them with `tinygrow data fetch cifar10`, or point --data-dir DIR (or TINYGROW_DATA_DIR) at a folder holding the six .bin files (or their cifar-10-batches-bin folder)";

/** Each folder, then its cifar-10-batches-bin subfolder. */
export function cifarDirs(dirs: readonly SearchDir[]): SearchDir[] {
  return dirs.flatMap((d) => [d, { dir: join(d.dir, CIFAR10.folder), source: d.source }]);
}

export interface LoadCifarOptions {
  split: CifarSplit;
  /** A data folder: files are looked for in dataDir/cifar10, then dataDir (and their cifar-10-batches-bin). */
  dataDir?: string;
  /** Folders to search, in order (from `searchDirs({ dataset: "cifar10", … })`); used when dataDir is not given. */
  dirs?: readonly SearchDir[];
  /** Load only the first `limit` images (across the split's files, in order). */
  limit?: number;
}

export interface CifarData {
  /** (n, 3·32·32), NCHW images, pixel / 255. */
  x: Matrix32;
  /** (n) class indices 0..9. */
  labels: Int32Array;
  files: string[];
  dir: SearchDir;
}

/**
 * Loads one split. DataErrors name the file: missing files (listing the folders searched and
 * how to get them), a length that is not a whole number of records, a label above 9 (with its
 * record), a `limit` larger than the split.
 */
export function loadCifar10(options: LoadCifarOptions): CifarData {
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new ConfigError([{ source: "options", path: "limit", message: `expected a positive integer, got ${options.limit}` }]);
  }
  const base = options.dataDir !== undefined ? dirsFor(CIFAR10.name, options.dataDir) : options.dirs;
  if (!base || base.length === 0) throw new ConfigError([{ source: "options", path: "dataDir", message: "give dataDir or dirs (see searchDirs)" }]);
  const names = CIFAR10.files[options.split];
  const located = locateFiles(names, cifarDirs(base), `cifar10 ${options.split}`, CIFAR10_FETCH_HINT);
  const parts = located.paths.map((path) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new DataError(path, `cannot read file: ${(err as Error).message}`);
    }
    return parseCifarBatch(bytes, path);
  });
  const total = parts.reduce((s, p) => s + p.count, 0);
  const n = options.limit ?? total;
  if (n > total) throw new DataError(located.paths[0], `asked for ${n} images, but the cifar10 ${options.split} split has only ${total}`);
  const x = new Float32Array(n * CIFAR10_IMAGE_BYTES);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    const take = Math.min(p.count, n - at);
    for (let k = 0; k < take * CIFAR10_IMAGE_BYTES; k++) x[at * CIFAR10_IMAGE_BYTES + k] = p.pixels[k] / 255;
    for (let i = 0; i < take; i++) labels[at + i] = p.labels[i];
    at += take;
    if (at === n) break;
  }
  return { x: new Matrix(n, CIFAR10_IMAGE_BYTES, x), labels, files: located.paths, dir: located.dir };
}

/** Why `path` is not a complete CIFAR-10 batch file, or null when it is (size, then every label). */
export function checkCifarFile(path: string, records: number = CIFAR10_RECORDS_PER_FILE): string | null {
  try {
    const size = statSync(path).size;
    if (size !== records * CIFAR10_RECORD_BYTES) return `${size} bytes, expected ${records * CIFAR10_RECORD_BYTES} (${records.toLocaleString("en")} records of ${CIFAR10_RECORD_BYTES} bytes)`;
    parseCifarBatch(readFileSync(path), path, records);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export interface FetchCifarOptions {
  /** The folder the six .bin files go into (created if missing), e.g. fetchDir({ dataset: "cifar10", … }).dir. */
  dir: string;
  /** Base URLs to try in order instead of the canonical one. */
  mirrors?: readonly string[];
  /** The archive's name and checksums instead of the published ones (tests serve their own archive). */
  archive?: { name: string; md5: string; sha256: string };
  idleTimeoutMs?: number;
  onEvent?: (event: FetchEvent) => void;
  fetchImpl?: typeof fetch;
  /** Records each batch file must hold (default 10,000; tests use small archives). */
  recordsPerFile?: number;
}

/** Downloads and extracts CIFAR-10 unless the six batch files are already present and valid; returns their paths. */
export async function fetchCifar10(options: FetchCifarOptions): Promise<{ paths: string[]; source: string }> {
  const names = [...CIFAR10.files.train, ...CIFAR10.files.test];
  const paths = names.map((n) => join(options.dir, n));
  const records = options.recordsPerFile ?? CIFAR10_RECORDS_PER_FILE;
  if (paths.every((p) => checkCifarFile(p, records) === null)) return { paths, source: "already present" };
  const archive = options.archive ?? CIFAR10.archive;
  const archivePath = join(options.dir, archive.name);
  try {
    mkdirSync(options.dir, { recursive: true });
  } catch (err) {
    throw new DataError(options.dir, `cannot create the data folder: ${(err as Error).message}`);
  }
  const got = await downloadFile(archive, options.mirrors ?? CIFAR10.mirrors, archivePath, options);
  try {
    let tar: Uint8Array;
    try {
      tar = gunzipSync(readFileSync(archivePath));
    } catch (err) {
      throw new DataError(archivePath, `cannot decompress the archive: ${(err as Error).message}`);
    }
    const members = new Map(tarMembers(tar, archivePath).map((m) => [m.name.split("/").pop() as string, m.data]));
    for (let i = 0; i < names.length; i++) {
      const data = members.get(names[i]);
      if (data === undefined) throw new DataError(archivePath, `the archive has no ${names[i]} (members: ${[...members.keys()].join(", ")})`);
      parseCifarBatch(data, `${archive.name}: ${names[i]}`, records);
      writeFileAtomic(paths[i], data);
      options.onEvent?.({ kind: "done", file: names[i], path: paths[i], source: `extracted from ${archive.name}` });
    }
  } finally {
    try {
      unlinkSync(archivePath);
    } catch {
      // already gone
    }
  }
  return { paths, source: got.url };
}
