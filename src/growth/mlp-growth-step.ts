/**
 * One TINY growth step of a sequential MLP (SPEC §11, the slides' "Overall algorithm"):
 *
 *   1. statistics: for every hidden layer h (the pair layers[h] → σ → layers[h+1]) accumulate
 *      S, M, S_growth, M_prev, P, E (§3) over a statistics set, with the sum-reduced loss
 *      (§2) so the batch size never matters — one forward/backward per batch serves all pairs;
 *   2. analysis: `computeLayerGrowth` per pair: δW*, the bottleneck (1/n)‖V_proj‖², the best
 *      neurons (α, ω) and their first-order improvement (§4–§8);
 *   3. choice: the pair with the largest first-order improvement (first index on ties);
 *   4. amplitude: γ by `lineSearch` (§9.2) on a held-out set, scoring the whole network's
 *      per-sample loss (layers after the pair included);
 *   5. apply: new rows γα of layers[h] (+ bias), new columns γω of layers[h+1], and the update
 *      of layers[h+1]'s existing weights by −γ²δ (δ = δW*, the gradient, or 0: `update`);
 *      optimizer state of the resized parameters is reset.
 *
 * The network stays float32; the candidate weights are rounded to float32 once, by the same
 * code for the line search and for the apply, and the candidate is scored with the same
 * forward code and batches as the grown network. Hence γ = 0 leaves the function unchanged
 * and the held-out loss after the apply equals the line-search minimum, bit for bit.
 */
import type { Kernels } from "../kernels/kernels.js";
import { BatchIterator, datasetSize, type Dataset } from "../data/batches.js";
import { subsetDataset } from "../data/splits.js";
import { ShapeError } from "../errors.js";
import { initLinear } from "../nn/init.js";
import { Linear } from "../nn/layers/linear.js";
import { batchLoss, type LossName, type LossSpec } from "../nn/losses/loss.js";
import { Mlp, type MlpOptions } from "../nn/mlp.js";
import type { Optimizer } from "../nn/optim/optimizer.js";
import { countParams, zeroGrads } from "../nn/param.js";
import { Matrix, zeros64, type Matrix32, type Matrix64 } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { checkGrowthStep, type GrowthStep } from "./extended-forward.js";
import { computeLayerGrowth, type LayerGrowth } from "./layer-growth.js";
import { frobeniusNorm, sliceColumns, column, transpose } from "./linalg.js";
import { lineSearch } from "./line-search.js";
import type { GrowthOptions } from "./mlp-growth-options.js";
import { LayerPairAccumulator, type LayerPairStatistics } from "./statistics.js";

/** Rows per forward pass when accumulating statistics or scoring (the results do not depend on it for statistics). */
export const GROWTH_BATCH = 1024;

/**
 * A float32 MLP whose hidden widths may be 0 (`Mlp.create` needs positive sizes). A layer
 * with no inputs gets zero weights and bias (both inits draw from an empty fan-in).
 */
export function createGrowingMlp(options: MlpOptions, rng: Rng): Mlp {
  const { sizes, activation, bias = true, init = "pytorch-default" } = options;
  if (sizes.length < 3) throw new ShapeError("createGrowingMlp", "sizes [I, H₁, …, O] with at least one hidden layer", `[${sizes.join(", ")}]`);
  const inner = sizes.slice(1, -1);
  const ends = [sizes[0], sizes[sizes.length - 1]];
  if (!ends.every((s) => Number.isInteger(s) && s >= 1) || !inner.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new ShapeError("createGrowingMlp", "positive input/output sizes and non-negative hidden widths", `[${sizes.join(", ")}]`);
  }
  const layers: Linear[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const layer = Linear.zeros32(sizes[l], sizes[l + 1], bias, `layers.${l}`);
    if (sizes[l] > 0) initLinear(init, layer, rng);
    layers.push(layer);
  }
  return new Mlp(layers, activation);
}

/** Number of growable hidden layers (pairs layers[h] → layers[h+1]). */
export function hiddenLayerCount(model: Mlp): number {
  return model.layers.length - 1;
}

function sumLoss(name: LossName): LossSpec {
  return { name, reduction: "sum" };
}

/** The first `count` rows of `data`, or `count` random rows when `rng` is given; `data` itself when it is not larger. */
export function sampleRows(data: Dataset, count: number, rng?: Rng | null): Dataset {
  const n = datasetSize(data);
  if (count >= n) return data;
  const indices = rng ? rng.permutation(n).slice(0, count) : Int32Array.from({ length: count }, (_, i) => i);
  return subsetDataset(data, indices);
}

/**
 * The SPEC §3 statistics of every pair (h → h+1), h = 0..L−2, over `data`: one forward and one
 * backward of the sum-reduced loss per batch; X = input of layers[h], B1 = its activation
 * (input of layers[h+1]), G = ∂L/∂(pre-activation of layers[h+1]). Parameter gradients are
 * zeroed afterwards.
 */
export function collectMlpStatistics(model: Mlp, data: Dataset, loss: LossName, kernels: Kernels): LayerPairStatistics[] {
  const L = model.layers.length;
  const accs: LayerPairAccumulator[] = [];
  for (let h = 0; h + 1 < L; h++) {
    const first = model.layers[h];
    const second = model.layers[h + 1];
    accs.push(
      new LayerPairAccumulator({
        inFeatures: first.inputs,
        hiddenFeatures: first.outputs,
        outFeatures: second.outputs,
        layer1Bias: first.bias !== null,
        layer2Bias: second.bias !== null,
      }),
    );
  }
  const spec = sumLoss(loss);
  const it = new BatchIterator(data, { batchSize: GROWTH_BATCH });
  let dPred: Matrix32 | null = null;
  for (let batch = it.begin(); batch !== null; batch = it.next()) {
    const pred = model.forward(kernels, batch.x);
    if (dPred === null || dPred.rows !== pred.rows) dPred = new Matrix(pred.rows, pred.cols, new Float32Array(pred.rows * pred.cols));
    batchLoss(spec, pred, batch, dPred);
    model.backward(kernels, dPred);
    for (let h = 0; h < accs.length; h++) {
      accs[h].update({ x: model.layerInput(h), b1: model.layerInput(h + 1), g: model.layerPreActivationGrad(h + 1) }, kernels);
    }
  }
  zeroGrads(model.params());
  return accs.map((a) => a.read());
}

/** What the analysis found for one hidden layer. */
export interface LayerCandidate {
  /** Hidden layer index h: layers[h] gains outputs, layers[h+1] inputs. */
  layer: number;
  /** Current width of the hidden layer. */
  width: number;
  /** False when layers[h+1] has no outputs (d2 = 0: nothing to fit, nothing can grow). */
  eligible: boolean;
  /** The expressivity bottleneck (1/n)‖V_proj‖² (SPEC §5); 0 when not eligible. */
  bottleneck: number;
  /** The selection criterion: the first-order decrease of the joint move per unit γ² (see `candidateImprovement`). */
  firstOrderImprovement: number;
  /** Neurons the step would add (k). */
  neurons: number;
  /** The full analysis (null when not eligible). */
  growth: LayerGrowth | null;
  /** The step to line-search and apply, with δ set by the update mode (null when not eligible). */
  step: GrowthStep | null;
}

/**
 * δ for the update mode, as (weight (d2, d1), bias (d2)|null) and its first-order decrease per
 * unit γ²: natural δW* with D = tr(M δW_raw) (§4); gradient ∇ = Mᵀ with D = ‖M‖²_F (the
 * gradient of the per-sample loss w.r.t. [W2 | b2] is (1/n)GᵀB̃1 = Mᵀ); none 0 with D = 0.
 */
function updateDirection(g: LayerGrowth, stats: LayerPairStatistics, mode: GrowthOptions["update"]): { weight: Matrix64; bias: Float64Array | null; decrease: number } {
  const { hiddenFeatures: d1, outFeatures: d2, layer2Bias } = stats.shape;
  if (mode === "natural") return { weight: g.delta.deltaWeight, bias: g.delta.deltaBias, decrease: g.delta.decrease };
  if (mode === "none") return { weight: zeros64(d2, d1), bias: layer2Bias ? new Float64Array(d2) : null, decrease: 0 };
  const grad = transpose(stats.M); // (d2, d1+β2)
  const norm = frobeniusNorm(stats.M);
  return { weight: sliceColumns(grad, 0, d1), bias: layer2Bias ? column(grad, d1) : null, decrease: norm * norm };
}

/**
 * Analyses every hidden layer from its statistics. The criterion is GroMo's first-order
 * improvement (§8) with the δ term of the chosen update mode: D_δ + σ'(0)·Σ s_j².
 */
export function analyseMlp(model: Mlp, statistics: readonly LayerPairStatistics[], options: GrowthOptions, kernels: Kernels): LayerCandidate[] {
  if (statistics.length !== hiddenLayerCount(model)) {
    throw new ShapeError("analyseMlp", `statistics for ${hiddenLayerCount(model)} hidden layers`, `${statistics.length}`);
  }
  return statistics.map((stats, h): LayerCandidate => {
    const width = model.layers[h].outputs;
    if (stats.shape.outFeatures === 0) {
      return { layer: h, width, eligible: false, bottleneck: 0, firstOrderImprovement: 0, neurons: 0, growth: null, step: null };
    }
    const growth = computeLayerGrowth(
      stats,
      {
        significance: { rule: options.significance, level: options.significanceLevel },
        activation: model.activation,
        statisticalThreshold: options.statisticalThreshold,
        numericalThreshold: options.numericalThreshold,
        maximumAddedNeurons: options.maxNeuronsPerStep,
        deltaRidge: options.naturalRidge,
        // Without the ridge, a plain solve that blew up falls back to the pseudo-inverse (never silently).
        deltaGuard: true,
        // X̃ is only the ones column when layers[h] has no inputs (the hidden layer before it
        // has width 0); the residual after δW* is then orthogonal to it, the projected N is 0
        // and nothing could ever grow. As GroMo's zero-width block (SPEC §7.6), use N = −M_prev.
        useProjection: stats.shape.inFeatures > 0,
      },
      kernels,
    );
    const delta = updateDirection(growth, stats, options.update);
    const { alphaWeight, alphaBias, omega } = growth.step;
    return {
      layer: h,
      width,
      eligible: true,
      bottleneck: growth.bottleneck.meanSqNorm,
      firstOrderImprovement: delta.decrease + growth.firstOrder.newNeuronsImprovement,
      neurons: growth.neurons.k,
      growth,
      step: { deltaWeight: delta.weight, deltaBias: delta.bias, alphaWeight, alphaBias, omega },
    };
  });
}

/** Index of the eligible candidate with the largest first-order improvement (first on ties); −1 if none. */
export function selectLayer(candidates: readonly LayerCandidate[]): number {
  let best = -1;
  for (let i = 0; i < candidates.length; i++) {
    if (!candidates[i].eligible) continue;
    if (best < 0 || candidates[i].firstOrderImprovement > candidates[best].firstOrderImprovement) best = i;
  }
  return best;
}

/**
 * The float32 weights of a step applied with amplitude γ (SPEC §10), computed in float64 and
 * rounded once: rowsW = γα_w (k, d0), biasK = γα_b (k), w2 = W2 − γ²δW (d2, d1),
 * b2 = b2 − γ²δb (d2), colsW = γω (d2, k). (`+ 0` turns −0 into +0.)
 */
export interface GrownWeights {
  rowsW: Matrix32;
  biasK: Float32Array | null;
  w2: Matrix32;
  b2: Float32Array | null;
  colsW: Matrix32;
}

export function grownWeights(model: Mlp, layer: number, step: GrowthStep, gamma: number): GrownWeights {
  const first = model.layers[layer];
  const second = model.layers[layer + 1];
  const k = checkGrowthStep("grownWeights", step, first.inputs, first.outputs, second.outputs);
  const g2 = gamma * gamma;
  const scaled = (m: Matrix64): Matrix32 => new Matrix(m.rows, m.cols, Float32Array.from(m.data, (v) => gamma * v + 0));
  const w2 = new Matrix(second.weight.rows, second.weight.cols, Float32Array.from(second.weight.data, (w, i) => w - g2 * step.deltaWeight.data[i]));
  const b2 = second.bias === null ? null : Float32Array.from(second.bias, (b, i) => b - g2 * (step.deltaBias === null ? 0 : step.deltaBias[i]));
  const biasK = first.bias === null ? null : Float32Array.from({ length: k }, (_, j) => gamma * (step.alphaBias === null ? 0 : step.alphaBias[j]) + 0);
  return { rowsW: scaled(step.alphaWeight), biasK, w2, b2, colsW: scaled(step.omega) };
}

/** Writes the grown pair into `first` (d1+k, d0) and `second` (d2, d1+k), laid out as Linear.appendOutputs/appendInputs would. */
function writeCandidate(model: Mlp, layer: number, w: GrownWeights, first: Linear, second: Linear): void {
  const old = model.layers[layer];
  first.weight.data.set(old.weight.data);
  first.weight.data.set(w.rowsW.data, old.weight.data.length);
  if (first.bias !== null && old.bias !== null && w.biasK !== null) {
    first.bias.set(old.bias);
    first.bias.set(w.biasK, old.bias.length);
  }
  const d1 = w.w2.cols;
  const k = w.colsW.cols;
  for (let o = 0; o < w.w2.rows; o++) {
    second.weight.data.set(w.w2.data.subarray(o * d1, (o + 1) * d1), o * (d1 + k));
    second.weight.data.set(w.colsW.data.subarray(o * k, (o + 1) * k), o * (d1 + k) + d1);
  }
  if (second.bias !== null && w.b2 !== null) second.bias.set(w.b2);
}

/** Per-sample loss L_sum / n of `model` on `data`, in batches of GROWTH_BATCH rows in dataset order. */
export function heldOutLoss(model: Mlp, data: Dataset, loss: LossName, kernels: Kernels): number {
  const spec = sumLoss(loss);
  const it = new BatchIterator(data, { batchSize: GROWTH_BATCH });
  let total = 0;
  for (let batch = it.begin(); batch !== null; batch = it.next()) total += batchLoss(spec, model.forward(kernels, batch.x), batch, null);
  return total / it.size;
}

/**
 * Scores candidate amplitudes of a step at `layer` on a held-out set: the inputs of
 * layers[layer] are computed once, then each candidate runs only the layers from `layer` on,
 * with the batches and forward code of `heldOutLoss`.
 */
export class CandidateScorer {
  private readonly inputs: { x: Matrix32; y: Matrix32 | null; labels: Int32Array | null; size: number }[] = [];
  private readonly first: Linear;
  private readonly second: Linear;
  private readonly tail: Mlp;
  private readonly n: number;

  constructor(
    private readonly model: Mlp,
    private readonly layer: number,
    k: number,
    data: Dataset,
    private readonly loss: LossName,
    private readonly kernels: Kernels,
  ) {
    const it = new BatchIterator(data, { batchSize: GROWTH_BATCH });
    for (let batch = it.begin(); batch !== null; batch = it.next()) {
      model.forward(kernels, batch.x);
      this.inputs.push({ x: model.layerInput(layer).clone(), y: batch.y?.clone() ?? null, labels: batch.labels?.slice() ?? null, size: batch.size });
    }
    this.n = it.size;
    const old1 = model.layers[layer];
    const old2 = model.layers[layer + 1];
    this.first = Linear.zeros32(old1.inputs, old1.outputs + k, old1.bias !== null, "candidate.first");
    this.second = Linear.zeros32(old2.inputs + k, old2.outputs, old2.bias !== null, "candidate.second");
    this.tail = new Mlp([this.first, this.second, ...model.layers.slice(layer + 2)], model.activation);
  }

  /** Per-sample held-out loss of the network grown by `step` with amplitude γ. */
  score(step: GrowthStep, gamma: number): number {
    writeCandidate(this.model, this.layer, grownWeights(this.model, this.layer, step, gamma), this.first, this.second);
    const spec = sumLoss(this.loss);
    let total = 0;
    for (const b of this.inputs) {
      total += batchLoss(spec, this.tail.forward(this.kernels, b.x), { x: b.x, y: b.y, labels: b.labels, size: b.size, start: 0 }, null);
    }
    return total / this.n;
  }
}

/**
 * Applies `step` at hidden layer `layer` with amplitude γ (SPEC §10) to the model in place,
 * and resets the optimizer state of the resized parameters (layers[layer] weight and bias,
 * layers[layer+1] weight). Returns the number of neurons added.
 */
export function applyMlpGrowth(model: Mlp, layer: number, step: GrowthStep, gamma: number, optimizer: Optimizer | null = null): number {
  if (!Number.isInteger(layer) || layer < 0 || layer >= hiddenLayerCount(model)) {
    throw new ShapeError("applyMlpGrowth", `a hidden layer index in [0, ${hiddenLayerCount(model)})`, String(layer));
  }
  const first = model.layers[layer];
  const second = model.layers[layer + 1];
  const w = grownWeights(model, layer, step, gamma);
  second.weight.data.set(w.w2.data);
  if (second.bias !== null && w.b2 !== null) second.bias.set(w.b2);
  first.appendOutputs(w.rowsW, w.biasK);
  second.appendInputs(w.colsW);
  if (optimizer !== null) {
    optimizer.resetState(first.weightParam);
    if (first.biasParam !== null) optimizer.resetState(first.biasParam);
    optimizer.resetState(second.weightParam);
  }
  return w.rowsW.rows;
}

export interface MlpGrowthData {
  /** Where the statistics are accumulated (at most `statisticsSamples` rows of it are used). */
  statistics: Dataset;
  /** The held-out set γ is line-searched on. */
  lineSearch: Dataset;
}

export interface MlpGrowthSetup {
  kernels: Kernels;
  loss: LossName;
  /** Its state is reset for the resized parameters. */
  optimizer?: Optimizer | null;
  /** Draws the statistics subset at random when the statistics set is larger than `statisticsSamples`; else its first rows. */
  rng?: Rng | null;
}

export interface MlpGrowthStepResult {
  /** Per hidden layer, in order. */
  candidates: LayerCandidate[];
  /** The hidden layer grown (−1 when no layer was eligible: nothing changed). */
  chosen: number;
  /** Neurons added. */
  added: number;
  gamma: number;
  /** Held-out per-sample loss before the step (γ = 0) and after it (the line-search minimum). */
  lossBefore: number;
  lossAfter: number;
  /** Samples the statistics were accumulated over. */
  statisticsSamples: number;
  lineSearchEvaluations: number;
  /** Parameter count after the step. */
  parameters: number;
  /** Seconds spent in statistics, analysis (solve, eigh, SVD) and line search + apply. */
  seconds: { statistics: number; analysis: number; lineSearch: number };
}

/** One growth step (file comment): statistics, analysis, choice, line search, apply. */
export function mlpGrowthStep(model: Mlp, data: MlpGrowthData, setup: MlpGrowthSetup, options: GrowthOptions): MlpGrowthStepResult {
  const { kernels, loss } = setup;
  if (hiddenLayerCount(model) < 1) throw new ShapeError("mlpGrowthStep", "an MLP with at least one hidden layer", `sizes [${model.sizes.join(", ")}]`);
  const t0 = performance.now();
  const statsData = sampleRows(data.statistics, options.statisticsSamples, setup.rng);
  const statistics = collectMlpStatistics(model, statsData, loss, kernels);
  const t1 = performance.now();
  const candidates = analyseMlp(model, statistics, options, kernels);
  const t2 = performance.now();
  const chosen = selectLayer(candidates);
  const result = { candidates, chosen, statisticsSamples: datasetSize(statsData) };
  if (chosen < 0) {
    const lossNow = heldOutLoss(model, data.lineSearch, loss, kernels);
    const seconds = { statistics: (t1 - t0) / 1000, analysis: (t2 - t1) / 1000, lineSearch: 0 };
    return { ...result, added: 0, gamma: 0, lossBefore: lossNow, lossAfter: lossNow, lineSearchEvaluations: 0, parameters: countParams(model.params()), seconds };
  }
  const step = candidates[chosen].step as GrowthStep;
  const scorer = new CandidateScorer(model, chosen, step.alphaWeight.rows, data.lineSearch, loss, kernels);
  const search = lineSearch((gamma) => scorer.score(step, gamma));
  const added = applyMlpGrowth(model, chosen, step, search.gammaStar, setup.optimizer ?? null);
  const t3 = performance.now();
  return {
    ...result,
    added,
    gamma: search.gammaStar,
    lossBefore: search.historyLoss[0],
    lossAfter: search.lossStar,
    lineSearchEvaluations: search.historyGamma.length,
    parameters: countParams(model.params()),
    seconds: { statistics: (t1 - t0) / 1000, analysis: (t2 - t1) / 1000, lineSearch: (t3 - t2) / 1000 },
  };
}
