import { test } from "node:test";
import assert from "node:assert/strict";
import { portableKernels as kernels } from "../kernels/portable/index.js";
import { Rng } from "../tensor/rng.js";
import { buildTeacher, teacherDataset } from "./teacher.js";

test("the teacher has 4,701 parameters and the paper's structure", () => {
  const t = buildTeacher(new Rng(0));
  assert.equal(t.parameterCount(), 4701);
  assert.deepEqual(t.graph.edges.map((e) => `${e.from}->${e.to}`), ["in->h1", "h1->h2", "in->h2", "h2->out"]);
  assert.equal(t.graph.node("h1").activation, "selu");
});

test("teacher data: inputs uniform on [−1, 1), labels the teacher's outputs, seeded", () => {
  const t = buildTeacher(new Rng(1), { inputSize: 5, hiddenSize: 7 });
  const a = teacherDataset(kernels, t, 50, new Rng(2));
  const b = teacherDataset(kernels, t, 50, new Rng(2));
  assert.deepEqual(a, b);
  assert.ok(a.x.data.every((v) => v >= -1 && v < 1));
  assert.ok("y" in a && a.y.rows === 50 && a.y.cols === 1);
  assert.deepEqual(Array.from(a.y.data), Array.from(t.forward(kernels, a.x).data));
});
