/**
 * The DAG-growth split of a training set into three parts (Douka et al.): train-opt (fit the
 * candidates), train-ls (their amplitude), train-gr (choose among them). The split is a
 * seeded permutation, and the indices are kept so that a run can record and replay it.
 *
 * A fourth, optional part is the **validation** set (`splitForGrowth`): carved out of the
 * training data before the three growth parts (so never from train-gr, which growth already
 * uses to choose), touched by nothing but the evaluation of finished runs. Every default a
 * study documents (α of the penalised criterion, significance levels, fit modes) is chosen
 * on it; the test set is only reported.
 */
import { ConfigError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { hasLabels, type Dataset } from "./batches.js";

export interface ThreeWaySplit {
  seed: number;
  /** Indices into the training set, each part in increasing order. */
  trainOpt: Int32Array;
  trainLs: Int32Array;
  trainGr: Int32Array;
}

/** The JSON form of a split (for the run folder). */
export interface ThreeWaySplitJson {
  seed: number;
  trainOpt: number[];
  trainLs: number[];
  trainGr: number[];
}

/**
 * Splits n samples into three parts of the given sizes (default: three equal parts, the
 * first n mod 3 parts one larger) drawn by a permutation seeded with `seed`.
 * ConfigError (path `sizesPath`, default `split.sizes`) when a size is not a positive integer or they exceed n.
 */
export function splitThreeWays(n: number, seed: number, sizes?: readonly [number, number, number], sizesPath = "split.sizes"): ThreeWaySplit {
  const base = Math.floor(n / 3);
  const r = n % 3;
  const s = sizes ?? ([base + (r > 0 ? 1 : 0), base + (r > 1 ? 1 : 0), base] as const);
  const issues = [];
  for (let i = 0; i < 3; i++) {
    if (!Number.isInteger(s[i]) || s[i] < 1) issues.push({ source: "splitThreeWays", path: `${sizesPath}.${i}`, message: `expected a positive integer, got ${s[i]}` });
  }
  if (issues.length === 0 && s[0] + s[1] + s[2] > n) {
    issues.push({ source: "splitThreeWays", path: sizesPath, message: `the parts (${s.join(" + ")} = ${s[0] + s[1] + s[2]}) exceed the ${n} training samples` });
  }
  if (!Number.isInteger(seed)) issues.push({ source: "splitThreeWays", path: "split.seed", message: `expected an integer, got ${seed}` });
  if (issues.length > 0) throw new ConfigError(issues);
  const perm = new Rng(seed).permutation(n);
  const part = (from: number, len: number): Int32Array => perm.slice(from, from + len).sort();
  return { seed, trainOpt: part(0, s[0]), trainLs: part(s[0], s[1]), trainGr: part(s[0] + s[1], s[2]) };
}

export function splitToJson(split: ThreeWaySplit): ThreeWaySplitJson {
  return { seed: split.seed, trainOpt: Array.from(split.trainOpt), trainLs: Array.from(split.trainLs), trainGr: Array.from(split.trainGr) };
}

export function splitFromJson(json: ThreeWaySplitJson): ThreeWaySplit {
  return { seed: json.seed, trainOpt: Int32Array.from(json.trainOpt), trainLs: Int32Array.from(json.trainLs), trainGr: Int32Array.from(json.trainGr) };
}

/**
 * The rows `indices` of a dataset, in that order (a copy). `shared`: the copy lives in
 * SharedArrayBuffers (for data that worker threads read without a copy, e.g. the growth
 * splits of a run with a candidate pool; needs an engine with SharedArrayBuffer).
 */
export function subsetDataset(data: Dataset, indices: Int32Array, shared = false): Dataset {
  const x = new Matrix(indices.length, data.x.cols, gatherRows(data.x.data, data.x.cols, indices, shared));
  if (hasLabels(data)) {
    const labels = shared ? new Int32Array(new SharedArrayBuffer(indices.length * 4)) : new Int32Array(indices.length);
    indices.forEach((i, r) => (labels[r] = data.labels[i]));
    return { x, labels };
  }
  return { x, y: new Matrix(indices.length, data.y.cols, gatherRows(data.y.data, data.y.cols, indices, shared)) };
}

/** Concatenation of two index sets (e.g. inter-train = train-opt ∪ train-ls). */
export function concatIndices(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function gatherRows(src: Float32Array, cols: number, indices: Int32Array, shared: boolean): Float32Array {
  const out = shared ? new Float32Array(new SharedArrayBuffer(indices.length * cols * 4)) : new Float32Array(indices.length * cols);
  for (let r = 0; r < indices.length; r++) out.set(src.subarray(indices[r] * cols, (indices[r] + 1) * cols), r * cols);
  return out;
}

/** The three growth parts and the validation part (indices into the training set, disjoint). */
export interface GrowthDataSplit extends ThreeWaySplit {
  /** Validation indices, increasing (empty when no validation set was asked for). */
  validation: Int32Array;
}

export interface GrowthSplitOptions {
  /** Samples carved out as the validation set (default 0: none, the paper's three parts). */
  validation?: number;
  /** Sizes of train-opt, train-ls, train-gr among the remaining samples (default three equal parts). */
  sizes?: readonly [number, number, number];
  /** Name of the validation option in error messages (default "split.validation"; studies pass "data.validationSamples"). */
  validationPath?: string;
  /** Name of the sizes option in error messages (default "split.sizes"; studies pass "data.splitSizes"). */
  sizesPath?: string;
}

/**
 * Validation + train-opt / train-ls / train-gr of n samples, seeded. With `validation` = 0 it is
 * exactly `splitThreeWays(n, seed, sizes)`. Otherwise a permutation seeded with `seed` puts
 * its last `validation` samples in the validation set, and the remaining n − validation
 * samples are split three ways with `splitThreeWays` (same seed). ConfigError naming the
 * validation option when it is not an integer ≥ 0 or leaves fewer than 3 samples (one per
 * growth part), and naming `split.sizes` when the sizes do not fit in what remains.
 */
export function splitForGrowth(n: number, seed: number, options: GrowthSplitOptions = {}): GrowthDataSplit {
  const v = options.validation ?? 0;
  const path = options.validationPath ?? "split.validation";
  if (!Number.isInteger(v) || v < 0) throw new ConfigError([{ source: "splitForGrowth", path, message: `expected an integer >= 0, got ${v}` }]);
  if (n - v < 3) {
    throw new ConfigError([{ source: "splitForGrowth", path, message: `${v} validation samples of ${n} leave ${Math.max(0, n - v)} for train-opt, train-ls and train-gr (at least 1 each)` }]);
  }
  if (v === 0) return { ...splitThreeWays(n, seed, options.sizes, options.sizesPath), validation: new Int32Array(0) };
  const perm = new Rng(seed ^ 0x5bd1e995).permutation(n);
  const rest = perm.slice(0, n - v).sort();
  const three = splitThreeWays(n - v, seed, options.sizes, options.sizesPath);
  const map = (part: Int32Array): Int32Array => Int32Array.from(part, (i) => rest[i]).sort();
  return { seed, trainOpt: map(three.trainOpt), trainLs: map(three.trainLs), trainGr: map(three.trainGr), validation: perm.slice(n - v).sort() };
}

/** The JSON form of a growth split (for the run folder). */
export function growthSplitToJson(split: GrowthDataSplit): ThreeWaySplitJson & { validation: number[] } {
  return { ...splitToJson(split), validation: Array.from(split.validation) };
}
