/**
 * The MNIST experiment of Douka et al. (Fig. 3 and 4), also on Fashion-MNIST: a DAG grown
 * from the empty graph with cross-entropy, the fixed-MLP baselines of LeCun et al. (1998)
 * and the final grown structure retrained from scratch (mnist-baselines.ts), then the
 * report (report.ts `writeMnistReport`).
 *
 * Data: pixels scaled to [0, 1] (optionally standardised with the training pixels' mean
 * and std); the first `data.trainSamples` training images (default all 60,000) split into
 * train-opt / train-ls / train-gr (three equal parts by default, a seeded permutation);
 * inter-train = train-opt ∪ train-ls; the first `data.testSamples` test images for test.
 *
 * Experiment folder:
 *   manifest.json              the resolved configuration and where the data was found
 *   grown/                     the growth run (log.jsonl, checkpoint, model.json, dag.svg, curves.svg)
 *   baselines/<784-300-10>/, …, baselines/retrained/   one growth-run folder per baseline (no growth step)
 *   plots/fig3-accuracy.svg, plots/fig4-accuracy-vs-parameters.svg, summary.md, report.md, results.json
 *
 * Every check that can fail (configuration, files, image size, labels, sample counts) runs
 * before the folder is created, so a bad input leaves nothing behind.
 */
import { availableParallelism } from "node:os";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError } from "../../errors.js";
import { CandidatePool, defaultWorkers } from "../pool.js";
import { DagModel } from "../../dag/model.js";
import { modelFromJson, type DagModelJson } from "../../dag/serialize.js";
import type { Dataset } from "../../data/batches.js";
import type { SearchDir } from "../data/data-dir.js";
import { datasetSpec, loadMnist, pixelStatistics, type Standardization } from "../data/mnist.js";
import { concatIndices, growthSplitToJson, splitForGrowth, splitToJson, subsetDataset } from "../../data/splits.js";
import { resolveConfig } from "../../io/config.js";
import { readConfigFile } from "../io/config-file.js";
import { checkMadeBy, createRunFolder, MANIFEST_FILE, readManifest, resumeRunFolder, softwareVersions } from "../io/run-folder.js";
import { chooseKernels } from "../kernels.js";
import { withBlasThreads } from "../../kernels/select.js";
import { Matrix } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { baselineRunConfig, freshlyInitialised } from "../../experiments/baselines.js";
import { MnistConfigSchema, type GrowthRunConfig, type MnistConfig } from "../../experiments/config.js";
import { growthRunUnits, MODEL_FILE, type GrowthTask } from "../../experiments/growth-run.js";
import { checkRunsResumable, describeCost, runInFolder, type StudyEnv } from "./run-in-folder.js";
import { chainModel, LECUN_MLPS, scaledHidden } from "../../experiments/mnist-baselines.js";
import { writeMnistReport, type MnistRun } from "./mnist-report.js";
import type { StudyIo } from "./teacher-student.js";

export interface MnistTarget {
  /** The experiment folder. */
  out: string;
  /** Continue the experiment in `out` (finished runs are kept, interrupted ones resumed). */
  resume: boolean;
  /** Folders searched for the dataset files, in order (node/data/data-dir.ts `searchDirs`). */
  dirs: readonly SearchDir[];
  /** The command line, for the manifest. */
  command?: string[];
}

export interface MnistResult {
  out: string;
  report: string;
  summary: string;
  runs: MnistRun[];
}

/** The loaded images, after subsetting and scaling. */
export interface MnistSplits {
  train: Dataset & { labels: Int32Array };
  test: Dataset & { labels: Int32Array };
  classes: number;
  /** Where the files were found, and the standardisation applied (if any). */
  source: { dir: string; files: { train: string[]; test: string[] }; standardization: Standardization | null };
}

/**
 * Loads the training and test images of `config.dataset` from `dirs`. DataError (from
 * node/data/mnist.ts) for missing files (naming them and how to get them), checksums, malformed
 * files, labels out of range and an image size that is not `model.inputSize`; ConfigError
 * naming `data.trainSamples` / `data.testSamples` when they exceed the split.
 */
export function loadMnistSplits(config: MnistConfig, dirs: readonly SearchDir[]): MnistSplits {
  const spec = datasetSpec(config.dataset);
  const common = { dataset: config.dataset, dirs, verify: config.data.verify, inputSize: config.model.inputSize, numClasses: spec.classes.length };
  const train = loadMnist({ ...common, split: "train" });
  const test = loadMnist({ ...common, split: "test" });
  const issues = [];
  for (const [field, want, have, split] of [["trainSamples", config.data.trainSamples, train.x.rows, "training"], ["testSamples", config.data.testSamples, test.x.rows, "test"]] as const) {
    if (want !== undefined && want > have) {
      issues.push({ source: "data", path: `data.${field}`, message: `asks for ${want} samples, but the ${config.dataset} ${split} images (${split === "training" ? train.files.images : test.files.images}) hold only ${have}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const trainSet = firstRows(train.x, train.labels, config.data.trainSamples);
  const testSet = firstRows(test.x, test.labels, config.data.testSamples);
  let standardization: Standardization | null = null;
  if (config.data.standardize) {
    standardization = pixelStatistics(trainSet.x.data);
    for (const d of [trainSet.x.data, testSet.x.data]) standardize(d, standardization);
  }
  return {
    train: trainSet,
    test: testSet,
    classes: spec.classes.length,
    source: { dir: train.dir.dir, files: { train: [train.files.images, train.files.labels], test: [test.files.images, test.files.labels] }, standardization },
  };
}

function firstRows(x: Matrix<Float32Array>, labels: Int32Array, n: number | undefined): { x: Matrix<Float32Array>; labels: Int32Array } {
  if (n === undefined || n === x.rows) return { x, labels };
  return { x: new Matrix(n, x.cols, x.data.slice(0, n * x.cols)), labels: labels.slice(0, n) };
}

/** (x − mean) / std in place (std 0, a constant image set, only centres). */
function standardize(data: Float32Array, s: Standardization): void {
  const inv = 1 / (s.std > 0 ? s.std : 1);
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - s.mean) * inv;
}

/** The growth task and the seeds of every run's randomness, all derived from `config.seed`. */
export interface MnistTask {
  task: GrowthTask;
  trainingSeed: number;
  /** Initialisation seeds: one per fixed MLP (in LECUN_MLPS order), then the retrained structure. */
  fixedInitSeeds: number[];
  retrainInitSeed: number;
  splitSizes: [number, number, number];
}

export function mnistTask(config: MnistConfig, data: MnistSplits): MnistTask {
  const shared = (config.workers ?? 0) > 0;
  const rng = new Rng(config.seed);
  const n = data.train.x.rows;
  const split = splitForGrowth(n, rng.nextUint32() | 0, { validation: config.data.validationSamples, sizes: config.data.splitSizes, validationPath: "data.validationSamples", sizesPath: "data.splitSizes" });
  const { train } = data;
  const task: GrowthTask = {
    // In shared memory when a candidate pool reads them (no second copy: node/pool.ts).
    splits: { trainOpt: subsetDataset(train, split.trainOpt, shared), trainLs: subsetDataset(train, split.trainLs, shared), trainGr: subsetDataset(train, split.trainGr, shared) },
    interTrain: subsetDataset(train, concatIndices(split.trainOpt, split.trainLs)),
    ...(split.validation.length > 0 ? { validation: subsetDataset(train, split.validation) } : {}),
    test: data.test,
    loss: "softmax-cross-entropy",
    inputSize: config.model.inputSize,
    outputSize: data.classes,
    dataSplit: { dataset: config.dataset, seed: config.seed, trainSamples: n, testSamples: data.test.x.rows, standardization: data.source.standardization, split: split.validation.length > 0 ? growthSplitToJson(split) : splitToJson(split) },
  };
  const trainingSeed = rng.nextUint32() | 0;
  const fixedInitSeeds = LECUN_MLPS.map(() => rng.nextUint32() | 0);
  return { task, trainingSeed, fixedInitSeeds, retrainInitSeed: rng.nextUint32() | 0, splitSizes: [split.trainOpt.length, split.trainLs.length, split.trainGr.length] };
}

/** Every run of the experiment, in execution order (the retrained structure needs the grown one). */
export function mnistPlan(config: MnistConfig): MnistRun[] {
  const runs: MnistRun[] = [{ kind: "growth", label: `grown (${config.growth.strategy})`, dir: "grown" }];
  if (config.baselines.fixed) {
    LECUN_MLPS.forEach((m, i) => {
      const hidden = scaledHidden(m, config.baselines.widthScale);
      const name = [config.model.inputSize, ...hidden, 10].join("-");
      runs.push({ kind: "fixed", label: name, dir: join("baselines", m.name), hidden, published: m, index: i });
    });
  }
  if (config.baselines.retrain) runs.push({ kind: "retrain", label: "grown structure, retrained", dir: join("baselines", "retrained") });
  return runs;
}

/** The growth-run configuration of one run: the grown network's, or the same epoch budget with no growth step. */
export function mnistRunConfig(config: MnistConfig, run: MnistRun): GrowthRunConfig {
  const growth: GrowthRunConfig = { seed: config.seed, growth: config.growth, training: config.training, checkpoint: config.checkpoint, evaluation: config.evaluation };
  return run.kind === "growth" ? growth : baselineRunConfig(growth);
}

/** Reads the configuration of the experiment in `dir` (its manifest), validated again. */
export function readMnistConfig(dir: string): MnistConfig {
  const manifest = readManifest(dir);
  checkMadeBy(dir, manifest, ["mnist"]);
  return resolveConfig(MnistConfigSchema, [{ source: join(dir, MANIFEST_FILE), values: manifest.config as Record<string, unknown> }]);
}

/** The folder where the experiment in `dir` found its data (for --resume without --data-dir), if recorded. */
export function recordedDataDir(dir: string): string | null {
  const split = readManifest(dir).dataSplit as { data?: { dir?: unknown } } | null;
  return typeof split?.data?.dir === "string" ? split.data.dir : null;
}

/** A configuration file's values on top of the defaults. */
export function loadMnistConfig(file: string): MnistConfig {
  return resolveConfig(MnistConfigSchema, [readConfigFile(file)]);
}

/** Runs (or continues) the experiment, then writes the report. */
export async function runMnistExperiment(given: MnistConfig, target: MnistTarget, io: StudyIo): Promise<MnistResult> {
  // The candidate pool by default on 2 cores or more; the manifest records the count (results do not depend on it).
  const config: MnistConfig = { ...given, workers: given.workers ?? defaultWorkers() };
  // Fixed here, before the pool starts, and never changed after (contract in node/pool.ts);
  // the manifest's configuration records it, so that a resumed run uses the same count.
  const blasThreads = config.blasThreads ?? availableParallelism();
  const choice = withBlasThreads(chooseKernels(config.kernels), blasThreads);
  const { mt, dataInfo } = prepareData(config, target.dirs);
  const plan = mnistPlan(config);
  const out = target.out;
  if (target.resume) checkRunsResumable(out, plan.map((r) => r.dir));
  const folder = target.resume
    ? resumeRunFolder(out)
    : createRunFolder(out, { config: { ...config, blasThreads }, seed: config.seed, kernels: { name: choice.name, reason: choice.reason, blasThreads: choice.blasThreads }, versions: softwareVersions(), dataSplit: dataInfo, command: target.command });
  if (folder.lockTakeover !== null) io.log(folder.lockTakeover);
  io.log(`kernels: ${choice.reason}`);
  io.log(`data: ${config.dataset} from ${dataInfo.data.dir}: ${dataInfo.trainSamples} training images (train-opt/train-ls/train-gr ${mt.splitSizes.join("/")}), ${dataInfo.testSamples} test images`);
  io.log(`experiment: ${plan.map((r) => r.label).join(", ")} in ${out}`);
  const workers = config.workers ?? 0;
  const pool = workers > 0 ? new CandidatePool(workers, choice.name) : null;
  const total = plan.reduce((n, run) => n + growthRunUnits(mnistRunConfig(config, run)), 0);
  const progress = io.progress?.(config.dataset, total) ?? { tick: () => {}, stop: () => {} };
  try {
    for (const run of plan) await runOne(config, run, mt, { out, choice, pool, io, progress, command: target.command, stop: io.stop });
  } finally {
    progress.stop();
    await pool?.close();
  }
  const { report, summary } = await writeMnistReport(out, config, plan, { kernels: choice.reason, splitSizes: mt.splitSizes, dataset: config.dataset });
  return { out, report, summary, runs: plan };
}

/** The task and what the manifest records of the data; the full training images are not kept (the task holds its own copies of the parts). */
function prepareData(config: MnistConfig, dirs: readonly SearchDir[]): { mt: MnistTask; dataInfo: { dataset: string; data: MnistSplits["source"]; trainSamples: number; testSamples: number; splitSizes: [number, number, number] } } {
  const data = loadMnistSplits(config, dirs);
  const mt = mnistTask(config, data);
  return { mt, dataInfo: { dataset: config.dataset, data: data.source, trainSamples: data.train.x.rows, testSamples: data.test.x.rows, splitSizes: mt.splitSizes } };
}

type RunEnv = StudyEnv;

/** The starting model of a run: empty (grown), a fixed chain (LeCun's MLPs), the grown structure afresh (retrained). */
function initialModel(env: RunEnv, run: MnistRun, mt: MnistTask, config: MnistConfig): DagModel<Float32Array> {
  const { inputSize, outputSize } = mt.task;
  const activation = config.model.activation;
  if (run.kind === "growth") return DagModel.empty(inputSize, outputSize, { activation });
  if (run.kind === "fixed") return chainModel(inputSize, run.hidden ?? [], outputSize, activation, new Rng(mt.fixedInitSeeds[run.index ?? 0]));
  const grownFile = join(env.out, "grown", MODEL_FILE);
  if (!existsSync(grownFile)) throw new DataError(grownFile, "the grown model to retrain is missing (the growth run has not finished); resume with --resume");
  const grown = modelFromJson(JSON.parse(readFileSync(grownFile, "utf8")) as DagModelJson);
  if (grown.graph.edges.length === 0) throw new DataError(grownFile, "the grown model has no edge (no growth step grew it): nothing to retrain; use --no-retrain");
  return freshlyInitialised(grown, new Rng(mt.retrainInitSeed));
}

async function runOne(config: MnistConfig, run: MnistRun, mt: MnistTask, env: RunEnv): Promise<void> {
  await runInFolder(
    {
      dir: run.dir,
      name: run.label,
      config: mnistRunConfig(config, run),
      task: () => ({ ...mt.task, initialModel: initialModel(env, run, mt, config) }),
      manifestConfig: { kind: run.kind, label: run.label, dataset: config.dataset, data: config.data, model: config.model, accounting: config.accounting },
      seed: config.seed,
      trainingSeed: mt.trainingSeed,
      accounting: config.accounting,
      lossLabel: "cross-entropy",
      describe: (res, dir) => {
        const acc = finalTestAccuracy(dir);
        const accuracy = acc === null ? "–" : (acc * 100).toFixed(2) + "%";
        return `${res.parameters} parameters, test accuracy ${accuracy}, ${describeCost(res)}, peak RSS ${res.accounting.peakRssMB.toFixed(0)} MB`;
      },
    },
    env,
  );
}

function finalTestAccuracy(dir: string): number | null {
  const lines = readFileSync(join(dir, "log.jsonl"), "utf8").trim().split("\n");
  const last = JSON.parse(lines[lines.length - 1]) as { accuracy?: Record<string, number> };
  return last.accuracy?.test ?? null;
}
