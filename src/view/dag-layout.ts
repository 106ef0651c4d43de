/**
 * The viewer's DAG layout: the union of every step's graph laid out once by elkjs (layered,
 * left to right), so that nodes keep their place while the network grows. This file is the
 * platform-free half: the ELK input for a graph and the plain positions the page draws from.
 * `tinygrow view`'s server runs ELK (src/node/view/dag-layouts.ts, in a worker thread) and
 * sends the page the result, so the page never waits for ELK's start (~1–2 s of GWT
 * initialisation on a loaded machine).
 */
import type { ElkNode } from "elkjs/lib/elk-api.js";
import type { LoggedGraph } from "./run-log.js";
import { edgeId } from "./timeline.js";

export interface NodeBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EdgePath {
  /** "from->to" (timeline.ts `edgeId`). */
  id: string;
  /** The polyline from the source's border to the target's. */
  points: { x: number; y: number }[];
}

export interface DagLayout {
  /** `layoutKey` of the graph laid out. */
  key: string;
  width: number;
  height: number;
  nodes: NodeBox[];
  edges: EdgePath[];
}

export const NODE_HEIGHT = 46;

/** What the layout depends on: node names (box widths follow the name) and edges, not node sizes. */
export function layoutKey(graph: LoggedGraph): string {
  return JSON.stringify([graph.nodes.map((n) => n.name), graph.edges.map((e) => edgeId(e.from, e.to))]);
}

/** The ELK graph of `graph`: one box per node, sized to fit its name and "width N" line. */
export function elkInput(graph: LoggedGraph): ElkNode {
  return {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "POLYLINE",
      // Room for a second label line on edges that say what they are (a CNN's "conv 3×3 + pool").
      "elk.layered.spacing.nodeNodeBetweenLayers": graph.edges.some((e) => e.label !== undefined) ? "130" : "80",
      "elk.spacing.nodeNode": "36",
      // Thoroughness 1 and edge labels placed by the page (at the middle of each edge) instead of
      // by ELK: a 21-node MNIST DAG lays out in ~0.3 s instead of ~0.9 s on a loaded machine.
      "elk.layered.thoroughness": "1",
      "elk.padding": "[top=16,left=16,bottom=16,right=16]",
    },
    children: graph.nodes.map((n) => ({ id: n.name, width: Math.max(n.name.length, 11) * 7 + 24, height: NODE_HEIGHT })),
    edges: graph.edges.map((e) => ({ id: edgeId(e.from, e.to), sources: [e.from], targets: [e.to] })),
  };
}

/** ELK's answer as plain positions (what the server sends the page). */
export function fromElk(key: string, root: ElkNode): DagLayout {
  return {
    key,
    width: Math.ceil(root.width ?? 0),
    height: Math.ceil(root.height ?? 0),
    nodes: (root.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 })),
    edges: (root.edges ?? []).map((e) => ({
      id: e.id,
      points: (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]).map((p) => ({ x: p.x, y: p.y })),
    })),
  };
}
