import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.js";
import { buildProgram } from "./main.js";
import { growConfig } from "./commands/grow.js";
import { mnistConfig } from "./commands/mnist.js";
import { studyConfig } from "./commands/teacher-student.js";

test("every DAG growth command has --significance, --significance-level and --alpha", async () => {
  const program = await buildProgram();
  for (const name of ["teacher-student", "compare", "mnist", "grow"]) {
    const cmd = program.commands.find((c) => c.name() === name);
    assert.ok(cmd, name);
    const longs = cmd.options.map((o) => o.long);
    for (const flag of ["--significance", "--significance-level", "--alpha"]) assert.ok(longs.includes(flag), `${name} ${flag}`);
  }
});

test("the criteria options reach the growth section of each command's configuration", () => {
  const given = { alpha: 2e-5, significance: "marchenko-pastur", significanceLevel: 0.01 };
  const grow = growConfig({ ...given, task: "regression", train: "x.csv", target: ["y"] }, {});
  for (const g of [grow.growth, mnistConfig(given, {}).growth, studyConfig(given).growth]) {
    assert.equal(g.penalty.alpha, 2e-5);
    assert.deepEqual(g.fit.significance, { rule: "marchenko-pastur", level: 0.01 });
  }
  assert.throws(() => growConfig({ alpha: -1, task: "regression", train: "x.csv", target: ["y"] }, {}), (e: unknown) => e instanceof ConfigError && /--alpha: growth\.penalty\.alpha/.test(e.message));
  assert.throws(() => growConfig({ significanceLevel: 1, task: "regression", train: "x.csv", target: ["y"] }, {}), (e: unknown) => e instanceof ConfigError && /--significance-level/.test(e.message));
});
