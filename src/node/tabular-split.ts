/**
 * The rows of a user's training file, split for `tinygrow grow` (seeded): a held-out test
 * part (only without --test), a validation part, then train-opt / train-ls / train-gr.
 * The growth parts come from data/splits.ts; the validation part is carved first, so it
 * never overlaps train-gr (which growth already uses to choose).
 * TODO(criteria, issue 9): use data/splits.ts `splitForGrowth` once it is on main.
 */
import { ConfigError } from "../errors.js";
import { splitThreeWays } from "../data/splits.js";
import { Rng } from "../tensor/rng.js";

export interface TabularSplit {
  test: Int32Array;
  validation: Int32Array;
  trainOpt: Int32Array;
  trainLs: Int32Array;
  trainGr: Int32Array;
}

export function tabularSplit(n: number, seed: number, options: { testFraction: number; validationFraction: number }): TabularSplit {
  const nTest = Math.round(n * options.testFraction);
  const nVal = Math.round((n - nTest) * options.validationFraction);
  const rest = n - nTest - nVal;
  if (options.testFraction > 0 && nTest < 1) throw new ConfigError([{ source: "data", path: "data.testFraction", message: `${options.testFraction} of ${n} rows holds out no test row; give --test or more rows` }]);
  if (rest < 3) throw new ConfigError([{ source: "data", path: "data.trainSamples", message: `${n} rows leave ${rest} for train-opt, train-ls and train-gr after ${nTest} test and ${nVal} validation rows (at least 3 needed)` }]);
  const perm = new Rng(seed ^ 0x6a09e667).permutation(n);
  const sorted = (a: Int32Array): Int32Array => a.slice().sort();
  const test = sorted(perm.subarray(0, nTest));
  const validation = sorted(perm.subarray(nTest, nTest + nVal));
  const remaining = perm.subarray(nTest + nVal);
  const three = splitThreeWays(rest, seed);
  const map = (part: Int32Array): Int32Array => sorted(Int32Array.from(part, (i) => remaining[i]));
  return { test, validation, trainOpt: map(three.trainOpt), trainLs: map(three.trainLs), trainGr: map(three.trainGr) };
}
