import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { configDefaults, flagsLayer, resolveConfig } from "./config.js";
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
