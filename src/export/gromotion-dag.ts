/**
 * A logged graph (docs/run-log.md `graph`) as GroMo's GrowingDAG.export_dag_parameters()
 * writes it, and a growth step as its growth_history entry (src/export/gromotion.ts writes
 * the folder; README "Export for gromotion" has the mapping as a table).
 *  - one DAG, "dag1"; the input node → "start@dag1", the output node → "end@dag1", hidden
 *    node "h<k>" → "<k>@dag1", other names (grow-cnn's blocks "c1", …) → "<name>@dag1";
 *  - a fully connected graph as GroMo's linear DAG: nodes {type: "linear", size, shape: null,
 *    kernel_size: null, activation ("id" for identity; the start node is "id"),
 *    use_layer_norm: false}, edges {type: "linear", use_bias, kernel_size: null};
 *  - a CNN chain (grow-cnn) as GroMo's convolutional DAG: an edge with a `kernel` (or, in
 *    logs written before edges carried one, a label "conv K×K…") is {type: "convolution",
 *    kernel_size: [k_h, k_w]}; the head is a "linear" edge, as GroMo's conv → linear edge
 *    (flatten; a GAP head is written the same, GroMo has no such edge). A node is
 *    {type: "convolution", size: its channels, shape: its feature map [h, w] (null when the
 *    log has none), kernel_size: its outgoing convolution's} when it has a convolutional
 *    edge in or out, else linear (the classes node). Pooling and batch norm have no field in
 *    GroMo's export: they show only through the shrinking shapes.
 * Edge keys are Python's repr of the (src, dst) tuple.
 */
import type { LoggedEdge, LoggedGraph } from "../view/run-log.js";
import { edgeId, type StepView } from "../view/timeline.js";
import { pyReprTuple } from "./python-repr.js";

export const GROMOTION_DAG = "dag1";

export function gromotionNodeId(graph: LoggedGraph, name: string): string {
  const node = graph.nodes.find((n) => n.name === name);
  if (node?.kind === "input") return `start@${GROMOTION_DAG}`;
  if (node?.kind === "output") return `end@${GROMOTION_DAG}`;
  const hidden = /^h(\d+)$/.exec(name);
  return `${hidden === null ? name : hidden[1]}@${GROMOTION_DAG}`;
}

/** A convolution's kernel [k_h, k_w], or null for a fully connected edge. */
export function edgeKernel(edge: LoggedEdge): [number, number] | null {
  if (Array.isArray(edge.kernel) && edge.kernel.length === 2) return edge.kernel;
  const fromLabel = /^conv (\d+)×(\d+)/.exec(edge.label ?? "");
  return fromLabel === null ? null : [Number(fromLabel[1]), Number(fromLabel[2])];
}

export interface GromoDagParameters {
  edges: [string, string][];
  node_attributes: Record<string, { type: "linear" | "convolution"; size: number; shape: [number, number] | null; kernel_size: [number, number] | null; activation: string; use_layer_norm: boolean }>;
  edge_attributes: Record<string, { type: "linear" | "convolution"; use_bias: boolean; kernel_size: [number, number] | null }>;
}

/** GrowingDAG.export_dag_parameters() of a logged graph. */
export function exportDagParameters(graph: LoggedGraph): GromoDagParameters {
  const id = (name: string): string => gromotionNodeId(graph, name);
  const node_attributes: GromoDagParameters["node_attributes"] = {};
  for (const n of graph.nodes) {
    const activation = n.kind === "input" || n.activation === undefined || n.activation === "identity" ? "id" : n.activation;
    const convIn = graph.edges.some((e) => e.to === n.name && edgeKernel(e) !== null);
    const convOut = graph.edges.map(edgeKernel).find((k, i) => k !== null && graph.edges[i].from === n.name) ?? null;
    const conv = convIn || convOut !== null;
    node_attributes[id(n.name)] = { type: conv ? "convolution" : "linear", size: n.size, shape: conv && Array.isArray(n.shape) ? n.shape : null, kernel_size: convOut, activation, use_layer_norm: false };
  }
  const edge_attributes: GromoDagParameters["edge_attributes"] = {};
  for (const e of graph.edges) {
    const kernel = edgeKernel(e);
    edge_attributes[pyReprTuple([id(e.from), id(e.to)])] = { type: kernel === null ? "linear" : "convolution", use_bias: e.bias, kernel_size: kernel };
  }
  return { edges: graph.edges.map((e) => [id(e.from), id(e.to)]), node_attributes, edge_attributes };
}

/**
 * growth_history entries of one step: 2 added (or widened), 1 updated, 0 untouched. The first
 * step (`previous` null) has one only when its network already has hidden nodes (grow-mlp's
 * zero-width layers, grow-cnn's blocks), all 2: gromotion starts every DAG as start → end,
 * and puts a first snapshot that holds more at the DAG's first growth_history step, so
 * without it step 0's network would be shown at step 1 and step 1's never.
 */
export function growthHistoryEntry(step: StepView, previous: LoggedGraph | null, applyDelta: boolean): Record<string, number> | null {
  const graph = step.graph;
  if (graph !== null && previous === null) return startingEntry(graph);
  const { addedNodes, addedEdges, widenedNodes } = step.changes;
  if (graph === null || previous === null || addedNodes.length + addedEdges.length + widenedNodes.length === 0) return null;
  const added = new Set(addedEdges);
  const widened = new Set(widenedNodes);
  const existed = new Set(previous.nodes.map((n) => n.name));
  // Nodes whose pre-activation the step changed: the existing ends of new edges, the successors of a widened node.
  const targets = new Set([...graph.edges.filter((e) => added.has(edgeId(e.from, e.to)) && existed.has(e.to)).map((e) => e.to), ...graph.edges.filter((e) => widened.has(e.from)).map((e) => e.to)]);
  const entry: Record<string, number> = {};
  const id = (name: string): string => gromotionNodeId(graph, name);
  for (const e of graph.edges) {
    const key = pyReprTuple([id(e.from), id(e.to)]);
    entry[key] = added.has(edgeId(e.from, e.to)) || widened.has(e.from) || widened.has(e.to) ? 2 : applyDelta && targets.has(e.to) ? 1 : 0;
  }
  for (const n of graph.nodes) entry[id(n.name)] = addedNodes.includes(n.name) ? 2 : 0;
  return entry;
}

function startingEntry(graph: LoggedGraph): Record<string, number> | null {
  if (!graph.nodes.some((n) => n.kind === "hidden")) return null;
  const id = (name: string): string => gromotionNodeId(graph, name);
  const entry: Record<string, number> = {};
  for (const e of graph.edges) entry[pyReprTuple([id(e.from), id(e.to)])] = 2;
  for (const n of graph.nodes) entry[id(n.name)] = n.kind === "hidden" ? 2 : 0;
  return entry;
}
