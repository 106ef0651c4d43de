/**
 * The checkpoint of a growth run (growth-run.ts) and its resume plumbing: what a checkpoint
 * holds (position, model, SGD momentum by parameter name, the shuffling Rng's state, the data
 * split, the number of log records, the accounting totals, the best model on validation so far), the schema it is read back with,
 * and the checks that a resumed run is the same run (configuration and data split unchanged).
 * Where the checkpoint is kept is the store's business (node/experiments/open-growth-run.ts:
 * a run folder; the browser: memory).
 */
import { z } from "zod";
import { ConfigError, DataError } from "../errors.js";
import { DagModel } from "../dag/model.js";
import { modelFromJson, modelToJson, type DagModelJson } from "../dag/serialize.js";
import { Sgd } from "../nn/optim/sgd.js";
import type { Rng, RngState } from "../tensor/rng.js";
import type { AccountingSnapshot } from "./accounting.js";
import type { GrowthRunConfig } from "./config.js";
import { ValidationSelection, type SelectionState } from "./best-model.js";

export const CHECKPOINT_KIND = "tinygrow-growth-run";
export const CHECKPOINT_VERSION = 1;

export interface GrowthPosition {
  /** Growth steps done (0 before the first). */
  step: number;
  /** Epochs done since that growth step (or since the start, for step 0). */
  stepEpoch: number;
  /** Epochs done in the whole run. */
  epoch: number;
  done: boolean;
}

export interface GrowthCheckpoint {
  kind: typeof CHECKPOINT_KIND;
  version: number;
  position: GrowthPosition;
  config: GrowthRunConfig;
  model: DagModelJson;
  /** SGD momentum buffers by parameter name ("in->h1.weight"). */
  optimizer: { momentum: Record<string, Float32Array> };
  rng: RngState;
  /** Log records written when the checkpoint was taken. */
  logRecords: number;
  accounting: AccountingSnapshot;
  dataSplit: unknown;
  /** The best model on validation so far (config `selection`, experiments/best-model.ts). */
  selection?: SelectionState;
}

export const CheckpointSchema = z.looseObject({
  kind: z.literal(CHECKPOINT_KIND),
  version: z.literal(CHECKPOINT_VERSION),
  position: z.object({ step: z.number().int().min(0), stepEpoch: z.number().int().min(0), epoch: z.number().int().min(0), done: z.boolean() }),
  config: z.looseObject({}),
  model: z.looseObject({ format: z.string() }),
  optimizer: z.object({ momentum: z.record(z.string(), z.instanceof(Float32Array)) }),
  rng: z.object({ s: z.tuple([z.number(), z.number(), z.number(), z.number()]), spareNormal: z.number().nullable() }),
  logRecords: z.number().int().min(0),
  accounting: z.looseObject({ method: z.enum(["rapl", "model"]) }),
});

/** SGD whose momentum buffers can be saved and restored by parameter name (for checkpoints). */
export class CheckpointableSgd extends Sgd {
  /** Copies of the current momentum buffers (buffers of resized parameters are skipped: SGD resets them). */
  exportMomentum(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    this.paramList.forEach((p, i) => {
      const s = this.currentState(i);
      if (s !== null) out[p.name] = Float32Array.from(s);
    });
    return out;
  }

  /** Restores buffers saved by exportMomentum onto the current parameters (matched by name and length). */
  importMomentum(momentum: Record<string, Float32Array>): void {
    this.paramList.forEach((p, i) => {
      const s = momentum[p.name];
      if (s === undefined) return;
      if (s.length !== p.value.length) throw new DataError("checkpoint", `momentum of "${p.name}" has ${s.length} values, the parameter has ${p.value.length}`);
      this.states[i] = Float32Array.from(s);
    });
  }
}

/** What a checkpoint saves of a running loop and restores on resume. */
export interface LoopState {
  model: DagModel<Float32Array>;
  optimizer: CheckpointableSgd;
  pos: GrowthPosition;
  selection: ValidationSelection;
}

export function makeOptimizer(model: DagModel<Float32Array>, config: GrowthRunConfig): CheckpointableSgd {
  const { lr, momentum, weightDecay } = config.training;
  return new CheckpointableSgd(model.params(), { lr, momentum, weightDecay });
}

/** The checkpoint of the loop state `st` (plus what lives outside the loop: the Rng, the log's length, the accounting). */
export function checkpointPayload(st: LoopState, config: GrowthRunConfig, outside: { rng: Rng; logRecords: number; accounting: AccountingSnapshot; dataSplit: unknown }): GrowthCheckpoint {
  return {
    kind: CHECKPOINT_KIND,
    version: CHECKPOINT_VERSION,
    position: { ...st.pos },
    config: JSON.parse(JSON.stringify(config)) as GrowthRunConfig,
    model: modelToJson(st.model),
    optimizer: { momentum: st.optimizer.exportMomentum() },
    rng: outside.rng.state(),
    logRecords: outside.logRecords,
    accounting: outside.accounting,
    dataSplit: outside.dataSplit ?? null,
    selection: st.selection.save(),
  };
}

/**
 * The loop state of checkpoint `cp` (`file` names it in errors), after checking it belongs to
 * this run (checkResumable) and to a model of the task's input and output sizes; the Rng is
 * set to the checkpoint's state.
 */
export function restoreState(cp: GrowthCheckpoint, config: GrowthRunConfig, task: { inputSize: number; outputSize: number; dataSplit?: unknown; validation?: unknown }, rng: Rng, file: string): LoopState {
  checkResumable(cp, config, task.dataSplit, file);
  const model = modelFromJson(cp.model);
  if (model.inputSize !== task.inputSize || model.outputSize !== task.outputSize) {
    throw new DataError(file, `the checkpointed model maps ${model.inputSize} → ${model.outputSize}, the task ${task.inputSize} → ${task.outputSize}`);
  }
  const optimizer = makeOptimizer(model, config);
  optimizer.importMomentum(cp.optimizer.momentum);
  rng.setState(cp.rng);
  return { model, optimizer, pos: { ...cp.position }, selection: new ValidationSelection(config.selection, cp.selection, task.validation !== undefined) };
}

/** ConfigError naming every field that differs from the checkpoint's; DataError when the data split does. */
export function checkResumable(cp: GrowthCheckpoint, config: GrowthRunConfig, dataSplit: unknown, file: string): void {
  const changed = diffPaths(cp.config, JSON.parse(JSON.stringify(config)));
  if (changed.length > 0) {
    throw new ConfigError(changed.map((path) => ({ source: "--resume", path, message: `differs from the run's checkpoint (${file}); a resumed run keeps its configuration` })));
  }
  if (JSON.stringify(cp.dataSplit ?? null) !== JSON.stringify(dataSplit ?? null)) {
    throw new DataError(file, "the data split recorded in the checkpoint differs from the one rebuilt for this run: the data or its seed changed");
  }
}

/** Dotted paths where two plain JSON values differ. */
function diffPaths(a: unknown, b: unknown, prefix = ""): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => diffPaths(a[k], b[k], prefix === "" ? k : `${prefix}.${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || "(root)"];
}
