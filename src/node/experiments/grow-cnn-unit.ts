/**
 * One unit of the grow-cnn study (the grown CNN, a fixed baseline, or the FS retrain),
 * trained from its saved state to its end: epochs, and for the grown unit its growth steps
 * between them. A unit depends on nothing but the configuration, the data and its own state —
 * its initialisation, its shuffling stream and its optimizer are its own — so the study's
 * units can run one after the other or side by side in worker threads (grow-cnn-lanes.ts)
 * with the same records. After every epoch and growth step the unit hands its record and its
 * state to `save` (the caller logs and checkpoints them), then stops at `safePoint` if asked.
 */
import { Cnn } from "../../conv/cnn.js";
import { cnnGraphJson, type CnnGraphJson } from "../../conv/cnn-graph.js";
import { cnnFromJson, cnnToJson, type CnnJson } from "../../conv/cnn-json.js";
import type { CnnOptions } from "../../conv/cnn-spec.js";
import { createOptimizer, evaluateCnn, trainCnn } from "../../conv/train.js";
import type { Dataset } from "../../data/batches.js";
import { epochLearningRate, significanceOf, totalEpochs, type GrowCnnConfig } from "../../experiments/grow-cnn-config.js";
import { cnnGrowthStep, type CnnGrowthOptions, type CnnGrowthStepResult, type LabelledImages } from "../../growth/conv/cnn-growth-step.js";
import type { Kernels } from "../../kernels/kernels.js";
import type { Adam } from "../../nn/optim/adam.js";
import type { Sgd } from "../../nn/optim/sgd.js";
import { countParams } from "../../nn/param.js";
import { createTrainState } from "../../nn/train.js";
import { Matrix } from "../../tensor/matrix.js";
import { Rng, type RngState } from "../../tensor/rng.js";

/** One trained network of the study: the grown one, a fixed baseline, or the FS retrain. */
export interface StudyUnit {
  name: string;
  kind: "grown" | "baseline" | "retrain";
  /** Start widths (the FS retrain's, the grown unit's final ones, are in its state once the grown unit ends). */
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

export type StudyRecord = EpochRecord | GrowthRecord;

/** A unit's state in the checkpoint: everything its next epoch depends on. */
export interface UnitState {
  /** Epochs done. */
  epoch: number;
  /** Growth steps done. */
  step: number;
  /** The network (null once the unit has ended). */
  model: CnnJson | null;
  /** The optimizer's per-parameter state (SGD momentum or Adam moments), by position. */
  optimizerState: unknown[];
  /** The unit's shuffling stream. */
  rng: RngState;
  /** The unit's records in the log (resume keeps this many of them). */
  logRecords: number;
  done: boolean;
  /** The network's widths (for the grown unit once done: the FS retrain's). */
  widths: number[];
}

export interface StudyData {
  train: LabelledImages;
  validation: LabelledImages;
  test: LabelledImages;
  /** One image (C, H, W). */
  image: { channels: number; height: number; width: number };
  classes: number;
}

export interface UnitRun {
  config: GrowCnnConfig;
  data: StudyData;
  kernels: Kernels;
  /** The unit's position in the study (seeds its initialisation and shuffling). */
  index: number;
  unit: StudyUnit;
  log: (line: string) => void;
  /** Called after every epoch and growth step, with its record and the unit's state after it. */
  save: (record: StudyRecord, state: UnitState) => void;
  /** Called after every `save`; throws to stop the unit there (`where`: the unit's position, for the user). */
  safePoint: (where: string) => Promise<void>;
}

export function cnnOptions(config: GrowCnnConfig, widths: readonly number[], data: Pick<StudyData, "image" | "classes">): CnnOptions {
  const k = config.model.kernel;
  return {
    input: data.image,
    blocks: widths.map((w) => ({ channels: w, kernel: k, padding: Math.floor(k / 2), pool: { kind: config.model.pool, kernel: 2 } })),
    activation: config.model.activation,
    head: config.model.head,
    outputs: data.classes,
  };
}

/** The images at `idx` of `d`. */
export function subset(d: LabelledImages, idx: Int32Array): LabelledImages {
  const cols = d.x.cols;
  const x = new Float32Array(idx.length * cols);
  const labels = new Int32Array(idx.length);
  idx.forEach((i, r) => {
    x.set(d.x.data.subarray(i * cols, (i + 1) * cols), r * cols);
    labels[r] = d.labels[i];
  });
  return { x: new Matrix(idx.length, cols, x), labels };
}

/**
 * The unit's shuffling stream: the grown unit's is the run's seed (as before units had their
 * own), the others' are offset from the initialisation seeds (seed·1000 + index) by 500.
 */
export function unitRng(config: GrowCnnConfig, index: number): Rng {
  return new Rng(index === 0 ? config.seed : config.seed * 1000 + 500 + index);
}

/** The state of a unit not started yet. */
export function freshUnitState(config: GrowCnnConfig, index: number, widths: readonly number[]): UnitState {
  return { epoch: 0, step: 0, model: null, optimizerState: [], rng: unitRng(config, index).state(), logRecords: 0, done: false, widths: [...widths] };
}

/** Multiply-adds of one image through the unit's convolutions: how the lanes order the units (costliest first). */
export function unitCost(config: GrowCnnConfig, widths: readonly number[], data: Pick<StudyData, "image" | "classes">): number {
  const k = config.model.kernel;
  let channels = data.image.channels;
  let [h, w] = [data.image.height, data.image.width];
  let macs = 0;
  for (const c of widths) {
    macs += h * w * k * k * channels * c;
    channels = c;
    [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
  }
  return macs;
}

/** The growth step's options from the study's configuration (step: the seed of the sign flips). */
function growthStepOptions(config: GrowCnnConfig, step: number): CnnGrowthOptions {
  const g = config.growth;
  return { variant: g.variant, maxChannels: g.channelsPerStep, statisticalThreshold: g.statisticalThreshold, numericalThreshold: g.numericalThreshold, updateDelta: g.updateDelta, balance: g.balance, deltaRidge: g.deltaRidge, lineSearchPoints: g.lineSearchPoints, batchSize: 256, select: g.select, signs: g.signs, minimumDecrease: g.minimumDecrease, maxParameters: g.maxParameters ?? undefined, significance: significanceOf(config, step) };
}

/** "significant (sign-flip): block: channels with s > τ (τ, s_1)", for the step log. */
export function significanceText(rule: string, candidates: CnnGrowthStepResult["candidates"]): string {
  return `significant (${rule}): ${candidates.map((c) => `${c.block}: ${c.significant} (τ ${c.edge.toPrecision(3)}, s₁ ${(c.topSingularValues[0] ?? 0).toPrecision(3)})`).join(", ")}`;
}

/** The progress line of a growth step: what grew, the scores, the significance edge, the widths. */
function growthLogLine(unit: string, rec: GrowthRecord, rule: string): string {
  const { result } = rec;
  const done = result.applied.map((a) => `block ${a.candidate.block} (→ ${a.candidate.consumer}) +${a.candidate.k}, γ ${a.gamma.toPrecision(3)}, loss ${a.lossBefore.toFixed(4)} → ${a.lossAfter.toFixed(4)}, scale α ${a.scale.alpha.toPrecision(2)} ω ${a.scale.omega.toPrecision(2)}`);
  const scores = result.candidates.map((x) => `${x.block}:${Number.isFinite(x.score) ? x.score.toPrecision(3) : "–"}`).join(" ");
  return `${unit}: growth step ${rec.step}: ${done.length > 0 ? done.join("; ") : "no pair could grow"}; scores ${scores}; ${significanceText(rule, result.candidates)}; widths ${result.widths.join("-")} (${rec.searchSeconds.toFixed(1)} s)`;
}

const asDataset = (d: LabelledImages): Dataset => ({ x: d.x, labels: d.labels });

function accuracy(model: Cnn, d: LabelledImages, kernels: Kernels): number {
  return evaluateCnn(model, asDataset(d), kernels).accuracy ?? NaN;
}

/** The growth statistics' images (the first ones of the training split) and the line search's (the next ones). */
function growthImages(config: GrowCnnConfig, train: LabelledImages): { stats: LabelledImages; ls: LabelledImages } {
  const n = train.labels.length;
  const statsIdx = Int32Array.from({ length: Math.min(config.growth.statisticsImages, n) }, (_, i) => i);
  const lsIdx = Int32Array.from({ length: Math.min(config.growth.lineSearchImages, Math.max(0, n - statsIdx.length)) }, (_, i) => statsIdx.length + i);
  return { stats: subset(train, statsIdx), ls: subset(train, lsIdx.length > 0 ? lsIdx : statsIdx) };
}

/** Trains (or continues) one unit to its end; returns its final state (done, no model). */
export async function runUnit(run: UnitRun, state: UnitState): Promise<UnitState> {
  const { config, data, kernels, unit, index } = run;
  if (state.done) return state;
  const epochs = totalEpochs(config);
  const model = state.model ? cnnFromJson(state.model) : Cnn.create(cnnOptions(config, state.widths, data), new Rng(config.seed * 1000 + index));
  const rng = Rng.fromState(state.rng);
  const t = config.training;
  const opt = createOptimizer(model, { optimizer: t.optimizer, lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay }) as Sgd | Adam;
  opt.importStates(state.optimizerState as never);
  let { epoch, step, logRecords } = state;
  const snapshot = (done: boolean): UnitState => ({ epoch, step, model: done ? null : cnnToJson(model), optimizerState: done ? [] : opt.exportStates(), rng: rng.state(), logRecords, done, widths: model.widths });
  const save = async (record: StudyRecord): Promise<void> => {
    logRecords++;
    run.save(record, snapshot(false));
    await run.safePoint(`${unit.name}, epoch ${epoch}, growth step ${step}`);
  };
  const schedule = (): "train" | "grow" | "done" => {
    if (unit.kind === "grown" && step < config.growth.steps && epoch >= t.initialEpochs + step * t.epochsPerStep) return "grow";
    return epoch < epochs ? "train" : "done";
  };
  const growth = unit.kind === "grown" && config.growth.steps > step ? growthImages(config, data.train) : null;
  for (let next = schedule(); next !== "done"; next = schedule()) {
    if (next === "train") {
      opt.lr = epochLearningRate(config, epoch);
      const [loss] = trainCnn(model, asDataset(data.train), { epochs: 1, batchSize: t.batchSize }, rng, kernels, opt, createTrainState());
      epoch++;
      const rec: EpochRecord = { type: "epoch", unit: unit.name, epoch, trainLoss: loss, validationAccuracy: accuracy(model, data.validation, kernels), testAccuracy: accuracy(model, data.test, kernels), parameters: countParams(model.params()), widths: model.widths, graph: cnnGraphJson(model) };
      run.log(`${unit.name}: epoch ${epoch}/${epochs}  loss ${loss.toFixed(4)}  val ${(100 * rec.validationAccuracy).toFixed(2)}%  test ${(100 * rec.testAccuracy).toFixed(2)}%  widths ${rec.widths.join("-")}  params ${rec.parameters}`);
      await save(rec);
      continue;
    }
    const t0 = performance.now();
    const result = cnnGrowthStep(model, growth!.stats, growth!.ls, growthStepOptions(config, step), kernels, opt);
    step++;
    const rec: GrowthRecord = { type: "growth", unit: unit.name, step, epoch, result, parameters: countParams(model.params()), searchSeconds: (performance.now() - t0) / 1000, graph: cnnGraphJson(model) };
    run.log(growthLogLine(unit.name, rec, config.growth.significance));
    await save(rec);
  }
  return snapshot(true);
}
