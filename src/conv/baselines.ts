/**
 * Fixed-CNN baselines for the growth studies: the same architecture (depth, kernels,
 * pooling, head) at several fixed widths, each trained from scratch with the same optimizer
 * and epoch budget as the grown network, with its accuracy curve on the evaluation sets
 * (validation for choosing, test for reporting) and its parameter count — the points of the
 * accuracy-against-parameters (Pareto) plot.
 */
import { ConfigError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import type { Dataset } from "../data/batches.js";
import { countParams } from "../nn/param.js";
import type { Evaluation } from "../nn/train.js";
import { createTrainState } from "../nn/train.js";
import { Rng } from "../tensor/rng.js";
import { Cnn } from "./cnn.js";
import type { CnnOptions } from "./cnn-spec.js";
import { createOptimizer, evaluateCnn, trainCnn, type CnnTrainOptions } from "./train.js";

/** `template` with block l's width set to widths[l]. */
export function withWidths(template: CnnOptions, widths: readonly number[]): CnnOptions {
  if (widths.length !== template.blocks.length) {
    throw new ConfigError([{ source: "baselines", path: "widths", message: `expected ${template.blocks.length} widths (one per conv block), got [${widths.join(", ")}]` }]);
  }
  return { ...template, blocks: template.blocks.map((b, l) => ({ ...b, channels: widths[l] })) };
}

/** Widths scaled from `base` by each factor (rounded, at least 1): e.g. [16, 32] × [0.25, 0.5, 1, 2]. */
export function scaledWidths(base: readonly number[], factors: readonly number[]): number[][] {
  return factors.map((f) => base.map((w) => Math.max(1, Math.round(w * f))));
}

export interface BaselineCurvePoint {
  /** Epochs trained so far (1-based). */
  epoch: number;
  trainLoss: number;
  /** One evaluation per named set, e.g. { validation, test }. */
  evaluations: Record<string, Evaluation>;
}

export interface BaselineResult {
  widths: number[];
  parameters: number;
  curve: BaselineCurvePoint[];
  /** The evaluations after the last epoch. */
  final: Record<string, Evaluation>;
  /** Wall time of training and evaluation. */
  seconds: number;
}

export interface BaselineOptions {
  template: CnnOptions;
  /** One width list per baseline. */
  widths: readonly (readonly number[])[];
  training: Omit<CnnTrainOptions, "onEpoch">;
  /** Sets evaluated (by name) every `evaluateEvery` epochs and after the last one. */
  evaluate: Record<string, Dataset>;
  /** Default: only after the last epoch. */
  evaluateEvery?: number;
  /** Seed of each baseline's initialisation and shuffling (the same for every width). */
  seed: number;
  /** Called after each evaluation. */
  onPoint?: (widths: readonly number[], point: BaselineCurvePoint) => void;
  /** A clock in seconds (default performance.now). */
  now?: () => number;
}

/** Trains one fixed CNN of `widths` on `train` and evaluates it along the way. */
export function trainFixedCnn(widths: readonly number[], train: Dataset, options: BaselineOptions, kernels: Kernels): BaselineResult {
  const now = options.now ?? (() => performance.now() / 1000);
  const t0 = now();
  const rng = new Rng(options.seed);
  const model = Cnn.create(withWidths(options.template, widths), rng.fork());
  const shuffle = rng.fork();
  const optimizer = createOptimizer(model, options.training);
  const state = createTrainState();
  const every = options.evaluateEvery ?? options.training.epochs;
  const curve: BaselineCurvePoint[] = [];
  const evaluateAll = () => Object.fromEntries(Object.entries(options.evaluate).map(([name, d]) => [name, evaluateCnn(model, d, kernels)]));
  for (let e = 1; e <= options.training.epochs; e++) {
    const [loss] = trainCnn(model, train, { ...options.training, epochs: 1 }, shuffle, kernels, optimizer, state);
    if (e % every === 0 || e === options.training.epochs) {
      const point = { epoch: e, trainLoss: loss, evaluations: evaluateAll() };
      curve.push(point);
      options.onPoint?.(widths, point);
    }
  }
  return { widths: [...widths], parameters: countParams(model.params()), curve, final: curve[curve.length - 1]?.evaluations ?? evaluateAll(), seconds: now() - t0 };
}

/** Every baseline of `options.widths`, in order. */
export function fixedCnnBaselines(train: Dataset, options: BaselineOptions, kernels: Kernels): BaselineResult[] {
  return options.widths.map((w) => trainFixedCnn(w, train, options, kernels));
}
