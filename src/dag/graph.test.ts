import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphError } from "../errors.js";
import { DagGraph } from "./graph.js";
import { allCandidates, enumerateCandidates } from "./candidates.js";

function sample(): DagGraph {
  const g = new DagGraph("in", 3, "out", 2);
  g.addNode("a", 4, "selu");
  g.addNode("b", 5, "selu");
  g.addEdge("in", "a", true);
  g.addEdge("a", "b", true);
  g.addEdge("in", "b", true);
  g.addEdge("b", "out", true);
  return g;
}

test("topological order puts every node after its predecessors, deterministically", () => {
  const g = sample();
  const order = g.topologicalOrder();
  assert.deepEqual(order, ["in", "a", "b", "out"]);
  for (const e of g.edges) assert.ok(order.indexOf(e.from) < order.indexOf(e.to), `${e.from} before ${e.to}`);
  assert.deepEqual([...g.ancestors("b")].sort(), ["a", "b", "in"]);
  assert.deepEqual([...g.descendants(["a"])].sort(), ["a", "b", "out"]);
});

test("invalid graphs: cycle, unknown node, duplicate edge, width 0 — GraphError naming the nodes", () => {
  const g = sample();
  assert.throws(() => g.addEdge("b", "a", true), (e: unknown) => e instanceof GraphError && /"b" -> "a" would create a cycle/.test(e.message));
  assert.throws(() => g.addEdge("a", "a", true), (e: unknown) => e instanceof GraphError && /"a" -> "a"/.test(e.message));
  assert.throws(() => g.addEdge("a", "zzz", true), (e: unknown) => e instanceof GraphError && /unknown node "zzz"/.test(e.message));
  assert.throws(() => g.addEdge("in", "a", true), (e: unknown) => e instanceof GraphError && /"in" -> "a" already exists/.test(e.message));
  assert.throws(() => g.addNode("c", 0, "selu"), (e: unknown) => e instanceof GraphError && /node "c": width must be a positive integer, got 0/.test(e.message));
  assert.throws(() => new DagGraph("in", 0, "out", 1), /node "in": width/);
  assert.throws(() => g.addEdge("out", "a", true), /output node "out" cannot have outgoing edges/);
  assert.throws(() => g.addEdge("a", "in", true), /input node "in" cannot have incoming edges/);
});

test("candidate enumeration: whole space vs restricted to the largest bottleneck", () => {
  const g = sample();
  // Sources (not out): in, a, b. Sinks (not in): a, b, out.
  // New edges: in->out, a->out (in->a, in->b, a->b, b->out exist; b->a cycles).
  // New nodes u->w->v (v not an ancestor of u, no x with u->x->v):
  //   in->a ok; in->b: in->a->b exists → no; in->out: in->b->out exists → no;
  //   a->b ok; a->out: a->b->out exists → no; b->out ok.
  // Widen: a, b.
  const all = allCandidates(g, 3);
  const kinds = (k: string): number => all.filter((c) => c.kind === k).length;
  assert.equal(kinds("new-edge"), 2);
  assert.equal(kinds("new-node"), 3);
  assert.equal(kinds("widen"), 2);
  assert.deepEqual(enumerateCandidates(g, "whole", null, 3), all);
  // v* = b: edges/nodes into b (node a->b), widen b and its hidden predecessor a.
  const restricted = enumerateCandidates(g, "restricted", new Map([["a", 1], ["b", 5], ["out", 2]]), 3);
  assert.deepEqual(restricted.map((c) => (c.kind === "widen" ? `widen ${c.node}` : `${c.kind} ${c.from}->${c.to}`)), ["new-node a->b", "widen a", "widen b"]);
  const toOut = enumerateCandidates(g, "bic", new Map([["a", 1], ["b", 1], ["out", 2]]), 3);
  assert.deepEqual(toOut.map((c) => (c.kind === "widen" ? `widen ${c.node}` : `${c.kind} ${c.from}->${c.to}`)), ["new-edge in->out", "new-edge a->out", "new-node b->out", "widen b"]);
  assert.throws(() => allCandidates(g, 0), /neurons per step must be a positive integer, got 0/);
});

test("the empty graph has one edge and one node candidate", () => {
  const g = new DagGraph("in", 3, "out", 1);
  assert.deepEqual(allCandidates(g, 2), [
    { kind: "new-edge", from: "in", to: "out" },
    { kind: "new-node", from: "in", to: "out", neurons: 2 },
  ]);
});
