/**
 * Fits of the candidates on train-opt. Fit modes (`FitOptions.mode`, one named option):
 *
 *  - "tiny": TINY's closed form alone (GroMo's new-neuron SVD, SPEC §7), the linearised
 *    neurons of the paper, amplitude inside the activation (γ σ(γ X̃αᵀ) ωᵀ);
 *  - "tiny-random": TINY's directions plus random tries, the k neurons chosen by
 *    forward selection on their exact (nonlinear) activities and ω by least squares
 *    (`random-tries.ts`). TINY is kept where it is informative — its directions compete in
 *    the same selection and win when the linearisation holds — and the degenerate cases
 *    (N ≈ 0 beside a parallel edge, rank(N) ≤ size_target) are completed by random tries;
 *  - "random": random tries only (ablation);
 *  - "gradient" (default, 20 epochs): "tiny-random", then gradient descent on the new neurons
 *    with GroMo's bottleneck objective (SPEC §12.6, `refine.ts`), then ω again by least squares.
 *    Chosen on the teacher–student validation split by a rule fixed before the runs (README,
 *    "Fit modes compared"): over 6 seeds its mean validation MSE is below "tiny-random"'s
 *    (0.01316 vs 0.01348, lower on 5 of 6 seeds) at 1.6× its search CPU.
 * The three last modes put the amplitude outside the activation (γ² ω σ(X̃αᵀ)).
 *
 * The closed form of this file (all modes start from it; new edges always use it):
 *
 *  - new edge u→v: least squares of the desired update −V_v on a_u (no ones column — v's
 *    bias is already in δW*_v — unless v has no biased in-edge, then with one):
 *      δ = (S_u⁻¹ M_uv)ᵀ with S_u = (1/n) ãᵀã, M_uv = (1/n) ãᵀV_v   (growth's computeOptimalDelta)
 *    and the edge is inserted as W_fit = −δ, the sign that lowers the loss (GroMo subtracts
 *    its fitted edge and raises the loss, SPEC §13.2);
 *  - new node u→w→v: TINY α, ω (growth's computeNewNeurons: S_growth^{-1/2} N, SVD, thresholds,
 *    sign rule) with S_growth = stats of [a_u | 1] and N = (1/n)[a_u | 1]ᵀ v⊥_v = −M_uv;
 *  - widen w: the same with the activities of all of w's in-edge sources side by side (+ one
 *    ones column when an in-edge of w has a bias) and the residuals of all its successors
 *    side by side; α is cut per in-edge, ω per out-edge.
 * At most `neurons` neurons, fewer when the statistical threshold (or, with option
 * `significance` "marchenko-pastur", the noise edge of growth/significance.ts) drops some
 * (k = 0: the candidate has nothing to add and is not evaluated).
 */
import type { Kernels } from "../kernels/kernels.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { computeOptimalDelta } from "../growth/optimal-delta.js";
import { computeNewNeurons } from "../growth/new-neurons.js";
import { resolveSignificance, singularValueEdge, type SignificanceOptions } from "../growth/significance.js";
import { scale } from "../growth/linalg.js";
import { Matrix, zeros64, type Matrix64 } from "../tensor/matrix.js";
import type { Candidate } from "./candidates.js";
import type { DagGraph } from "./graph.js";
import { activityColumns, block, residualMoment, type DagStatistics } from "./statistics.js";

export type FitMode = "tiny" | "tiny-random" | "random" | "gradient";

export const FIT_MODES: readonly FitMode[] = ["tiny", "tiny-random", "random", "gradient"];

/** The engine's fit mode when none is given (see the file comment for how it was chosen). */
export const DEFAULT_FIT_MODE: FitMode = "gradient";

export interface FitOptions {
  /** How new neurons are fitted (default `DEFAULT_FIT_MODE`, "gradient"; see the file comment). */
  mode?: FitMode;
  /** Random neurons drawn per candidate by the random-try modes (default 16 × neurons, at least 64). */
  randomTries?: number;
  /** τ_stat of the new-neuron SVD (default 1e-3, SPEC §7.2). */
  statisticalThreshold?: number;
  /** τ_num of S_growth^{-1/2} (default 1e-6, SPEC §7.1). */
  numericalThreshold?: number;
  /**
   * How many neurons the data supports (growth/significance.ts): "threshold" (default, τ_stat)
   * or "marchenko-pastur" (noise edges for TINY's singular values and the random-try gains).
   */
  significance?: SignificanceOptions;
}

export interface EdgeProposal {
  kind: "new-edge";
  from: string;
  to: string;
  /** W_fit (size_to, size_from): the edge weight at γ² = 1. */
  weight: Matrix64;
  /** Its bias (size_to), only when `to` has no biased in-edge; else null (the new edge's bias starts at 0). */
  bias: Float64Array | null;
}

export interface NeuronProposal {
  kind: "new-node" | "widen";
  /** The new node's name (new-node) or the widened node. */
  node: string;
  /** Activation of the new neurons. */
  activation: ActivationName;
  /** Number of new neurons (may be 0: nothing to add). */
  k: number;
  /** In-edge sources of the new neurons, in order; α's column blocks. */
  sources: string[];
  sourceSizes: number[];
  /** Whether α ends with a bias column. */
  withOnes: boolean;
  /** α (k, Σ sourceSizes + withOnes). */
  alpha: Matrix64;
  /** Out-edge targets; ω's row blocks. */
  targets: string[];
  targetSizes: number[];
  /** ω (Σ targetSizes, k). */
  omega: Matrix64;
  /**
   * Where γ acts: "inside" — TINY's linearised neurons, γ σ(γ X̃αᵀ) ωᵀ (applied as γα, γω);
   * "outside" — neurons at their natural scale, γ² σ(X̃αᵀ) ωᵀ (applied as α, γ²ω).
   */
  amplitude: "inside" | "outside";
  /** Per target, a correction added to its δW_raw (size_t, |𝓑_t|) (random tries, see random-tries.ts), or null. */
  deltaAdjust: (Matrix64 | null)[] | null;
}

export type Proposal = EdgeProposal | NeuronProposal;

/** Whether the proposal adds anything (a new edge always does). */
export function proposalIsEmpty(p: Proposal): boolean {
  return p.kind !== "new-edge" && p.k === 0;
}

/** Trainable parameters the proposal adds to the network. */
export function addedParameters(graph: DagGraph, p: Proposal): number {
  if (p.kind === "new-edge") return p.weight.rows * p.weight.cols + p.weight.rows;
  if (p.kind === "new-node") return p.k * p.sourceSizes[0] + p.k + p.targetSizes[0] * p.k;
  let n = 0;
  for (const e of graph.inEdges(p.node)) n += p.k * graph.node(e.from).size + (e.bias ? p.k : 0);
  for (const e of graph.outEdges(p.node)) n += graph.node(e.to).size * p.k;
  return n;
}

/**
 * Where a neuron candidate's new neurons sit: the node they join (a new node's name, or the
 * widened node), their in-edge sources (X̃'s blocks), whether X̃ ends with a ones column, and
 * the nodes they feed.
 */
export function neuronLayout(graph: DagGraph, candidate: Exclude<Candidate, { kind: "new-edge" }>, newNodeName: string): { node: string; sources: string[]; targets: string[]; withOnes: boolean } {
  if (candidate.kind === "new-node") return { node: newNodeName, sources: [candidate.from], targets: [candidate.to], withOnes: true };
  const node = candidate.node;
  return { node, sources: graph.predecessors(node), targets: graph.successors(node), withOnes: graph.inEdges(node).some((e) => e.bias) };
}

/** The closed-form fit of one candidate. */
export function fitCandidate(graph: DagGraph, stats: DagStatistics, candidate: Candidate, newNodeName: string, defaultActivation: ActivationName, options: FitOptions, kernels: Kernels): Proposal {
  if (candidate.kind === "new-edge") {
    const { from, to } = candidate;
    const withOnes = !(stats.nodes.get(to)?.withOnes ?? false);
    const cols = activityColumns(stats, from);
    if (withOnes) cols.push(stats.onesColumn);
    const delta = computeOptimalDelta(block(stats.C, cols, cols), residualMoment(stats, cols, to, kernels), withOnes, kernels);
    const bias = delta.deltaBias === null ? null : Float64Array.from(delta.deltaBias, (v) => -v);
    return { kind: "new-edge", from, to, weight: scale(delta.deltaWeight, -1), bias };
  }
  const isNew = candidate.kind === "new-node";
  const { node, sources, targets, withOnes } = neuronLayout(graph, candidate, newNodeName);
  const cols = sources.flatMap((s) => activityColumns(stats, s));
  if (withOnes) cols.push(stats.onesColumn);
  const targetSizes = targets.map((t) => graph.node(t).size);
  // N = −(1/n) X̃ᵀ [V_t1 | V_t2 | …], (|X|, Σ size_t).
  const nMat = zeros64(cols.length, targetSizes.reduce((a, b) => a + b, 0));
  let off = 0;
  for (const t of targets) {
    const m = residualMoment(stats, cols, t, kernels);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) nMat.data[i * nMat.cols + off + j] = -m.data[i * m.cols + j];
    off += m.cols;
  }
  const significance = resolveSignificance(options.significance, "growth.fit.significance");
  const edge =
    significance.rule === "marchenko-pastur"
      ? singularValueEdge({ n: stats.n, inputs: cols.length, outputs: nMat.cols, residualMeanSq: residualMeanSq(stats, targets), level: significance.level })
      : undefined;
  const neurons = computeNewNeurons(
    block(stats.C, cols, cols),
    nMat,
    withOnes,
    {
      maximumAddedNeurons: candidate.neurons,
      ...(edge === undefined ? {} : { significanceEdge: edge }),
      ...(options.statisticalThreshold === undefined ? {} : { statisticalThreshold: options.statisticalThreshold }),
      ...(options.numericalThreshold === undefined ? {} : { numericalThreshold: options.numericalThreshold }),
    },
    kernels,
  );
  return {
    kind: candidate.kind,
    node,
    activation: isNew ? defaultActivation : graph.node(node).activation,
    k: neurons.k,
    sources,
    sourceSizes: sources.map((s) => graph.node(s).size),
    withOnes,
    alpha: neurons.alpha,
    targets,
    targetSizes,
    omega: neurons.omega,
    amplitude: "inside",
    deltaAdjust: null,
  };
}

/** (1/n)‖[V_t1 | V_t2 | …]‖²_F of the targets, from the node statistics. */
export function residualMeanSq(stats: DagStatistics, targets: readonly string[]): number {
  return targets.reduce((sum, t) => sum + (stats.nodes.get(t)?.bottleneckMeanSq ?? 0), 0);
}

/** Rows [from, to) of m (a copy). */
export function sliceRows(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}
