/**
 * The `grow-cnn` study (issue 10 item 4): a sequential CNN grown with TINY from narrow widths
 * (src/growth/conv/cnn-growth-step.ts), fixed CNNs of the same depth at several widths trained
 * with the same optimizer and epoch budget, and the grown structure retrained from scratch
 * (FS). Settings are chosen on a validation split held out of the training images; the test
 * split is only reported.
 *
 * Run folder (the run-folder machinery of the other studies): manifest.json, log.jsonl (one
 * record per epoch and growth step of every unit, fsynced), a checkpoint after every epoch
 * and growth step (unit, position, model, the optimizer state, the shuffling Rng), report.md and
 * the plots. `--resume DIR` continues from the checkpoint: the log is cut back to the
 * checkpoint's record count and the run goes on with the same state.
 */
import { join } from "node:path";
import { ConfigError, DataError, InterruptedError } from "../../errors.js";
import { Cnn } from "../../conv/cnn.js";
import { cnnGraphJson, type CnnGraphJson } from "../../conv/cnn-graph.js";
import { cnnFromJson, cnnToJson, type CnnJson } from "../../conv/cnn-json.js";
import type { CnnOptions } from "../../conv/cnn-spec.js";
import { createOptimizer, evaluateCnn, trainCnn } from "../../conv/train.js";
import type { Dataset } from "../../data/batches.js";
import type { StopRequest } from "../../experiments/growth-run.js";
import { epochLearningRate, significanceOf, totalEpochs, type GrowCnnConfig } from "../../experiments/grow-cnn-config.js";
import { cnnGrowthStep, type CnnGrowthOptions, type CnnGrowthStepResult, type LabelledImages } from "../../growth/conv/cnn-growth-step.js";
import type { Kernels } from "../../kernels/kernels.js";
import type { Adam } from "../../nn/optim/adam.js";
import type { Sgd } from "../../nn/optim/sgd.js";
import { countParams } from "../../nn/param.js";
import { createTrainState } from "../../nn/train.js";
import { Matrix, type Matrix32 } from "../../tensor/matrix.js";
import { Rng, type RngState } from "../../tensor/rng.js";
import { readCheckpoint, writeCheckpoint } from "../io/checkpoint.js";
import { JsonlWriter } from "../io/results.js";
import { createRunFolder, resumeRunFolder, softwareVersions } from "../io/run-folder.js";
import { loadCifar10 } from "../data/cifar.js";
import { loadMnist } from "../data/mnist.js";
import type { SearchDir } from "../data/data-dir.js";

export const GROW_CNN_LOG = "log.jsonl";
const CHECKPOINT_KIND = "tinygrow-grow-cnn";

/** One trained network of the study: the grown one, a fixed baseline, or the FS retrain. */
export interface StudyUnit {
  name: string;
  kind: "grown" | "baseline" | "retrain";
  /** Start widths. */
  widths: number[];
}

export interface EpochRecord {
  type: "epoch";
  unit: string;
  epoch: number;
  trainLoss: number;
  validationAccuracy: number;
  testAccuracy: number;
  parameters: number;
  widths: number[];
  /** The network after the epoch, for the viewer (conv/cnn-graph.ts, docs/run-log.md). */
  graph: CnnGraphJson;
}

export interface GrowthRecord {
  type: "growth";
  unit: string;
  step: number;
  /** Epochs trained before this step. */
  epoch: number;
  result: CnnGrowthStepResult;
  parameters: number;
  searchSeconds: number;
  /** The network after the step. */
  graph: CnnGraphJson;
}

interface Position {
  unit: number;
  /** Epochs done in the unit. */
  epoch: number;
  /** Growth steps done in the unit. */
  step: number;
}

interface Checkpoint {
  kind: typeof CHECKPOINT_KIND;
  position: Position;
  model: CnnJson | null;
  /** The optimizer's per-parameter state (SGD momentum or Adam moments), by position. */
  optimizerState: unknown[];
  rng: RngState;
  logRecords: number;
  /** Final widths of the grown unit (for the FS unit). */
  grownWidths: number[] | null;
}

export interface StudyData {
  train: LabelledImages;
  validation: LabelledImages;
  test: LabelledImages;
  /** One image (C, H, W). */
  image: { channels: number; height: number; width: number };
  classes: number;
}

/** "significant (sign-flip): block: channels with s > τ (τ, s_1)", for the step log and the report. */
export function significanceText(rule: string, candidates: CnnGrowthStepResult["candidates"]): string {
  return `significant (${rule}): ${candidates.map((c) => `${c.block}: ${c.significant} (τ ${c.edge.toPrecision(3)}, s₁ ${(c.topSingularValues[0] ?? 0).toPrecision(3)})`).join(", ")}`;
}

function subset(d: LabelledImages, idx: Int32Array): LabelledImages {
  const cols = d.x.cols;
  const x = new Float32Array(idx.length * cols);
  const labels = new Int32Array(idx.length);
  idx.forEach((i, r) => {
    x.set(d.x.data.subarray(i * cols, (i + 1) * cols), r * cols);
    labels[r] = d.labels[i];
  });
  return { x: new Matrix(idx.length, cols, x), labels };
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

export function cnnOptions(config: GrowCnnConfig, widths: readonly number[], data: StudyData): CnnOptions {
  const k = config.model.kernel;
  return {
    input: data.image,
    blocks: widths.map((w) => ({ channels: w, kernel: k, padding: Math.floor(k / 2), pool: { kind: config.model.pool, kernel: 2 } })),
    activation: config.model.activation,
    head: config.model.head,
    outputs: data.classes,
  };
}

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
  kernelsInfo: { name: string; reason: string };
  resume: boolean;
  log: (line: string) => void;
  command?: string[];
  /** SIGINT/SIGTERM in the CLI (cli/interrupt.ts): polled after every checkpoint. */
  stop?: StopRequest;
}

const asDataset = (d: LabelledImages): Dataset => ({ x: d.x, labels: d.labels });

function accuracy(model: Cnn, d: LabelledImages, kernels: Kernels): number {
  return evaluateCnn(model, asDataset(d), kernels).accuracy ?? NaN;
}

/** A parameter budget below the start network's own count would never let a channel in: an error before anything is written. */
export function checkBudget(config: GrowCnnConfig, data: StudyData): StudyData {
  const budget = config.growth.maxParameters;
  if (budget === null) return data;
  const start = countParams(Cnn.create(cnnOptions(config, config.model.widths, data), new Rng(0)).params());
  if (budget < start) throw new ConfigError([{ source: "data", path: "growth.maxParameters", message: `a budget of ${budget} parameters is below the start network's ${start} (widths ${config.model.widths.join("-")})` }]);
  return data;
}

/** The state a study starts from: a new run folder, or the checkpoint of the one to resume. */
function openStudyFolder(run: GrowCnnRun, units: ReturnType<typeof studyUnits>): { position: Position; model: Cnn | null; rng: Rng; grownWidths: number[] | null; optimizerState: unknown[]; writer: JsonlWriter; written: number } {
  const { config, data } = run;
  if (!run.resume) {
    createRunFolder(run.dir, { config, seed: config.seed, kernels: run.kernelsInfo, versions: softwareVersions(), dataSplit: { train: data.train.labels.length, validation: data.validation.labels.length, test: data.test.labels.length, shuffleSeed: config.seed + 7919 }, command: run.command });
    return { position: { unit: 0, epoch: 0, step: 0 }, model: null, rng: new Rng(config.seed), grownWidths: null, optimizerState: [], writer: JsonlWriter.create(join(run.dir, GROW_CNN_LOG)), written: 0 };
  }
  resumeRunFolder(run.dir);
  const { payload } = readCheckpoint<Checkpoint>(run.dir);
  if (payload.kind !== CHECKPOINT_KIND) throw new DataError(join(run.dir, "checkpoint"), `a ${CHECKPOINT_KIND} checkpoint, got ${String(payload.kind)}`);
  const { position } = payload;
  run.log(`resuming ${run.dir} at ${units[position.unit]?.name ?? "the end"}, epoch ${position.epoch}, step ${position.step}`);
  return {
    position,
    model: payload.model ? cnnFromJson(payload.model) : null,
    rng: Rng.fromState(payload.rng),
    grownWidths: payload.grownWidths,
    optimizerState: payload.optimizerState,
    writer: JsonlWriter.resume(join(run.dir, GROW_CNN_LOG), { keepRecords: payload.logRecords }).writer,
    written: payload.logRecords,
  };
}

/** The growth step's options from the study's configuration (step: the seed of the sign flips). */
function growthStepOptions(config: GrowCnnConfig, step: number): CnnGrowthOptions {
  const g = config.growth;
  return { variant: g.variant, maxChannels: g.channelsPerStep, statisticalThreshold: g.statisticalThreshold, numericalThreshold: g.numericalThreshold, updateDelta: g.updateDelta, deltaRidge: g.deltaRidge, lineSearchPoints: g.lineSearchPoints, batchSize: 256, select: g.select, signs: g.signs, minimumDecrease: g.minimumDecrease, maxParameters: g.maxParameters ?? undefined, significance: significanceOf(config, step) };
}

/** The progress line of a growth step: what grew, the scores, the significance edge, the widths. */
function growthLogLine(unit: string, rec: GrowthRecord, rule: string): string {
  const { result } = rec;
  const done = result.applied.map((a) => `block ${a.candidate.block} (→ ${a.candidate.consumer}) +${a.candidate.k}, γ ${a.gamma.toPrecision(3)}, loss ${a.lossBefore.toFixed(4)} → ${a.lossAfter.toFixed(4)}`);
  const scores = result.candidates.map((x) => `${x.block}:${Number.isFinite(x.score) ? x.score.toPrecision(3) : "–"}`).join(" ");
  return `${unit}: growth step ${rec.step}: ${done.length > 0 ? done.join("; ") : "no pair could grow"}; scores ${scores}; ${significanceText(rule, result.candidates)}; widths ${result.widths.join("-")} (${rec.searchSeconds.toFixed(1)} s)`;
}

/** Runs (or resumes) the whole study in `run.dir`; returns every record written. */
export async function runGrowCnnStudy(run: GrowCnnRun): Promise<{ records: (EpochRecord | GrowthRecord)[] }> {
  const { config, data, kernels } = run;
  const units = studyUnits(config);
  const epochs = totalEpochs(config);
  checkBudget(config, data);
  const opened = openStudyFolder(run, units);
  const { writer, rng } = opened;
  let { position, model, grownWidths, optimizerState, written } = opened;
  const records: (EpochRecord | GrowthRecord)[] = [];
  const append = (r: EpochRecord | GrowthRecord): void => {
    writer.append(r);
    records.push(r);
    written++;
  };
  const statsIdx = Int32Array.from({ length: Math.min(config.growth.statisticsImages, data.train.labels.length) }, (_, i) => i);
  const lsIdx = Int32Array.from({ length: Math.min(config.growth.lineSearchImages, Math.max(0, data.train.labels.length - statsIdx.length)) }, (_, i) => statsIdx.length + i);
  const stats = subset(data.train, statsIdx);
  const ls = subset(data.train, lsIdx.length > 0 ? lsIdx : statsIdx);
  try {
    for (; position.unit < units.length; position = { unit: position.unit + 1, epoch: 0, step: 0 }) {
      const unit = units[position.unit];
      if (model === null) {
        const widths = unit.kind === "retrain" ? grownWidths ?? config.model.widths : unit.widths;
        model = Cnn.create(cnnOptions(config, widths, data), new Rng(config.seed * 1000 + position.unit));
        optimizerState = [];
      }
      const t = config.training;
      const opt = createOptimizer(model, { optimizer: t.optimizer, lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay }) as Sgd | Adam;
      opt.importStates(optimizerState as never);
      const save = (): void => {
        writeCheckpoint(run.dir, { kind: CHECKPOINT_KIND, position, model: model ? cnnToJson(model) : null, optimizerState: opt.exportStates(), rng: rng.state(), logRecords: written, grownWidths } satisfies Checkpoint);
      };
      const trainOne = (): void => {
        const state = createTrainState();
        opt.lr = epochLearningRate(config, position.epoch);
        const [loss] = trainCnn(model!, asDataset(data.train), { epochs: 1, batchSize: t.batchSize }, rng, kernels, opt, state);
        position = { ...position, epoch: position.epoch + 1 };
        const rec: EpochRecord = { type: "epoch", unit: unit.name, epoch: position.epoch, trainLoss: loss, validationAccuracy: accuracy(model!, data.validation, kernels), testAccuracy: accuracy(model!, data.test, kernels), parameters: countParams(model!.params()), widths: model!.widths, graph: cnnGraphJson(model!) };
        append(rec);
        run.log(`${unit.name}: epoch ${rec.epoch}/${epochs}  loss ${loss.toFixed(4)}  val ${(100 * rec.validationAccuracy).toFixed(2)}%  test ${(100 * rec.testAccuracy).toFixed(2)}%  widths ${rec.widths.join("-")}  params ${rec.parameters}`);
        save();
      };
      const schedule = (): "train" | "grow" | "done" => {
        if (unit.kind !== "grown") return position.epoch < epochs ? "train" : "done";
        const { initialEpochs, epochsPerStep } = config.training;
        if (position.step < config.growth.steps && position.epoch >= initialEpochs + position.step * epochsPerStep) return "grow";
        return position.epoch < epochs ? "train" : "done";
      };
      // A safe point after every checkpoint: the event loop gets a turn there (where the CLI's
      // SIGINT/SIGTERM handler runs) and a requested stop ends the run at the state just saved.
      const safePoint = async (): Promise<void> => {
        if (run.stop === undefined) return;
        const polled = run.stop.poll();
        const reason = polled instanceof Promise ? await polled : polled;
        if (reason !== null) throw new InterruptedError(reason, `${run.dir}: ${unit.name}, epoch ${position.epoch}, growth step ${position.step}`);
      };
      // A new study's first checkpoint, before any epoch: a stop requested while the data was
      // read (the event loop had no turn to see the signal) ends here, resumable from the start.
      if (!run.resume && position.unit === 0 && position.epoch === 0) {
        save();
        await safePoint();
      }
      for (let next = schedule(); next !== "done"; next = schedule()) {
        if (next === "train") {
          trainOne();
          await safePoint();
          continue;
        }
        const t0 = performance.now();
        const result = cnnGrowthStep(model, stats, ls, growthStepOptions(config, position.step), kernels, opt);
        position = { ...position, step: position.step + 1 };
        const rec: GrowthRecord = { type: "growth", unit: unit.name, step: position.step, epoch: position.epoch, result, parameters: countParams(model.params()), searchSeconds: (performance.now() - t0) / 1000, graph: cnnGraphJson(model) };
        append(rec);
        run.log(growthLogLine(unit.name, rec, config.growth.significance));
        save();
        await safePoint();
      }
      if (unit.kind === "grown") grownWidths = model.widths;
      model = null;
    }
    writeCheckpoint(run.dir, { kind: CHECKPOINT_KIND, position, model: null, optimizerState: [], rng: rng.state(), logRecords: written, grownWidths } satisfies Checkpoint);
  } finally {
    writer.close();
  }
  return { records };
}
