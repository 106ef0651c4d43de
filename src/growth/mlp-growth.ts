/**
 * A width-growing sequential MLP (issue 3 item 6; SPEC §11; the slides' "Overall algorithm"):
 * train, then repeat { growth step on the most promising hidden layer; train }. The growth
 * step itself (statistics, bottlenecks, best neurons, choice, line search, apply) is
 * `mlpGrowthStep` in mlp-growth-step.ts; this file is the loop around it. Any hidden widths,
 * including 0, are a valid start (`createGrowingMlp`).
 *
 * The loop state is explicit (model, optimizer, batch iterator, train state); the optimizer
 * keeps its parameter list across growth (Linear swaps arrays on the same Param objects) and
 * forgets the state of every resized parameter.
 */
import type { Kernels } from "../kernels/kernels.js";
import type { BatchIterator, Dataset } from "../data/batches.js";
import type { LossName } from "../nn/losses/loss.js";
import type { Mlp } from "../nn/mlp.js";
import type { Optimizer } from "../nn/optim/optimizer.js";
import { countParams } from "../nn/param.js";
import { createTrainState, evaluate, trainEpoch, type Evaluation } from "../nn/train.js";
import type { Rng } from "../tensor/rng.js";
import type { GrowthOptions } from "./mlp-growth-options.js";
import { mlpGrowthStep, type MlpGrowthStepResult } from "./mlp-growth-step.js";

export { GrowthOptionsSchema, parseGrowthOptions, UPDATE_MODES, type GrowthOptions, type UpdateMode } from "./mlp-growth-options.js";
export {
  analyseMlp,
  applyMlpGrowth,
  CandidateScorer,
  collectMlpStatistics,
  createGrowingMlp,
  GROWTH_BATCH,
  grownWeights,
  heldOutLoss,
  hiddenLayerCount,
  mlpGrowthStep,
  sampleRows,
  selectLayer,
  type GrownWeights,
  type LayerCandidate,
  type MlpGrowthData,
  type MlpGrowthSetup,
  type MlpGrowthStepResult,
} from "./mlp-growth-step.js";

export interface GrowMlpData {
  /** Trained on (through `setup.batches`) and the statistics set. */
  train: Dataset;
  /** Held out from training: the line-search set. */
  lineSearch: Dataset;
  /** Reported only. */
  test: Dataset;
  /** Held out from training and growth, only evaluated: what settings are chosen on (absent: none). */
  validation?: Dataset;
}

export interface GrowMlpSetup {
  kernels: Kernels;
  loss: LossName;
  optimizer: Optimizer;
  /** Mini-batches over `data.train` (mean-reduced loss, as in nn/train). */
  batches: BatchIterator;
  /** Draws each step's statistics subset. */
  rng: Rng;
}

export interface GrowMlpSchedule {
  /** Growth steps. */
  steps: number;
  /** Training epochs before the first step and after each step. */
  epochsBetween: number;
  /** Continue a checkpointed run: the first row to compute and the optimizer steps already taken (default 0, 0). */
  start?: { step: number; trainStep: number };
}

/** One row per phase: step 0 is the initial training, step s ≥ 1 a growth step followed by training. */
export interface GrowMlpRow {
  step: number;
  /** Null for step 0. */
  growth: MlpGrowthStepResult | null;
  /** Per-sample losses (sum-reduced loss / n) and accuracy (classification) after the training of this row. */
  train: Evaluation;
  test: Evaluation;
  /** Present when `data.validation` is. */
  validation?: Evaluation;
  parameters: number;
  /** [I, H₁, …, O] after this row. */
  sizes: number[];
}

export interface GrowMlpHooks {
  onEpoch?: (step: number, epoch: number, loss: number) => void;
  /** Called right after the growth of step s (before its training). */
  onGrowth?: (step: number, result: MlpGrowthStepResult) => void;
  onRow?: (row: GrowMlpRow) => void;
  /** Called after each row with the optimizer steps taken so far (the point a checkpoint can resume from). */
  onRowDone?: (step: number, trainStep: number) => void;
}

/** Trains and grows `model` in place (file comment); returns one row per phase. */
export function growMlp(model: Mlp, data: GrowMlpData, setup: GrowMlpSetup, schedule: GrowMlpSchedule, options: GrowthOptions, hooks: GrowMlpHooks = {}): GrowMlpRow[] {
  const { kernels, loss, optimizer, batches, rng } = setup;
  const trainSetup = { kernels, model, loss: { name: loss, reduction: "mean" as const }, optimizer, batches };
  const state = createTrainState(schedule.start?.trainStep ?? 0);
  const sumSpec = { name: loss, reduction: "sum" as const };
  const rows: GrowMlpRow[] = [];
  for (let step = schedule.start?.step ?? 0; step <= schedule.steps; step++) {
    let growth: MlpGrowthStepResult | null = null;
    if (step > 0) {
      growth = mlpGrowthStep(model, { statistics: data.train, lineSearch: data.lineSearch }, { kernels, loss, optimizer, rng }, options);
      hooks.onGrowth?.(step, growth);
    }
    for (let e = 0; e < schedule.epochsBetween; e++) {
      const value = trainEpoch(trainSetup, state);
      hooks.onEpoch?.(step, e, value);
    }
    const row: GrowMlpRow = {
      step,
      growth,
      train: evaluate(kernels, model, data.train, sumSpec),
      test: evaluate(kernels, model, data.test, sumSpec),
      ...(data.validation === undefined ? {} : { validation: evaluate(kernels, model, data.validation, sumSpec) }),
      parameters: countParams(model.params()),
      sizes: model.sizes,
    };
    rows.push(row);
    hooks.onRow?.(row);
    hooks.onRowDone?.(step, state.step);
  }
  return rows;
}
