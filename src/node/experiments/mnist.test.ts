import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ConfigError, DataError } from "../../errors.js";
import type { SearchDir } from "../data/data-dir.js";
import { writeTinyMnist } from "../data/idx-fixtures.js";
import { encodeIdx } from "../../data/idx.js";
import { resolveConfig } from "../../io/config.js";
import { readJsonl } from "../io/results.js";
import { Rng } from "../../tensor/rng.js";
import { totalEpochs } from "../../experiments/baselines.js";
import { MnistConfigSchema, type MnistConfig } from "../../experiments/config.js";
import { chainModel, LECUN_MLPS, mlpParameterCount, publishedReferences, scaledHidden } from "../../experiments/mnist-baselines.js";
import { loadMnistSplits, mnistPlan, mnistRunConfig, mnistTask, readMnistConfig, runMnistExperiment } from "./mnist.js";
import { grownTrajectory, interTrainAccuracy, mnistOutcome } from "./mnist-report.js";
import { tempDir } from "../../test-support/temp-dir.js";

const tmp = (): string => tempDir("tinygrow-mnist-");
const quiet = { progress: null, log: () => {} };
const dirsOf = (dir: string): SearchDir[] => [{ dir, source: "--data-dir" }];

/** 8×8 images: 240 training, 40 test. */
function tinyData(options: { train?: number; test?: number } = {}): string {
  const dir = tmp();
  writeTinyMnist(dir, { train: options.train ?? 240, test: options.test ?? 40, rows: 8, cols: 8 });
  return dir;
}

function tiny(values: Record<string, unknown> = {}): MnistConfig {
  const base = {
    kernels: "portable",
    workers: 0,
    blasThreads: 1,
    data: { verify: false },
    model: { inputSize: 64 },
    growth: { steps: 2, neuronsPerStep: 4 },
    training: { epochsPerStep: 4, batchSize: 32 },
    evaluation: { everyEpochs: 2 },
    checkpoint: { everyEpochs: 3 },
    accounting: { rapl: "off" },
    baselines: { widthScale: 0.02 },
  };
  return resolveConfig(MnistConfigSchema, [{ source: "test", values: base }, { source: "test", values }]);
}

test("LeCun et al.'s fixed MLPs: shapes, parameter counts, published errors, scaled widths", () => {
  assert.deepEqual(
    LECUN_MLPS.map((m) => [m.name, mlpParameterCount([784, ...m.hidden, 10]), m.publishedError]),
    [
      ["784-300-10", 238510, 0.047],
      ["784-1000-10", 795010, 0.045],
      ["784-300-100-10", 266610, 0.0305],
      ["784-500-150-10", 469160, 0.0295],
    ],
  );
  assert.deepEqual(
    LECUN_MLPS.map((m) => scaledHidden(m, 0.01)),
    [[3], [10], [3, 1], [5, 2]],
  );
  const refs = publishedReferences();
  assert.deepEqual(
    refs.map((r) => Number(r.accuracy.toFixed(4))),
    [0.953, 0.955, 0.9695, 0.9705],
  );
  const chain = chainModel(784, [300, 100], 10, "relu", new Rng(1));
  assert.equal(chain.parameterCount(), 266610);
  assert.deepEqual(
    chain.graph.edges.map((e) => `${e.from}->${e.to}`),
    ["in->h1", "h1->h2", "h2->out"],
  );
});

test("the MNIST defaults: the paper's growth (whole, 10 neurons, 20 steps), cross-entropy, every baseline", () => {
  const c = resolveConfig(MnistConfigSchema, []);
  assert.equal(c.growth.strategy, "whole");
  assert.equal(c.growth.neuronsPerStep, 10);
  assert.equal(c.growth.steps, 20);
  assert.equal(c.model.inputSize, 784);
  const plan = mnistPlan(c);
  assert.deepEqual(
    plan.map((r) => r.label),
    ["grown (whole)", "784-300-10", "784-1000-10", "784-300-100-10", "784-500-150-10", "grown structure, retrained"],
  );
  const fixed = mnistRunConfig(c, plan[1]);
  assert.equal(fixed.growth.steps, 0);
  assert.equal(fixed.training.initialEpochs, totalEpochs(mnistRunConfig(c, plan[0])));
  assert.throws(() => resolveConfig(MnistConfigSchema, [{ source: "f.json", values: { data: { trainSamples: 90, splitSizes: [40, 40, 40] } } }]), /f\.json: data\.splitSizes: the parts \(40 \+ 40 \+ 40 = 120\) exceed data\.trainSamples \(90\)/);
});

test("the split: three equal parts of the training images, inter-train = train-opt ∪ train-ls, same for the same seed", () => {
  const dir = tinyData();
  const config = tiny({ data: { trainSamples: 150, testSamples: 30 } });
  const data = loadMnistSplits(config, dirsOf(dir));
  assert.equal(data.train.x.rows, 150);
  assert.equal(data.test.x.rows, 30);
  const a = mnistTask(config, data);
  assert.deepEqual(a.splitSizes, [50, 50, 50]);
  assert.equal(a.task.interTrain.x.rows, 100);
  assert.equal(a.task.loss, "softmax-cross-entropy");
  const b = mnistTask(config, loadMnistSplits(config, dirsOf(dir)));
  assert.deepEqual(b.task.dataSplit, a.task.dataSplit);
  let max = 0;
  for (const v of data.train.x.data) max = Math.max(max, v);
  assert.ok(max <= 1 && max > 0.9, `pixels scaled to [0, 1], max ${max}`);
  const std = loadMnistSplits(tiny({ data: { standardize: true } }), dirsOf(dir));
  assert.ok(std.source.standardization !== null && std.source.standardization.std > 0);
  assert.equal(interTrainAccuracy({ "train-opt": 1, "train-ls": 0.5 }, [30, 10, 5]), 0.875);
});

test("bad input: missing files, more samples than the split, wrong image size, labels out of range", () => {
  const empty = tmp();
  assert.throws(
    () => loadMnistSplits(tiny(), dirsOf(empty)),
    (err: unknown) => err instanceof DataError && /files not found \(train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz\)/.test(err.message) && /tinygrow data fetch mnist/.test(err.message),
  );
  const dir = tinyData();
  assert.throws(
    () => loadMnistSplits(tiny({ data: { trainSamples: 500, testSamples: 41 } }), dirsOf(dir)),
    (err: unknown) =>
      err instanceof ConfigError &&
      /data\.trainSamples: asks for 500 samples, but the mnist training images \(.*train-images-idx3-ubyte\.gz\) hold only 240/.test(err.message) &&
      /data\.testSamples: asks for 41 samples, but the mnist test images .* hold only 40/.test(err.message),
  );
  assert.throws(() => loadMnistSplits(tiny({ model: { inputSize: 784 } }), dirsOf(dir)), /images are 8×8 = 64 features, but the model expects 784 inputs/);
  writeFileSync(join(dir, "train-labels-idx1-ubyte.gz"), gzipSync(encodeIdx([240], Uint8Array.from({ length: 240 }, (_, i) => (i === 7 ? 12 : i % 10)))));
  assert.throws(() => loadMnistSplits(tiny(), dirsOf(dir)), (err: unknown) => err instanceof DataError && /train-labels-idx1-ubyte\.gz/.test(err.message) && /12/.test(err.message));
});

test("bad input leaves no experiment folder behind", async () => {
  const out = join(tmp(), "exp");
  await assert.rejects(runMnistExperiment(tiny({ data: { trainSamples: 9999 } }), { out, resume: false, dirs: dirsOf(tinyData()) }, quiet), /data\.trainSamples/);
  assert.ok(!existsSync(out));
});

test("the experiment end to end: grown network, the four fixed MLPs (scaled), the retrained structure, Fig. 3 and 4, LeCun's points", { timeout: 60_000 }, async () => {
  const out = join(tmp(), "exp");
  const config = tiny();
  const res = await runMnistExperiment(config, { out, resume: false, dirs: dirsOf(tinyData()) }, quiet);
  for (const f of ["manifest.json", "summary.md", "report.md", "results.json", "plots/fig3-accuracy.svg", "plots/fig4-accuracy-vs-parameters.svg", "grown/log.jsonl", "grown/model.json", "grown/dag.svg", "grown/curves.svg"]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.match(readFileSync(join(out, "plots/fig3-accuracy.svg"), "utf8"), /^<svg/);
  assert.deepEqual(
    res.runs.map((r) => r.label),
    ["grown (whole)", "64-6-10", "64-20-10", "64-6-2-10", "64-10-3-10", "grown structure, retrained"],
  );
  for (const r of res.runs) assert.ok(existsSync(join(out, r.dir, "model.json")), r.dir);

  // Accuracy and loss on every split after every growth step and at the end of each step's training.
  const log = readJsonl<Record<string, unknown>>(join(out, "grown/log.jsonl")).records;
  const growth = log.filter((r) => r.kind === "growth");
  assert.equal(growth.length, 2);
  for (const r of [...growth, log[log.length - 1]]) {
    assert.deepEqual(Object.keys(r.accuracy as object).sort(), ["test", "train-gr", "train-ls", "train-opt"]);
  }
  const epochs = log.filter((r) => r.kind === "epoch");
  assert.equal(epochs.length, 8);
  assert.deepEqual(
    epochs.map((r) => r.accuracy !== undefined),
    [false, true, false, true, false, true, false, true],
  );
  assert.ok(epochs.every((r) => typeof (r.losses as Record<string, number>).train === "number"));

  const grown = mnistOutcome(out, res.runs[0]);
  assert.equal(grownTrajectory(grown).length, grown.growthEpochs.length);
  const summary = readFileSync(join(out, "summary.md"), "utf8");
  for (const name of ["784-300-10 (LeCun et al. 1998, 4.70% error)", "784-1000-10 (LeCun et al. 1998, 4.50% error)", "784-300-100-10 (LeCun et al. 1998, 3.05% error)", "784-500-150-10 (LeCun et al. 1998, 2.95% error)", "64-6-10", "grown structure, retrained"]) {
    assert.ok(summary.includes(name), name);
  }
  const report = readFileSync(join(out, "report.md"), "utf8");
  assert.match(report, /!\[.*\]\(plots\/fig4-accuracy-vs-parameters\.svg\)/);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { runs: { parameters: number; accounting: { peakRssMB: number } }[]; published: unknown[] };
  assert.equal(results.runs.length, 6);
  assert.equal(results.published.length, 4);
  assert.ok(results.runs[0].accounting.peakRssMB > 0);
  assert.deepEqual(readMnistConfig(out), config);

  // --resume of a finished experiment keeps every run and rewrites the report.
  rmSync(join(out, "report.md"));
  const again = await runMnistExperiment(config, { out, resume: true, dirs: dirsOf(tinyData()) }, quiet);
  assert.ok(existsSync(again.report));
});
