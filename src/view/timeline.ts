/**
 * A run's log as a timeline: one entry per growth step (step 0 = the starting model) with
 * the graph after it and what changed, and the curves (every split's loss and accuracy)
 * against epoch, growth step and parameter count. Built from the records alone, the same way
 * in the page, the server and the exporters (no second model of the run).
 */
import { asGraph, graphParameters, type LogRecord, type LoggedGraph, type LoggedGrowth } from "./run-log.js";

export interface GraphChanges {
  addedNodes: string[];
  /** "from->to" keys. */
  addedEdges: string[];
  widenedNodes: string[];
}

export interface StepView {
  /** Growth steps done (0: the starting model). */
  step: number;
  /** Run epoch at which the step was taken. */
  epoch: number;
  action: string;
  parameters: number | null;
  /** The structure after the step; carried from the previous step when the record has none. */
  graph: LoggedGraph | null;
  changes: GraphChanges;
  growth: LoggedGrowth | null;
  /** Index of the step's record in the log. */
  record: number;
}

export type Metric = "loss" | "accuracy";
export type XAxis = "epoch" | "step" | "parameters";

/** One value of one split: where it was measured on each axis. */
export interface CurvePoint {
  split: string;
  metric: Metric;
  epoch: number;
  step: number;
  parameters: number;
  value: number;
}

export interface Timeline {
  steps: StepView[];
  points: CurvePoint[];
  /** A "done" record was written. */
  finished: boolean;
  /** The message of an "error" record, if any. */
  error: string | null;
  epochs: number;
}

export const edgeId = (from: string, to: string): string => `${from}->${to}`;

export function graphChanges(previous: LoggedGraph | null, current: LoggedGraph | null): GraphChanges {
  if (previous === null || current === null) return { addedNodes: [], addedEdges: [], widenedNodes: [] };
  const sizes = new Map(previous.nodes.map((n) => [n.name, n.size]));
  const edges = new Set(previous.edges.map((e) => edgeId(e.from, e.to)));
  return {
    addedNodes: current.nodes.filter((n) => !sizes.has(n.name)).map((n) => n.name),
    addedEdges: current.edges.map((e) => edgeId(e.from, e.to)).filter((id) => !edges.has(id)),
    widenedNodes: current.nodes.filter((n) => (sizes.get(n.name) ?? Infinity) < n.size).map((n) => n.name),
  };
}

const isStepRecord = (r: LogRecord): boolean => r.kind === "init" || r.kind === "growth" || (r.kind === undefined && r.growth !== undefined);

/** Builds the timeline of `records` (in log order). */
export function buildTimeline(records: readonly LogRecord[]): Timeline {
  const steps: StepView[] = [];
  const points: CurvePoint[] = [];
  let finished = false;
  let error: string | null = null;
  let epochs = 0;
  let lastGraph: LoggedGraph | null = null;
  records.forEach((r, index) => {
    if (r.kind === "done") finished = true;
    if (r.kind === "error") error = typeof r.message === "string" ? r.message : "the run logged an error";
    const step = typeof r.step === "number" ? r.step : steps.length > 0 ? steps[steps.length - 1].step : 0;
    const epoch = typeof r.epoch === "number" ? r.epoch : epochs;
    epochs = Math.max(epochs, epoch);
    const graph = asGraph(r.graph);
    const parameters = typeof r.parameters === "number" ? r.parameters : graph !== null ? graphParameters(graph) : null;
    if (isStepRecord(r) || (steps.length === 0 && graph !== null)) {
      const changes = r.kind === "init" ? graphChanges(null, graph) : graphChanges(lastGraph, graph);
      steps.push({ step, epoch, action: r.action ?? r.kind ?? "", parameters, graph: graph ?? lastGraph, changes, growth: r.growth ?? null, record: index });
      if (graph !== null) lastGraph = graph;
    }
    for (const [metric, values] of [["loss", r.losses], ["accuracy", r.accuracy]] as const) {
      if (typeof values !== "object" || values === null) continue;
      for (const [split, value] of Object.entries(values)) {
        if (typeof value === "number" && Number.isFinite(value)) points.push({ split, metric, epoch, step, parameters: parameters ?? NaN, value });
      }
    }
  });
  return { steps, points, finished, error, epochs };
}

/**
 * The points of the curves against `x`: every record against epoch; against growth step or
 * parameter count, each step's last value of each split (the end of its training).
 */
export function curve(points: readonly CurvePoint[], metric: Metric, x: XAxis): { split: string; x: number; value: number }[] {
  const chosen = points.filter((p) => p.metric === metric);
  if (x === "epoch") return chosen.map((p) => ({ split: p.split, x: p.epoch, value: p.value }));
  const last = new Map<string, CurvePoint>();
  for (const p of chosen) last.set(`${p.split}\u0000${p.step}`, p);
  return [...last.values()].filter((p) => x === "step" || Number.isFinite(p.parameters)).map((p) => ({ split: p.split, x: x === "step" ? p.step : p.parameters, value: p.value }));
}

/** The union of the graphs of every step: nodes and edges in order of first appearance, nodes at their largest width. */
export function unionGraph(steps: readonly StepView[]): LoggedGraph {
  const nodes = new Map<string, LoggedGraph["nodes"][number]>();
  const edges = new Map<string, LoggedGraph["edges"][number]>();
  for (const s of steps) {
    if (s.graph === null) continue;
    for (const n of s.graph.nodes) {
      const seen = nodes.get(n.name);
      if (seen === undefined || seen.size < n.size) nodes.set(n.name, { ...n });
    }
    for (const e of s.graph.edges) if (!edges.has(edgeId(e.from, e.to))) edges.set(edgeId(e.from, e.to), { ...e });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
