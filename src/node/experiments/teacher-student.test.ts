import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError } from "../../errors.js";
import { resolveConfig } from "../../io/config.js";
import { readJsonl } from "../io/results.js";
import { Rng } from "../../tensor/rng.js";
import { baselineRunConfig, freshlyInitialised, oracleModel, totalEpochs } from "../../experiments/baselines.js";
import { TeacherStudentConfigSchema, type TeacherStudentConfig } from "../../experiments/config.js";
import { readStudyConfig, runConfig, runTeacherStudentStudy, studyPlan } from "./teacher-student.js";
import { tempDir } from "../../test-support/temp-dir.js";

const tmp = (): string => tempDir("tinygrow-ts-");
const quiet = { progress: null, log: () => {} };

function tiny(values: Record<string, unknown> = {}): TeacherStudentConfig {
  const base = {
    seeds: [0, 1],
    kernels: "portable",
    workers: 0,
    blasThreads: 1,
    data: { trainSamples: 150, testSamples: 50 },
    growth: { steps: 2, neuronsPerStep: 4 },
    training: { epochsPerStep: 3, batchSize: 32 },
    checkpoint: { everyEpochs: 2 },
    accounting: { rapl: "off" },
  };
  return resolveConfig(TeacherStudentConfigSchema, [{ source: "test", values: base }, { source: "test", values }]);
}

test("the oracle is the teacher's architecture: 4,701 parameters", () => {
  const oracle = oracleModel(new Rng(5));
  assert.equal(oracle.parameterCount(), 4701);
  assert.deepEqual(oracle.graph.edges.map((e) => `${e.from}->${e.to}`), ["in->h1", "h1->h2", "in->h2", "h2->out"]);
  const again = freshlyInitialised(oracle, new Rng(6));
  assert.equal(again.parameterCount(), 4701);
  assert.notDeepEqual(Array.from(again.layer("in", "h1").weight.data), Array.from(oracle.layer("in", "h1").weight.data));
});

test("baselines train for as many epochs as a grown student, with no growth step", () => {
  const c = tiny();
  const growth = runConfig(c, { kind: "growth", strategy: "bic", seed: 0, label: "bic", dir: "bic/seed-0" });
  assert.equal(growth.growth.strategy, "bic");
  const base = baselineRunConfig(growth);
  assert.equal(base.growth.steps, 0);
  assert.equal(base.training.initialEpochs, totalEpochs(growth));
  assert.equal(totalEpochs(growth), 6);
});

test("the study runs every strategy and seed, the baselines, and writes the report", async () => {
  const out = join(tmp(), "study");
  const config = tiny();
  const res = await runTeacherStudentStudy(config, { out, resume: false }, quiet);
  assert.equal(res.report, join(out, "report.md"));
  const plan = studyPlan(config);
  assert.equal(plan.length, 2 * (3 * 2 + 1));
  for (const run of plan) {
    const dir = join(out, run.dir);
    for (const f of ["manifest.json", "log.jsonl", "checkpoint.tgck", "model.json", "dag.svg", "dag.dot", "curves.svg"]) assert.ok(existsSync(join(dir, f)), `${run.dir}/${f}`);
    const records = readJsonl<{ kind: string }>(join(dir, "log.jsonl")).records;
    const count = (k: string) => records.filter((r) => r.kind === k).length;
    assert.equal(count("epoch"), 6, run.dir);
    assert.equal(count("growth"), run.kind === "growth" ? 2 : 0, run.dir);
    assert.equal(count("init") + count("done"), 2);
  }
  const oracleLog = readJsonl<{ parameters: number }>(join(out, "oracle/seed-0/log.jsonl")).records;
  assert.ok(oracleLog.every((r) => r.parameters === 4701));
  for (const f of ["loss-vs-epochs.svg", "loss-vs-epochs-retrained.svg", "energy-vs-loss.svg", "parameters.svg"]) {
    assert.match(readFileSync(join(out, "plots", f), "utf8"), /^<svg/, f);
  }
  const summary = readFileSync(res.summary, "utf8");
  const strategies = summary.split("## Baselines")[0];
  for (const s of ["whole", "restricted", "bic"]) assert.equal(strategies.split("\n").filter((l) => l.startsWith(`| ${s} `)).length, 1, s);
  assert.match(summary, /energy \/ oracle/);
  assert.match(summary, /\| oracle +\| +2 \|/);
  const report = readFileSync(res.report, "utf8");
  assert.match(report, /!\[.*\]\(plots\/loss-vs-epochs\.svg\)/);
  assert.match(report, /whole\/seed-1\/dag\.svg/);
  assert.deepEqual(readStudyConfig(out), config);
  assert.ok(existsSync(join(out, "teachers", "seed-1.json")));

  // Resuming a finished study keeps every run and rewrites the same report.
  const log = readFileSync(join(out, "whole/seed-0/log.jsonl"), "utf8");
  await runTeacherStudentStudy(config, { out, resume: true }, quiet);
  assert.equal(readFileSync(join(out, "whole/seed-0/log.jsonl"), "utf8"), log);
});

test("candidate evaluation on worker threads gives the same grown model as on the main thread", async () => {
  const config = tiny({ seeds: [3], strategies: ["whole"], baselines: { oracle: false, retrain: false }, growth: { steps: 3 } });
  const a = join(tmp(), "serial");
  const b = join(tmp(), "pool");
  await runTeacherStudentStudy(config, { out: a, resume: false }, quiet);
  await runTeacherStudentStudy({ ...config, workers: 2 }, { out: b, resume: false }, quiet);
  assert.equal(readFileSync(join(b, "whole/seed-3/model.json"), "utf8"), readFileSync(join(a, "whole/seed-3/model.json"), "utf8"));
});

test("a study never overwrites an existing folder", async () => {
  const out = tmp();
  writeFileSync(join(out, "results.txt"), "precious");
  await assert.rejects(runTeacherStudentStudy(tiny(), { out, resume: false }, quiet), (e: unknown) => e instanceof DataError && /--resume, or choose another --out/.test(e.message));
  assert.equal(readFileSync(join(out, "results.txt"), "utf8"), "precious");
});

test("inconsistent configurations are refused naming the field and its source", () => {
  const bad = (values: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => resolveConfig(TeacherStudentConfigSchema, [{ source: "run.json", values }]), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  bad({ growth: { neuronsPerStep: 0 } }, /run\.json: growth\.neuronsPerStep: .*>=1/);
  bad({ growth: { steps: -1 } }, /run\.json: growth\.steps/);
  bad({ data: { trainSamples: 90, splitSizes: [40, 40, 40] } }, /run\.json: data\.splitSizes: the parts \(40 \+ 40 \+ 40 = 120\) exceed the 75 training samples left after data\.validationSamples \(15\)/);
  bad({ data: { trainSamples: 90, validationSamples: 88 } }, /run\.json: data\.validationSamples: 88 validation samples of data\.trainSamples \(90\) leave 2/);
  bad({ alphas: [1e-6, -1] }, /run\.json: alphas\.1/);
  bad({ seeds: [1, 1] }, /run\.json: seeds\.1: seed 1 appears twice/);
  bad({ strategies: ["whole", "greedy"] }, /run\.json: strategies\.1/);
  bad({ training: { epochs: 3 } }, /run\.json: training\.epochs: /);
});
