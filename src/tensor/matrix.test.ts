import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../errors.js";
import { Matrix, expectShape, fromArrays32, fromArrays64, toFloat32, toFloat64, zeros32, zerosLike } from "./matrix.js";

test("row-major storage, get/set, topRows shares storage", () => {
  const m = fromArrays32([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(m.get(1, 0), 4);
  m.set(0, 2, 9);
  assert.deepEqual(Array.from(m.data), [1, 2, 9, 4, 5, 6]);
  const top = m.topRows(1);
  top.set(0, 0, 7);
  assert.equal(m.get(0, 0), 7);
  assert.deepEqual(m.toArrays(), [
    [7, 2, 9],
    [4, 5, 6],
  ]);
});

test("element types are kept: zerosLike, conversions, clone", () => {
  const a = fromArrays64([[0.1]]);
  assert.ok(zerosLike(a, 2, 3).data instanceof Float64Array);
  assert.ok(toFloat32(a).data instanceof Float32Array);
  assert.ok(toFloat64(zeros32(1, 1)).data instanceof Float64Array);
  const c = a.clone();
  c.set(0, 0, 5);
  assert.equal(a.get(0, 0), 0.1);
});

test("shape errors name the operation and both shapes", () => {
  assert.throws(() => new Matrix(2, 3, new Float32Array(5)), (e: unknown) => e instanceof ShapeError && e.message === "Matrix: expected data of length 2*3=6, got length 5");
  assert.throws(() => new Matrix(-1, 3, new Float32Array(0)), /non-negative integer dimensions, got \(-1, 3\)/);
  assert.throws(() => fromArrays32([[1, 2], [3]]), /expected 2 entries in every row, got 1 in row 1/);
  assert.throws(() => expectShape("linear", "x", zeros32(4, 3), -1, 5), /linear: expected x of shape \(\*, 5\), got x of shape \(4, 3\)/);
  assert.throws(() => zeros32(2, 2).topRows(3), /Matrix.topRows: expected at most 2 rows, got 3/);
});

test("zero-size matrices are valid", () => {
  const m = fromArrays64([], 4);
  assert.equal(m.rows, 0);
  assert.equal(m.cols, 4);
  assert.equal(zeros32(3, 0).data.length, 0);
});
