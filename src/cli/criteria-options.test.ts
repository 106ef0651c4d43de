import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { buildProgram } from "./main.js";
import { growConfig } from "./commands/grow.js";
import { mnistConfig } from "./commands/mnist.js";
import { studyConfig } from "./commands/teacher-student.js";

test("every DAG growth command has --fit, --significance, --significance-level and --alpha", async () => {
  const program = await buildProgram();
  for (const name of ["teacher-student", "compare", "mnist", "grow"]) {
    const cmd = program.commands.find((c) => c.name() === name);
    assert.ok(cmd, name);
    const longs = cmd.options.map((o) => o.long);
    for (const flag of ["--fit", "--significance", "--significance-level", "--alpha"]) assert.ok(longs.includes(flag), `${name} ${flag}`);
  }
});

test("the criteria options reach the growth section of each command's configuration", () => {
  const given = { alpha: 2e-5, significance: "marchenko-pastur", significanceLevel: 0.01 };
  const grow = growConfig({ ...given, task: "regression", train: "x.csv", target: ["y"] }, {});
  for (const g of [grow.growth, mnistConfig(given, {}).growth, studyConfig(given).growth]) {
    assert.equal(g.penalty.alpha, 2e-5);
    assert.deepEqual(g.fit.significance, { rule: "marchenko-pastur", level: 0.01 });
  }
  // The fit: the engine's default (gradient) unless given; grow keeps tiny-random, with which its defaults were chosen.
  assert.equal(studyConfig({}).growth.fit.mode, undefined);
  assert.equal(mnistConfig({ fit: "tiny" }, {}).growth.fit.mode, "tiny");
  assert.equal(studyConfig({ fit: "tiny-random" }).growth.fit.mode, "tiny-random");
  assert.equal(growConfig({ task: "regression", train: "x.csv", target: ["y"] }, {}).growth.fit.mode, "tiny-random");
  assert.equal(growConfig({ fit: "gradient", task: "regression", train: "x.csv", target: ["y"] }, {}).growth.fit.mode, "gradient");
  assert.throws(() => studyConfig({ fit: "closed-form" }), (e: unknown) => e instanceof ConfigError && /--fit: growth\.fit\.mode/.test(e.message));
  assert.throws(() => growConfig({ alpha: -1, task: "regression", train: "x.csv", target: ["y"] }, {}), (e: unknown) => e instanceof ConfigError && /--alpha: growth\.penalty\.alpha/.test(e.message));
  assert.throws(() => growConfig({ significanceLevel: 1, task: "regression", train: "x.csv", target: ["y"] }, {}), (e: unknown) => e instanceof ConfigError && /--significance-level/.test(e.message));
});
