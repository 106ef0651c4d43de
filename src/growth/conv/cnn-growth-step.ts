/**
 * One TINY growth step of a sequential CNN (src/conv/cnn.ts), the conv analogue of
 * mlp-growth-step.ts:
 *
 *  1. statistics of every growable pair (cnn-pairs.ts) over the statistics images, with the
 *     sum-reduced cross-entropy (G = softmax − onehot per image, §4): pass 1 S, M, E,
 *     S_growth, M_prev; δW* per pair; pass 2 N from the residual (no P, statistics.ts);
 *  2. the best new channels of every pair (§10), and their exact quadratic term Q (pass 3);
 *  3. the pair with the largest comparable score D·[δW applied] + (Σs²)²/Q (comparable.ts,
 *     SPEC §16 D8: Full, Restricted and head pairs on one scale), or (select "loss") the pair
 *     whose line-searched channels lower the held-out loss most;
 *  4. the amplitude γ by GroMo's line search on the mean cross-entropy of held-out images,
 *     the network evaluated in float64 from the pair's input on (tail forward);
 *  5. applying it, unless no amplitude lowered the loss (amplitudeHelps): the consumer's
 *     weights − γ²δW (optional), then Cnn.addChannels with γα and γω (the optimizer state of
 *     resized parameters is reset); with `balance`, once the step is applied, each new
 *     channel's scale is split evenly between α and ω (channel-scale.ts: the same function).
 */
import type { Cnn } from "../../conv/cnn.js";
import type { Kernels } from "../../kernels/kernels.js";
import type { Optimizer } from "../../nn/optim/optimizer.js";
import { countParams, zeroGrads } from "../../nn/param.js";
import { softmaxCrossEntropyLoss } from "../../nn/losses/softmax-cross-entropy.js";
import { Matrix, zeros64, type Matrix32, type Matrix64 } from "../../tensor/matrix.js";
import { lineSearch, type LineSearchResult } from "../line-search.js";
import { comparableImprovement, QuadraticTermAccumulator } from "./comparable.js";
import { activate64, conv2d64, extendedForwardOf, type ConvGrowthStep } from "./conv-forward.js";
import { computeConvDelta, convGrowthFromN, type ConvGrowth } from "./conv-growth.js";
import type { Nchw64 } from "./geometry.js";
import { cnnPair, pairBatch, pairInput, pairParameters, poolSpecOf, type CnnPair } from "./cnn-pairs.js";
import { globalAveragePool } from "./head-loss.js";
import { balanceNewChannels, blockWeights, channelScale, checkBalanceable, type ChannelScale } from "./channel-scale.js";
import { Scratch } from "./patches.js";
import { pool64 } from "./pool.js";
import { channelEdge, residualAccumulator, type ConvSignificance } from "./significance.js";
import { ConvPairAccumulator, type ConvVariant } from "./statistics.js";

export interface CnnGrowthOptions {
  /** Variant of conv → conv pairs ("restricted": centre-tap kernels, "full": spatial kernels). */
  variant: ConvVariant;
  /** At most this many channels per step. */
  maxChannels: number;
  statisticalThreshold: number;
  numericalThreshold: number;
  /** Apply −γ²δW* to the consumer too (TINY's joint move). */
  updateDelta: boolean;
  /** Relative ridge of δW* (optimal-delta.ts). */
  deltaRidge: number;
  /** Points per decade of the line search (GroMo: 100). */
  lineSearchPoints: number;
  /** Images per forward/backward pass of the statistics. */
  batchSize: number;
  /** Blocks that may grow (default: all). */
  blocks?: readonly number[];
  /**
   * Which pairs grow in a step: "best" (TINY / GroMo's select_best_update: the largest score),
   * "best-per-parameter" (the largest score per added parameter), "every" (every pair, one
   * after the other, each with fresh statistics and its own line search), "loss" (every
   * pair's amplitude searched, the pair with the largest measured decrease of the
   * line-search loss grows: the decrease is in loss units for every pair, so the choice does
   * not depend on the scale of each pair's pre-activation space, which the linearised scores
   * do — SPEC §16 D8; it is the DAG paper's "chosen on held-out data"). Default "best".
   */
  select?: CnnGrowthSelect;
  /**
   * Amplitude signs the line search tries: "positive" (γ ≥ 0, GroMo) or "both" (also γ ≤ 0).
   * With ReLU, (α, ω) and (−α, −ω) are different channels — ω·relu(α·x) and −ω·relu(−α·x)
   * are the two halves of the linearised ω·α·x — so the SVD direction fixes the pair only up
   * to this sign, and the better one is measured. Default "positive".
   */
  signs?: AmplitudeSigns;
  /**
   * A pair's channels are added only if they lower the mean line-search loss by more than this
   * (default 0: any decrease). Channels that barely move the held-out loss only add parameters
   * (one Fashion-MNIST step added 8 channels for a decrease below 10⁻⁴).
   */
  minimumDecrease?: number;
  /**
   * The grown network's parameter budget: pair l gets at most ⌊(budget − parameters) / per
   * channel⌋ channels (Cnn.parametersPerChannel), fewer than maxChannels near the budget and
   * none once no channel fits. Default: no budget.
   */
  maxParameters?: number;
  /**
   * How many channels the data supports (significance.ts): rule "threshold" (default: τ_stat,
   * SPEC §7.2) or "sign-flip" (images as units: keep s_j > τ, possibly none).
   */
  significance?: ConvSignificance;
  /**
   * Rescale each new channel (α, b by c, ω by 1/c) so that its kernel's and its consumer
   * weights' norms, relative to the block's earlier channels', are equal (channel-scale.ts):
   * the same function, a balanced start for training. ReLU and no batch norm only. Measured
   * worse on Fashion-MNIST (README, Conv growth). Default false.
   */
  balance?: boolean;
}

export const AMPLITUDE_SIGNS = ["positive", "both"] as const;

export type AmplitudeSigns = (typeof AMPLITUDE_SIGNS)[number];

export const CNN_GROWTH_SELECT = ["best", "best-per-parameter", "every", "loss"] as const;

export type CnnGrowthSelect = (typeof CNN_GROWTH_SELECT)[number];

export interface LabelledImages {
  x: Matrix32;
  labels: Int32Array;
}

export interface PairCandidate {
  block: number;
  consumer: "conv" | "head";
  variant: ConvVariant;
  k: number;
  singularValues: number[];
  /** The largest singular values of Π before any rule (at most maxChannels + 2 of them). */
  topSingularValues: number[];
  /** The edge τ applied: min(τ_stat, s_1) (rule "threshold") or the sign-flip τ. */
  edge: number;
  /** Singular values the rule keeps, before the cap of maxChannels. */
  significant: number;
  /** D of δW* (§6). */
  decrease: number;
  /** GroMo's D + σ'(0)Σs² (§11). */
  gromoScore: number;
  /** The ranking score, D·[updateDelta] + (Σs²)²/Q. */
  score: number;
  /** (1/n)‖V_proj‖² per image (§7). */
  bottleneck: number;
  /** t* = Σs²/Q (≈ 1 where the SVD model is exact). */
  bestScaling: number;
  /** Parameters the k channels add (conv l's kernels and bias, the consumer's new inputs). */
  addedParameters: number;
  /** Line-search loss before − at γ* (select "loss" only: measured for every pair). */
  measuredDecrease?: number;
}

export interface AppliedGrowth {
  candidate: PairCandidate;
  gamma: number;
  /** Mean cross-entropy of the line-search images before and after. */
  lossBefore: number;
  lossAfter: number;
  /** Line-search evaluations. */
  evaluations: number;
  /** The new channels' indices [from, to) in their block. */
  channels: [number, number];
  /** Their mean kernel and consumer-weight scales relative to the block's earlier channels, as the line search set them (before any balancing). */
  scale: ChannelScale;
}

export interface CnnGrowthStepResult {
  /** Every pair's candidate (for "every": as scored just before that pair grew). */
  candidates: PairCandidate[];
  /** What was applied, in order (empty: no pair could grow). */
  applied: AppliedGrowth[];
  /** The widths after the step. */
  widths: number[];
}

/** ∂L_sum/∂logits = softmax − onehot (B, C), in float32 for the network's backward. */
function sumLossGradient(logits: Matrix32, labels: Int32Array): Matrix32 {
  const l64 = new Matrix(logits.rows, logits.cols, Float64Array.from(logits.data));
  const g = zeros64(logits.rows, logits.cols);
  softmaxCrossEntropyLoss(l64, labels, "sum", g);
  return new Matrix(g.rows, g.cols, Float32Array.from(g.data));
}

/** Runs `visit` after a forward (and backward, when `backward`) of every statistics batch. */
function passes(model: Cnn, data: LabelledImages, batchSize: number, kernels: Kernels, backward: boolean, visit: (dLogits: Matrix32) => void): void {
  const n = data.x.rows;
  const cols = data.x.cols;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const xb = new Matrix(end - start, cols, data.x.data.subarray(start * cols, end * cols));
    const logits = model.forward(kernels, xb);
    const dLogits = sumLossGradient(logits, data.labels.subarray(start, end));
    if (backward) model.backward(kernels, dLogits);
    visit(dLogits);
  }
  zeroGrads(model.params());
}

interface Fitted {
  pair: CnnPair;
  growth: ConvGrowth;
  candidate: PairCandidate;
}

/** Steps 1–3: statistics, new channels and scores of every growable pair. */
export function cnnGrowthCandidates(model: Cnn, stats: LabelledImages, options: CnnGrowthOptions, kernels: Kernels): Fitted[] {
  const caps = channelCaps(model, options);
  const blocks = (options.blocks ?? model.blocks.map((_, l) => l)).filter((l) => caps[l] >= 1);
  if (blocks.length === 0) return [];
  const pairs = blocks.map((l) => cnnPair(model, l, options.variant));
  const accs = pairs.map((p) => new ConvPairAccumulator(p.shape, { crossCovariance: false }));
  passes(model, stats, options.batchSize, kernels, true, (dLogits) => pairs.forEach((p, i) => accs[i].update(pairBatch(model, p, dLogits), kernels)));
  const growthOptions = {
    activation: model.activation,
    numericalThreshold: options.numericalThreshold,
    statisticalThreshold: options.statisticalThreshold,
    maximumAddedNeurons: options.maxChannels,
    deltaRidge: options.deltaRidge,
  };
  const statistics = accs.map((a) => a.read());
  const deltas = statistics.map((s) => computeConvDelta(s, growthOptions, kernels)!);
  const sig = options.significance;
  const residuals = pairs.map((p, i) => residualAccumulator(p.shape, deltas[i].deltaWeight, deltas[i].deltaBias, sig, p.block));
  passes(model, stats, options.batchSize, kernels, true, (dLogits) => pairs.forEach((p, i) => residuals[i].update(pairBatch(model, p, dLogits), kernels)));
  const edges: number[] = [];
  const growths = pairs.map((_, i) => {
    const n = residuals[i].read();
    const flip = channelEdge(residuals[i], statistics[i], options.deltaRidge, sig, options.numericalThreshold, kernels);
    const g = convGrowthFromN(statistics[i], deltas[i], n, { ...growthOptions, maximumAddedNeurons: caps[pairs[i].block], ...(flip ? { significanceEdge: flip.edge } : {}) }, kernels);
    edges.push(flip ? flip.edge : Math.min(options.statisticalThreshold, g.neurons.allSingularValues[0] ?? 0));
    return g;
  });
  const quads = pairs.map((p, i) => new QuadraticTermAccumulator(growths[i].step, p.geometry));
  passes(model, stats, options.batchSize, kernels, false, () => pairs.forEach((p, i) => quads[i].update(pairInput(model, p), kernels)));
  return pairs.map((pair, i) => {
    const g = growths[i];
    const cmp = comparableImprovement(options.updateDelta ? g.firstOrder.parameterUpdateDecrease : 0, g.neurons.singularValues, quads[i].read());
    return {
      pair,
      growth: g,
      candidate: {
        block: pair.block,
        consumer: pair.consumer,
        variant: pair.shape.variant,
        k: g.neurons.k,
        singularValues: Array.from(g.neurons.singularValues),
        topSingularValues: Array.from(g.neurons.allSingularValues.subarray(0, options.maxChannels + 2)),
        edge: edges[i],
        significant: g.neurons.allSingularValues.filter((s) => s > 0 && (sig?.rule === "sign-flip" ? s > edges[i] : s >= edges[i])).length,
        decrease: g.firstOrder.parameterUpdateDecrease,
        gromoScore: g.firstOrder.total,
        score: g.neurons.k > 0 ? cmp.total : -Infinity,
        bottleneck: g.bottleneck.meanSqNorm,
        bestScaling: cmp.bestScaling,
        addedParameters: g.neurons.k * (g.step.alphaWeight.cols + (g.step.alphaBias ? 1 : 0) + g.step.omega.rows * (g.step.omega.cols / Math.max(1, g.neurons.k))),
      },
    };
  });
}

/** The most channels each block may add this step: maxChannels, cut by the parameter budget. */
function channelCaps(model: Cnn, options: CnnGrowthOptions): number[] {
  const budget = options.maxParameters;
  if (budget === undefined) return model.blocks.map(() => options.maxChannels);
  const left = budget - countParams(model.params());
  return model.blocks.map((_, l) => Math.max(0, Math.min(options.maxChannels, Math.floor(left / model.parametersPerChannel(l)))));
}

/** Logits (n, outputs) in float64 from the output A (pre-activation) of block b's conv onward. */
function tailFromPreActivation(model: Cnn, b: number, a: Nchw64, kernels: Kernels, scratch?: Scratch): Matrix64 {
  let h = a;
  for (let l = b; l < model.blocks.length; l++) {
    const { conv, pool } = model.blocks[l];
    if (l > b) h = conv2d64(h, new Matrix(conv.weight.rows, conv.weight.cols, Float64Array.from(conv.weight.data)), conv.bias && Float64Array.from(conv.bias), conv.geometry, `blocks.${l}.conv`, kernels, scratch);
    h = activate64(model.activation, h);
    const spec = poolSpecOf(pool, `blocks.${l}`);
    if (spec) h = pool64(h, spec, `blocks.${l}`, kernels);
  }
  const feat = model.headKind === "gap" ? globalAveragePool(h) : new Matrix(h.n, h.c * h.h * h.w, h.data);
  const w = model.head.weight;
  const out = zeros64(feat.rows, w.rows);
  kernels.gemm(feat, new Matrix(w.rows, w.cols, Float64Array.from(w.data)), out, { transB: true });
  if (model.head.bias) for (let i = 0; i < out.rows; i++) for (let j = 0; j < out.cols; j++) out.data[i * out.cols + j] += model.head.bias[j];
  return out;
}

/** Mean cross-entropy of the line-search images as a function of γ for the fitted pair (§12). */
function amplitudeObjective(model: Cnn, fitted: Fitted, ls: LabelledImages, options: CnnGrowthOptions, kernels: Kernels): (gamma: number) => number {
  const { pair, growth } = fitted;
  const params = pairParameters(model, pair);
  const step: ConvGrowthStep = options.updateDelta ? growth.step : { ...growth.step, deltaWeight: zeros64(growth.step.deltaWeight.rows, growth.step.deltaWeight.cols), deltaBias: growth.step.deltaBias && new Float64Array(growth.step.deltaBias.length) };
  // h_l of the line-search images, in float64 from the float32 network's prefix.
  model.forward(kernels, ls.x);
  const h = pairInput(model, pair);
  const a2Of = extendedForwardOf(params, step, pair.geometry, h, kernels);
  const scratch = new Scratch();
  return (gamma: number): number => {
    const a2 = a2Of(gamma);
    const logits = pair.consumer === "head" ? new Matrix(a2.n, a2.c, a2.data) : tailFromPreActivation(model, pair.block + 1, a2, kernels, scratch);
    return softmaxCrossEntropyLoss(logits, ls.labels, "sum", null) / ls.labels.length;
  };
}

/** The smallest positive amplitude the line search tries (its grid: 0, then 10⁻⁶ … 1, widened upward). */
const SMALLEST_AMPLITUDE = 1e-6;

/**
 * Step 4: γ* of the fitted pair by the line search on the `ls` images; with signs "both" also
 * over −γ (the channels (−α, −ω)), keeping the lower loss (a tie keeps γ ≥ 0).
 */
function searchAmplitude(model: Cnn, fitted: Fitted, ls: LabelledImages, options: CnnGrowthOptions, kernels: Kernels): LineSearchResult {
  const loss = amplitudeObjective(model, fitted, ls, options, kernels);
  const search = { points: options.lineSearchPoints, fMin: SMALLEST_AMPLITUDE };
  const positive = lineSearch(loss, search);
  if ((options.signs ?? "positive") === "positive") return positive;
  const negative = lineSearch((g) => loss(-g), search);
  if (!(negative.lossStar < positive.lossStar)) return positive;
  return { ...negative, gammaStar: -negative.gammaStar, historyGamma: negative.historyGamma.map((g) => -g) };
}

/**
 * Whether the searched amplitude lowers the held-out loss (by more than `minimumDecrease`, the
 * loss at γ = 0 being historyLoss[0]). At γ* = 0 or at the grid's smallest
 * |γ| no amplitude helped: such channels are not added, since they would start (almost) dead —
 * with α and ω ≈ 0, ReLU's input and ω's gradient are ≈ 0, so training hardly moves them — and
 * only add parameters.
 */
export function amplitudeHelps(result: Pick<LineSearchResult, "gammaStar" | "historyLoss" | "lossStar">, minimumDecrease = 0): boolean {
  return Math.abs(result.gammaStar) > SMALLEST_AMPLITUDE && result.historyLoss[0] - result.lossStar > minimumDecrease;
}

/** Step 5 for the chosen pair at the searched amplitude; returns γ*, the losses and the evaluations. */
function applyFitted(model: Cnn, fitted: Fitted, result: LineSearchResult, options: CnnGrowthOptions, optimizer?: Optimizer): AppliedGrowth {
  const gamma = result.gammaStar;
  const { pair, growth } = fitted;
  const step = growth.step;
  if (options.updateDelta) {
    const consumer = pair.consumer === "conv" ? model.blocks[pair.block + 1].conv : null;
    const w = consumer ? consumer.weight : model.head.weight;
    const b = consumer ? consumer.bias : model.head.bias;
    const g2 = gamma * gamma;
    for (let i = 0; i < w.data.length; i++) w.data[i] -= g2 * step.deltaWeight.data[i];
    if (b && step.deltaBias) for (let i = 0; i < b.length; i++) b[i] -= g2 * step.deltaBias[i];
  }
  const f32 = (m: Matrix64, f: number): Matrix32 => new Matrix(m.rows, m.cols, Float32Array.from(m.data, (v) => f * v));
  const from = model.blocks[pair.block].conv.outChannels;
  model.addChannels(
    pair.block,
    { weight: f32(step.alphaWeight, gamma), bias: step.alphaBias && Float32Array.from(step.alphaBias, (v) => gamma * v), next: f32(step.omega, gamma) },
    optimizer,
  );
  const to = from + step.alphaWeight.rows;
  const { kernels, consumer } = blockWeights(model, pair.block);
  return { candidate: fitted.candidate, gamma, lossBefore: result.historyLoss[0], lossAfter: result.lossStar, evaluations: result.historyGamma.length, channels: [from, to], scale: channelScale(kernels, consumer, from, to) };
}

/** Select "loss": every pair's γ searched; the pair with the largest measured decrease grows. */
function growByMeasuredLoss(model: Cnn, fitted: Fitted[], ls: LabelledImages, options: CnnGrowthOptions, kernels: Kernels, optimizer?: Optimizer): AppliedGrowth[] {
  let best: { f: Fitted; r: LineSearchResult } | null = null;
  for (const f of fitted) {
    if (f.candidate.k === 0) continue;
    const r = searchAmplitude(model, f, ls, options, kernels);
    f.candidate.measuredDecrease = r.historyLoss[0] - r.lossStar;
    if (best === null || f.candidate.measuredDecrease > best.f.candidate.measuredDecrease!) best = { f, r };
  }
  return best === null || !amplitudeHelps(best.r, options.minimumDecrease) ? [] : [applyFitted(model, best.f, best.r, options, optimizer)];
}

/** One growth step (file comment). `stats`: images for the statistics; `ls`: images for the amplitude. */
export function cnnGrowthStep(model: Cnn, stats: LabelledImages, ls: LabelledImages, options: CnnGrowthOptions, kernels: Kernels, optimizer?: Optimizer): CnnGrowthStepResult {
  if (options.balance) checkBalanceable(model, options.blocks ?? model.blocks.map((_, l) => l));
  const result = growPairs(model, stats, ls, options, kernels, optimizer);
  if (options.balance) balanceNewChannels(model, result.applied.map((a) => ({ block: a.candidate.block, channels: a.channels })));
  return result;
}

/** Steps 1–5 for the pairs `options.select` names. */
function growPairs(model: Cnn, stats: LabelledImages, ls: LabelledImages, options: CnnGrowthOptions, kernels: Kernels, optimizer?: Optimizer): CnnGrowthStepResult {
  const select = options.select ?? "best";
  const blocks = options.blocks ?? model.blocks.map((_, l) => l);
  if (select === "every") {
    const candidates: PairCandidate[] = [];
    const applied: AppliedGrowth[] = [];
    // The last block first: growing it does not change the statistics of the earlier pairs' inputs.
    for (const l of [...blocks].reverse()) {
      const [f] = cnnGrowthCandidates(model, stats, { ...options, blocks: [l] }, kernels);
      if (f === undefined) continue; // no channel of block l fits the parameter budget
      candidates.unshift(f.candidate);
      if (f.candidate.k === 0) continue;
      const r = searchAmplitude(model, f, ls, options, kernels);
      if (amplitudeHelps(r, options.minimumDecrease)) applied.unshift(applyFitted(model, f, r, options, optimizer));
    }
    return { candidates, applied, widths: model.widths };
  }
  const fitted = cnnGrowthCandidates(model, stats, options, kernels);
  const candidates = fitted.map((f) => f.candidate);
  if (select === "loss") return { candidates, applied: growByMeasuredLoss(model, fitted, ls, options, kernels, optimizer), widths: model.widths };
  const value = (c: PairCandidate): number => (select === "best-per-parameter" ? c.score / Math.max(1, c.addedParameters) : c.score);
  let best: Fitted | null = null;
  for (const f of fitted) if (f.candidate.k > 0 && (best === null || value(f.candidate) > value(best.candidate))) best = f;
  if (best === null) return { candidates, applied: [], widths: model.widths };
  const r = searchAmplitude(model, best, ls, options, kernels);
  return { candidates, applied: amplitudeHelps(r, options.minimumDecrease) ? [applyFitted(model, best, r, options, optimizer)] : [], widths: model.widths };
}
