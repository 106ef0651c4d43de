/**
 * The teacher–student study of Douka et al. (§3, Fig. 5). Per seed: a random teacher DAG
 * (input 20, two hidden states of 50 with SELU, a direct input → second-hidden connection,
 * output 1: 4,701 parameters), uniform inputs, train and test sets labelled by it, and the
 * train-opt / train-ls / train-gr split. Per strategy × seed: a student grown from the
 * empty graph (growth-run.ts). Per seed: the oracle; per strategy × seed: the final grown
 * structure retrained from scratch (baselines.ts). Then the report (report.ts).
 *
 * Study folder:
 *   manifest.json            the resolved configuration (read back by --resume)
 *   teachers/seed-<s>.json   each seed's teacher (the data is regenerated from the seed)
 *   <strategy>/seed-<s>/     one growth run folder each (log.jsonl, checkpoint, model.json, dag.svg, …)
 *   oracle/seed-<s>/, retrained-<strategy>/seed-<s>/   the baselines' run folders
 *   plots/, summary.md, report.md
 *
 * Everything random derives from the seed: the same seed gives the same teacher, data and
 * split for every strategy, so strategies are compared on identical tasks.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../errors.js";
import { CandidatePool } from "../dag/pool.js";
import type { Strategy } from "../dag/candidates.js";
import { modelFromJson, modelToJson, type DagModelJson } from "../dag/serialize.js";
import type { DagModel } from "../dag/model.js";
import { concatIndices, splitThreeWays, splitToJson, subsetDataset } from "../data/splits.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { writeFileAtomic } from "../io/atomic.js";
import { readConfigFile, resolveConfig } from "../io/config.js";
import { createRunFolder, MANIFEST_FILE, readManifest, resumeRunFolder, softwareVersions } from "../io/run-folder.js";
import { chooseKernels, type KernelChoice } from "../kernels/select.js";
import { Rng } from "../tensor/rng.js";
import { baselineRunConfig, freshlyInitialised, oracleModel } from "./baselines.js";
import { TeacherStudentConfigSchema, type GrowthRunConfig, type TeacherStudentConfig } from "./config.js";
import { growthRunDone, growthRunUnits, MODEL_FILE, openGrowthRun, runGrowth, type GrowthTask, type Progress } from "./growth-run.js";
import { writeRunArtifacts, writeStudyReport, type StudyRun } from "./report.js";

export interface StudyIo {
  /** Progress bars (cli/progress.ts); null for none. */
  progress: ((label: string, total: number) => Progress & { stop(): void }) | null;
  /** One line for the user. */
  log(line: string): void;
}

export interface StudyTarget {
  /** The study folder. */
  out: string;
  /** Continue the study in `out` (finished runs are kept, interrupted ones resumed). */
  resume: boolean;
  /** The command line, for the manifest. */
  command?: string[];
}

export interface StudyResult {
  out: string;
  report: string;
  summary: string;
  runs: StudyRun[];
}

/** Every run of the study, in execution order, with its folder (relative to the study folder). */
export function studyPlan(config: TeacherStudentConfig): StudyRun[] {
  const runs: StudyRun[] = [];
  for (const seed of config.seeds) {
    for (const strategy of config.strategies) {
      runs.push({ kind: "growth", strategy, seed, label: strategy, dir: join(strategy, `seed-${seed}`) });
      if (config.baselines.retrain) runs.push({ kind: "retrain", strategy, seed, label: `retrained ${strategy}`, dir: join(`retrained-${strategy}`, `seed-${seed}`) });
    }
    if (config.baselines.oracle) runs.push({ kind: "oracle", strategy: null, seed, label: "oracle", dir: join("oracle", `seed-${seed}`) });
  }
  return runs;
}

/** One seed's teacher, data and split, and the seeds of its runs' randomness. */
export interface SeedTask {
  teacher: DagModel<Float32Array>;
  task: GrowthTask;
  /** Shuffling seeds of the students (shared by the strategies) and of the baselines. */
  trainingSeed: number;
  /** Initialisation seeds of the oracle and of the retrained structures. */
  oracleInitSeed: number;
  retrainInitSeed: number;
}

/** The teacher, datasets and split of `seed` (the same for every strategy). */
export function teacherStudentTask(config: TeacherStudentConfig, seed: number, kernels: KernelChoice["kernels"]): SeedTask {
  const rng = new Rng(seed);
  const d = config.data;
  const teacher = buildTeacher(rng.fork(), d.teacher);
  const train = teacherDataset(kernels, teacher, d.trainSamples, rng.fork(), d.inputRange);
  const test = teacherDataset(kernels, teacher, d.testSamples, rng.fork(), d.inputRange);
  const split = splitThreeWays(d.trainSamples, rng.nextUint32() | 0, d.splitSizes);
  const splits = { trainOpt: subsetDataset(train, split.trainOpt), trainLs: subsetDataset(train, split.trainLs), trainGr: subsetDataset(train, split.trainGr) };
  const task: GrowthTask = {
    splits,
    interTrain: subsetDataset(train, concatIndices(split.trainOpt, split.trainLs)),
    test,
    loss: "mse",
    inputSize: d.teacher.inputSize,
    outputSize: d.teacher.outputSize,
    dataSplit: { seed, trainSamples: d.trainSamples, testSamples: d.testSamples, split: splitToJson(split) },
  };
  return { teacher, task, trainingSeed: rng.nextUint32() | 0, oracleInitSeed: rng.nextUint32() | 0, retrainInitSeed: rng.nextUint32() | 0 };
}

/** The growth-run configuration of one run of the study. */
export function runConfig(config: TeacherStudentConfig, run: StudyRun): GrowthRunConfig {
  const growth: GrowthRunConfig = {
    seed: run.seed,
    growth: { ...config.growth, strategy: (run.strategy ?? config.growth.strategy) as Strategy },
    training: config.training,
    checkpoint: config.checkpoint,
  };
  return run.kind === "growth" ? growth : baselineRunConfig(growth);
}

/** Reads the configuration of the study in `dir` (its manifest), validated again. */
export function readStudyConfig(dir: string): TeacherStudentConfig {
  const manifest = readManifest(dir);
  return resolveConfig(TeacherStudentConfigSchema, [{ source: join(dir, MANIFEST_FILE), values: manifest.config as Record<string, unknown> }]);
}

/** A configuration file's values on top of the defaults (convenience for tests and scripts). */
export function loadStudyConfig(file: string): TeacherStudentConfig {
  return resolveConfig(TeacherStudentConfigSchema, [readConfigFile(file)]);
}

/** Runs (or continues) the whole study, then writes the report; resolves to where it is. */
export async function runTeacherStudentStudy(config: TeacherStudentConfig, target: StudyTarget, io: StudyIo): Promise<StudyResult> {
  const choice = chooseKernels(config.kernels);
  const out = target.out;
  const plan = studyPlan(config);
  if (target.resume) resumeRunFolder(out);
  else {
    createRunFolder(out, {
      config,
      seed: config.seeds[0],
      kernels: { name: choice.name, reason: choice.reason },
      versions: softwareVersions(),
      dataSplit: { seeds: config.seeds, trainSamples: config.data.trainSamples, testSamples: config.data.testSamples, splitSizes: config.data.splitSizes ?? "three equal parts" },
      command: target.command,
    });
  }
  io.log(`kernels: ${choice.reason}`);
  io.log(`study: ${plan.length} runs (${config.strategies.join(", ")} × seeds ${config.seeds.join(",")}${config.baselines.oracle ? " + oracle" : ""}${config.baselines.retrain ? " + retrained" : ""}) in ${out}`);
  const pool = config.workers > 0 ? new CandidatePool(config.workers, choice.name) : null;
  const total = plan.reduce((n, run) => n + growthRunUnits(runConfig(config, run)), 0);
  const progress = io.progress?.("study", total) ?? { tick: () => {}, stop: () => {} };
  try {
    for (const seed of config.seeds) {
      const seedTask = teacherStudentTask(config, seed, choice.kernels);
      saveTeacher(out, seed, seedTask.teacher);
      for (const run of plan.filter((r) => r.seed === seed)) await runOne(config, run, seedTask, { out, choice, pool, io, progress, command: target.command });
    }
  } finally {
    progress.stop();
    await pool?.close();
  }
  const { report, summary } = await writeStudyReport(out, config, plan, { kernels: choice.reason });
  return { out, report, summary, runs: plan };
}

function saveTeacher(out: string, seed: number, teacher: DagModel<Float32Array>): void {
  const dir = join(out, "teachers");
  const file = join(dir, `seed-${seed}.json`);
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, JSON.stringify(modelToJson(teacher)) + "\n", { overwrite: false });
}

interface RunEnv {
  out: string;
  choice: KernelChoice;
  pool: CandidatePool | null;
  io: StudyIo;
  /** The study's progress bar; each run ticks it with its own name. */
  progress: Progress;
  command?: string[];
}

/** The starting model of a run: empty (students), the teacher's architecture (oracle), the grown structure (retrained). */
function initialModel(env: RunEnv, run: StudyRun, seedTask: SeedTask, config: TeacherStudentConfig): DagModel<Float32Array> | undefined {
  if (run.kind === "growth") return undefined;
  if (run.kind === "oracle") return oracleModel(new Rng(seedTask.oracleInitSeed), config.data.teacher);
  const grownFile = join(env.out, run.strategy as string, `seed-${run.seed}`, MODEL_FILE);
  if (!existsSync(grownFile)) throw new DataError(grownFile, `the grown model to retrain is missing (the ${run.strategy} run of seed ${run.seed} has not finished)`);
  const grown = modelFromJson(JSON.parse(readText(grownFile)) as DagModelJson);
  return freshlyInitialised(grown, new Rng(seedTask.retrainInitSeed));
}

async function runOne(config: TeacherStudentConfig, run: StudyRun, seedTask: SeedTask, env: RunEnv): Promise<void> {
  const dir = join(env.out, run.dir);
  const name = `${run.label} seed ${run.seed}`;
  const exists = existsSync(join(dir, MANIFEST_FILE));
  const cfg = runConfig(config, run);
  if (exists && growthRunDone(dir)) {
    env.progress.tick(growthRunUnits(cfg), `${name}: already finished`);
    await writeRunArtifacts(dir, name);
    env.io.log(`${name}: already finished, kept`);
    return;
  }
  const task: GrowthTask = { ...seedTask.task, initialModel: initialModel(env, run, seedTask, config) };
  const opened = openGrowthRun({
    dir,
    resume: exists,
    manifest: {
      config: { kind: run.kind, strategy: run.strategy, seed: run.seed, run: cfg, data: config.data, accounting: config.accounting },
      seed: run.seed,
      kernels: { name: env.choice.name, reason: env.choice.reason },
      versions: softwareVersions(),
      dataSplit: task.dataSplit,
      command: env.command,
    },
    accountant: { ...config.accounting },
    expect: { config: cfg, dataSplit: task.dataSplit },
  });
  if (opened.logResume !== null && opened.logResume.discardedTo !== null) {
    env.io.log(`${name}: ${opened.logResume.discardedRecords} log record(s) after the checkpoint moved to ${opened.logResume.discardedTo}`);
  }
  const progress: Progress = { tick: (n, info) => env.progress.tick(n, `${name}: ${info ?? ""}`) };
  try {
    const res = await runGrowth(task, cfg, {
      kernels: env.choice.kernels,
      rng: new Rng(seedTask.trainingSeed),
      accountant: opened.accountant,
      log: opened.log,
      progress,
      runFolder: opened.runFolder,
      pool: env.pool,
      resume: opened.checkpoint,
    });
    await writeRunArtifacts(dir, name);
    const energy = res.accounting.energyWh;
    const resumed = res.resumedFrom === null ? "" : ` (resumed at step ${res.resumedFrom.step}, epoch ${res.resumedFrom.epoch})`;
    env.io.log(
      `${name}: ${res.parameters} parameters, test loss ${res.losses.test.toPrecision(4)}, ` +
        `search ${res.accounting.wallSeconds.search.toFixed(1)} s, training ${res.accounting.wallSeconds.training.toFixed(1)} s, ` +
        `${((energy.search ?? 0) + (energy.training ?? 0)).toPrecision(3)} Wh${resumed}`,
    );
  } finally {
    opened.log.close();
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
}
