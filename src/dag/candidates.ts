/**
 * Candidate expansions of a DAG (Douka et al. §2; GroMo's rules, SPEC §12.5):
 *
 *  - new edge u→v: every v not an ancestor of u (no cycle) and not already a successor;
 *  - new node u→w→v with k neurons: every v not an ancestor of u such that no node x with
 *    u→x→v exists (an existing direct edge u→v is allowed);
 *  - widening of every hidden node w by k neurons (new rows in its in-edges, new columns
 *    in its out-edges).
 *
 * Order (deterministic, ties in the selection go to the first): new edges, then new nodes,
 * both with u then v in topological order; then widenings in topological order.
 *
 * Strategies: "whole" keeps everything; the others ("restricted", "bic", "gromo-bic",
 * "penalized") keep the candidates that feed or widen v* = argmax_v Ψ_v (hidden and output
 * nodes; first in topological order on ties): new edges and new nodes into v*, widening v*
 * itself or one of its predecessors. They differ in how the candidates are compared
 * (step.ts `selectionCriterion`).
 */
import { GraphError } from "../errors.js";
import type { DagGraph } from "./graph.js";

export type Candidate =
  | { kind: "new-edge"; from: string; to: string }
  | { kind: "new-node"; from: string; to: string; neurons: number }
  | { kind: "widen"; node: string; neurons: number };

export type Strategy = "whole" | "restricted" | "bic" | "gromo-bic" | "penalized";

export const STRATEGIES: readonly Strategy[] = ["whole", "restricted", "bic", "gromo-bic", "penalized"];

export function describeCandidate(c: Candidate): string {
  switch (c.kind) {
    case "new-edge":
      return `edge ${c.from}->${c.to}`;
    case "new-node":
      return `node ${c.from}->[${c.neurons}]->${c.to}`;
    case "widen":
      return `widen ${c.node} +${c.neurons}`;
  }
}

/** Nodes whose pre-activation a candidate changes directly (its δW and new terms land there). */
export function candidateTargets(graph: DagGraph, c: Candidate): string[] {
  return c.kind === "widen" ? graph.successors(c.node) : [c.to];
}

/** Every candidate of the whole search space, `neurons` new neurons for node candidates. */
export function allCandidates(graph: DagGraph, neurons: number): Candidate[] {
  if (!Number.isInteger(neurons) || neurons < 1) throw new GraphError(`neurons per step must be a positive integer, got ${neurons}`);
  const order = graph.topologicalOrder();
  const sources = order.filter((u) => graph.node(u).kind !== "output");
  const sinks = order.filter((v) => graph.node(v).kind !== "input");
  const edges: Candidate[] = [];
  const nodes: Candidate[] = [];
  for (const u of sources) {
    const anc = graph.ancestors(u);
    const succ = new Set(graph.successors(u));
    for (const v of sinks) {
      if (anc.has(v)) continue;
      if (!succ.has(v)) edges.push({ kind: "new-edge", from: u, to: v });
      const viaX = [...succ].some((x) => graph.hasEdge(x, v));
      if (!viaX) nodes.push({ kind: "new-node", from: u, to: v, neurons });
    }
  }
  const widen: Candidate[] = order.filter((w) => graph.node(w).kind === "hidden").map((w) => ({ kind: "widen", node: w, neurons }));
  return [...edges, ...nodes, ...widen];
}

/** v* = argmax Ψ_v over hidden and output nodes (first in topological order on ties). */
export function largestBottleneck(graph: DagGraph, bottlenecks: ReadonlyMap<string, number>): string {
  let best: string | null = null;
  let bestValue = -Infinity;
  for (const v of graph.topologicalOrder()) {
    if (graph.node(v).kind === "input") continue;
    const psi = bottlenecks.get(v);
    if (psi === undefined) throw new GraphError(`no bottleneck value for node "${v}"`);
    if (psi > bestValue) {
      best = v;
      bestValue = psi;
    }
  }
  return best as string;
}

/** The candidates of a strategy; `bottlenecks` (Ψ per node) is needed unless the strategy is "whole". */
export function enumerateCandidates(graph: DagGraph, strategy: Strategy, bottlenecks: ReadonlyMap<string, number> | null, neurons: number): Candidate[] {
  const all = allCandidates(graph, neurons);
  if (strategy === "whole") return all;
  if (bottlenecks === null) throw new GraphError(`strategy "${strategy}" needs the bottleneck of every node`);
  const target = largestBottleneck(graph, bottlenecks);
  const preds = new Set(graph.predecessors(target));
  return all.filter((c) => (c.kind === "widen" ? c.node === target || preds.has(c.node) : c.to === target));
}

/**
 * Parameters a candidate adds per new neuron (node candidates) or in all (new edges), counted
 * as fit.ts `addedParameters` counts the applied proposal: a new edge u→v adds |v|·|u| + |v|;
 * a new node u→w→v adds |u| + 1 + |v| per neuron; widening w adds, per neuron, the sizes of
 * w's in-edge sources (+ 1 per biased in-edge) and of its successors.
 */
export function candidateCost(graph: DagGraph, c: Candidate): { fixed: number; perNeuron: number } {
  const size = (v: string): number => graph.node(v).size;
  if (c.kind === "new-edge") return { fixed: size(c.to) * size(c.from) + size(c.to), perNeuron: 0 };
  if (c.kind === "new-node") return { fixed: 0, perNeuron: size(c.from) + 1 + size(c.to) };
  let per = 0;
  for (const e of graph.inEdges(c.node)) per += size(e.from) + (e.bias ? 1 : 0);
  for (const e of graph.outEdges(c.node)) per += size(e.to);
  return { fixed: 0, perNeuron: per };
}

/**
 * The candidates that fit a parameter budget (option `maxParameters`, a departure from the
 * paper, which has no budget): a node candidate keeps min(neurons, ⌊room / cost per neuron⌋)
 * neurons and is dropped below one; a new edge is dropped when it does not fit. `room` is
 * the budget minus the current parameter count. Order is kept.
 */
export function fitToBudget(graph: DagGraph, candidates: readonly Candidate[], room: number): Candidate[] {
  const out: Candidate[] = [];
  for (const c of candidates) {
    const cost = candidateCost(graph, c);
    if (c.kind === "new-edge") {
      if (cost.fixed <= room) out.push(c);
      continue;
    }
    const k = Math.min(c.neurons, Math.floor(room / cost.perNeuron));
    if (k >= 1) out.push({ ...c, neurons: k });
  }
  return out;
}
