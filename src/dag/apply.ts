/**
 * Applying a fitted candidate with amplitude γ to the model, so that the grown network
 * computes the extended forward of `evaluate.ts` at that γ:
 *
 *  - TINY's update of the target nodes' existing in-edges (when `applyDelta`):
 *    W_e ← W_e − γ² δW_e (the in-edge's column block of δW_t), and the first biased in-edge
 *    of t gets b ← b − γ² δb (the node's one bias column; any split is the same function);
 *  - new edge u→v: weight γ² W_fit, bias γ² b_fit (or 0);
 *    plus the proposal's correction A_t (random tries): W_e ← W_e − γ² A_e;
 *  - new node u→w→v: edge u→w with weight γ α_w and bias γ α_b, edge w→v (no bias) with γ ω;
 *  - widening w: new rows γ α (per in-edge block; the bias column on w's first biased
 *    in-edge), new columns γ ω (per out-edge block);
 *  - for neurons with the amplitude outside the activation: α and its bias unscaled, ω × γ².
 * At γ = 0 the new weights are zero and nothing else moves: the function is unchanged.
 */
import { GraphError } from "../errors.js";
import { Matrix, type FloatArray, type Matrix64 } from "../tensor/matrix.js";
import type { Proposal } from "./fit.js";
import type { DagModel } from "./model.js";
import type { DagStatistics } from "./statistics.js";

/** Columns [from, to) of m times `factor`, in the model's element type. */
function scaledColumns<T extends FloatArray>(model: DagModel<T>, m: Matrix64, from: number, to: number, factor: number): Matrix<T> {
  const out = model.newMatrix(m.rows, to - from);
  for (let i = 0; i < m.rows; i++) for (let j = from; j < to; j++) out.data[i * (to - from) + j - from] = factor * m.data[i * m.cols + j];
  return out;
}

function applyDeltaAt<T extends FloatArray>(model: DagModel<T>, stats: DagStatistics, t: string, g2: number, adjust: Matrix64 | null): void {
  const node = stats.nodes.get(t);
  if (node === undefined) throw new GraphError(`no statistics for node "${t}"`);
  let raw = node.delta.deltaRaw;
  if (adjust !== null) {
    raw = raw.clone();
    for (let i = 0; i < raw.data.length; i++) raw.data[i] += adjust.data[i];
  }
  let col = 0;
  let biasDone = !node.withOnes;
  const biasCol = raw.cols - 1;
  for (const s of node.sources) {
    const layer = model.layer(s, t);
    const w = layer.weight;
    for (let i = 0; i < w.rows; i++) for (let j = 0; j < w.cols; j++) w.data[i * w.cols + j] -= g2 * raw.data[i * raw.cols + col + j];
    col += w.cols;
    if (!biasDone && layer.bias !== null) {
      for (let i = 0; i < layer.bias.length; i++) layer.bias[i] -= g2 * raw.data[i * raw.cols + biasCol];
      biasDone = true;
    }
  }
}

/** Grows `model` in place by `proposal` at amplitude γ. Returns the name of the new node, if any. */
export function applyProposal<T extends FloatArray>(model: DagModel<T>, stats: DagStatistics, proposal: Proposal, gamma: number, applyDelta: boolean): string | null {
  const g2 = gamma * gamma;
  const targets = proposal.kind === "new-edge" ? [proposal.to] : proposal.targets;
  const adjusts = proposal.kind === "new-edge" ? null : proposal.deltaAdjust;
  if (applyDelta && g2 !== 0) targets.forEach((t, i) => applyDeltaAt(model, stats, t, g2, adjusts?.[i] ?? null));
  if (proposal.kind === "new-edge") {
    const { from, to, weight, bias } = proposal;
    const b = model.newArray(weight.rows);
    if (bias !== null) for (let i = 0; i < b.length; i++) b[i] = g2 * bias[i];
    model.addEdge(from, to, { weight: scaledColumns(model, weight, 0, weight.cols, g2), biasValues: b });
    return null;
  }
  const { k, alpha, omega } = proposal;
  if (k === 0) throw new GraphError(`candidate on node "${proposal.node}" has no neuron to add`);
  const inFactor = proposal.amplitude === "outside" ? 1 : gamma;
  const outFactor = proposal.amplitude === "outside" ? g2 : gamma;
  const alphaBias = (): T => {
    const b = model.newArray(k);
    for (let j = 0; j < k; j++) b[j] = inFactor * alpha.data[j * alpha.cols + alpha.cols - 1];
    return b;
  };
  if (proposal.kind === "new-node") {
    const [u] = proposal.sources;
    const [v] = proposal.targets;
    model.addNode(proposal.node, k, proposal.activation);
    model.addEdge(u, proposal.node, { weight: scaledColumns(model, alpha, 0, proposal.sourceSizes[0], inFactor), biasValues: alphaBias() });
    model.addEdge(proposal.node, v, { bias: false, weight: scaledColumns(model, omega, 0, k, outFactor) });
    return proposal.node;
  }
  const inRows = new Map<string, { rows: Matrix<T>; bias: T | null }>();
  let col = 0;
  let biasGiven = !proposal.withOnes;
  proposal.sources.forEach((s, i) => {
    const size = proposal.sourceSizes[i];
    const hasBias = model.layer(s, proposal.node).bias !== null;
    inRows.set(s, { rows: scaledColumns(model, alpha, col, col + size, inFactor), bias: !biasGiven && hasBias ? alphaBias() : null });
    if (hasBias) biasGiven = true;
    col += size;
  });
  const outCols = new Map<string, Matrix<T>>();
  let row = 0;
  proposal.targets.forEach((t, i) => {
    const size = proposal.targetSizes[i];
    const block = new Matrix(size, k, omega.data.slice(row * k, (row + size) * k));
    outCols.set(t, scaledColumns(model, block, 0, k, outFactor));
    row += size;
  });
  model.widenNode(proposal.node, k, inRows, outCols);
  return null;
}
