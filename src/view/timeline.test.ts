import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTimeline, curve, graphChanges, unionGraph } from "./timeline.js";
import { edgeParameters, graphParameters, parseLogText, type LoggedGraph, type LogRecord } from "./run-log.js";

const g0: LoggedGraph = { nodes: [{ name: "in", kind: "input", size: 3 }, { name: "out", kind: "output", size: 2 }], edges: [] };
const g1: LoggedGraph = { ...g0, edges: [{ from: "in", to: "out", bias: true }] };
const g2: LoggedGraph = { nodes: [...g0.nodes, { name: "h1", kind: "hidden", size: 4 }], edges: [...g1.edges, { from: "in", to: "h1", bias: true }, { from: "h1", to: "out", bias: false }] };
const g3: LoggedGraph = { nodes: [g0.nodes[0], g0.nodes[1], { name: "h1", kind: "hidden", size: 6 }], edges: g2.edges };

const records: LogRecord[] = [
  { kind: "init", step: 0, epoch: 0, action: "init", parameters: 0, losses: { test: 1 }, graph: g0 },
  { kind: "growth", step: 1, epoch: 0, action: "grow: edge in->out", parameters: 8, losses: { test: 0.5 }, graph: g1, growth: { chosen: "edge in->out" } },
  { kind: "epoch", step: 1, epoch: 1, action: "train", parameters: 8, losses: { train: 0.45, test: 0.4 } },
  { kind: "growth", step: 2, epoch: 1, action: "grow: node", parameters: 32, losses: { test: 0.3 }, graph: g2 },
  { kind: "epoch", step: 2, epoch: 2, action: "train", parameters: 32, losses: { train: 0.2, test: 0.25 }, accuracy: { test: 0.9 } },
  { kind: "growth", step: 3, epoch: 2, action: "grow: widen", parameters: 48, losses: { test: 0.2 }, graph: g3 },
  { kind: "done", step: 3, epoch: 2, action: "done", parameters: 48, losses: { test: 0.2 } },
];

test("parameter counts follow the edges: weights size_to × size_from, biases size_to", () => {
  assert.equal(edgeParameters(g2, g2.edges[0]), 2 * 3 + 2);
  assert.equal(edgeParameters(g2, g2.edges[2]), 2 * 4);
  assert.equal(graphParameters(g2), 8 + 16 + 8);
  assert.equal(graphParameters(g3), 8 + 24 + 12);
});

test("the timeline has one entry per growth step with the graph and what changed", () => {
  const t = buildTimeline(records);
  assert.deepEqual(t.steps.map((s) => s.step), [0, 1, 2, 3]);
  assert.equal(t.finished, true);
  assert.deepEqual(t.steps[1].changes, { addedNodes: [], addedEdges: ["in->out"], widenedNodes: [] });
  assert.deepEqual(t.steps[2].changes, { addedNodes: ["h1"], addedEdges: ["in->h1", "h1->out"], widenedNodes: [] });
  assert.deepEqual(t.steps[3].changes, { addedNodes: [], addedEdges: [], widenedNodes: ["h1"] });
  assert.deepEqual(t.steps[0].changes, { addedNodes: [], addedEdges: [], widenedNodes: [] });
  assert.equal(t.steps[1].growth?.chosen, "edge in->out");
});

test("the union graph holds every node at its largest width and every edge once", () => {
  const u = unionGraph(buildTimeline(records).steps);
  assert.deepEqual(u.nodes.map((n) => `${n.name}:${n.size}`), ["in:3", "out:2", "h1:6"]);
  assert.deepEqual(u.edges.map((e) => `${e.from}->${e.to}`), ["in->out", "in->h1", "h1->out"]);
});

test("curves: every record against epoch, each step's last value against step and parameters", () => {
  const t = buildTimeline(records);
  const byEpoch = curve(t.points, "loss", "epoch").filter((p) => p.split === "test");
  assert.equal(byEpoch.length, 7);
  const byStep = curve(t.points, "loss", "step").filter((p) => p.split === "test");
  assert.deepEqual(byStep.map((p) => [p.x, p.value]), [[0, 1], [1, 0.4], [2, 0.25], [3, 0.2]]);
  const byParams = curve(t.points, "loss", "parameters").filter((p) => p.split === "test");
  assert.deepEqual(byParams.map((p) => p.x), [0, 8, 32, 48]);
  assert.deepEqual(curve(t.points, "accuracy", "epoch").map((p) => p.value), [0.9]);
});

test("an error record marks the run failed; a log without graphs carries none", () => {
  const t = buildTimeline([{ kind: "init", step: 0, epoch: 0, losses: { test: 1 } }, { kind: "error", step: 0, epoch: 0, message: "NaN loss" }]);
  assert.equal(t.error, "NaN loss");
  assert.equal(t.finished, false);
  assert.equal(t.steps[0].graph, null);
});

test("graphChanges against nothing highlights nothing (the starting model is context, not growth)", () => {
  assert.deepEqual(graphChanges(null, g2), { addedNodes: [], addedEdges: [], widenedNodes: [] });
});

test("parseLogText keeps a torn last line apart and reports lines that are not objects", () => {
  const r = parseLogText('{"step":0}\n[1]\nnot json\n{"step":1}\n{"ste', 1);
  assert.deepEqual(r.records, [{ step: 0 }, { step: 1 }]);
  assert.equal(r.partial, '{"ste');
  assert.deepEqual(r.bad.map((b) => b.line), [2, 3]);
});
