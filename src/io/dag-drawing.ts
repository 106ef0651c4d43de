/**
 * Drawings of a grown DAG: an SVG laid out left to right in layers by elkjs (the Eclipse
 * Layout Kernel's "layered" algorithm), and Graphviz DOT text for `dot -Tsvg` where Graphviz
 * is installed. Nodes are hidden states (boxes showing their width); edges are fully
 * connected layers labelled with their parameter count.
 */
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { DagModel } from "../dag/model.js";
import { GraphError } from "../errors.js";

type ElkCtor = new () => { layout(graph: ElkNode): Promise<ElkNode> };

/**
 * elkjs, loaded on the first drawing (its bundle is large: loading it with this module cost
 * every command that imports the module but never draws). elkjs is CommonJS: depending on the
 * loader's interop (Node's ESM loader, a bundler) the constructor is the module's `default`
 * or the module itself.
 */
async function loadElk(): Promise<ElkCtor> {
  const elkModule: unknown = await import("elkjs/lib/elk.bundled.js");
  return ((elkModule as { default?: ElkCtor }).default ?? elkModule) as ElkCtor;
}

export interface DagDrawingNode {
  id: string;
  /** Text in the box; defaults to the id. */
  label?: string;
  /** Number of neurons in this hidden state. */
  width: number;
  kind: "input" | "hidden" | "output";
}

export interface DagDrawingEdge {
  from: string;
  to: string;
  /** Parameter count of the layer (weights + biases). */
  params: number;
}

export interface DagDrawingInput {
  nodes: DagDrawingNode[];
  edges: DagDrawingEdge[];
}

const FILL: Record<DagDrawingNode["kind"], string> = { input: "#dbe9f6", hidden: "#f3f3f3", output: "#fde3c8" };
const STROKE: Record<DagDrawingNode["kind"], string> = { input: "#4c78a8", hidden: "#666666", output: "#e07b16" };
const CHAR_W = 7; // approximate width of one 12px sans-serif character
const FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

/** The drawing input of a DAG: nodes with their widths, edges with their parameter counts. */
export function dagDrawingInput(model: DagModel<Float32Array>): DagDrawingInput {
  return {
    nodes: model.graph.nodes.map((n) => ({ id: n.name, width: n.size, kind: n.kind })),
    edges: model.edgeLayers().map(({ edge, layer }) => ({ from: edge.from, to: edge.to, params: layer.weight.data.length + (layer.bias?.length ?? 0) })),
  };
}

/** Checks ids, references and counts; throws GraphError naming the offending node or edge. */
export function checkDagDrawing(input: DagDrawingInput): void {
  const ids = new Set<string>();
  for (const n of input.nodes) {
    if (ids.has(n.id)) throw new GraphError(`dag drawing: node "${n.id}" appears twice`);
    if (!Number.isInteger(n.width) || n.width < 0) throw new GraphError(`dag drawing: node "${n.id}" has width ${n.width}, expected a non-negative integer`);
    ids.add(n.id);
  }
  for (const e of input.edges) {
    for (const end of [e.from, e.to]) if (!ids.has(end)) throw new GraphError(`dag drawing: edge ${e.from} → ${e.to} refers to unknown node "${end}"`);
    if (!Number.isInteger(e.params) || e.params < 0) throw new GraphError(`dag drawing: edge ${e.from} → ${e.to} has ${e.params} parameters, expected a non-negative integer`);
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function nodeLines(n: DagDrawingNode): [string, string] {
  return [n.label ?? n.id, `width ${n.width}`];
}

function paramsText(params: number): string {
  return `${params.toLocaleString("en-US")} params`;
}

/** Lays the DAG out left to right with elkjs and draws it as an SVG string. */
export async function drawDag(input: DagDrawingInput, options: { title?: string } = {}): Promise<string> {
  checkDagDrawing(input);
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "POLYLINE",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "40",
      "elk.spacing.edgeLabel": "4",
      "elk.edgeLabels.inline": "false",
      "elk.padding": "[top=20,left=20,bottom=20,right=20]",
    },
    children: input.nodes.map((n) => {
      const [a, b] = nodeLines(n);
      return { id: n.id, width: Math.max(a.length, b.length) * CHAR_W + 24, height: 44 };
    }),
    edges: input.edges.map((e, i): ElkExtendedEdge => {
      const text = paramsText(e.params);
      return { id: `e${i}`, sources: [e.from], targets: [e.to], labels: [{ text, width: text.length * 6 + 6, height: 14 }] };
    }),
  };
  const ELK = await loadElk();
  const laid = await new ELK().layout(graph);
  const titleH = options.title ? 28 : 0;
  const W = Math.ceil(Math.max(laid.width ?? 0, options.title ? options.title.length * 9 + 40 : 0));
  const H = Math.ceil(laid.height ?? 0) + titleH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (options.title) parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${escapeXml(options.title)}</text>`);
  parts.push(`<g transform="translate(0,${titleH})">`);
  for (const e of laid.edges ?? []) {
    for (const sec of e.sections ?? []) {
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint].map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
      parts.push(`<polyline points="${pts}" fill="none" stroke="#444" stroke-width="1.3" marker-end="url(#arrow)"/>`);
    }
    for (const l of e.labels ?? []) {
      const x = (l.x ?? 0) + (l.width ?? 0) / 2;
      const y = (l.y ?? 0) + (l.height ?? 0) / 2 + 4;
      parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="middle" font-size="10" fill="#333" ${FONT}>${escapeXml(l.text ?? "")}</text>`);
    }
  }
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  for (const c of laid.children ?? []) {
    const n = byId.get(c.id)!;
    const [x, y, w, h] = [c.x ?? 0, c.y ?? 0, c.width ?? 0, c.height ?? 0];
    const [a, b] = nodeLines(n);
    parts.push(
      `<g><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${FILL[n.kind]}" stroke="${STROKE[n.kind]}" stroke-width="1.5"/>` +
        `<text x="${x + w / 2}" y="${y + 18}" text-anchor="middle" font-size="12" font-weight="bold" ${FONT}>${escapeXml(a)}</text>` +
        `<text x="${x + w / 2}" y="${y + 34}" text-anchor="middle" font-size="11" fill="#333" ${FONT}>${escapeXml(b)}</text></g>`,
    );
  }
  parts.push("</g></svg>");
  return parts.join("\n") + "\n";
}

/** A quoted DOT string; several lines are joined with DOT's "\\n" line break. */
function dotId(...lines: string[]): string {
  return `"${lines.map((s) => s.replace(/["\\]/g, (c) => "\\" + c)).join("\\n")}"`;
}

/** The DAG as Graphviz DOT text (left to right, same labels and colours as drawDag). */
export function toDot(input: DagDrawingInput, options: { title?: string } = {}): string {
  checkDagDrawing(input);
  const lines = ["digraph tinygrow {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  if (options.title) lines.push(`  label=${dotId(options.title)}; labelloc=t;`);
  for (const n of input.nodes) {
    const [a, b] = nodeLines(n);
    lines.push(`  ${dotId(n.id)} [label=${dotId(a, b)}, fillcolor="${FILL[n.kind]}", color="${STROKE[n.kind]}"];`);
  }
  for (const e of input.edges) lines.push(`  ${dotId(e.from)} -> ${dotId(e.to)} [label=${dotId(paramsText(e.params))}];`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
