/**
 * The MNIST experiment on the real files: a very short run (one growth step, two epochs,
 * a subset) loads them, grows, trains and reports a sane test accuracy. Runs when the files
 * are present (CI has them in ../shared/data/mnist beside the repository, or set
 * TINYGROW_MNIST_DIR); otherwise skipped with the reason printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DATASETS } from "../src/node/data/mnist.js";
import { MnistConfigSchema } from "../src/experiments/config.js";
import { runMnistExperiment } from "../src/node/experiments/mnist.js";
import { resolveConfig } from "../src/io/config.js";
import { tempDir } from "../src/test-support/temp-dir.js";

// Compiled to dist/test/: the repository root is two folders up.
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const dir = process.env.TINYGROW_MNIST_DIR ? resolve(process.env.TINYGROW_MNIST_DIR) : resolve(repoRoot, "../shared/data/mnist");
const present = DATASETS.mnist.files.every((f) => existsSync(join(dir, f.name)));
const skip = present ? false : `MNIST files not found in ${dir} (set TINYGROW_MNIST_DIR or run \`tinygrow data fetch mnist\` and point it there)`;
if (skip) console.log(`# mnist-experiment skipped: ${skip}`);

test("mnist experiment (real files): one growth step and two epochs on 12,000 images reach > 80% test accuracy", { skip, timeout: 120_000 }, async () => {
  const config = resolveConfig(MnistConfigSchema, [
    {
      source: "test",
      values: {
        workers: 0,
        data: { trainSamples: 12000, testSamples: 2000 },
        growth: { steps: 1 },
        training: { epochsPerStep: 2 },
        accounting: { rapl: "off" },
        baselines: { fixed: false, retrain: false },
      },
    },
  ]);
  const out = join(tempDir("tinygrow-mnist-real-"), "exp");
  const lines: string[] = [];
  await runMnistExperiment(config, { out, resume: false, dirs: [{ dir, source: "--data-dir" }] }, { progress: null, log: (l) => lines.push(l) });
  assert.match(lines.join("\n"), /12000 training images \(train-opt\/train-ls\/train-gr 4000\/4000\/4000\), 2000 test images/);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { runs: { parameters: number; accuracy: Record<string, number> }[] };
  const grown = results.runs[0];
  assert.ok(grown.parameters >= 7850, `${grown.parameters} parameters`);
  assert.ok(grown.accuracy.test > 0.8, `test accuracy ${grown.accuracy.test}`);
  assert.ok(grown.accuracy["train-gr"] > 0.8, `train-gr accuracy ${grown.accuracy["train-gr"]}`);
  assert.ok(existsSync(join(out, "plots/fig3-accuracy.svg")));
  assert.match(readFileSync(join(out, "summary.md"), "utf8"), /784-300-10 \(LeCun et al\. 1998, 4\.70% error\)/);
});
