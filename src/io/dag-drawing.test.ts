import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphError } from "../errors.js";
import { drawDag, toDot, type DagDrawingInput } from "./dag-drawing.js";

// input → h1 → h2 → output, plus the skip edge input → h2 (the teacher's shape).
const dag: DagDrawingInput = {
  nodes: [
    { id: "in", label: "input", width: 20, kind: "input" },
    { id: "h1", width: 50, kind: "hidden" },
    { id: "h2", width: 50, kind: "hidden" },
    { id: "out", label: "output", width: 1, kind: "output" },
  ],
  edges: [
    { from: "in", to: "h1", params: 1050 },
    { from: "h1", to: "h2", params: 2550 },
    { from: "in", to: "h2", params: 1050 },
    { from: "h2", to: "out", params: 51 },
  ],
};

test("drawDag lays the DAG out left to right with labelled boxes and edges", async () => {
  const svg = await drawDag(dag, { title: "Teacher <4701 params>" });
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.match(svg, /Teacher &lt;4701 params&gt;/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 4);
  assert.equal((svg.match(/marker-end="url\(#arrow\)"/g) ?? []).length, 4);
  for (const text of ["input", "h1", "h2", "output", "width 20", "width 50", "width 1", "2,550 params", "51 params"]) assert.ok(svg.includes(`>${text}<`), text);
  // layered left to right: each box starts right of its predecessors
  const xs = new Map<string, number>();
  for (const m of svg.matchAll(/<rect x="([\d.]+)"[^>]*\/><text[^>]*>([^<]+)</g)) xs.set(m[2], Number(m[1]));
  assert.ok(xs.get("input")! < xs.get("h1")! && xs.get("h1")! < xs.get("h2")! && xs.get("h2")! < xs.get("output")!);
});

test("toDot writes a left-to-right digraph with widths and parameter counts", () => {
  const dot = toDot(dag);
  assert.match(dot, /^digraph tinygrow \{\n {2}rankdir=LR;/);
  assert.match(dot, /"in" \[label="input\\nwidth 20", fillcolor=/);
  assert.match(dot, /"in" -> "h2" \[label="1,050 params"\];/);
  assert.equal((dot.match(/->/g) ?? []).length, 4);
});

test("bad drawings are GraphErrors naming the node or edge", async () => {
  const unknown = { ...dag, edges: [...dag.edges, { from: "h1", to: "nowhere", params: 3 }] };
  assert.throws(() => toDot(unknown), (e: unknown) => e instanceof GraphError && /edge h1 → nowhere refers to unknown node "nowhere"/.test(e.message));
  await assert.rejects(drawDag({ ...dag, nodes: [...dag.nodes, dag.nodes[0]] }), /node "in" appears twice/);
  assert.throws(() => toDot({ ...dag, nodes: [{ id: "a", width: 1.5, kind: "hidden" }], edges: [] }), /node "a" has width 1.5/);
});
