/**
 * The `grow-cnn` study (issue 10 item 4): a sequential CNN grown with TINY from narrow widths
 * (src/growth/conv/cnn-growth-step.ts), fixed CNNs of the same depth at several widths trained
 * with the same optimizer and epoch budget, and the grown structure retrained from scratch
 * (FS). Settings are chosen on a validation split held out of the training images; the test
 * split is only reported.
 *
 * The units (grow-cnn-unit.ts) run one after the other, or side by side on `workers` threads
 * (grow-cnn-lanes.ts) with the same records: each has its own initialisation, shuffling
 * stream and optimizer.
 *
 * Run folder (the run-folder machinery of the other studies): manifest.json, log.jsonl (one
 * record per epoch and growth step of every unit, fsynced), a checkpoint after every epoch
 * and growth step (every unit's state: position, model, optimizer state, shuffling Rng, its
 * count of log records), report.md and the plots. `--resume DIR` continues from the
 * checkpoint: the log keeps each unit's checkpointed records and the units go on from their
 * states.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError, InterruptedError } from "../../errors.js";
import { Cnn } from "../../conv/cnn.js";
import type { GrowCnnConfig } from "../../experiments/grow-cnn-config.js";
import type { StopRequest } from "../../experiments/growth-run.js";
import type { Kernels, KernelName } from "../../kernels/kernels.js";
import { countParams } from "../../nn/param.js";
import { Rng } from "../../tensor/rng.js";
import type { Matrix32 } from "../../tensor/matrix.js";
import { readCheckpoint, writeCheckpoint } from "../io/checkpoint.js";
import { JsonlWriter } from "../io/results.js";
import { createRunFolder, resumeRunFolder, softwareVersions } from "../io/run-folder.js";
import { loadCifar10 } from "../data/cifar.js";
import { loadMnist } from "../data/mnist.js";
import type { SearchDir } from "../data/data-dir.js";
import { runUnitsInLanes } from "./grow-cnn-lanes.js";
import { cnnOptions, freshUnitState, runUnit, subset, type StudyData, type StudyRecord, type StudyUnit, type UnitState } from "./grow-cnn-unit.js";

export { cnnOptions, type EpochRecord, type GrowthRecord, type StudyData, type StudyUnit } from "./grow-cnn-unit.js";

export const GROW_CNN_LOG = "log.jsonl";
/** Every unit's state; a checkpoint of the earlier one-stream layout ("tinygrow-grow-cnn") is refused. */
const CHECKPOINT_KIND = "tinygrow-grow-cnn-units";
const EARLIER_CHECKPOINT_KIND = "tinygrow-grow-cnn";

interface Checkpoint {
  kind: typeof CHECKPOINT_KIND;
  /** By unit, in studyUnits order (each with its count of log records); the FS retrain's widths are the grown unit's final ones. */
  units: UnitState[];
}

/** The split's images (n, C·H·W), labels and image shape, from the IDX or CIFAR-10 files. */
function loadSplit(config: GrowCnnConfig, dirs: readonly SearchDir[] | undefined, split: "train" | "test", limit?: number): { x: Matrix32; labels: Int32Array; file: string; image: StudyData["image"] } {
  if (config.dataset === "cifar10") {
    const d = loadCifar10({ split, dirs, dataDir: dirs ? undefined : config.dataDir, limit });
    return { x: d.x, labels: d.labels, file: d.files[0], image: { channels: 3, height: 32, width: 32 } };
  }
  const d = loadMnist({ dataset: config.dataset, dirs, dataDir: dirs ? undefined : config.dataDir, verify: config.data.verify, split, limit });
  return { x: d.x, labels: d.labels, file: d.files.images, image: { channels: 1, height: d.rows, width: d.cols } };
}

/** The training split, shuffled with the seed, cut into train and validation; the test split as given. */
export function loadStudyData(config: GrowCnnConfig, dirs: readonly SearchDir[] | undefined): StudyData {
  const train = loadSplit(config, dirs, "train");
  const test = loadSplit(config, dirs, "test", config.data.testSamples);
  const n = train.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(config.seed + 7919).shuffle(order);
  const v = config.data.validation;
  if (v >= n) throw new ConfigError([{ source: "data", path: "data.validation", message: `${v} validation images leave none of the ${n} training images of ${train.file} for training` }]);
  const wanted = config.data.trainSamples;
  if (wanted !== undefined && wanted > n - v) {
    throw new ConfigError([{ source: "data", path: "data.trainSamples", message: `${wanted} training images asked for, but ${train.file} holds ${n} of which ${v} are the validation images: at most ${n - v}` }]);
  }
  const trainCount = wanted ?? n - v;
  return {
    validation: subset(train, order.subarray(n - v)),
    train: subset(train, order.subarray(0, trainCount)),
    test: { x: test.x, labels: test.labels },
    image: train.image,
    classes: 10,
  };
}

/** The study's units: the grown CNN, the fixed baselines in the order given, the FS retrain. */
export function studyUnits(config: GrowCnnConfig): StudyUnit[] {
  const units: StudyUnit[] = [{ name: "grown", kind: "grown", widths: config.model.widths }];
  for (const w of config.baselines.widths) units.push({ name: `fixed ${w.join("-")}`, kind: "baseline", widths: w });
  if (config.baselines.retrain) units.push({ name: "grown, retrained (FS)", kind: "retrain", widths: [] });
  return units;
}

export interface GrowCnnRun {
  dir: string;
  config: GrowCnnConfig;
  data: StudyData;
  kernels: Kernels;
  kernelsInfo: { name: KernelName; reason: string };
  resume: boolean;
  log: (line: string) => void;
  command?: string[];
  /** SIGINT/SIGTERM in the CLI (cli/interrupt.ts): polled after every checkpoint. */
  stop?: StopRequest;
  /** Units trained side by side (worker threads); 0 or 1: one after the other on this thread. Results do not depend on it. */
  workers?: number;
}

/** The default number of units side by side: one per core (their records do not depend on it). */
export function defaultStudyWorkers(): number {
  return availableParallelism();
}

/**
 * Checks, before anything is written: a parameter budget below the start network's own count
 * (it would never let a channel in), and two baselines of the same widths (one name in the log).
 */
export function checkBudget(config: GrowCnnConfig, data: StudyData): StudyData {
  const seen = new Set<string>();
  for (const w of config.baselines.widths) {
    const key = w.join(",");
    if (seen.has(key)) throw new ConfigError([{ source: "data", path: "baselines.widths", message: `the fixed widths ${key} are listed twice (each baseline is one unit of the log)` }]);
    seen.add(key);
  }
  const budget = config.growth.maxParameters;
  if (budget === null) return data;
  const start = countParams(Cnn.create(cnnOptions(config, config.model.widths, data), new Rng(0)).params());
  if (budget < start) throw new ConfigError([{ source: "data", path: "growth.maxParameters", message: `a budget of ${budget} parameters is below the start network's ${start} (widths ${config.model.widths.join("-")})` }]);
  return data;
}

/** The state a study starts from: a new run folder, or the checkpoint of the one to resume. */
function openStudyFolder(run: GrowCnnRun, units: StudyUnit[]): { states: UnitState[]; writer: JsonlWriter } {
  const { config, data } = run;
  const logPath = join(run.dir, GROW_CNN_LOG);
  if (!run.resume) {
    createRunFolder(run.dir, { config, seed: config.seed, kernels: run.kernelsInfo, versions: softwareVersions(), dataSplit: { train: data.train.labels.length, validation: data.validation.labels.length, test: data.test.labels.length, shuffleSeed: config.seed + 7919 }, command: run.command });
    return { states: units.map((u, i) => freshUnitState(config, i, u.widths)), writer: JsonlWriter.create(logPath) };
  }
  resumeRunFolder(run.dir);
  const { payload, file } = readCheckpoint<Checkpoint>(run.dir);
  const kind = String((payload as { kind?: unknown }).kind);
  if (kind === EARLIER_CHECKPOINT_KIND) throw new DataError(file, "a checkpoint of an earlier tinygrow, whose units shared one shuffling stream: this version trains each unit with its own and cannot continue it; resume it with the version that wrote it, or start the study again");
  if (kind !== CHECKPOINT_KIND) throw new DataError(file, `a ${CHECKPOINT_KIND} checkpoint, got ${kind}`);
  if (payload.units.length !== units.length) throw new DataError(file, `${units.length} units (${units.map((u) => u.name).join(", ")}), got ${payload.units.length}`);
  const states = payload.units;
  const running = states.map((s, i) => (s.done ? null : `${units[i].name}, epoch ${s.epoch}, growth step ${s.step}`)).filter((x) => x !== null);
  run.log(`resuming ${run.dir} at ${running.length > 0 ? running.join("; ") : "the end"}`);
  // Each unit's first logRecords records stay; anything after them (written after the last checkpoint) goes to a side file.
  const index = new Map(units.map((u, i) => [u.name, i]));
  const seen = units.map(() => 0);
  const keepIf = (r: Record<string, unknown>): boolean => {
    const i = index.get(String(r.unit));
    return i !== undefined && ++seen[i] <= states[i].logRecords;
  };
  return { states, writer: JsonlWriter.resume(logPath, { keepIf }).writer };
}

/** Runs (or resumes) the whole study in `run.dir`; returns the records written by this call. */
export async function runGrowCnnStudy(run: GrowCnnRun): Promise<{ records: StudyRecord[] }> {
  const { config, data, kernels } = run;
  const units = studyUnits(config);
  checkBudget(config, data);
  const lanes = Math.min(run.workers ?? 0, units.length);
  if (lanes > 1 && kernels.numThreads() > 1) throw new ConfigError([{ source: "--workers", path: "workers", message: `${lanes} units side by side need one OpenBLAS thread (the count is one process-wide value), got --blas-threads ${kernels.numThreads()}` }]);
  const { states, writer } = openStudyFolder(run, units);
  const records: StudyRecord[] = [];
  const checkpoint = (): void => {
    writeCheckpoint(run.dir, { kind: CHECKPOINT_KIND, units: states } satisfies Checkpoint);
  };
  const save = (i: number, record: StudyRecord, state: UnitState): void => {
    writer.append(record);
    records.push(record);
    states[i] = state;
    checkpoint();
  };
  const ended = (i: number, state: UnitState): void => {
    states[i] = state;
    // The FS retrain starts from the grown unit's final widths.
    const fs = units.findIndex((u) => u.kind === "retrain");
    if (i === 0 && fs >= 0 && !states[fs].done && states[fs].epoch === 0 && states[fs].logRecords === 0) states[fs] = freshUnitState(config, fs, state.widths);
    checkpoint();
  };
  const poll = async (): Promise<string | null> => (run.stop === undefined ? null : await run.stop.poll());
  // A safe point after every checkpoint: the event loop gets a turn there (where the CLI's
  // SIGINT/SIGTERM handler runs) and a requested stop ends the run at the state just saved.
  const safePoint = async (where: string): Promise<void> => {
    const reason = await poll();
    if (reason !== null) throw new InterruptedError(reason, `${run.dir}: ${where}`);
  };
  try {
    // A new study's first checkpoint, before any epoch: a stop requested while the data was
    // read (the event loop had no turn to see the signal) ends here, resumable from the start.
    if (!run.resume) {
      checkpoint();
      await safePoint(`${units[0].name}, epoch 0, growth step 0`);
    }
    if (lanes > 1) {
      run.log(`${lanes} units side by side (worker threads)`);
      const stopped = await runUnitsInLanes({ lanes, config, data, kernels: run.kernelsInfo.name, units, states, log: run.log, save, ended, poll });
      // A stop seen at the last record of the last unit: the study is complete all the same.
      const left = states.map((s, i) => (s.done ? null : `${units[i].name}, epoch ${s.epoch}, growth step ${s.step}`)).filter((x) => x !== null);
      if (stopped !== null && left.length > 0) throw new InterruptedError(stopped, `${run.dir}: ${left.join("; ")}`);
    } else {
      for (let i = 0; i < units.length; i++) ended(i, await runUnit({ config, data, kernels, index: i, unit: units[i], log: run.log, save: (r, s) => save(i, r, s), safePoint }, states[i]));
    }
  } finally {
    writer.close();
  }
  return { records };
}
