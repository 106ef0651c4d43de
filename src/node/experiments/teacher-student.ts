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
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { CandidatePool, defaultWorkers } from "../pool.js";
import type { Strategy } from "../../dag/candidates.js";
import { modelFromJson, modelToJson, type DagModelJson } from "../../dag/serialize.js";
import type { DagModel } from "../../dag/model.js";
import { concatIndices, growthSplitToJson, splitForGrowth, subsetDataset } from "../../data/splits.js";
import { buildTeacher, teacherDataset } from "../../data/teacher.js";
import { writeFileAtomic } from "../io/atomic.js";
import { resolveConfig } from "../../io/config.js";
import { readConfigFile } from "../io/config-file.js";
import { checkMadeBy, createRunFolder, MANIFEST_FILE, readManifest, resumeRunFolder, softwareVersions } from "../io/run-folder.js";
import { withBlasThreads, type KernelChoice } from "../../kernels/select.js";
import { chooseKernels } from "../kernels.js";
import { Rng } from "../../tensor/rng.js";
import { baselineRunConfig, freshlyInitialised, oracleModel } from "../../experiments/baselines.js";
import { TeacherStudentConfigSchema, teacherStudentValidation, type GrowthRunConfig, type TeacherStudentConfig } from "../../experiments/config.js";
import { growthRunUnits, MODEL_FILE, type GrowthTask, type Progress, type StopRequest } from "../../experiments/growth-run.js";
import { checkRunsResumable, describeCost, runInFolder, type StudyEnv } from "./run-in-folder.js";
import { writeStudyReport, type StudyRun } from "./report.js";

export interface StudyIo {
  /** Progress bars (cli/progress.ts); null for none. */
  progress: ((label: string, total: number) => Progress & { stop(): void }) | null;
  /** One line for the user. */
  log(line: string): void;
  /** Asked at every safe point of every run whether to stop there (the CLI's signal handling). */
  stop?: StopRequest;
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
    // The α sweep of strategy "penalized" (no retrained baselines: the front is about the grown networks).
    for (const alpha of config.alphas) runs.push({ kind: "growth", strategy: "penalized", alpha, seed, label: alphaLabel(alpha), dir: join(`penalized-alpha-${alpha}`, `seed-${seed}`) });
    if (config.baselines.oracle) runs.push({ kind: "oracle", strategy: null, seed, label: "oracle", dir: join("oracle", `seed-${seed}`) });
  }
  return runs;
}

/** The series label of the α sweep's runs. */
export function alphaLabel(alpha: number): string {
  return `penalized α=${alpha}`;
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
  const split = splitForGrowth(d.trainSamples, rng.nextUint32() | 0, { validation: teacherStudentValidation(d), sizes: d.splitSizes, validationPath: "data.validationSamples", sizesPath: "data.splitSizes" });
  const splits = { trainOpt: subsetDataset(train, split.trainOpt), trainLs: subsetDataset(train, split.trainLs), trainGr: subsetDataset(train, split.trainGr) };
  const task: GrowthTask = {
    splits,
    interTrain: subsetDataset(train, concatIndices(split.trainOpt, split.trainLs)),
    ...(split.validation.length > 0 ? { validation: subsetDataset(train, split.validation) } : {}),
    test,
    loss: "mse",
    inputSize: d.teacher.inputSize,
    outputSize: d.teacher.outputSize,
    dataSplit: { seed, trainSamples: d.trainSamples, testSamples: d.testSamples, split: growthSplitToJson(split) },
  };
  return { teacher, task, trainingSeed: rng.nextUint32() | 0, oracleInitSeed: rng.nextUint32() | 0, retrainInitSeed: rng.nextUint32() | 0 };
}

/** The growth-run configuration of one run of the study. */
export function runConfig(config: TeacherStudentConfig, run: StudyRun): GrowthRunConfig {
  const growth: GrowthRunConfig = {
    seed: run.seed,
    growth: {
      ...config.growth,
      strategy: (run.strategy ?? config.growth.strategy) as Strategy,
      ...(run.alpha === undefined ? {} : { penalty: { ...config.growth.penalty, alpha: run.alpha } }),
    },
    training: config.training,
    checkpoint: config.checkpoint,
    evaluation: config.evaluation,
  };
  return run.kind === "growth" ? growth : baselineRunConfig(growth);
}

/** Reads the configuration of the study in `dir` (its manifest), validated again. */
export function readStudyConfig(dir: string): TeacherStudentConfig {
  const manifest = readManifest(dir);
  checkMadeBy(dir, manifest, ["teacher-student", "compare"]);
  return resolveConfig(TeacherStudentConfigSchema, [{ source: join(dir, MANIFEST_FILE), values: manifest.config as Record<string, unknown> }]);
}

/** A configuration file's values on top of the defaults (convenience for tests and scripts). */
export function loadStudyConfig(file: string): TeacherStudentConfig {
  return resolveConfig(TeacherStudentConfigSchema, [readConfigFile(file)]);
}

/** Runs (or continues) the whole study, then writes the report; resolves to where it is. */
export async function runTeacherStudentStudy(config: TeacherStudentConfig, target: StudyTarget, io: StudyIo): Promise<StudyResult> {
  // Fixed here, before the pool starts, and never changed after (contract in node/pool.ts);
  // the manifest's configuration records it, so that a resumed run uses the same count.
  const blasThreads = config.blasThreads ?? availableParallelism();
  const choice = withBlasThreads(chooseKernels(config.kernels), blasThreads);
  const out = target.out;
  const plan = studyPlan(config);
  if (target.resume) checkRunsResumable(out, plan.map((r) => r.dir));
  const folder = target.resume
    ? resumeRunFolder(out)
    : createRunFolder(out, {
      config: { ...config, blasThreads },
      seed: config.seeds[0],
      kernels: { name: choice.name, reason: choice.reason, blasThreads: choice.blasThreads },
      versions: softwareVersions(),
      dataSplit: { seeds: config.seeds, trainSamples: config.data.trainSamples, validationSamples: teacherStudentValidation(config.data), testSamples: config.data.testSamples, splitSizes: config.data.splitSizes ?? "three equal parts" },
      command: target.command,
    });
  if (folder.lockTakeover !== null) io.log(folder.lockTakeover);
  io.log(`kernels: ${choice.reason}`);
  io.log(`study: ${plan.length} runs (${[...config.strategies, ...config.alphas.map(alphaLabel)].join(", ")} × seeds ${config.seeds.join(",")}${config.baselines.oracle ? " + oracle" : ""}${config.baselines.retrain ? " + retrained" : ""}) in ${out}`);
  const workers = config.workers ?? defaultWorkers();
  const pool = workers > 0 ? new CandidatePool(workers, choice.name) : null;
  const total = plan.reduce((n, run) => n + growthRunUnits(runConfig(config, run)), 0);
  const progress = io.progress?.("study", total) ?? { tick: () => {}, stop: () => {} };
  try {
    for (const seed of config.seeds) {
      const seedTask = teacherStudentTask(config, seed, choice.kernels);
      saveTeacher(out, seed, seedTask.teacher);
      for (const run of plan.filter((r) => r.seed === seed)) await runOne(config, run, seedTask, { out, choice, pool, io, progress, command: target.command, stop: io.stop });
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

type RunEnv = StudyEnv;

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
  await runInFolder(
    {
      dir: run.dir,
      name: `${run.label} seed ${run.seed}`,
      config: runConfig(config, run),
      task: () => ({ ...seedTask.task, initialModel: initialModel(env, run, seedTask, config) }),
      manifestConfig: { kind: run.kind, strategy: run.strategy, seed: run.seed, data: config.data, accounting: config.accounting },
      seed: run.seed,
      trainingSeed: seedTask.trainingSeed,
      accounting: config.accounting,
      describe: (res) => `${res.parameters} parameters, test loss ${res.losses.test.toPrecision(4)}, ${describeCost(res)}`,
    },
    env,
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
}
