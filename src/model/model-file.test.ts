import { test } from "node:test";
import assert from "node:assert/strict";
import { DagModel } from "../dag/model.js";
import { modelToJson } from "../dag/serialize.js";
import { fitFeatureEncoding, encodeFeatures } from "../data/preprocess.js";
import type { ColumnSpec } from "../data/table.js";
import { portableKernels } from "../kernels/portable/index.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { modelFromDocument, modelFromText, modelToDocument, MODEL_FORMAT_VERSION } from "./model-file.js";
import { TabularModel } from "./tabular-model.js";

const columns: ColumnSpec[] = [
  { name: "x", kind: "numeric" },
  { name: "colour", kind: "categorical", categories: ["blue", "red"] },
];

function classifier(): TabularModel {
  // Raw rows (x, colour index): the training rows 0..3 fit the scaling.
  const values = Float32Array.from([1, 0, 3, 1, 5, 0, 7, 1, 1000, 0]);
  const enc = fitFeatureEncoding(columns, { values, stride: 2, rows: 5 }, Int32Array.from([0, 1, 2, 3]), "standardize", true);
  const net = DagModel.empty(3, 2);
  net.addNode("h1", 3, "tanh");
  const rng = new Rng(2);
  net.addEdge("in", "h1", { init: "lecun-normal", rng });
  net.addEdge("h1", "out", { init: "lecun-normal", rng });
  net.addEdge("in", "out", { init: "lecun-normal", rng });
  return new TabularModel({ task: "classification", features: enc, label: { column: "label", classes: ["no", "yes"] }, network: net }, portableKernels);
}

test("preprocessing is fitted on the training rows only: standardised numeric columns, one-hot left as 0/1", () => {
  const m = classifier();
  // Mean and std of x over rows 0..3 (1, 3, 5, 7), not row 4 (1000).
  assert.deepEqual(m.features.shift, [4, 0, 0]);
  assert.ok(Math.abs(m.features.scale[0] - 1 / Math.sqrt(5)) < 1e-12);
  assert.deepEqual(m.features.scale.slice(1), [1, 1]);
  assert.deepEqual(m.features.fill, [4, null]);
  const x = encodeFeatures(m.features, { values: Float32Array.from([3, 1, NaN, 0]), stride: 2, rows: 2 });
  assert.deepEqual(Array.from(x), [Math.fround(-1 / Math.sqrt(5)), 0, 1, 0, 1, 0]);
});

test("predict / predictProba on raw rows (arrays or objects) apply the stored preprocessing", () => {
  const m = classifier();
  const proba = m.predictProba([[3, "red"], { x: 5, colour: "blue" }, [null, "red"]]);
  assert.equal(proba.length, 3);
  for (const p of proba) assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-6);
  // The same rows through the network by hand.
  const enc = encodeFeatures(m.features, { values: Float32Array.from([3, 1, 5, 0, NaN, 1]), stride: 2, rows: 3 });
  const logits = m.network.forward(portableKernels, new Matrix(3, 3, enc));
  const labels = m.predict([[3, "red"], { x: 5, colour: "blue" }, [null, "red"]]);
  for (let i = 0; i < 3; i++) assert.equal(labels[i], logits.data[2 * i + 1] > logits.data[2 * i] ? "yes" : "no");
  assert.throws(() => m.predict([[1, "green"]]), /rows: row 1, column "colour" \(2\): category "green" that the training data never had \(known: "blue", "red"\)/);
  assert.throws(() => m.predict([[1]]), /row 1: 1 values, the model expects 2 features \(x, colour\)/);
  assert.throws(() => m.predict([{ x: 1 }]), /row 1: missing feature\(s\) colour \(the model expects x, colour\)/);
  assert.throws(() => m.predict([["abc", "red"]]), /row 1, column "x" \(1\): non-numeric value "abc"/);
});

test("model document round trip; a bare tinygrow-dag network reads as a regression model", () => {
  const m = classifier();
  const back = modelFromText(JSON.stringify(modelToDocument(m)), "m.json").useKernels(portableKernels);
  assert.deepEqual(back.predictProba([[2, "blue"]]), m.predictProba([[2, "blue"]]));
  const bare = modelFromDocument(modelToJson(m.network), "net.json");
  assert.equal(bare.task, "regression");
  assert.deepEqual(bare.featureNames, ["x0", "x1", "x2"]);
});

test("model files of another format, a newer version or with malformed fields are clear errors", () => {
  const doc = modelToDocument(classifier()) as unknown as Record<string, unknown>;
  assert.throws(() => modelFromText("{", "m.json"), /m.json: not a tinygrow model: not valid JSON/);
  assert.throws(() => modelFromDocument({ format: "keras" }, "m.json"), /m.json: not a tinygrow model: format is "keras", expected "tinygrow-model" \(or a "tinygrow-dag" network\)/);
  assert.throws(() => modelFromDocument({ ...doc, version: MODEL_FORMAT_VERSION + 1 }, "m.json"), /m.json: model format version 2 is newer than this tinygrow supports: this tinygrow reads version 1 \(upgrade tinygrow\)/);
  assert.throws(() => modelFromDocument({ ...doc, task: "clustering" }, "m.json"), /m.json: malformed model: task: /);
  const net = JSON.parse(JSON.stringify(doc.network)) as { edges: { weight: number[] }[] };
  net.edges[0].weight.pop();
  assert.throws(() => modelFromDocument({ ...doc, network: net }, "m.json"), /m.json: malformed model: edge "in" -> "h1": weight has 8 values, expected 3×3/);
  assert.throws(() => modelFromDocument({ ...doc, label: undefined }, "m.json"), /a classification model needs "label"/);
});
