/**
 * What the viewer and the exports read from a run's JSON-lines log (docs/run-log.md). The
 * reader is tolerant: every field is optional, unknown fields and record kinds are ignored,
 * so that the logs of every command (and of older and other versions) open. Platform-free:
 * the web page, the server and the exporters share it.
 */

/** A node of a logged graph (dag/serialize.ts `graphToJson`). */
export interface LoggedNode {
  name: string;
  kind: "input" | "output" | "hidden";
  size: number;
  activation?: string;
  /** A convolutional node's feature-map [height, width] (grow-cnn's chain). */
  shape?: [number, number];
}

export interface LoggedEdge {
  from: string;
  to: string;
  bias: boolean;
  /** The edge's own parameter count when it is not size_to × size_from (+ size_to biases), e.g. a convolution. */
  params?: number;
  /** What the edge is, when not a fully connected layer ("conv 5×5 + pool", "flatten → linear"). */
  label?: string;
  /** A convolution's [k_h, k_w] (grow-cnn's chain); absent on fully connected edges. */
  kernel?: [number, number];
}

export interface LoggedGraph {
  nodes: LoggedNode[];
  edges: LoggedEdge[];
}

/** One candidate of a growth step (experiments/growth-run.ts `growthSummary`). */
export interface LoggedCandidate {
  description: string;
  neurons?: number;
  gamma?: number | null;
  lossLs?: number | null;
  lossGr?: number | null;
  bic?: number | null;
  /** The value the criterion minimises (lower is better). */
  score?: number | null;
  params?: number;
  addedParams?: number;
  chosen?: boolean;
  skipped?: string | null;
}

export interface LoggedGrowth {
  outcome?: string;
  chosen?: string | null;
  chosenIndex?: number | null;
  criterion?: string;
  newNode?: string | null;
  bottleneckNode?: string | null;
  gamma?: number | null;
  neurons?: number;
  paramsBefore?: number;
  paramsAfter?: number;
  bottlenecks?: Record<string, number>;
  bottleneckScores?: Record<string, number>;
  candidates?: LoggedCandidate[];
}

/** A log record as the viewer reads it. */
export interface LogRecord {
  kind?: string;
  step?: number;
  epoch?: number;
  stepEpoch?: number;
  action?: string;
  parameters?: number;
  losses?: Record<string, number | null>;
  accuracy?: Record<string, number | null>;
  growth?: LoggedGrowth;
  graph?: LoggedGraph;
  message?: string;
  [field: string]: unknown;
}

/** Parameters of the edge from → to: its logged `params`, else size_to × size_from weights plus size_to biases. */
export function edgeParameters(graph: LoggedGraph, edge: LoggedEdge): number {
  if (typeof edge.params === "number") return edge.params;
  const size = (name: string): number => graph.nodes.find((n) => n.name === name)?.size ?? 0;
  return size(edge.to) * size(edge.from) + (edge.bias ? size(edge.to) : 0);
}

export function graphParameters(graph: LoggedGraph): number {
  return graph.edges.reduce((sum, e) => sum + edgeParameters(graph, e), 0);
}

/** A logged graph, or null when `value` is not one (older logs have none). */
export function asGraph(value: unknown): LoggedGraph | null {
  if (typeof value !== "object" || value === null) return null;
  const g = value as Partial<LoggedGraph>;
  if (!Array.isArray(g.nodes) || !Array.isArray(g.edges)) return null;
  const nodes = g.nodes.filter((n): n is LoggedNode => typeof n?.name === "string" && typeof n.size === "number");
  const edges = g.edges.filter((e): e is LoggedEdge => typeof e?.from === "string" && typeof e.to === "string");
  return { nodes: nodes.map((n) => ({ ...n, kind: n.kind ?? "hidden" })), edges: edges.map((e) => ({ ...e, bias: e.bias !== false })) };
}

/**
 * Splits JSON-lines text into records. Lines that do not parse are reported, not thrown; a
 * last line without its newline is returned as `partial` (the record being written, or the
 * tail of an interrupted run).
 */
export function parseLogText(text: string, firstLine = 1): { records: LogRecord[]; partial: string; bad: { line: number; error: string }[] } {
  const records: LogRecord[] = [];
  const bad: { line: number; error: string }[] = [];
  const lines = text.split("\n");
  const partial = lines.pop() ?? "";
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value === "object" && value !== null && !Array.isArray(value)) records.push(value as LogRecord);
      else bad.push({ line: firstLine + i, error: "not a JSON object" });
    } catch (err) {
      bad.push({ line: firstLine + i, error: (err as Error).message });
    }
  });
  return { records, partial, bad };
}
