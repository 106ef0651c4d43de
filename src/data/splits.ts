/**
 * The DAG-growth split of a training set into three parts (Douka et al.): train-opt (fit the
 * candidates), train-ls (their amplitude), train-gr (choose among them). The split is a
 * seeded permutation, and the indices are kept so that a run can record and replay it.
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
 * ConfigError (path `split.sizes`) when a size is not a positive integer or they exceed n.
 */
export function splitThreeWays(n: number, seed: number, sizes?: readonly [number, number, number]): ThreeWaySplit {
  const base = Math.floor(n / 3);
  const r = n % 3;
  const s = sizes ?? ([base + (r > 0 ? 1 : 0), base + (r > 1 ? 1 : 0), base] as const);
  const issues = [];
  for (let i = 0; i < 3; i++) {
    if (!Number.isInteger(s[i]) || s[i] < 1) issues.push({ source: "splitThreeWays", path: `split.sizes[${i}]`, message: `expected a positive integer, got ${s[i]}` });
  }
  if (issues.length === 0 && s[0] + s[1] + s[2] > n) {
    issues.push({ source: "splitThreeWays", path: "split.sizes", message: `the parts (${s.join(" + ")} = ${s[0] + s[1] + s[2]}) exceed the ${n} training samples` });
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

/** The rows `indices` of a dataset, in that order (a copy). */
export function subsetDataset(data: Dataset, indices: Int32Array): Dataset {
  const x = gatherRows(data.x.data, data.x.cols, indices);
  const xm = new Matrix(indices.length, data.x.cols, x);
  if (hasLabels(data)) return { x: xm, labels: Int32Array.from(indices, (i) => data.labels[i]) };
  return { x: xm, y: new Matrix(indices.length, data.y.cols, gatherRows(data.y.data, data.y.cols, indices)) };
}

/** Concatenation of two index sets (e.g. inter-train = train-opt ∪ train-ls). */
export function concatIndices(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function gatherRows(src: Float32Array, cols: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * cols);
  for (let r = 0; r < indices.length; r++) out.set(src.subarray(indices[r] * cols, (indices[r] + 1) * cols), r * cols);
  return out;
}
