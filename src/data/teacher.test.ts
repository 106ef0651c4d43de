import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelsUnderTest } from "../node/under-test.js";
import { Rng } from "../tensor/rng.js";
import { ConfigError } from "../errors.js";
import { buildTeacher, resolveTeacherOptions, teacherDataset } from "./teacher.js";

const kernels = kernelsUnderTest();

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

test("teacher options: defaults recorded, PyTorch-default init, input range, ConfigError on bad values", () => {
  assert.deepEqual(resolveTeacherOptions(), { inputSize: 20, hiddenSize: 50, outputSize: 1, activation: "selu", init: "lecun-normal", inputRange: [-1, 1] });
  const t = buildTeacher(new Rng(3), { init: "torch-default" });
  assert.equal(t.parameterCount(), 4701);
  for (const { edge, layer } of t.edgeLayers()) {
    const bound = 1 / Math.sqrt(t.graph.node(edge.from).size);
    assert.ok(layer.weight.data.every((v) => Math.abs(v) <= bound), `${edge.from}->${edge.to} weights`);
    assert.ok(layer.bias !== null && layer.bias.every((v) => Math.abs(v) <= bound) && layer.bias.some((v) => v !== 0), `${edge.from}->${edge.to} biases`);
  }
  // LeCun-normal (the default) leaves biases at 0.
  assert.ok(buildTeacher(new Rng(3)).edgeLayers().every(({ layer }) => layer.bias?.every((v) => v === 0)));
  const d = teacherDataset(kernels, t, 200, new Rng(4), [0, 1]);
  assert.ok(d.x.data.every((v) => v >= 0 && v < 1));
  assert.ok(d.x.data.some((v) => v > 0.5) && d.x.data.some((v) => v < 0.5));
  assert.throws(() => buildTeacher(new Rng(0), { init: "xavier" as "lecun-normal" }), (e: unknown) => e instanceof ConfigError && /teacher\.init: expected one of lecun-normal, torch-default, got "xavier"/.test(e.message));
  assert.throws(() => teacherDataset(kernels, t, 5, new Rng(0), [1, 1]), /teacher\.inputRange: expected low < high, got \[1, 1\]/);
});
