/**
 * MNIST and Fashion-MNIST: the registry (file names, mirrors, published checksums) and
 * loading a split into a Matrix32 (n, rows*cols) scaled to [0, 1].
 *
 * Checksums, per file:
 *  - `md5`: the MD5 of the published .gz file. MNIST: torchvision's `MNIST.resources`
 *    (torchvision/datasets/mnist.py), checked against the real files. Fashion-MNIST: the
 *    table in zalandoresearch/fashion-mnist's README.md, identical to torchvision's
 *    `FashionMNIST.resources`.
 *  - `sha256`: the SHA-256 of the same .gz file, checked while downloading. MNIST: computed
 *    from the files whose MD5 matches the published one. Fashion-MNIST: as listed by several
 *    independent loaders (not by Zalando itself); the MD5 is the authoritative check.
 *  - `rawMd5`: the MD5 of the decompressed IDX content, so that a re-compressed copy (Debian's
 *    dataset-fashion-mnist package re-gzips the files) or a gunzipped one is recognised.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, DataError } from "../../errors.js";
import { Matrix, type Matrix32 } from "../../tensor/matrix.js";
import { dirsFor, locateFiles, type SearchDir } from "./data-dir.js";
import { isGzip, parseIdxImages, parseIdxLabels } from "../../data/idx.js";
import { gunzipIfNeeded } from "./idx-files.js";

export type DatasetName = "mnist" | "fashion-mnist";
export const DATASET_NAMES: readonly DatasetName[] = ["mnist", "fashion-mnist"];

export type Split = "train" | "test";
export type FileRole = "images" | "labels";

export interface DatasetFile {
  split: Split;
  role: FileRole;
  /** The published (gzip) file name. */
  name: string;
  /** MD5 of the published .gz file. */
  md5: string;
  /** SHA-256 of the published .gz file. */
  sha256: string;
  /** MD5 of the decompressed IDX content. */
  rawMd5: string;
}

export interface DatasetSpec {
  name: DatasetName;
  title: string;
  homepage: string;
  /** Base URLs tried in order; a file's URL is base + file name. */
  mirrors: readonly string[];
  files: readonly DatasetFile[];
  classes: readonly string[];
  rows: number;
  cols: number;
  counts: Readonly<Record<Split, number>>;
  /** Folders where a system package installs the files. */
  systemDirs: readonly string[];
}

function file(split: Split, role: FileRole, md5: string, sha256: string, rawMd5: string): DatasetFile {
  const stem = split === "train" ? "train" : "t10k";
  const name = `${stem}-${role}-idx${role === "images" ? 3 : 1}-ubyte.gz`;
  return { split, role, name, md5, sha256, rawMd5 };
}

export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  mnist: {
    name: "mnist",
    title: "MNIST handwritten digits",
    homepage: "http://yann.lecun.com/exdb/mnist/",
    mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
    files: [
      file("train", "images", "f68b3c2dcbeaaa9fbdd348bbdeb94873", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "6bbc9ace898e44ae57da46a324031adb"),
      file("train", "labels", "d53e105ee54ea40749a09fcbcd1e9432", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "a25bea736e30d166cdddb491f175f624"),
      file("test", "images", "9fb629c4189551a2d022fa330f9573f3", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "2646ac647ad5339dbf082846283269ea"),
      file("test", "labels", "ec29112dd5afa0611ce80d1b7f02629c", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "27ae3e4e09519cfbb04c329615203637"),
    ],
    classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    rows: 28,
    cols: 28,
    counts: { train: 60000, test: 10000 },
    systemDirs: [],
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST (Zalando article images)",
    homepage: "https://github.com/zalandoresearch/fashion-mnist",
    mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    files: [
      file("train", "images", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
      file("train", "labels", "25c81989df183df01b3e8a0aad5dffbe", "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc", "9018921c3c673c538a1fc5bad174d6f9"),
      file("test", "images", "bef4ecab320f06d8554ea6380940ec79", "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229", "8181f5470baa50b63fa0f6fddb340f0a"),
      file("test", "labels", "bb300cfdad3c16e7a12a480ee83cd310", "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf", "15d484375f8d13e6eb1aabb0c3f46965"),
    ],
    classes: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    rows: 28,
    cols: 28,
    counts: { train: 60000, test: 10000 },
    systemDirs: ["/usr/share/datasets/fashion-mnist"],
  },
};

/** The spec of a dataset by name; an unknown name is a ConfigError listing the known ones. */
export function datasetSpec(name: string): DatasetSpec {
  if (name === "mnist" || name === "fashion-mnist") return DATASETS[name];
  throw new ConfigError([{ source: "dataset", path: "", message: `unknown dataset "${name}"; expected one of ${DATASET_NAMES.join(", ")}` }]);
}

export function splitFiles(spec: DatasetSpec, split: Split): { images: DatasetFile; labels: DatasetFile } {
  const pick = (role: FileRole) => spec.files.find((f) => f.split === split && f.role === role) as DatasetFile;
  return { images: pick("images"), labels: pick("labels") };
}

/** How to get missing files, appended to "not found" errors. */
export function fetchHint(dataset: DatasetName): string {
  const debian = dataset === "fashion-mnist" ? " or `apt-get install dataset-fashion-mnist`" : "";
  return `get them with \`tinygrow data fetch ${dataset}\`${debian}, or point --data-dir DIR (or TINYGROW_DATA_DIR) at a folder holding them`;
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

export interface FileCheck {
  path: string;
  /** MD5 of the file as stored. */
  md5: string;
  ok: boolean;
  /** How the file was recognised, or why it was not. */
  how: string;
}

/** The dataset file (of any dataset) whose published or decompressed MD5 is `md5`, if any. */
function identify(md5: string): string | null {
  for (const spec of Object.values(DATASETS)) {
    for (const f of spec.files) if (f.md5 === md5 || f.rawMd5 === md5) return `${spec.name} ${f.name}`;
  }
  return null;
}

/**
 * Compares a stored file with the published checksums of `file`: a .gz by its published MD5,
 * else (a re-compressed copy) by the MD5 of its content; a decompressed file by its content.
 * `content` is the decompressed bytes (computed from `stored` when omitted).
 */
export function checkFile(file: DatasetFile, path: string, stored: Uint8Array, content?: Uint8Array): FileCheck {
  const md5 = md5Hex(stored);
  const gz = isGzip(stored);
  if (gz && md5 === file.md5) return { path, md5, ok: true, how: "matches the published md5" };
  let contentMd5 = md5;
  if (gz) {
    try {
      contentMd5 = md5Hex(content ?? gunzipIfNeeded(stored, path));
    } catch (err) {
      return { path, md5, ok: false, how: (err as Error).message };
    }
  }
  if (contentMd5 === file.rawMd5) {
    return { path, md5, ok: true, how: gz ? `re-compressed copy: decompressed md5 ${contentMd5} matches` : `uncompressed: md5 matches the published content` };
  }
  const other = identify(md5) ?? identify(contentMd5);
  const expected = gz ? `md5 ${file.md5} (published .gz) or decompressed md5 ${file.rawMd5}` : `md5 ${file.rawMd5} (decompressed content)`;
  const got = gz ? `md5 ${md5}, decompressed md5 ${contentMd5}` : `md5 ${md5}`;
  return { path, md5, ok: false, how: `checksum mismatch: expected ${expected}, got ${got}${other ? ` (this is ${other})` : ""}` };
}

/**
 * Why a folder holding files with this dataset's names belongs to another dataset (MNIST and
 * Fashion-MNIST share file names), judged by the small label files' checksums; null otherwise,
 * including for unknown content (e.g. hand-made test data), which loading then checks.
 */
export function foreignDataset(spec: DatasetSpec, labelPaths: readonly { file: DatasetFile; path: string }[]): string | null {
  for (const { file: f, path } of labelPaths) {
    let stored: Uint8Array;
    try {
      stored = readFileSync(path);
    } catch {
      return null;
    }
    let content: Uint8Array;
    try {
      content = gunzipIfNeeded(stored, path);
    } catch {
      return null;
    }
    const sums = [md5Hex(stored), md5Hex(content)];
    if (sums.includes(f.md5) || sums.includes(f.rawMd5)) continue;
    for (const other of Object.values(DATASETS)) {
      if (other.name === spec.name) continue;
      if (other.files.some((o) => sums.includes(o.md5) || sums.includes(o.rawMd5))) return `it holds ${other.name} files, not ${spec.name}`;
    }
  }
  return null;
}

/** The `reject` predicate for locateFiles over `files` of `spec`. */
export function rejectForeign(spec: DatasetSpec, files: readonly DatasetFile[]): (paths: readonly string[]) => string | null {
  return (paths) => {
    const labels = files.map((file, i) => ({ file, path: paths[i] })).filter((e) => e.file.role === "labels");
    return foreignDataset(spec, labels);
  };
}

export interface LoadMnistOptions {
  dataset?: DatasetName;
  split: Split;
  /** A data folder: files are looked for in dataDir/<dataset>, then in dataDir itself. */
  dataDir?: string;
  /** Folders to search, in order (from `searchDirs`); used when `dataDir` is not given. */
  dirs?: readonly SearchDir[];
  /** Load only the first `limit` samples; more than the split holds is a DataError. */
  limit?: number;
  /**
   * Subtract a mean and divide by a standard deviation, both scalars over all pixels (after
   * scaling to [0, 1]): `true` computes them from the loaded samples; pass the training
   * split's `standardization` to apply the same to the test split.
   */
  standardize?: boolean | Standardization;
  /** Check the files against the published checksums (default true). */
  verify?: boolean;
  /** Labels must lie in 0..numClasses-1 (default: the dataset's 10 classes). */
  numClasses?: number;
  /** The model's input width: images whose rows*cols differ are a DataError. */
  inputSize?: number;
}

export interface Standardization {
  mean: number;
  std: number;
}

export interface MnistData {
  /** (n, rows*cols), pixel / 255 (then standardised if asked). */
  x: Matrix32;
  /** (n) class indices. */
  labels: Int32Array;
  rows: number;
  cols: number;
  files: { images: string; labels: string };
  /** Where the files were found. */
  dir: SearchDir;
  standardization?: Standardization;
}

function readStored(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DataError(path, `cannot read file: ${(err as Error).message}`);
  }
}

/** Reads one file, checks it against the registry when `verify`, and returns the decompressed IDX bytes. */
function readChecked(file: DatasetFile, path: string, verify: boolean): Uint8Array {
  const stored = readStored(path);
  const content = gunzipIfNeeded(stored, path);
  if (verify) {
    const check = checkFile(file, path, stored, content);
    if (!check.ok) throw new DataError(path, `${check.how}; re-download it with \`tinygrow data fetch\` or pass verify: false for other data`);
  }
  return content;
}

function checkOptions(o: LoadMnistOptions): void {
  const issues = [];
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) issues.push({ source: "options", path: "limit", message: `expected a positive integer, got ${o.limit}` });
  if (o.numClasses !== undefined && (!Number.isInteger(o.numClasses) || o.numClasses < 1 || o.numClasses > 256)) {
    issues.push({ source: "options", path: "numClasses", message: `expected an integer in 1..256, got ${o.numClasses}` });
  }
  if (typeof o.standardize === "object" && !(o.standardize.std > 0 && Number.isFinite(o.standardize.mean))) {
    issues.push({ source: "options", path: "standardize", message: `expected a finite mean and a positive std, got ${JSON.stringify(o.standardize)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * Loads one split. Errors (all DataError, naming the file): files missing (listing the folders
 * searched and how to get them), a checksum mismatch, a malformed or truncated IDX file, a
 * label out of range, image and label counts that differ, an image size that does not match
 * `inputSize`, and a `limit` larger than the split.
 */
export function loadMnist(options: LoadMnistOptions): MnistData {
  checkOptions(options);
  const spec = datasetSpec(options.dataset ?? "mnist");
  const dirs = options.dataDir !== undefined ? dirsFor(spec.name, options.dataDir) : options.dirs;
  if (!dirs || dirs.length === 0) throw new ConfigError([{ source: "options", path: "dataDir", message: "give dataDir or dirs (see searchDirs)" }]);
  const files = splitFiles(spec, options.split);
  const wanted = [files.images, files.labels];
  const located = locateFiles(
    wanted.map((f) => f.name),
    dirs,
    `${spec.name} ${options.split}`,
    fetchHint(spec.name),
    rejectForeign(spec, wanted),
  );
  const [imagesPath, labelsPath] = located.paths;
  const verify = options.verify ?? true;
  const numClasses = options.numClasses ?? spec.classes.length;

  const images = parseIdxImages(readChecked(files.images, imagesPath, verify), imagesPath);
  const labelBytes = parseIdxLabels(readChecked(files.labels, labelsPath, verify), labelsPath, numClasses);
  if (labelBytes.length !== images.count) {
    throw new DataError(labelsPath, `${labelBytes.length} labels, but ${imagesPath} has ${images.count} images; expected one label per image`);
  }
  const d = images.rows * images.cols;
  if (options.inputSize !== undefined && options.inputSize !== d) {
    throw new DataError(imagesPath, `images are ${images.rows}×${images.cols} = ${d} features, but the model expects ${options.inputSize} inputs`);
  }
  const n = options.limit ?? images.count;
  if (n > images.count) {
    throw new DataError(imagesPath, `asked for ${n} samples, but the ${spec.name} ${options.split} split has only ${images.count}`);
  }

  const data = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) data[i] = images.pixels[i] / 255;
  const labels = Int32Array.from(labelBytes.subarray(0, n));
  const result: MnistData = { x: new Matrix(n, d, data), labels, rows: images.rows, cols: images.cols, files: { images: imagesPath, labels: labelsPath }, dir: located.dir };
  if (options.standardize) {
    const s = options.standardize === true ? pixelStatistics(data) : options.standardize;
    // A constant image set has std 0; dividing by 1 then only centres it.
    const inv = 1 / (s.std > 0 ? s.std : 1);
    for (let i = 0; i < data.length; i++) data[i] = (data[i] - s.mean) * inv;
    result.standardization = s;
  }
  return result;
}

/** Mean and (population) standard deviation of all values, accumulated in float64. */
export function pixelStatistics(values: Float32Array): Standardization {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = values.length > 0 ? sum / values.length : 0;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: values.length > 0 ? Math.sqrt(sq / values.length) : 0 };
}
