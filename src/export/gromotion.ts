/**
 * A run in gromotion's export-folder layout (growingnet/gromotion, backend/ingest: the
 * `folder` source and its normaliser), so that GroMo's viewer can replay tinygrow runs:
 *
 *   run.json                          {run_id, name, project, created_at, dataset, config, summary}
 *   metrics.json                      {metric_key: [[x, y], …]}
 *   metric_axes.json                  {metric_key: "epoch" | "growth_step"}
 *   dags/dag1/step_NNNN.json          GrowingDAG.export_dag_parameters() after step NNNN
 *   growth_history/dag1.json          {step: {key: 0|1|2}}  (2 added, 1 weights updated, 0 untouched)
 *
 * The mapping (README, "Export for gromotion", says the same):
 *  - one DAG, "dag1"; node ids: the input node → "start@dag1", the output node →
 *    "end@dag1", hidden node "h<k>" → "<k>@dag1" (other names → "<name>@dag1");
 *  - node attributes as GroMo's linear DAG: {type: "linear", size, shape: null,
 *    kernel_size: null, activation (GroMo's "id" for identity; the start node is "id"),
 *    use_layer_norm: false}; edge attributes {type: "linear", use_bias, kernel_size: null}
 *    keyed by Python's repr of the (src, dst) tuple;
 *  - steps: gromotion's growth step s is tinygrow's step s (0 = the starting model, s = after
 *    the s-th growth step). A snapshot is written for every step: the ingester reads a
 *    snapshot's step as the last step its state was current and re-keys it one past the
 *    previous stamp (align_snapshots_to_growth), which is the identity for consecutive stamps;
 *  - metrics on the epoch axis are tinygrow's epoch records, x = epoch − 1 (GroMo counts
 *    epochs from 0): "training/<split> loss" and "training/<split> accuracy" (a fraction),
 *    with splits train (the epoch's running mean), train-opt, train-ls, train-gr, val
 *    (tinygrow's validation), test; on the growth-step axis, x = step:
 *    "complexity/nb of parameters", "growth/epochs" (epochs trained after the step, from
 *    which the ingester rebuilds each step's epoch range), "growth/neurons added",
 *    "growth/gamma" and "growth/<split> loss" (right after the step, before training);
 *  - growth history for every step that changed the network: new edges and the edges of a
 *    widened node 2 (GroMo: "added or increased in dimension"), the existing in-edges of the
 *    nodes whose δW* update moved them 1 (none when growth.applyDelta is off), every other
 *    edge 0; new nodes 2, other nodes 0.
 * Platform-free: a map from relative path to JSON value; src/node/export/ writes it.
 */
import { asGraph, type LogRecord, type LoggedGraph } from "../view/run-log.js";
import { buildTimeline, edgeId, type StepView } from "../view/timeline.js";
import { pyReprTuple } from "./python-repr.js";

export const GROMOTION_DAG = "dag1";

export interface GromotionInput {
  runId: string;
  name: string;
  /** The run's manifest.json (null when it has none). */
  manifest: Record<string, unknown> | null;
  /** The command that wrote the run ("compare", "mnist", …). */
  command: string;
  records: readonly LogRecord[];
}

/** Export-folder files by relative path. */
export type GromotionFiles = Map<string, unknown>;

export function gromotionNodeId(graph: LoggedGraph, name: string): string {
  const node = graph.nodes.find((n) => n.name === name);
  if (node?.kind === "input") return `start@${GROMOTION_DAG}`;
  if (node?.kind === "output") return `end@${GROMOTION_DAG}`;
  const hidden = /^h(\d+)$/.exec(name);
  return `${hidden === null ? name : hidden[1]}@${GROMOTION_DAG}`;
}

/** GrowingDAG.export_dag_parameters() of a logged graph. */
export function exportDagParameters(graph: LoggedGraph): { edges: [string, string][]; node_attributes: Record<string, unknown>; edge_attributes: Record<string, unknown> } {
  const id = (name: string): string => gromotionNodeId(graph, name);
  const node_attributes: Record<string, unknown> = {};
  for (const n of graph.nodes) {
    const activation = n.kind === "input" || n.activation === undefined || n.activation === "identity" ? "id" : n.activation;
    node_attributes[id(n.name)] = { type: "linear", size: n.size, shape: null, kernel_size: null, activation, use_layer_norm: false };
  }
  const edge_attributes: Record<string, unknown> = {};
  for (const e of graph.edges) edge_attributes[pyReprTuple([id(e.from), id(e.to)])] = { type: "linear", use_bias: e.bias, kernel_size: null };
  return { edges: graph.edges.map((e) => [id(e.from), id(e.to)]), node_attributes, edge_attributes };
}

/** growth_history entries of one step: 2 added (or widened), 1 updated, 0 untouched. */
export function growthHistoryEntry(step: StepView, previous: LoggedGraph | null, applyDelta: boolean): Record<string, number> | null {
  const graph = step.graph;
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

const SPLIT_KEY: Record<string, string> = { validation: "val" };
const splitKey = (split: string): string => SPLIT_KEY[split] ?? split;

function applyDeltaOf(manifest: Record<string, unknown> | null): boolean {
  const config = (manifest?.config ?? {}) as Record<string, unknown>;
  const run = (config.run ?? config) as Record<string, unknown>;
  const growth = (run.growth ?? {}) as Record<string, unknown>;
  return growth.applyDelta !== false;
}

export function gromotionExport(input: GromotionInput): GromotionFiles {
  const timeline = buildTimeline(input.records);
  const metrics = new Map<string, [number, number][]>();
  const axes: Record<string, "epoch" | "growth_step"> = {};
  const add = (key: string, axis: "epoch" | "growth_step", x: number, y: number | null | undefined): void => {
    if (typeof y !== "number" || !Number.isFinite(y)) return;
    axes[key] = axis;
    metrics.set(key, [...(metrics.get(key) ?? []), [x, y]]);
  };
  const epochsPerStep = new Map<number, number>();
  for (const r of input.records) {
    if (r.kind !== "epoch" || typeof r.epoch !== "number") continue;
    epochsPerStep.set(r.step ?? 0, (epochsPerStep.get(r.step ?? 0) ?? 0) + 1);
    for (const [split, v] of Object.entries(r.losses ?? {})) add(`training/${splitKey(split)} loss`, "epoch", r.epoch - 1, v);
    for (const [split, v] of Object.entries(r.accuracy ?? {})) add(`training/${splitKey(split)} accuracy`, "epoch", r.epoch - 1, v);
  }
  const files: GromotionFiles = new Map();
  const history: Record<string, Record<string, number>> = {};
  let previous: LoggedGraph | null = null;
  for (const step of timeline.steps) {
    const record = input.records[step.record];
    add("complexity/nb of parameters", "growth_step", step.step, step.parameters);
    add("growth/epochs", "growth_step", step.step, epochsPerStep.get(step.step) ?? 0);
    if (step.growth !== null) {
      add("growth/neurons added", "growth_step", step.step, step.growth.neurons ?? 0);
      add("growth/gamma", "growth_step", step.step, step.growth.gamma);
    }
    for (const [split, v] of Object.entries(record.losses ?? {})) add(`growth/${splitKey(split)} loss`, "growth_step", step.step, v);
    const graph = asGraph(record.graph);
    if (graph !== null) {
      files.set(`dags/${GROMOTION_DAG}/step_${String(step.step).padStart(4, "0")}.json`, exportDagParameters(graph));
      const entry = growthHistoryEntry(step, previous, applyDeltaOf(input.manifest));
      if (entry !== null) history[String(step.step)] = entry;
      previous = graph;
    }
  }
  const last = input.records[input.records.length - 1];
  const config = input.manifest?.config ?? {};
  const dataset = typeof (config as Record<string, unknown>).dataset === "string" ? (config as Record<string, string>).dataset : input.command === "teacher-student" || input.command === "compare" ? "teacher-student (synthetic)" : input.command;
  files.set("run.json", {
    run_id: input.runId,
    name: input.name,
    project: "tinygrow",
    created_at: typeof input.manifest?.startedAt === "string" ? input.manifest.startedAt : null,
    dataset,
    config,
    summary: { command: input.command, finished: timeline.finished, steps: timeline.steps.length === 0 ? 0 : timeline.steps[timeline.steps.length - 1].step, parameters: last?.parameters ?? null, losses: last?.losses ?? {}, accuracy: last?.accuracy ?? {} },
  });
  files.set("metrics.json", Object.fromEntries(metrics));
  files.set("metric_axes.json", axes);
  if (Object.keys(history).length > 0) files.set(`growth_history/${GROMOTION_DAG}.json`, history);
  return files;
}
