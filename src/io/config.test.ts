import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { configDefaults, flagsLayer, parseConfigText, resolveConfig } from "./config.js";
import { readConfigFile } from "../node/io/config-file.js";
import { tempDir } from "../test-support/temp-dir.js";

const Schema = z.strictObject({
  seed: z.number().int().default(0),
  training: z.strictObject({ epochs: z.number().int().min(1).default(10), lr: z.number().positive().default(0.01) }).prefault({}),
});

test("defaults, file and flags merge in that order", () => {
  const cfg = resolveConfig(Schema, [
    { source: "run.json", values: { seed: 3, training: { epochs: 5 } } },
    flagsLayer({ epochs: 7, lr: undefined }, { epochs: "training.epochs", lr: "training.lr" }),
  ]);
  assert.deepEqual(cfg, { seed: 3, training: { epochs: 7, lr: 0.01 } });
  assert.deepEqual(configDefaults(Schema), { seed: 0, training: { epochs: 10, lr: 0.01 } });
});

test("every issue names its source and path", () => {
  assert.throws(
    () =>
      resolveConfig(Schema, [
        { source: "run.json", values: { training: { lr: -1, bogus: 1 } } },
        flagsLayer({ epochs: 0 }, { epochs: "training.epochs" }),
      ]),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.issues.map((i) => `${i.source}: ${i.path}`).sort();
      assert.deepEqual(text, ["--epochs: training.epochs", "run.json: training.bogus", "run.json: training.lr"]);
      assert.match(err.message, /--epochs: training\.epochs: /);
      return true;
    },
  );
});

test("a JSON syntax error names the file, line and column", () => {
  const dir = tempDir("tinygrow-config-");
  const file = join(dir, "bad.json");
  writeFileSync(file, '{\n  "seed": 1,\n  "training": {,}\n}\n');
  assert.throws(() => readConfigFile(file), (err: unknown) => err instanceof ConfigError && /bad\.json: \(root\): invalid JSON at line 3/.test(err.message));
  assert.throws(() => readConfigFile(join(dir, "missing.json")), /cannot read config file/);
});

test("several unknown keys in one object: one issue per key, each blamed on the layer that has it", () => {
  assert.throws(
    () =>
      resolveConfig(Schema, [
        { source: "run.json", values: { foo: 1, bar: 2, training: { epochs: 3, baz: 4, qux: 5 } } },
        { source: "flags", values: { training: { extra: 1 } }, pathSources: { "training.extra": "--extra" } },
      ]),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.issues.map((i) => `${i.source}: ${i.path}: ${i.message}`).sort();
      assert.deepEqual(text, [
        "--extra: training.extra: unknown key \"extra\"",
        "run.json: bar: unknown key \"bar\"",
        "run.json: foo: unknown key \"foo\"",
        "run.json: training.baz: unknown key \"baz\"",
        "run.json: training.qux: unknown key \"qux\"",
      ]);
      return true;
    },
  );
});

test("JSON errors name the line and column whatever V8's message says (truncated file, bad token)", () => {
  const cases: [text: string, line: number, column: number][] = [
    ['{\n  "seed": 1,\n  "training": {"epochs": 2', 3, 27],
    ['{\n  "seed": 1,\n  "training":', 3, 14], // V8: "Unexpected end of JSON input", no position
    ['{"seed": tru', 1, 13], // the same
    ["", 1, 1],
    ['{\n  "seed": 1,\n  "training": {,}\n}\n', 3, 16],
    ['{"seed": 1}\n x', 2, 2],
    ['{"seed": "abc', 1, 14],
  ];
  for (const [text, line, column] of cases) {
    assert.throws(() => parseConfigText(text, "run.json"), (err: unknown) => err instanceof ConfigError && err.message.includes(`run.json: (root): invalid JSON at line ${line}, column ${column}:`), JSON.stringify(text));
  }
});
