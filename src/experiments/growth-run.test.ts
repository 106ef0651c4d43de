import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError, GraphError, TrainingError } from "../errors.js";
import { modelToJson } from "../dag/serialize.js";
import { DagModel } from "../dag/model.js";
import { readCheckpoint, writeCheckpoint } from "../node/io/checkpoint.js";
import { resolveConfig } from "../io/config.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Rng } from "../tensor/rng.js";
import { TeacherStudentConfigSchema, type GrowthRunConfig } from "./config.js";
import { CheckpointableSgd } from "./growth-checkpoint.js";
import { LOG_FILE, MODEL_FILE, runGrowth, stepGrowthOptions, TIMING_FIELDS, type GrowthTask } from "./growth-run.js";
import { growthRunDone, openGrowthRun, readGrowthLog } from "../node/experiments/open-growth-run.js";
import { teacherStudentTask } from "../node/experiments/teacher-student.js";
import { tempDir } from "../test-support/temp-dir.js";

const kernels = kernelsUnderTest();

const tmp = (): string => tempDir("tinygrow-growth-run-");

function tinyTask(seed = 0): GrowthTask {
  const config = resolveConfig(TeacherStudentConfigSchema, [{ source: "test", values: { data: { trainSamples: 150, testSamples: 50, teacher: { inputSize: 4, hiddenSize: 6 } } } }]);
  return teacherStudentTask(config, seed, kernels).task;
}

function tinyConfig(over: { steps?: number; epochs?: number; every?: number; lr?: number } = {}): GrowthRunConfig {
  const c = resolveConfig(TeacherStudentConfigSchema, [
    { source: "test", values: { growth: { steps: over.steps ?? 2, neuronsPerStep: 3 }, training: { epochsPerStep: over.epochs ?? 4, batchSize: 16, lr: over.lr ?? 0.01 }, checkpoint: { everyEpochs: over.every ?? 3 } } },
  ]);
  return { seed: 7, growth: c.growth, training: c.training, checkpoint: c.checkpoint };
}

const manifest = { config: {}, seed: 0, kernels: { name: "portable", reason: "test" }, versions: {}, dataSplit: null };

/** Runs (or resumes) the run in `dir`; `stopAfter` throws from the progress callback after that many ticks (a crash). */
async function run(dir: string, resume: boolean, config: GrowthRunConfig, task: GrowthTask, stopAfter = Infinity) {
  const opened = openGrowthRun({ dir, resume, manifest, accountant: { rapl: "off" }, expect: { config, dataSplit: task.dataSplit } });
  let ticks = 0;
  const progress = {
    tick: () => {
      if (++ticks >= stopAfter) throw new Error("simulated crash");
    },
  };
  try {
    return await runGrowth(task, config, { kernels, rng: new Rng(11), accountant: opened.accountant, log: opened.log, progress, store: opened.store, pool: null, resume: opened.checkpoint });
  } finally {
    opened.log.close();
  }
}

function withoutTiming(records: Record<string, unknown>[]): Record<string, unknown>[] {
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(TIMING_FIELDS as readonly string[]).includes(k))));
}

test("a growth run logs one record per growth step and per epoch, and writes the final model", async () => {
  const dir = join(tmp(), "run");
  const res = await run(dir, false, tinyConfig(), tinyTask());
  const records = readGrowthLog(dir);
  const kinds = records.map((r) => r.kind);
  assert.deepEqual(kinds, ["init", "growth", "epoch", "epoch", "epoch", "epoch", "growth", "epoch", "epoch", "epoch", "epoch", "done"]);
  assert.deepEqual(records.map((r) => r.epoch), [0, 0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 8]);
  for (const r of records) {
    assert.deepEqual(Object.keys(r.losses).filter((k) => k !== "train").sort(), ["test", "train-gr", "train-ls", "train-opt", "validation"]);
    assert.ok(r.energyWh !== undefined && r.wallSeconds !== undefined && typeof r.action === "string");
  }
  assert.match(String(records[1].action), /^grow: /);
  assert.equal(records.at(-1)?.parameters, res.parameters);
  assert.ok(res.parameters > 0);
  const saved = JSON.parse(readFileSync(join(dir, MODEL_FILE), "utf8"));
  assert.deepEqual(saved, modelToJson(res.model));
  assert.ok(growthRunDone(dir));
});

test("a run interrupted mid-training resumes to the same model and the same log lines", async () => {
  const config = tinyConfig({ steps: 2, epochs: 5, every: 3 });
  const task = tinyTask(1);
  const ref = join(tmp(), "ref");
  await run(ref, false, config, task);
  const dir = join(tmp(), "crashed");
  // 9 ticks: growth 1, epochs 1-5, growth 2, epochs 6-7 (epoch 6 was checkpointed, epoch 7 was not).
  await assert.rejects(run(dir, false, config, task, 9), /simulated crash/);
  assert.equal(readGrowthLog(dir).length, 10);
  const res = await run(dir, true, config, task);
  assert.deepEqual(res.resumedFrom, { step: 2, stepEpoch: 1, epoch: 6, done: false });
  assert.equal(readFileSync(join(dir, MODEL_FILE), "utf8"), readFileSync(join(ref, MODEL_FILE), "utf8"));
  assert.deepEqual(withoutTiming(readGrowthLog(dir)), withoutTiming(readGrowthLog(ref)));
  // The record written after the checkpoint went to a side file, not lost.
  const side = readdirSync(dir).filter((f) => f.startsWith(`${LOG_FILE}.discarded-`));
  assert.equal(side.length, 1);
  assert.equal(JSON.parse(readFileSync(join(dir, side[0]), "utf8")).epoch, 7);
});

test("a finished run resumed again changes nothing", async () => {
  const dir = join(tmp(), "run");
  const config = tinyConfig({ steps: 1, epochs: 2 });
  await run(dir, false, config, tinyTask());
  const log = readFileSync(join(dir, LOG_FILE), "utf8");
  const res = await run(dir, true, config, tinyTask());
  assert.equal(readFileSync(join(dir, LOG_FILE), "utf8"), log);
  assert.ok(res.position.done);
});

test("SGD momentum buffers survive export and import by parameter name", () => {
  const make = () => {
    const m = DagModel.empty(3, 2);
    m.addEdge("in", "out", { init: "lecun-normal", rng: new Rng(3) });
    return m;
  };
  const a = make();
  const b = make();
  const oa = new CheckpointableSgd(a.params(), { lr: 0.1, momentum: 0.9 });
  for (const p of a.params()) p.grad.fill(0.5);
  oa.step();
  const ob = new CheckpointableSgd(b.params(), { lr: 0.1, momentum: 0.9 });
  for (const p of b.params()) p.grad.fill(0.5);
  ob.step();
  const saved = oa.exportMomentum();
  assert.deepEqual(Object.keys(saved), ["in->out.weight", "in->out.bias"]);
  const oc = new CheckpointableSgd(b.params(), { lr: 0.1, momentum: 0.9 });
  oc.importMomentum(saved);
  for (const p of [...a.params(), ...b.params()]) p.grad.fill(-0.25);
  oa.step();
  oc.step();
  assert.deepEqual(a.params().map((p) => Array.from(p.value)), b.params().map((p) => Array.from(p.value)));
});

test("NaN during training stops the run with an error naming the growth step and epoch; the log is kept", async () => {
  const dir = join(tmp(), "run");
  await assert.rejects(run(dir, false, tinyConfig({ steps: 2, epochs: 3, lr: 1e6 }), tinyTask()), (e: unknown) => {
    assert.ok(e instanceof TrainingError);
    assert.match(e.message, /loss is (NaN|Infinity)/);
    assert.match(e.message, /growth step 1, epoch \d of 3/);
    return true;
  });
  const records = readGrowthLog(dir);
  assert.deepEqual(records.slice(0, 2).map((r) => r.kind), ["init", "growth"]);
  assert.equal(records.at(-1)?.kind, "error");
  assert.ok(!growthRunDone(dir));
});

test("resuming with a different configuration names the changed fields, before touching the folder", async () => {
  const dir = join(tmp(), "run");
  await assert.rejects(run(dir, false, tinyConfig({ steps: 1, epochs: 3 }), tinyTask(), 3), /simulated crash/);
  const log = readFileSync(join(dir, LOG_FILE), "utf8");
  await assert.rejects(run(dir, true, tinyConfig({ steps: 1, epochs: 4 }), tinyTask()), (e: unknown) => e instanceof ConfigError && /training\.epochsPerStep: differs from the run's checkpoint/.test(e.message));
  assert.equal(readFileSync(join(dir, LOG_FILE), "utf8"), log);
});

test("a checkpoint whose graph is invalid is refused naming the node, and the run folder is left as it was", async () => {
  const dir = join(tmp(), "run");
  await assert.rejects(run(dir, false, tinyConfig({ steps: 1, epochs: 3 }), tinyTask(), 3), /simulated crash/);
  const { payload } = readCheckpoint<{ model: { edges: { from: string; to: string }[] } }>(dir);
  payload.model.edges[0].from = "ghost";
  writeCheckpoint(dir, payload);
  writeFileSync(join(dir, "checkpoint.prev.tgck"), readFileSync(join(dir, "checkpoint.tgck")));
  const log = readFileSync(join(dir, LOG_FILE), "utf8");
  const manifestText = readFileSync(join(dir, "manifest.json"), "utf8");
  await assert.rejects(run(dir, true, tinyConfig({ steps: 1, epochs: 3 }), tinyTask()), (e: unknown) => e instanceof GraphError && /unknown node "ghost"/.test(e.message));
  assert.equal(readFileSync(join(dir, LOG_FILE), "utf8"), log);
  assert.equal(readFileSync(join(dir, "manifest.json"), "utf8"), manifestText);
});

test("a new run refuses a folder that is not empty, suggesting --resume", () => {
  const dir = tmp();
  writeFileSync(join(dir, "notes.txt"), "keep me");
  assert.throws(() => openGrowthRun({ dir, resume: false, manifest }), /not empty.*--resume/);
  assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "keep me");
});

test("growth.maxParameters reaches every step: the grown network never exceeds the budget", async () => {
  const base = tinyConfig({ steps: 4, epochs: 2 });
  const unbounded = await run(join(tmp(), "run"), false, base, tinyTask());
  const budget = 30;
  assert.ok(unbounded.parameters > budget, `the unbounded run grows past ${budget}: ${unbounded.parameters}`);
  assert.equal(stepGrowthOptions({ ...base, growth: { ...base.growth, maxParameters: budget } }, "mse", 1).maxParameters, budget);
  assert.equal(stepGrowthOptions(base, "mse", 1).maxParameters, undefined);
  const dir = join(tmp(), "run");
  const res = await run(dir, false, { ...base, growth: { ...base.growth, maxParameters: budget } }, tinyTask());
  assert.ok(res.parameters > 0 && res.parameters <= budget, `${res.parameters} <= ${budget}`);
  for (const r of readGrowthLog(dir)) assert.ok((r.parameters as number) <= budget);
});

test("a NaN in the data stops the run before any training, naming the set, row and column", async () => {
  const task = tinyTask(3);
  task.splits.trainGr.x.data[2 * task.splits.trainGr.x.cols + 1] = NaN;
  const dir = join(tmp(), "run");
  await assert.rejects(run(dir, false, tinyConfig(), task), (e: unknown) => e instanceof DataError && /^train-gr: input row 3, column 2 is NaN/.test(e.message));
  assert.equal(readGrowthLog(dir).length, 0, "nothing trained or logged");
});

test("selection best-validation: the saved model is the run's model of lowest validation loss; patience stops growth; a resumed run keeps the same choice", async () => {
  const base = tinyConfig({ steps: 5, epochs: 3, every: 2, lr: 0.05 });
  const config: GrowthRunConfig = { ...base, selection: { keep: "best-validation", patience: 1 } };
  const task = tinyTask(2);
  const dir = join(tmp(), "run");
  const res = await run(dir, false, config, task);
  const records = readGrowthLog(dir);
  const done = records.at(-1) as unknown as { selected: { step: number; epoch: number; validation: number; parameters: number; stoppedEarly: boolean }; losses: Record<string, number> };
  const scored = records.filter((r) => r.kind !== "done" && r.losses.validation !== undefined);
  const min = Math.min(...scored.map((r) => r.losses.validation));
  assert.equal(done.selected.validation, min);
  const first = scored.find((r) => r.losses.validation === min);
  assert.equal(done.selected.step, first?.step);
  assert.equal(done.selected.epoch, first?.epoch);
  // The saved model is that one: its validation loss, re-evaluated, is the minimum.
  assert.ok(Math.abs(done.losses.validation - min) <= 1e-6 * min, `${done.losses.validation} vs ${min}`);
  assert.equal(res.parameters, done.selected.parameters);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, MODEL_FILE), "utf8")), modelToJson(res.model));
  const grown = records.filter((r) => r.kind === "growth").length;
  if (done.selected.stoppedEarly) assert.equal(grown, done.selected.step + 1, "patience 1: one step without a new best, then stop");
  else assert.equal(grown, 5);
  // Interrupted mid-run and resumed: the same saved model and log.
  const crashed = join(tmp(), "crashed");
  await assert.rejects(run(crashed, false, config, task, 6), /simulated crash/);
  await run(crashed, true, config, task);
  assert.equal(readFileSync(join(crashed, MODEL_FILE), "utf8"), readFileSync(join(dir, MODEL_FILE), "utf8"));
  assert.deepEqual(withoutTiming(readGrowthLog(crashed)), withoutTiming(records));
  // The last model instead: differs from the kept one whenever the best came before the end.
  const last = await run(join(tmp(), "last"), false, base, task);
  if (done.selected.step < 5 && !done.selected.stoppedEarly) assert.notDeepEqual(modelToJson(last.model), modelToJson(res.model));
});
