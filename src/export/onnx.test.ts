/**
 * ONNX export checked in onnxruntime-node: the exported graph's outputs equal tinygrow's
 * forward (preprocessing included) within 1e-5 on random raw inputs, for every activation
 * and for DAGs with skip edges and multi-input nodes. When onnxruntime cannot be loaded the
 * runtime checks are skipped with the reason, and fail with TINYGROW_REQUIRE_ONNXRUNTIME=1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { DagModel } from "../dag/model.js";
import { encodedWidth, type FeatureEncoding } from "../data/preprocess.js";
import type { ColumnSpec } from "../data/table.js";
import { ACTIVATION_NAMES, type ActivationName } from "../kernels/kernels.js";
import { portableKernels } from "../kernels/portable/index.js";
import { softmaxRows, TabularModel } from "../model/tabular-model.js";
import { Rng } from "../tensor/rng.js";
import { exportOnnx, OnnxExportError } from "./onnx.js";

type Ort = typeof import("onnxruntime-node");
const required = process.env.TINYGROW_REQUIRE_ONNXRUNTIME === "1";
let ort: Ort | null = null;
let reason = "";
try {
  ort = createRequire(import.meta.url)("onnxruntime-node") as Ort;
} catch (err) {
  reason = `onnxruntime-node cannot be loaded: ${(err as Error).message.split("\n")[0]}`;
}
const skip = ort === null ? (required ? false : reason) : false;
if (ort === null) console.log(`# ${required ? "FAIL" : "skip"}: ${reason}`);

function randomFill(a: Float32Array, rng: Rng, scale = 0.5): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * scale;
}

/** in → h1 → h2 → out, skip edges in → out and h1 → out, h3 fed by in, h1 and h2 (a multi-input node). */
function dag(inputs: number, outputs: number, activation: ActivationName, rng: Rng): DagModel<Float32Array> {
  const m = DagModel.empty(inputs, outputs, { activation });
  m.addNode("h1", 5);
  m.addNode("h2", 4);
  m.addNode("h3", 3);
  for (const [f, t] of [["in", "h1"], ["h1", "h2"], ["in", "h3"], ["h1", "h3"], ["h2", "h3"], ["h3", "out"], ["in", "out"], ["h1", "out"]] as const) {
    const layer = m.addEdge(f, t, { init: "lecun-normal", rng });
    if (layer.bias !== null) randomFill(layer.bias, rng);
  }
  return m;
}

function numericEncoding(columns: ColumnSpec[], rng: Rng, fill = false): FeatureEncoding {
  const oneHot = columns.flatMap((c) => (c.kind === "categorical" ? c.categories.map(() => true) : [false]));
  assert.equal(oneHot.length, encodedWidth(columns));
  return {
    columns,
    fill: columns.map((c) => (fill && c.kind === "numeric" ? 0.25 : null)),
    scaling: "standardize",
    shift: oneHot.map((h) => (h ? 0 : rng.normal())),
    scale: oneHot.map((h) => (h ? 1 : 0.5 + rng.uniform())),
  };
}

async function runOnnx(bytes: Uint8Array, x: Float32Array, rows: number, cols: number): Promise<Record<string, Float32Array>> {
  const o = ort as Ort;
  const session = await o.InferenceSession.create(bytes);
  const out = await session.run({ input: new o.Tensor("float32", x, [rows, cols]) });
  const res: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
  return res;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string, tol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${what}: max relative difference ${worst} at index ${at} (onnx ${actual[at]}, tinygrow ${expected[at]})`);
}

const ROWS = 64;

for (const activation of ACTIVATION_NAMES) {
  for (const opset of activation === "gelu" ? [15, 20] : [15]) {
    test(`ONNX (opset ${opset}) = tinygrow forward within 1e-5: regression DAG with skip edges and a multi-input node, ${activation}`, { skip }, async () => {
      const rng = new Rng(7);
      const columns: ColumnSpec[] = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, kind: "numeric" as const }));
      const model = new TabularModel(
        { task: "regression", features: numericEncoding(columns, rng), targets: { columns: ["a", "b"], shift: [3, -1], scale: [0.5, 2] }, network: dag(6, 2, activation, rng) },
        portableKernels,
      );
      const x = new Float32Array(ROWS * 6);
      randomFill(x, rng, 2);
      const got = await runOnnx(exportOnnx(model, { opset }), x, ROWS, 6);
      assertClose(got.prediction, model.outputs(x, 6, ROWS), `${activation} prediction`);
    });
  }
}

test("ONNX classification with one-hot categories and mean-filled missing values: logits and softmax probabilities", { skip }, async () => {
  const rng = new Rng(3);
  const columns: ColumnSpec[] = [
    { name: "x", kind: "numeric" },
    { name: "colour", kind: "categorical", categories: ["blue", "green", "red"] },
    { name: "y", kind: "numeric" },
    { name: "z", kind: "numeric" },
    { name: "size", kind: "categorical", categories: ["L", "S"] },
  ];
  const enc = numericEncoding(columns, rng, true);
  const model = new TabularModel({ task: "classification", features: enc, label: { column: "label", classes: ["a", "b", "c"] }, network: dag(encodedWidth(columns), 3, "tanh", rng) }, portableKernels);
  const x = new Float32Array(ROWS * 5);
  for (let i = 0; i < ROWS; i++) {
    x[i * 5] = rng.normal();
    x[i * 5 + 1] = i % 3;
    x[i * 5 + 2] = i % 7 === 0 ? NaN : rng.normal();
    x[i * 5 + 3] = rng.normal();
    x[i * 5 + 4] = i % 2;
  }
  const got = await runOnnx(exportOnnx(model), x, ROWS, 5);
  const logits = model.outputs(x, 5, ROWS);
  assertClose(got.logits, logits, "logits");
  const p = Float32Array.from(logits);
  softmaxRows(p, 3);
  assertClose(got.probabilities, p, "probabilities");
});

test("ONNX of the empty graph (output 0) and of a linear model", { skip }, async () => {
  const columns: ColumnSpec[] = [{ name: "a", kind: "numeric" }, { name: "b", kind: "numeric" }];
  const enc: FeatureEncoding = { columns, fill: [null, null], scaling: "none", shift: [0, 0], scale: [1, 1] };
  const empty = new TabularModel({ task: "regression", features: enc, targets: { columns: ["y"], shift: [0], scale: [1] }, network: DagModel.empty(2, 1) });
  const x = Float32Array.from([1, 2, 3, 4]);
  assertClose((await runOnnx(exportOnnx(empty), x, 2, 2)).prediction, new Float32Array(2), "empty graph");
  const net = DagModel.empty(2, 1);
  net.addEdge("in", "out", { init: "lecun-normal", rng: new Rng(1) });
  const linear = new TabularModel({ task: "regression", features: enc, targets: { columns: ["y"], shift: [0], scale: [1] }, network: net });
  assertClose((await runOnnx(exportOnnx(linear), x, 2, 2)).prediction, linear.outputs(x, 2, 2), "linear");
});

test("ONNX export: an activation without an ONNX form and an unsupported opset are clear errors", () => {
  const rng = new Rng(1);
  const columns: ColumnSpec[] = [{ name: "a", kind: "numeric" }];
  const enc: FeatureEncoding = { columns, fill: [null], scaling: "none", shift: [0], scale: [1] };
  const net = DagModel.empty(1, 1);
  net.addNode("h1", 2, "relu");
  net.addEdge("in", "h1", { init: "lecun-normal", rng });
  net.addEdge("h1", "out", { init: "lecun-normal", rng });
  // An activation this exporter does not know (as a newer model file could hold).
  (net.graph.node("h1") as { activation: string }).activation = "swish";
  const model = new TabularModel({ task: "regression", features: enc, targets: { columns: ["y"], shift: [0], scale: [1] }, network: net });
  assert.throws(() => exportOnnx(model), (e: unknown) => e instanceof OnnxExportError && /activation "swish" has no ONNX form in opset 15 \(supported: identity, relu/.test((e as Error).message));
  assert.throws(() => exportOnnx(model, { opset: 11 }), /opset 11 is not supported \(choose 13–20\)/);
});
