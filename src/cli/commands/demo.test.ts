import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../errors.js";
import { configDefaults, resolveConfig } from "../../io/config.js";
import { DemoConfigSchema, runDemo } from "./demo.js";

test("demo defaults are the documented 20-50-50-1 SELU run", () => {
  const d = configDefaults(DemoConfigSchema);
  assert.equal(d.data.inputs, 20);
  assert.deepEqual(d.model.hidden, [50, 50]);
  assert.equal(d.model.activation, "selu");
  assert.equal(d.training.batchSize, 64);
});

test("a short demo run trains (the test loss falls) and reports each epoch", () => {
  const cfg = resolveConfig(DemoConfigSchema, [
    { source: "test", values: { kernels: "portable", data: { samples: 512, testSamples: 128 }, model: { hidden: [16] }, training: { epochs: 4 } } },
  ]);
  const lines: string[] = [];
  const result = runDemo(cfg, { progress: false, log: (l) => lines.push(l) });
  assert.equal(result.testLoss.length, 4);
  assert.ok(result.testLoss[3] < result.testLoss[0], `test loss ${result.testLoss.join(", ")}`);
  assert.match(lines[0], /^kernels: portable kernels/);
  assert.ok(lines.some((l) => /^epoch 4: train [\d.e-]+ {2}test [\d.e-]+$/.test(l)));
});

test("bad demo options are reported with their source", () => {
  assert.throws(
    () => resolveConfig(DemoConfigSchema, [{ source: "run.json", values: { training: { batchSize: 0 } } }]),
    (e: unknown) => e instanceof ConfigError && /run\.json: training\.batchSize/.test(e.message),
  );
});
