/**
 * The DAG panel: the union of every step's graph, laid out once (by elkjs in the server, see
 * src/view/dag-layout.ts), so that nodes keep their place while the network grows; each step
 * then only changes what is drawn on that layout: nodes and edges not grown yet are faint,
 * the ones added at the step are green, widened nodes (and their edges) orange, and every
 * label shows the width and parameter count at that step. The summary line (nodes, edges,
 * parameters) comes from the step's graph alone and is shown before the layout arrives.
 */
import { layoutKey, type DagLayout } from "../../src/view/dag-layout.js";
import { edgeParameters, type LoggedGraph } from "../../src/view/run-log.js";
import { edgeId, type StepView } from "../../src/view/timeline.js";
import { el, svg } from "./dom.js";

export function createDagView(container: HTMLElement, summary: HTMLElement): { update(steps: readonly StepView[], union: LoggedGraph, index: number, layout: DagLayout | undefined): void } {
  let drawn = "";
  return {
    update(steps, union, index, layout) {
      const step = steps[index];
      if (step === undefined || step.graph === null) {
        container.replaceChildren(el("p", { class: "empty" }, steps.length === 0 ? "No growth step logged yet." : "This log has no per-step graph (written before tinygrow logged it)."));
        summary.textContent = "";
        drawn = "";
        return;
      }
      const g = step.graph;
      const hidden = g.nodes.filter((n) => n.kind === "hidden").length;
      const params = g.edges.reduce((s, e) => s + edgeParameters(g, e), 0);
      summary.textContent = `${g.nodes.length} nodes (${hidden} hidden), ${g.edges.length} edges, ${params.toLocaleString("en-US")} parameters`;
      summary.dataset.nodes = String(g.nodes.length);
      summary.dataset.hidden = String(hidden);
      summary.dataset.edges = String(g.edges.length);
      summary.dataset.params = String(params);
      if (layout === undefined || layout.key !== layoutKey(union)) {
        // The server is laying out a new structure: keep what is drawn until it arrives.
        if (drawn === "") container.replaceChildren(el("p", { class: "empty" }, "Laying out the network…"));
        return;
      }
      const key = `${layout.key}\u0000${JSON.stringify([step.graph, step.changes, step.growth?.bottleneckNode])}`;
      if (key === drawn) return;
      drawn = key;
      drawStep(container, layout, step, union);
    },
  };
}

function drawStep(container: HTMLElement, layout: DagLayout, step: StepView, union: LoggedGraph): void {
  const graph = step.graph as LoggedGraph;
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const edges = new Set(graph.edges.map((e) => edgeId(e.from, e.to)));
  const added = new Set([...step.changes.addedNodes, ...step.changes.addedEdges]);
  const widened = new Set(step.changes.widenedNodes);
  const bottleneck = step.growth?.bottleneckNode ?? null;
  const [W, H] = [layout.width, layout.height];
  const out = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": `network at step ${step.step}` });
  out.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#555" }))));
  for (const e of layout.edges) {
    const logged = union.edges.find((u) => edgeId(u.from, u.to) === e.id);
    const present = edges.has(e.id);
    const isWidened = logged !== undefined && (widened.has(logged.from) || widened.has(logged.to));
    const cls = ["edge", present ? "" : "absent", added.has(e.id) ? "added" : isWidened && present ? "widened" : ""].filter(Boolean).join(" ");
    const group = svg("g", { class: cls, "data-edge": e.id, "data-present": String(present) });
    const points = e.points;
    group.append(svg("polyline", { points: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" "), "marker-end": "url(#arrow)" }));
    if (present && logged !== undefined && points.length >= 2) {
      const at = midpoint(points);
      const edge = graph.edges.find((g) => edgeId(g.from, g.to) === e.id) ?? logged;
      const params = edgeParameters(graph, edge);
      if (edge.label !== undefined) group.append(svg("text", { x: at.x.toFixed(1), y: (at.y - 16).toFixed(1), "text-anchor": "middle", fill: "#555" }, edge.label));
      group.append(svg("text", { x: at.x.toFixed(1), y: (at.y - 4).toFixed(1), "text-anchor": "middle", fill: "#333" }, `${params.toLocaleString("en-US")} params`));
    }
    out.append(group);
  }
  for (const c of layout.nodes) {
    const n = nodes.get(c.id);
    const kind = n?.kind ?? union.nodes.find((u) => u.name === c.id)?.kind ?? "hidden";
    const cls = ["node", n === undefined ? "absent" : "", added.has(c.id) ? "added" : "", widened.has(c.id) ? "widened" : "", bottleneck === c.id ? "bottleneck" : ""].filter(Boolean).join(" ");
    const [x, y, w, h] = [c.x, c.y, c.width, c.height];
    const attrs: Record<string, string | number> = { class: cls, "data-node": c.id, "data-kind": kind, "data-present": String(n !== undefined) };
    if (n !== undefined) attrs["data-width"] = n.size;
    out.append(
      svg(
        "g",
        attrs,
        svg("rect", { x, y, width: w, height: h, rx: 6 }),
        svg("text", { x: x + w / 2, y: y + 18, "text-anchor": "middle", "font-weight": "bold" }, c.id),
        svg("text", { x: x + w / 2, y: y + 34, "text-anchor": "middle", fill: "#333" }, n === undefined ? "not grown yet" : `width ${n.size}${widened.has(c.id) ? " ↑" : ""}`),
      ),
    );
  }
  container.replaceChildren(out);
}

/** The point halfway along a polyline (by length). */
function midpoint(points: readonly { x: number; y: number }[]): { x: number; y: number } {
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i].x, p.y - points[i].y));
  let rest = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (rest <= lengths[i] && lengths[i] > 0) {
      const f = rest / lengths[i];
      return { x: points[i].x + f * (points[i + 1].x - points[i].x), y: points[i].y + f * (points[i + 1].y - points[i].y) };
    }
    rest -= lengths[i];
  }
  return points[points.length - 1];
}
