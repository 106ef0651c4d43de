/**
 * Node statistics of a DAG for one growth step (SPEC §12.3–12.4, with the paper's
 * conventions: sum-reduced loss, i.e. per-sample gradients, and float64).
 *
 * One pass over the data, in mini-batches (memory bounded by the statistics; or over the rows
 * of the forward and backward passes a growth step already holds for its random tries), accumulates
 * for Ã = [a_{u1} | … | a_{um} | 1] — the activities of every node that can feed an edge
 * (all but the output) side by side, and one ones column — and Ĝ = [G_{v1} | …] — the
 * per-sample gradients G_v = ∂L_sum/∂z_v of every non-input node:
 *
 *   C = (1/n) ÃᵀÃ    (D+1, D+1)        MG = (1/n) ÃᵀĜ    (D+1, Dg)        (1/n)‖G_v‖_F²
 *
 * Every statistic the growth step needs is a block of these: for node v, with 𝓑_v = the
 * activities of its in-edge sources and ONE shared ones column (when one of its in-edges
 * has a bias — the sum of the edge biases is what acts; one column per edge would make S
 * exactly singular):
 *
 *   S_v = C[𝓑_v, 𝓑_v],  M_v = MG[𝓑_v, G_v],  δW_v = (S_v⁻¹ M_v)ᵀ (solve, pinv fallback: growth's computeOptimalDelta)
 *
 * Rank-deficient S_v (two sources with collinear activities, dead ReLUs, a node fed twice by
 * the same information): the LU solve then either fails (computeOptimalDelta falls back to
 * the pseudo-inverse) or returns a solution blown up along the near-null directions. The
 * latter is caught by two checks. (1) What the math guarantees: D_v = tr(M_vᵀ S_v⁻¹ M_v) is
 * the squared norm of the projection of the per-sample gradients on span(𝓑_v), so
 * 0 ≤ D_v ≤ (1/n)‖G_v‖_F² (beyond a relative 1e-8 the solve failed). (2) A blown-up solution:
 * for S ⪰ 0 of size d, ‖S⁻¹M‖_F ≤ ‖M‖_F/λ_min and λ_max ≤ tr S, so
 * ρ = ‖δW_v‖_F · tr(S_v) / ‖M_v‖_F ≤ d·cond(S_v); ρ > `MAX_GROWTH` means the solve amplified M
 * along directions with λ < tr(S)/1e10 (duplicated or collinear sources: the huge opposite
 * weights cancel in exact arithmetic, not in float32). It does not fire for an ill-conditioned
 * S whose M has no component along the small eigenvalues (the solve is then harmless).
 * Either way δW_v is recomputed with the pseudo-inverse, cutting eigenvalues below
 * `PINV_RCOND`·λ_max (the least-norm least-squares solution on the well-determined directions). Every fallback is reported (`deltaWarning`)
 * and lands in the step's warnings and the run log.
 *   (1/n)‖V_v‖_F² = (1/n)‖G_v‖_F² − D_v,  Ψ_v = ‖V_v‖_F,  V_v = G_v − 𝓑_v δW_vᵀ  (gradient sign, SPEC §5)
 *
 * and for any set of columns X of Ã the residual moment (1/n) X̃ᵀ V_v = MG[X, G_v] − C[X, 𝓑_v] δW_vᵀ
 * (the −N of SPEC §6). An edge-less node has an empty δW and V_v = G_v (the raw functional
 * gradient for the output of the empty graph).
 */
import type { Kernels } from "../kernels/kernels.js";
import type { LossName } from "../nn/losses/loss.js";
import { computeOptimalDelta, eigenOf, guardOptimalDelta, type OptimalDelta } from "../growth/optimal-delta.js";
import { matmul } from "../growth/linalg.js";
import { TensorStatistic } from "../growth/statistics.js";
import { NumericalError } from "../errors.js";
import { onOneBlasThread } from "../kernels/threads.js";
import { Matrix, zeros64, type FloatArray, type Matrix64 } from "../tensor/matrix.js";
import { dagLoss, rowView, targetRows, targetsOf, type DagData, type DagTargets } from "./data.js";
import type { DagActivations, DagModel } from "./model.js";

/** The layout and per-node results for one node v (hidden or output). */
export interface NodeStatistics {
  name: string;
  /** In-edge sources of v, in in-edge order (the blocks of 𝓑_v). */
  sources: string[];
  /** Whether 𝓑_v ends with the ones column (v has an in-edge with a bias). */
  withOnes: boolean;
  /** Column indices of 𝓑_v in Ã. */
  columns: number[];
  /** δW_v = (S_v⁻¹ M_v)ᵀ, (size_v, |𝓑_v|): source blocks in order, then δb. */
  delta: OptimalDelta;
  /** (1/n)‖G_v‖_F². */
  gradientMeanSq: number;
  /** (1/n)‖V_v‖_F². */
  bottleneckMeanSq: number;
  /** Ψ_v = ‖V_v‖_F (plain Frobenius over samples × features). */
  bottleneck: number;
  /** Why δW_v needed a fallback (pseudo-inverse, zeroed), or null for a plain solve. */
  deltaWarning: string | null;
}

export interface DagStatistics {
  /** Samples n. */
  n: number;
  /** First column of each feeding node's block in Ã; the ones column is `onesColumn`. */
  activityOffset: Map<string, number>;
  onesColumn: number;
  /** First column of each non-input node's block in Ĝ. */
  gradientOffset: Map<string, number>;
  /** Widths of the nodes at statistics time. */
  sizes: Map<string, number>;
  /** C = (1/n) ÃᵀÃ, (D+1, D+1). */
  C: Matrix64;
  /** MG = (1/n) ÃᵀĜ, (D+1, Dg). */
  MG: Matrix64;
  /** Per hidden/output node, in topological order. */
  nodes: Map<string, NodeStatistics>;
}

/** The forward activities and the per-sample gradients G_v (sum loss) of a whole data set. */
export interface DagPasses<T extends FloatArray> {
  acts: DagActivations<T>;
  grads: Map<string, Matrix<T>>;
}

export interface NodeStatisticsOptions<T extends FloatArray = FloatArray> {
  /** Rows per mini-batch (default 1024); the statistics do not depend on it. */
  batchSize?: number;
  /**
   * The passes of all of `data` when the caller has them already (a growth step's train-opt
   * set for the random tries): the accumulation reads their rows instead of running the
   * network forward and backward a second time.
   */
  passes?: DagPasses<T>;
}

/** Columns of node `name`'s activity block in Ã. */
export function activityColumns(stats: DagStatistics, name: string): number[] {
  const off = stats.activityOffset.get(name);
  if (off === undefined) throw new NumericalError("dag statistics", `node "${name}" has no activity block (the output node never feeds an edge)`);
  const size = stats.sizes.get(name) as number;
  return Array.from({ length: size }, (_, i) => off + i);
}

export function gradientColumns(stats: DagStatistics, name: string): number[] {
  const off = stats.gradientOffset.get(name) as number;
  const size = stats.sizes.get(name) as number;
  return Array.from({ length: size }, (_, i) => off + i);
}

/** The sub-matrix m[rows, cols] (a copy). */
export function block(m: Matrix64, rows: readonly number[], cols: readonly number[]): Matrix64 {
  const out = zeros64(rows.length, cols.length);
  for (let i = 0; i < rows.length; i++) {
    const src = rows[i] * m.cols;
    for (let j = 0; j < cols.length; j++) out.data[i * cols.length + j] = m.data[src + cols[j]];
  }
  return out;
}

/** (1/n) X̃ᵀ V_v for the columns X of Ã: MG[X, G_v] − C[X, 𝓑_v] δW_vᵀ, (|X|, size_v). */
export function residualMoment(stats: DagStatistics, columns: readonly number[], v: string, kernels: Kernels): Matrix64 {
  const node = stats.nodes.get(v) as NodeStatistics;
  const m = block(stats.MG, columns, gradientColumns(stats, v));
  if (node.columns.length === 0) return m;
  const proj = matmul(kernels, block(stats.C, columns, node.columns), node.delta.deltaRaw, { transB: true });
  for (let i = 0; i < m.data.length; i++) m.data[i] -= proj.data[i];
  return m;
}

/** Accumulates the statistics of `model` on `data` with the sum-reduced `loss`, then solves δW_v and Ψ_v per node. */
export function computeNodeStatistics<T extends FloatArray>(
  model: DagModel<T>,
  data: DagData<T>,
  loss: LossName,
  kernels: Kernels,
  options: NodeStatisticsOptions<T> = {},
): DagStatistics {
  const g = model.graph;
  const order = g.topologicalOrder();
  const activityOffset = new Map<string, number>();
  const gradientOffset = new Map<string, number>();
  const sizes = new Map<string, number>();
  let D = 0;
  let Dg = 0;
  for (const name of order) {
    const node = g.node(name);
    sizes.set(name, node.size);
    if (node.kind !== "output") {
      activityOffset.set(name, D);
      D += node.size;
    }
    if (node.kind !== "input") {
      gradientOffset.set(name, Dg);
      Dg += node.size;
    }
  }
  const onesColumn = D;
  const cStat = new TensorStatistic("C", D + 1, D + 1);
  const mgStat = new TensorStatistic("MG", D + 1, Dg);
  const gradSq = new Map<string, number>();
  const n = data.x.rows;
  const batchSize = Math.max(1, options.batchSize ?? 1024);
  const targets = targetsOf(data);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const B = end - start;
    const { acts, grads: dZ } = options.passes === undefined ? dagPasses(model, data, targets, loss, start, end, kernels) : passRows(options.passes, start, end);
    const aTilde = zeros64(B, D + 1);
    const gHat = zeros64(B, Dg);
    for (const [name, off] of activityOffset) copyBlock(acts.a.get(name) as Matrix<T>, aTilde, off);
    for (let r = 0; r < B; r++) aTilde.data[r * (D + 1) + D] = 1;
    for (const [name, off] of gradientOffset) {
      const gz = dZ.get(name) as Matrix<T>;
      copyBlock(gz, gHat, off);
      let s = 0;
      for (const v of gz.data) s += v * v;
      gradSq.set(name, (gradSq.get(name) ?? 0) + s);
    }
    cStat.addProduct(kernels, aTilde, aTilde);
    mgStat.addProduct(kernels, aTilde, gHat);
  }
  const stats: DagStatistics = { n, activityOffset, onesColumn, gradientOffset, sizes, C: cStat.read(), MG: mgStat.read(), nodes: new Map() };
  // The δW solves run with one OpenBLAS thread: LAPACK's solves and eigendecompositions of
  // this size gain nothing from a second thread and lose a lot when the cores are shared
  // (a 785 × 785 eigh, MNIST's input node: 0.12–0.19 s at one thread, 5.0–6.1 s at two, on
  // the 2-core machine at load 21; README, candidate pool). The count is process-wide and
  // only the main thread changes it (kernels/threads.ts), as growthStep does around the candidates.
  onOneBlasThread(kernels, () => nodeDeltas(model, stats, gradSq, kernels));
  return stats;
}

/** The passes of rows [start, end) of `data`: forward, then backward from the sum loss (per-sample gradients G_v). */
export function dagPasses<T extends FloatArray>(model: DagModel<T>, data: DagData<T>, targets: DagTargets<T>, loss: LossName, start: number, end: number, kernels: Kernels): DagPasses<T> {
  const acts = model.forwardAll(kernels, rowView(data.x, start, end));
  const out = acts.z.get(model.outputName) as Matrix<T>;
  const dOut = model.newMatrix(end - start, out.cols);
  dagLoss(loss, out, targetRows(targets, start, end), "sum", dOut);
  return { acts, grads: model.backwardFrom(kernels, acts, dOut, false) };
}

/** Rows [start, end) of whole-set passes, sharing storage. */
function passRows<T extends FloatArray>(p: DagPasses<T>, start: number, end: number): DagPasses<T> {
  const rows = (m: Map<string, Matrix<T>>) => new Map([...m].map(([k, v]) => [k, rowView(v, start, end)]));
  return { acts: { rows: end - start, z: rows(p.acts.z), a: rows(p.acts.a) }, grads: rows(p.grads) };
}

/** δW_v, D_v and Ψ_v of every hidden/output node from C and MG. */
function nodeDeltas<T extends FloatArray>(model: DagModel<T>, stats: DagStatistics, gradSq: Map<string, number>, kernels: Kernels): void {
  const g = model.graph;
  const { n, onesColumn } = stats;
  for (const name of g.topologicalOrder()) {
    if (g.node(name).kind === "input") continue;
    const inEdges = g.inEdges(name);
    const sources = inEdges.map((e) => e.from);
    const withOnes = inEdges.some((e) => e.bias);
    const columns = sources.flatMap((s) => activityColumns(stats, s));
    if (withOnes) columns.push(onesColumn);
    const gradientMeanSq = (gradSq.get(name) ?? 0) / n;
    const { delta, warning } = nodeDelta(block(stats.C, columns, columns), block(stats.MG, columns, gradientColumns(stats, name)), withOnes, gradientMeanSq, kernels);
    const bottleneckMeanSq = Math.max(0, gradientMeanSq - delta.decrease);
    const deltaWarning = warning === null ? null : `node ${name}: ${warning}`;
    stats.nodes.set(name, { name, sources, withOnes, columns, delta, gradientMeanSq, bottleneckMeanSq, bottleneck: Math.sqrt(n * bottleneckMeanSq), deltaWarning });
  }
}

/**
 * δW_v by computeOptimalDelta, checked and recomputed with the pseudo-inverse when a check
 * fails (file comment; growth's `guardOptimalDelta`); `warning` says what happened.
 */
export function nodeDelta(s: Matrix64, m: Matrix64, withOnes: boolean, gradientMeanSq: number, kernels: Kernels): { delta: OptimalDelta; warning: string | null } {
  const eigen = eigenOf(kernels, s); // one eigh serves both pseudo-inverse cut-offs when the LU solve fails
  return guardOptimalDelta(s, m, withOnes, computeOptimalDelta(s, m, withOnes, kernels, { eigen }), kernels, gradientMeanSq, eigen);
}

/** The δW fallbacks of the step's statistics (one line per node that needed one). */
export function deltaWarnings(stats: DagStatistics): string[] {
  return [...stats.nodes.values()].flatMap((s) => (s.deltaWarning === null ? [] : [s.deltaWarning]));
}

/** The Ψ_v of every hidden and output node. */
export function bottlenecks(stats: DagStatistics): Map<string, number> {
  return new Map([...stats.nodes.values()].map((s) => [s.name, s.bottleneck]));
}

/**
 * How the restricted strategies rank nodes by their bottleneck:
 *  - "frobenius": Ψ_v = ‖V_v‖_F over samples × features (SPEC §12.8, GroMo's tutorial);
 *  - "per-neuron": ‖V_v‖_F² / (n · size_v), the mean squared residual per sample and feature.
 * ‖V_v‖_F² sums over the width of v, so the plain norm grows with the width and keeps
 * choosing an already wide node (or a predecessor of the 1-wide output only when its
 * residual dominates everything else); the per-neuron score compares what one neuron of v
 * still misses. Measured on the teacher–student target (bench/dag.ts, seeds 0–2): both pick
 * v* = the output node at every step (its score is 1–3 orders of magnitude above the hidden
 * nodes' in both norms: G_v of a hidden node is G_out scaled by its small fitted ω), so the
 * restricted runs are identical (0.0164 ± 0.0035 test MSE). Neither norm is invariant to the
 * rescaling α → cα, ω → ω/c of a node's neurons, which is what decides here; the default stays
 * the SPEC's.
 */
export type BottleneckNorm = "frobenius" | "per-neuron";

export const BOTTLENECK_NORMS: readonly BottleneckNorm[] = ["frobenius", "per-neuron"];

/** The score of every hidden and output node under `norm` (see `BottleneckNorm`). */
export function bottleneckScores(stats: DagStatistics, norm: BottleneckNorm): Map<string, number> {
  if (norm === "frobenius") return bottlenecks(stats);
  return new Map([...stats.nodes.values()].map((s) => [s.name, s.bottleneckMeanSq / (stats.sizes.get(s.name) as number)]));
}

function copyBlock(src: Matrix<FloatArray>, dst: Matrix64, colOffset: number): void {
  const c = src.cols;
  for (let r = 0; r < src.rows; r++) {
    const so = r * c;
    const d0 = r * dst.cols + colOffset;
    for (let j = 0; j < c; j++) dst.data[d0 + j] = src.data[so + j];
  }
}
