/**
 * The extended forward of a candidate, its amplitude line search (train-ls) and its score
 * (train-gr), on cached activities: only the part of the graph the candidate changes is
 * recomputed.
 *
 * Extended forward (SPEC §9.1 generalised to the DAG). At each target node t of the
 * candidate (v for a new edge / new node, every successor of w for widening w):
 *
 *   z_t(γ) = z_t − γ² 𝓑_t δW_tᵀ   (TINY's update of t's existing in-edges; option `applyDelta`, default on)
 *           + γ² a_u W_fitᵀ                (new edge)
 *           + γ σ(γ X̃ αᵀ) ω_tᵀ             (new neurons with the amplitude inside: TINY)
 *           + γ² σ(X̃ αᵀ) ω_tᵀ − γ² 𝓑_t Aᵀ  (new neurons with the amplitude outside: random
 *                                          tries, gradient; A = the proposal's δW correction)
 *
 * then every descendant d of a target, in topological order, is updated by the change of
 * its affected inputs only: z_d(γ) = z_d + Σ_{affected u→d} (a_u(γ) − a_u) W_udᵀ. At γ = 0
 * every change is exactly zero, so the output is bit-identical to the cached one.
 *
 * Line search (cheaper than GroMo's ≥ 201-point grid, SPEC §9.2): γ = 0 (the cached loss),
 * a log grid of `pointsPerDecade` points per decade on [gridMin, gridMax], extended by
 * whole decades while the top of the grid keeps improving (at most `maxExtraDecades`),
 * then golden-section refinement of log γ between the grid neighbours of the best point.
 * The best γ evaluated wins (γ = 0 when nothing beats the current loss).
 */
import type { Kernels } from "../kernels/kernels.js";
import type { ActivationName } from "../nn/layers/activation.js";
import type { LossName } from "../nn/losses/loss.js";
import { Matrix, type FloatArray, type Matrix64 } from "../tensor/matrix.js";
import { dagLoss, targetsOf, type DagData, type DagTargets } from "./data.js";
import type { Proposal } from "./fit.js";
import type { DagActivations, DagModel } from "./model.js";
import type { DagStatistics } from "./statistics.js";

/** Cached activities of one data set (train-ls or train-gr) and its current loss. */
export interface EvalSet<T extends FloatArray> {
  acts: DagActivations<T>;
  targets: DagTargets<T>;
  /** Mean loss of the current network ('mean' reduction, as nn reports it). */
  baseLoss: number;
  /** 𝓑_t δW_tᵀ per target node, filled on first use. */
  deltaMoves: Map<string, Matrix<T>>;
}

export interface AmplitudeOptions {
  /** Include TINY's −γ²δW update of the target nodes' in-edges (default true). */
  applyDelta?: boolean;
  /** Default 1e-2. */
  gridMin?: number;
  /** Default 10. */
  gridMax?: number;
  /** Default 3. */
  pointsPerDecade?: number;
  /** Default 3. */
  maxExtraDecades?: number;
  /** Golden-section iterations (default 8). */
  refineIterations?: number;
}

export function makeEvalSet<T extends FloatArray>(model: DagModel<T>, data: DagData<T>, loss: LossName, kernels: Kernels): EvalSet<T> {
  const acts = model.forwardAll(kernels, data.x);
  const targets = targetsOf(data);
  return { acts, targets, baseLoss: dagLoss(loss, acts.z.get(model.outputName) as Matrix<T>, targets, "mean"), deltaMoves: new Map() };
}

/** X̃ Wᵀ for X̃ = [a_{s1} | … | (1)] on the cached set and W (r, Σ sizes + withOnes) in float64: (B, r). */
function sourcesTimes<T extends FloatArray>(model: DagModel<T>, set: EvalSet<T>, sources: readonly string[], withOnes: boolean, w: Matrix64, kernels: Kernels): Matrix<T> {
  const B = set.acts.rows;
  const out = model.newMatrix(B, w.rows);
  let col = 0;
  let first = true;
  for (const s of sources) {
    const a = set.acts.a.get(s) as Matrix<T>;
    const wBlock = model.newMatrix(w.rows, a.cols);
    for (let i = 0; i < w.rows; i++) for (let j = 0; j < a.cols; j++) wBlock.data[i * a.cols + j] = w.data[i * w.cols + col + j];
    kernels.gemm(a, wBlock, out, { transB: true, beta: first ? 0 : 1 });
    first = false;
    col += a.cols;
  }
  if (withOnes) {
    for (let r = 0; r < B; r++) for (let i = 0; i < w.rows; i++) out.data[r * w.rows + i] += w.data[i * w.cols + col];
  }
  return out;
}

/** 𝓑_t δW_tᵀ on the set (cached), (B, size_t). */
export function deltaMove<T extends FloatArray>(model: DagModel<T>, set: EvalSet<T>, stats: DagStatistics, t: string, kernels: Kernels): Matrix<T> {
  let m = set.deltaMoves.get(t);
  if (m === undefined) {
    const node = stats.nodes.get(t);
    if (node === undefined || node.columns.length === 0) m = model.newMatrix(set.acts.rows, model.graph.node(t).size);
    else m = sourcesTimes(model, set, node.sources, node.withOnes, node.delta.deltaRaw, kernels);
    set.deltaMoves.set(t, m);
  }
  return m;
}

/** The loss of one proposal on one set as a function of γ. */
export class ExtendedEvaluator<T extends FloatArray> {
  private readonly direct: Matrix<T> | null = null;
  private readonly hidden: Matrix<T> | null = null;
  private readonly activation: ActivationName = "identity";
  /** σ(X̃αᵀ), for neurons with the amplitude outside the activation (else null). */
  private readonly fixedHidden: Matrix<T> | null = null;
  private readonly omegaBlocks: Matrix<T>[] = [];
  private readonly moves: Matrix<T>[];
  private readonly targets: string[];
  private readonly order: string[];

  constructor(
    private readonly model: DagModel<T>,
    private readonly set: EvalSet<T>,
    stats: DagStatistics,
    proposal: Proposal,
    private readonly loss: LossName,
    applyDelta: boolean,
    private readonly kernels: Kernels,
  ) {
    const g = model.graph;
    if (proposal.kind === "new-edge") {
      this.targets = [proposal.to];
      const w = proposal.weight;
      const withBias = proposal.bias !== null;
      const full = withBias ? concatBias(w, proposal.bias as Float64Array) : w;
      this.direct = sourcesTimes(model, set, [proposal.from], withBias, full, kernels);
    } else {
      this.targets = proposal.targets;
      this.activation = proposal.activation;
      const pre = sourcesTimes(model, set, proposal.sources, proposal.withOnes, proposal.alpha, kernels);
      if (proposal.amplitude === "outside") {
        kernels.activationForward(proposal.activation, pre, pre);
        this.fixedHidden = pre;
      } else this.hidden = pre;
      let row = 0;
      for (const size of proposal.targetSizes) {
        const o = model.newMatrix(size, proposal.k);
        o.data.set(proposal.omega.data.subarray(row * proposal.k, (row + size) * proposal.k));
        this.omegaBlocks.push(o);
        row += size;
      }
    }
    this.moves = this.targets.map((t, i) => {
      if (!applyDelta) return model.newMatrix(set.acts.rows, g.node(t).size);
      const base = deltaMove(model, set, stats, t, kernels);
      const adjust = proposal.kind === "new-edge" ? null : (proposal.deltaAdjust?.[i] ?? null);
      const node = stats.nodes.get(t);
      if (adjust === null || node === undefined) return base;
      const move = sourcesTimes(model, set, node.sources, node.withOnes, adjust, kernels);
      for (let j = 0; j < move.data.length; j++) move.data[j] += base.data[j];
      return move;
    });
    const affected = g.descendants(this.targets);
    this.order = g.topologicalOrder().filter((v) => affected.has(v));
  }

  /** Output (B, size_out) of the extended network at γ. */
  output(gamma: number): Matrix<T> {
    const g2 = gamma * gamma;
    const B = this.set.acts.rows;
    const delta = new Map<string, Matrix<T>>();
    let h: Matrix<T> | null = null;
    if (this.hidden !== null) {
      h = this.model.newMatrix(B, this.hidden.cols);
      for (let i = 0; i < h.data.length; i++) h.data[i] = gamma * this.hidden.data[i];
      this.kernels.activationForward(this.activation, h, h);
    }
    this.targets.forEach((t, i) => {
      const move = this.moves[i];
      const d = this.model.newMatrix(B, move.cols);
      if (this.direct !== null) for (let j = 0; j < d.data.length; j++) d.data[j] = g2 * (this.direct.data[j] - move.data[j]);
      else {
        for (let j = 0; j < d.data.length; j++) d.data[j] = -g2 * move.data[j];
        if (this.fixedHidden !== null) this.kernels.gemm(this.fixedHidden, this.omegaBlocks[i], d, { transB: true, alpha: g2, beta: 1 });
        else this.kernels.gemm(h as Matrix<T>, this.omegaBlocks[i], d, { transB: true, alpha: gamma, beta: 1 });
      }
      delta.set(t, d);
    });
    return this.propagate(delta);
  }

  /** Mean loss at γ. */
  lossAt(gamma: number): number {
    if (gamma === 0) return this.set.baseLoss;
    return dagLoss(this.loss, this.output(gamma), this.set.targets, "mean");
  }

  private propagate(delta: Map<string, Matrix<T>>): Matrix<T> {
    const g = this.model.graph;
    const { z, a } = this.set.acts;
    let out = z.get(this.model.outputName) as Matrix<T>;
    for (const v of this.order) {
      const d = delta.get(v);
      if (d === undefined) continue;
      const zv = z.get(v) as Matrix<T>;
      const zNew = this.model.newMatrix(zv.rows, zv.cols);
      for (let i = 0; i < zNew.data.length; i++) zNew.data[i] = zv.data[i] + d.data[i];
      const node = g.node(v);
      if (node.kind === "output") {
        out = zNew;
        continue;
      }
      const aNew = this.model.newMatrix(zv.rows, zv.cols);
      this.kernels.activationForward(node.activation, zNew, aNew);
      const av = a.get(v) as Matrix<T>;
      for (let i = 0; i < aNew.data.length; i++) aNew.data[i] -= av.data[i]; // now a(γ) − a
      for (const e of g.outEdges(v)) {
        const layer = this.model.layer(v, e.to);
        let dt = delta.get(e.to);
        if (dt === undefined) {
          dt = this.model.newMatrix(zv.rows, layer.outputs);
          delta.set(e.to, dt);
        }
        this.kernels.gemm(aNew, layer.weight, dt, { transB: true, beta: 1 });
      }
    }
    return out;
  }
}

function concatBias(w: Matrix64, b: Float64Array): Matrix64 {
  const out = new Matrix(w.rows, w.cols + 1, new Float64Array(w.rows * (w.cols + 1)));
  for (let i = 0; i < w.rows; i++) {
    out.data.set(w.data.subarray(i * w.cols, (i + 1) * w.cols), i * (w.cols + 1));
    out.data[i * (w.cols + 1) + w.cols] = b[i];
  }
  return out;
}

export interface AmplitudeResult {
  gamma: number;
  loss: number;
  evaluations: number;
}

const INV_PHI = (Math.sqrt(5) - 1) / 2;

/** Minimises f over γ ≥ 0 (see the file comment); f(0) = `loss0` is not re-evaluated. */
export function searchAmplitude(f: (gamma: number) => number, loss0: number, options: AmplitudeOptions = {}): AmplitudeResult {
  const { gridMin = 1e-2, gridMax = 10, pointsPerDecade = 3, maxExtraDecades = 3, refineIterations = 8 } = options;
  const step = 1 / pointsPerDecade;
  const logs: number[] = [];
  for (let l = Math.log10(gridMin); l <= Math.log10(gridMax) + 1e-9; l += step) logs.push(l);
  const losses = logs.map((l) => f(10 ** l));
  let evaluations = losses.length;
  const argmin = (): number => losses.reduce((best, v, i) => (v < losses[best] ? i : best), 0);
  let best = argmin();
  for (let extra = 0; best === logs.length - 1 && extra < maxExtraDecades * pointsPerDecade; extra++) {
    const l = logs[logs.length - 1] + step;
    logs.push(l);
    losses.push(f(10 ** l));
    evaluations++;
    best = argmin();
  }
  let bestLog = logs[best];
  let bestLoss = losses[best];
  if (!(bestLoss < loss0)) return { gamma: 0, loss: loss0, evaluations };
  // Golden section on log γ in [log γ_{best−1}, log γ_{best+1}].
  let lo = best > 0 ? logs[best - 1] : logs[0] - step;
  let hi = best < logs.length - 1 ? logs[best + 1] : logs[best] + step;
  let x1 = hi - INV_PHI * (hi - lo);
  let x2 = lo + INV_PHI * (hi - lo);
  let f1 = f(10 ** x1);
  let f2 = f(10 ** x2);
  evaluations += 2;
  for (let it = 0; it < refineIterations; it++) {
    if (f1 < bestLoss) [bestLog, bestLoss] = [x1, f1];
    if (f2 < bestLoss) [bestLog, bestLoss] = [x2, f2];
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - INV_PHI * (hi - lo);
      f1 = f(10 ** x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + INV_PHI * (hi - lo);
      f2 = f(10 ** x2);
    }
    evaluations++;
  }
  if (f1 < bestLoss) [bestLog, bestLoss] = [x1, f1];
  if (f2 < bestLoss) [bestLog, bestLoss] = [x2, f2];
  return { gamma: 10 ** bestLog, loss: bestLoss, evaluations };
}

/** The first non-finite loss a search met. */
export interface NonFiniteLoss {
  gamma: number;
  loss: number;
}

/**
 * `searchAmplitude` on a loss that may be non-finite (an overflow at large γ): a non-finite
 * value counts as +∞ ("not better") and the first one is returned, so the caller can report
 * it; the search itself goes on with the finite values.
 */
export function searchAmplitudeChecked(f: (gamma: number) => number, loss0: number, options: AmplitudeOptions = {}): AmplitudeResult & { nonFinite: NonFiniteLoss | null } {
  let nonFinite: NonFiniteLoss | null = null;
  const result = searchAmplitude(
    (g) => {
      const l = f(g);
      if (Number.isFinite(l)) return l;
      nonFinite ??= { gamma: g, loss: l };
      return Infinity;
    },
    loss0,
    options,
  );
  return { ...result, nonFinite };
}
