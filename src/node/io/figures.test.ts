import { test } from "node:test";
import assert from "node:assert/strict";
import { DataError, GraphError } from "../../errors.js";
import { accuracyCurvePlot, drawDag, figuresDrawnOnWorker, lossCurvePlot, startFigureWorker, stopFigureWorker } from "./figures.js";

const series = [{ name: "train-gr", x: [0, 10, 20], mean: [1, 0.5, 0.25] }];
const accuracy = { epochs: [0, 10, 20], series: [{ name: "test", accuracy: [0.5, 0.8, 0.9] }], growthEpochs: [10] };
const dag = {
  nodes: [{ id: "in", width: 13, kind: "input" as const }, { id: "h", width: 10, kind: "hidden" as const }, { id: "out", width: 3, kind: "output" as const }],
  edges: [{ from: "in", to: "h", params: 140 }, { from: "h", to: "out", params: 33 }, { from: "in", to: "out", params: 42 }],
};
const all = (): Promise<string[]> => Promise.all([lossCurvePlot({ series, title: "loss" }), accuracyCurvePlot(accuracy), drawDag(dag, { title: "grown" })]);

test("figures drawn on the worker thread are the SVGs drawn in this thread; bad input still throws typed errors here", async () => {
  const here = await all();
  startFigureWorker();
  try {
    const before = figuresDrawnOnWorker();
    const there = await all();
    assert.equal(figuresDrawnOnWorker() - before, 3, "the worker drew all three (not the silent fallback)");
    assert.deepEqual(there, here);
    assert.throws(() => lossCurvePlot({ series: [{ name: "g", x: [0, 1], mean: [1, NaN] }] }), DataError);
    assert.throws(() => drawDag({ nodes: dag.nodes, edges: [{ from: "in", to: "nowhere", params: 1 }] }), GraphError);
  } finally {
    await stopFigureWorker();
  }
  assert.deepEqual(await all(), here, "stopped: drawn in this thread again");
});
