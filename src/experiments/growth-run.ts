/**
 * The growth-run loop shared by the experiment runners (teacher–student, MNIST):
 *
 *   init record (step 0) → initialEpochs of training →
 *   for step = 1..steps: growth step (phase "search") → one "growth" record → checkpoint →
 *                        epochsPerStep epochs of SGD on inter-train (phase "training"), each
 *                        followed by one "epoch" record and, every `evaluation.everyEpochs`
 *                        epochs (default 1) and after the step's last epoch, an evaluation
 *                        of every split and test (phase "evaluation"; the other records
 *                        hold the training loss only); a checkpoint every N epochs →
 *   model.json, the "done" record, the final checkpoint.
 *
 * Resume. A checkpoint holds the position (step, epoch within the step), the model, the SGD
 * momentum buffers (by parameter name), the shuffling Rng's state, the data split, the
 * number of log records and the accounting totals. Every quantity that decides the next
 * update is in it, and candidate evaluation is a pure function of the model and data, so a
 * resumed run continues bit-identically (same kernels). The log is cut back to the
 * checkpoint's record count (the cut lines go to a side file, see node/io/results.ts): no line is
 * lost or written twice. Time spent after the last checkpoint of an interrupted session is
 * not counted in the accounting.
 */
import { ConfigError, InterruptedError, NumericalError, TinygrowError, TrainingError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { checkFinite, type Dataset } from "../data/batches.js";
import { DagModel } from "../dag/model.js";
import { graphToJson, modelToJson } from "../dag/serialize.js";
import { growthStep, resolveGrowthOptions, type CandidateRunner, type GrowthOptions, type GrowthSplits, type GrowthStepResult } from "../dag/step.js";
import { trainModel } from "../dag/train.js";
import type { LossName } from "../nn/losses/loss.js";
import { evaluate } from "../nn/train.js";
import type { Rng } from "../tensor/rng.js";
import type { Accountant, AccountingSnapshot } from "./accounting.js";
import type { GrowthRunConfig } from "./config.js";
import { ValidationSelection } from "./best-model.js";
import { checkpointPayload, makeOptimizer, restoreState, type GrowthCheckpoint, type GrowthPosition, type LoopState } from "./growth-checkpoint.js";
import { growthSummary } from "./growth-record.js";

// The checkpoint's names, for the adapters and the browser that know a growth run by this file.
export { CHECKPOINT_KIND, CHECKPOINT_VERSION, CheckpointableSgd, CheckpointSchema, checkResumable, type GrowthCheckpoint, type GrowthPosition } from "./growth-checkpoint.js";

export const LOG_FILE = "log.jsonl";
export const MODEL_FILE = "model.json";

/** Record fields that measure time or energy: they differ between two runs of the same seed. */
export const TIMING_FIELDS = ["wallSeconds", "cpuSeconds", "energyWh", "energyMethod", "searchSeconds", "accounting"] as const;

/** The record a growth run writes after every step (runners may add fields). */
export interface StepRecord {
  step: number;
  epoch?: number;
  /** What happened: "init", "train", "grow:new-node 1→3", … */
  action: string;
  /** Number of trainable parameters after the step. */
  parameters: number;
  /** Loss on every split and on test, e.g. { "train-opt": …, "train-gr": …, test: … }. */
  losses: Record<string, number>;
  accuracy?: Record<string, number>;
  /** Cumulative wall seconds per phase (see experiments/accounting.ts). */
  wallSeconds?: Record<string, number>;
  /** Cumulative energy per phase, in Wh. */
  energyWh?: Record<string, number>;
  [field: string]: unknown;
}

/** The run's log: records appended in order (node: a fsynced JSON-lines file; the browser: memory). */
export interface RecordLog {
  append(record: object): void;
  /** Records written so far. */
  readonly records: number;
}

/**
 * Where a run keeps its checkpoints and final model (the port the platform adapters fill:
 * node/experiments/open-growth-run.ts, a run folder; src/browser, memory).
 */
export interface GrowthRunStore {
  /** Where the run is kept, for messages (the run folder's path; in the browser "memory"). */
  readonly where: string;
  writeCheckpoint(checkpoint: GrowthCheckpoint): void;
  /** The final model, as JSON text (model.json). */
  writeModel(json: string): void;
  /** The records of the log so far. */
  readRecords(): StepRecord[];
}

/** What is grown and on which data. */
export interface GrowthTask {
  splits: GrowthSplits<Float32Array>;
  /** The training data between growth steps (the paper: train-opt ∪ train-ls). */
  interTrain: Dataset;
  /** The validation split (data/splits.ts `splitForGrowth`), evaluated and logged as "validation"; never used by growth. */
  validation?: Dataset;
  test: Dataset;
  loss: LossName;
  inputSize: number;
  outputSize: number;
  /** The starting model (default: the empty graph in → out); ignored on resume. */
  initialModel?: DagModel<Float32Array>;
  /** How the data was drawn (split indices, seeds): stored in checkpoints, checked on resume. */
  dataSplit?: unknown;
}

export interface Progress {
  tick(n?: number, info?: string): void;
}

export interface GrowthRunContext {
  kernels: Kernels;
  /** Shuffles inter-train; on resume its state is replaced by the checkpoint's. */
  rng: Rng;
  accountant: Accountant;
  log: RecordLog;
  progress: Progress;
  store: GrowthRunStore;
  /** Evaluates candidates on worker threads; null evaluates them here (same results). */
  pool: CandidateRunner | null;
  /** The checkpoint to continue from (openGrowthRun reads it), or null for a new run. */
  resume: GrowthCheckpoint | null;
  /** Asked at every safe point whether to stop there (absent: never). */
  stop?: StopRequest;
}

/**
 * A request to stop a run at its next safe point: after an epoch's record or a growth step's
 * record, where the loop then writes a checkpoint and throws InterruptedError. `poll` returns
 * the reason to stop (e.g. "SIGINT") or null to go on; it may return a promise, to give the
 * host's event loop a turn (where signal handlers run), which the loop awaits.
 */
export interface StopRequest {
  poll(): string | null | Promise<string | null>;
}

export interface GrowthRunResult {
  model: DagModel<Float32Array>;
  position: GrowthPosition;
  /** Losses of the last record (every split and test). */
  losses: Record<string, number>;
  parameters: number;
  accounting: AccountingSnapshot;
  /** Where the run continued from, or null when it started fresh. */
  resumedFrom: GrowthPosition | null;
}

/** The parameters of growth step `step` (its seed derived from the run's seed). */
export function stepGrowthOptions(config: GrowthRunConfig, loss: LossName, step: number): GrowthOptions {
  const g = config.growth;
  const options: GrowthOptions = {
    strategy: g.strategy,
    neuronsPerStep: g.neuronsPerStep,
    loss,
    applyDelta: g.applyDelta,
    statisticsBatchSize: g.statisticsBatchSize,
    amplitude: { ...g.amplitude },
    fit: { ...g.fit },
    bic: { ...g.bic },
    penalty: { ...g.penalty },
    seed: (Math.imul(config.seed, 1000003) + step) | 0,
  };
  if (g.bottleneckNorm !== undefined) options.bottleneckNorm = g.bottleneckNorm;
  if (g.nullOption !== undefined) options.nullOption = g.nullOption;
  if (g.maxParameters !== undefined) options.maxParameters = g.maxParameters;
  if (g.refine !== undefined) options.refine = { ...g.refine };
  return options;
}

/** Progress units of a whole run: one per epoch and one per growth step. */
export function growthRunUnits(config: GrowthRunConfig): number {
  return config.training.initialEpochs + config.growth.steps * (config.training.epochsPerStep + 1);
}

/** The leading fields of every record. */
interface RecordHead {
  kind: "init" | "growth" | "epoch" | "done";
  step: number;
  epoch: number;
  stepEpoch: number;
  action: string;
  [field: string]: unknown;
}


/** Runs (or continues) one growth run; see the file comment. */
export async function runGrowth(task: GrowthTask, config: GrowthRunConfig, ctx: GrowthRunContext): Promise<GrowthRunResult> {
  resolveGrowthOptions(stepGrowthOptions(config, task.loss, 1));
  // Once per run, before anything trains (a scan of the data, not per batch).
  for (const [name, data] of [["train-opt", task.splits.trainOpt], ["train-ls", task.splits.trainLs], ["train-gr", task.splits.trainGr], ["inter-train", task.interTrain], ["test", task.test]] as const) checkFinite(name, data);
  const { accountant, log } = ctx;
  const resumedFrom = ctx.resume === null ? null : { ...ctx.resume.position };
  const st = ctx.resume === null ? freshState(task, config) : resumeState(task, config, ctx, ctx.resume);
  const record = (fields: RecordHead, losses: Record<string, number>, accuracy?: Record<string, number>): void => {
    const snap = accountant.snapshot();
    const rec: StepRecord = { ...fields, parameters: st.model.parameterCount(), losses };
    if (accuracy !== undefined) rec.accuracy = accuracy;
    Object.assign(rec, { wallSeconds: snap.wallSeconds, cpuSeconds: snap.cpuSeconds, energyWh: snap.energyWh, energyMethod: snap.method });
    log.append(rec);
  };
  const checkpoint = (): void => {
    accountant.phase("checkpoint", () => ctx.store.writeCheckpoint(checkpointPayload(st, config, { rng: ctx.rng, logRecords: log.records, accounting: accountant.snapshot(), dataSplit: task.dataSplit })));
  };
  if (st.pos.done) return result(st, ctx, resumedFrom);
  const safePoint = async (): Promise<void> => {
    if (ctx.stop === undefined) return;
    const polled = ctx.stop.poll();
    const reason = polled instanceof Promise ? await polled : polled;
    if (reason === null) return;
    checkpoint();
    const p = st.pos;
    throw new InterruptedError(reason, `${ctx.store.where}: ${p.step === 0 ? "before the first growth step" : `after growth step ${p.step}`}, epoch ${p.stepEpoch} of ${p.step === 0 ? "initial training" : "its training"} (run epoch ${p.epoch})`);
  };

  if (ctx.resume === null) {
    const ev = evaluateAll(task, st.model, ctx, st.pos, null);
    st.selection.observe(st.model, 0, 0, ev.losses.validation);
    record({ kind: "init", step: 0, epoch: 0, stepEpoch: 0, action: "init", graph: graphToJson(st.model) }, ev.losses, ev.accuracy);
    checkpoint();
  }
  const { steps } = config.growth;
  for (;;) {
    const epochs = st.pos.step === 0 ? config.training.initialEpochs : config.training.epochsPerStep;
    if (st.pos.stepEpoch < epochs) {
      const trainLoss = trainOneEpoch(task, config, ctx, st, epochs);
      st.pos.stepEpoch++;
      st.pos.epoch++;
      // Every split and test: every evaluation.everyEpochs epochs and at the end of each step's training.
      const evaluateNow = st.pos.stepEpoch === epochs || st.pos.epoch % (config.evaluation?.everyEpochs ?? 1) === 0;
      const ev = evaluateNow ? evaluateAll(task, st.model, ctx, st.pos, trainLoss) : { losses: { train: trainLoss } };
      st.selection.observe(st.model, st.pos.step, st.pos.epoch, (ev.losses as Record<string, number>).validation);
      if (st.pos.stepEpoch === epochs) st.selection.endOfStep(st.pos.step);
      record({ kind: "epoch", step: st.pos.step, epoch: st.pos.epoch, stepEpoch: st.pos.stepEpoch, action: "train" }, ev.losses, ev.accuracy);
      ctx.progress.tick(1, `step ${st.pos.step} ${evaluateNow ? `test ${ev.losses.test.toPrecision(3)}` : `train ${trainLoss.toPrecision(3)}`}`);
      if (st.pos.epoch % config.checkpoint.everyEpochs === 0) checkpoint();
      await safePoint();
      continue;
    }
    if (st.pos.step >= steps || st.selection.stopped) break;
    const step = st.pos.step + 1;
    const r = await accountant.phase("search", () => growOnce(task, config, ctx, st.model, step));
    st.pos.step = step;
    st.pos.stepEpoch = 0;
    const ev = evaluateAll(task, st.model, ctx, st.pos, null);
    st.selection.observe(st.model, step, st.pos.epoch, ev.losses.validation);
    if (config.training.epochsPerStep === 0) st.selection.endOfStep(step);
    const chosen = r.chosen === null ? null : r.candidates[r.chosen];
    const action = chosen === null ? `grow: none (${r.outcome})` : `grow: ${chosen.description}`;
    record({ kind: "growth", step, epoch: st.pos.epoch, stepEpoch: 0, action, growth: growthSummary(r, config.growth), graph: graphToJson(st.model), searchSeconds: r.searchSeconds }, ev.losses, ev.accuracy);
    ctx.progress.tick(1, `step ${step}: ${action}`);
    checkpoint();
    await safePoint();
  }
  st.pos.done = true;
  // The model kept: the last, or the best on validation (config `selection`).
  const kept = st.selection.chosen(st.model);
  st.model = kept.model;
  ctx.store.writeModel(JSON.stringify(modelToJson(st.model)) + "\n");
  const last = evaluateAll(task, st.model, ctx, st.pos, null);
  const selected = kept.best === null ? {} : { selected: { ...kept.best, parameters: st.model.parameterCount(), stoppedEarly: st.selection.stopped }, graph: graphToJson(st.model) };
  record({ kind: "done", step: st.pos.step, epoch: st.pos.epoch, stepEpoch: st.pos.stepEpoch, action: "done", ...selected, accounting: accountant.snapshot() }, last.losses, last.accuracy);
  checkpoint();
  return result(st, ctx, resumedFrom);
}

function freshState(task: GrowthTask, config: GrowthRunConfig): LoopState {
  const model = task.initialModel ?? DagModel.empty(task.inputSize, task.outputSize);
  return { model, optimizer: makeOptimizer(model, config), pos: { step: 0, stepEpoch: 0, epoch: 0, done: false }, selection: new ValidationSelection(config.selection, undefined, task.validation !== undefined) };
}

function resumeState(task: GrowthTask, config: GrowthRunConfig, ctx: GrowthRunContext, cp: GrowthCheckpoint): LoopState {
  const st = restoreState(cp, config, task, ctx.rng, ctx.store.where);
  ctx.progress.tick(cp.position.epoch + cp.position.step, `resumed at step ${cp.position.step}, epoch ${cp.position.epoch}`);
  return st;
}

async function growOnce(task: GrowthTask, config: GrowthRunConfig, ctx: GrowthRunContext, model: DagModel<Float32Array>, step: number): Promise<GrowthStepResult> {
  try {
    return await growthStep(model, task.splits, stepGrowthOptions(config, task.loss, step), { kernels: ctx.kernels, runner: ctx.pool });
  } catch (err) {
    if (err instanceof TinygrowError && !(err instanceof ConfigError)) {
      throw new NumericalError(`growth step ${step}`, `${err.message} (run folder ${ctx.store.where}: the log and the last checkpoint are kept; fix the cause and --resume)`);
    }
    throw err;
  }
}

function trainOneEpoch(task: GrowthTask, config: GrowthRunConfig, ctx: GrowthRunContext, st: LoopState, epochs: number): number {
  const { batchSize, lr, momentum } = config.training;
  try {
    return ctx.accountant.phase("training", () => trainModel(st.model, task.interTrain, { epochs: 1, lr, momentum, batchSize, loss: task.loss, optimizer: st.optimizer }, ctx.rng, ctx.kernels))[0];
  } catch (err) {
    if (!(err instanceof TrainingError)) throw err;
    throw failure(ctx, st.pos, epochs, err.step, err.detail);
  }
}

/** The TrainingError of a failed epoch, naming the growth step and epoch; also logged as an "error" record. */
function failure(ctx: GrowthRunContext, pos: GrowthPosition, epochs: number, optimizerStep: number, detail: string): TrainingError {
  const where = `growth step ${pos.step}, epoch ${pos.stepEpoch + 1} of ${epochs} after it (run epoch ${pos.epoch + 1})`;
  const err = new TrainingError(optimizerStep, `${detail}; ${where}. Lower training.lr; the log and the last checkpoint in ${ctx.store.where} are kept`);
  ctx.log.append({ kind: "error", step: pos.step, epoch: pos.epoch, action: "error", message: err.message });
  return err;
}

const LOSS_SPEC = (loss: LossName) => ({ name: loss, reduction: "mean" as const });

/** Loss (and accuracy for labels) on every split and on test; `trainLoss` is the epoch's running mean. */
function evaluateAll(task: GrowthTask, model: DagModel<Float32Array>, ctx: GrowthRunContext, pos: GrowthPosition, trainLoss: number | null): { losses: Record<string, number>; accuracy?: Record<string, number> } {
  return ctx.accountant.phase("evaluation", () => {
    const sets: [string, Dataset][] = [["train-opt", task.splits.trainOpt], ["train-ls", task.splits.trainLs], ["train-gr", task.splits.trainGr]];
    if (task.validation !== undefined) sets.push(["validation", task.validation]);
    sets.push(["test", task.test]);
    const losses: Record<string, number> = {};
    const accuracy: Record<string, number> = {};
    if (trainLoss !== null) losses.train = trainLoss;
    // A task may log its validation split as "test" too (grow-tabular: the test set is scored once, at the end).
    const seen = new Map<Dataset, ReturnType<typeof evaluate>>();
    for (const [name, data] of sets) {
      const e = seen.get(data) ?? evaluate(ctx.kernels, model, data, LOSS_SPEC(task.loss));
      seen.set(data, e);
      if (!Number.isFinite(e.loss)) {
        const err = new NumericalError(`evaluation after growth step ${pos.step}, epoch ${pos.stepEpoch} of that step`, `the ${name} loss is ${e.loss}; the log and the last checkpoint in ${ctx.store.where} are kept`);
        ctx.log.append({ kind: "error", step: pos.step, epoch: pos.epoch, action: "error", message: err.message });
        throw err;
      }
      losses[name] = e.loss;
      if (e.accuracy !== undefined) accuracy[name] = e.accuracy;
    }
    return Object.keys(accuracy).length > 0 ? { losses, accuracy } : { losses };
  });
}

function result(st: LoopState, ctx: GrowthRunContext, resumedFrom: GrowthPosition | null): GrowthRunResult {
  const records = ctx.store.readRecords();
  const last = records[records.length - 1];
  return { model: st.model, position: { ...st.pos }, losses: last?.losses ?? {}, parameters: st.model.parameterCount(), accounting: ctx.accountant.snapshot(), resumedFrom };
}
