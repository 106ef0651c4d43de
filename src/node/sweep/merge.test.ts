import assert from "node:assert/strict";
import { test } from "node:test";
import { paretoFront, plotLabel } from "./merge.js";

test("sweep plot labels: a config file shows as its name, other values as given", () => {
  assert.equal(plotLabel({ config: "/work/runs/mnist-alpha/penalized-1e-5.json", seed: 2 }), "config=penalized-1e-5 seed=2");
  assert.equal(plotLabel({ strategy: "whole", lr: 0.01 }), "strategy=whole lr=0.01");
  assert.equal(plotLabel({ configs: ["a/b.json", "c/d.v2.json"] }), "configs=b,d.v2");
  assert.equal(plotLabel({}), "(all)");
});

test("paretoFront: the points no other beats on both axes, by x", () => {
  const pts = [{ x: 10, y: 0.5 }, { x: 5, y: 0.6 }, { x: 20, y: 0.4 }, { x: 12, y: 0.55 }];
  assert.deepEqual(paretoFront(pts, "lower"), [1, 0, 2]);
  assert.deepEqual(paretoFront(pts, "higher"), [1]);
});
