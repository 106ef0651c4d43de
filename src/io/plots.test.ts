import { test } from "node:test";
import assert from "node:assert/strict";
import { DataError } from "../errors.js";
import { accuracyCurvePlot, accuracyVsParamsPlot, energyLossPlot, lossCurvePlot, parameterBarPlot } from "./plots.js";
import { lossCurveSpec } from "./plot-specs.js";

function assertSvg(svg: string, texts: string[]): void {
  assert.ok(svg.startsWith("<svg"), svg.slice(0, 40));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  for (const t of texts) assert.ok(svg.includes(t), `missing text "${t}"`);
}

test("Fig. 5a: loss curves with a std band and growth rules", async () => {
  const x = [0, 10, 20, 30];
  const svg = await lossCurvePlot({
    series: [
      { name: "whole search space", x, mean: [1, 0.5, 0.2, 0.1], std: [0.1, 0.1, 0.05, 0.02] },
      { name: "BIC + restricted", x, mean: [1, 0.6, 0.3, 0.2] },
    ],
    growthEpochs: [10, 20],
  });
  assertSvg(svg, ["Test loss against epochs", "whole search space", "BIC + restricted", "test loss (MSE)", "epoch"]);
});

test("the ±std band layer is drawn only where some series has a spread", () => {
  const x = [0, 10];
  const marks = (std?: number[]): string[] => {
    const spec = lossCurveSpec({ series: [{ name: "a", x, mean: [1, 0.5], std }, { name: "b", x, mean: [1, 0.6] }] }) as { layer: { mark: { type: string } }[] };
    return spec.layer.map((l) => l.mark.type);
  };
  assert.deepEqual(marks([0.1, 0]), ["area", "line"]);
  assert.deepEqual(marks([0, 0]), ["line"]);
  assert.deepEqual(marks(undefined), ["line"]);
});

test("Fig. 5b: energy against loss with the oracle", async () => {
  const svg = await energyLossPlot({
    series: [{ name: "restricted", loss: [1, 0.5, 0.1], energyWh: [0.5, 1, 2] }],
    oracle: { loss: [1, 0.3, 0.05], energyWh: [0.2, 0.5, 1] },
  });
  assertSvg(svg, ["Cumulative energy against test loss", "restricted", "oracle (teacher architecture)", "cumulative energy (Wh)"]);
});

test("parameter bars, MNIST accuracy curves and accuracy against parameters", async () => {
  assertSvg(await parameterBarPlot({ bars: [{ name: "greedy", mean: 1454, std: 100 }, { name: "BIC", mean: 723, std: 50 }] }), [
    "Final parameter count per strategy",
    "greedy",
    "parameters (count)",
  ]);
  const epochs = [0, 500, 1000];
  const acc = await accuracyCurvePlot({
    epochs,
    growthEpochs: [500],
    series: [
      { name: "inter-train", accuracy: [0.9, 0.95, 0.99] },
      { name: "train-gr", accuracy: [0.88, 0.93, 0.96] },
      { name: "test", accuracy: [0.87, 0.92, 0.96] },
    ],
  });
  assertSvg(acc, ["MNIST accuracy during growth", "inter-train", "train-gr", "accuracy (%)"]);
  const p = await accuracyVsParamsPlot({
    grown: { parameters: [7850, 16000, 24000], accuracy: [0.91, 0.94, 0.96] },
    baselines: [{ name: "MLP 300 (ours)", parameters: 238510, accuracy: 0.975 }],
    references: [{ label: "2-layer NN, 300 HU", parameters: 238510, accuracy: 0.953 }],
  });
  assertSvg(p, ["MNIST test accuracy against parameter count", "grown network (this run)", "MLP 300 (ours)", "2-layer NN, 300 HU", "log scale"]);
});

test("empty or non-finite series are DataErrors naming the plot, series and index", async () => {
  assert.throws(
    () => lossCurvePlot({ series: [{ name: "greedy", x: [0, 1], mean: [1, NaN] }] }),
    (e: unknown) => e instanceof DataError && /plot "Test loss against epochs.*": series "greedy": mean\[1\] is NaN, expected a finite number/.test(e.message),
  );
  assert.throws(() => lossCurvePlot({ series: [{ name: "greedy", x: [], mean: [] }] }), /series "greedy": x is empty/);
  assert.throws(() => lossCurvePlot({ series: [] }), /no series to draw/);
  assert.throws(() => lossCurvePlot({ series: [{ name: "g", x: [0, 1], mean: [1, 0] }] }), /mean\[1\] is 0, expected > 0 on a log axis/);
  assert.throws(() => energyLossPlot({ series: [{ name: "a", loss: [1, 2], energyWh: [1] }], oracle: { loss: [1], energyWh: [1] } }), /energyWh has 1 values, expected 2/);
  assert.throws(() => accuracyCurvePlot({ epochs: [0], series: [{ name: "test", accuracy: [96] }] }), /accuracy\[0\] is 96, expected a fraction in \[0, 1\]/);
  assert.throws(() => parameterBarPlot({ bars: [{ name: "a", mean: 1 }, { name: "a", mean: 2 }] }), /series "a" appears twice/);
});

