import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import { concatIndices, splitForGrowth, splitFromJson, splitThreeWays, splitToJson, subsetDataset } from "./splits.js";

test("three equal, disjoint, seeded parts that cover the set", () => {
  const s = splitThreeWays(10, 3);
  assert.deepEqual([s.trainOpt.length, s.trainLs.length, s.trainGr.length], [4, 3, 3]);
  const all = [...s.trainOpt, ...s.trainLs, ...s.trainGr].sort((a, b) => a - b);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(splitThreeWays(10, 3), s);
  assert.notDeepEqual(splitThreeWays(10, 4), s);
  assert.deepEqual(splitFromJson(JSON.parse(JSON.stringify(splitToJson(s)))), s);
});

test("sizes that do not fit: ConfigError naming split.sizes", () => {
  assert.throws(() => splitThreeWays(10, 1, [4, 4, 4]), (e: unknown) => e instanceof ConfigError && /split\.sizes: the parts \(4 \+ 4 \+ 4 = 12\) exceed the 10 training samples/.test(e.message));
  assert.throws(() => splitThreeWays(10, 1, [0, 4, 4]), /split\.sizes\.0: expected a positive integer, got 0/);
  assert.throws(() => splitThreeWays(2, 1), /split\.sizes\.2/);
});

test("subsets gather rows; inter-train is the concatenation", () => {
  const x = new Matrix(4, 2, Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
  const y = new Matrix(4, 1, Float32Array.from([10, 11, 12, 13]));
  const sub = subsetDataset({ x, y }, concatIndices(Int32Array.from([2]), Int32Array.from([0])));
  assert.deepEqual(Array.from(sub.x.data), [4, 5, 0, 1]);
  assert.ok("y" in sub);
  assert.deepEqual(Array.from(sub.y.data), [12, 10]);
});

test("growth split: validation carved out first, four disjoint parts covering the set; 0 is the three-way split", () => {
  assert.deepEqual(splitForGrowth(10, 3), { ...splitThreeWays(10, 3), validation: new Int32Array(0) });
  const s = splitForGrowth(20, 5, { validation: 5 });
  assert.deepEqual([s.validation.length, s.trainOpt.length, s.trainLs.length, s.trainGr.length], [5, 5, 5, 5]);
  const all = [...s.validation, ...s.trainOpt, ...s.trainLs, ...s.trainGr].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(splitForGrowth(20, 5, { validation: 5 }), s);
  assert.notDeepEqual(splitForGrowth(20, 6, { validation: 5 }).validation, s.validation);
  const sized = splitForGrowth(20, 5, { validation: 4, sizes: [8, 4, 4] });
  assert.deepEqual([sized.trainOpt.length, sized.trainLs.length, sized.trainGr.length], [8, 4, 4]);
});

test("growth split: a validation set that leaves an empty growth part, or a bad size, names the option", () => {
  assert.throws(() => splitForGrowth(10, 1, { validation: 8, validationPath: "data.validationSamples" }), (e: unknown) => e instanceof ConfigError && /data\.validationSamples: 8 validation samples of 10 leave 2 for train-opt, train-ls and train-gr/.test(e.message));
  assert.throws(() => splitForGrowth(10, 1, { validation: -1 }), /split\.validation: expected an integer >= 0, got -1/);
  assert.throws(() => splitForGrowth(10, 1, { validation: 1.5 }), /split\.validation: expected an integer >= 0/);
  assert.throws(() => splitForGrowth(10, 1, { validation: 2, sizes: [4, 4, 4] }), /split\.sizes: the parts \(4 \+ 4 \+ 4 = 12\) exceed the 8 training samples/);
});
