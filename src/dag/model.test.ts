import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelsUnderTest } from "../node/under-test.js";
import { assertGradcheck, gradcheck } from "../nn/gradcheck.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { DagModel } from "./model.js";
import { modelFromJson, modelToJson } from "./serialize.js";
import { computeNodeStatistics } from "./statistics.js";

const kernels = kernelsUnderTest();

/** in(3) -> a(4) -> b(3) -> out(2), skip in -> b (b has two in-edges), skip a -> out. */
function skipModel64(rng: Rng): DagModel<Float64Array> {
  const m = DagModel.empty64(3, 2);
  m.addNode("a", 4);
  m.addNode("b", 3, "tanh");
  for (const [u, v] of [["in", "a"], ["a", "b"], ["in", "b"], ["b", "out"], ["a", "out"]]) {
    const l = m.addEdge(u, v, { init: "lecun-normal", rng });
    if (l.bias) rng.fillNormal(l.bias, 0, 0.3);
  }
  return m;
}

test("DAG backward matches central differences in float64 (skip edge, node with two in-edges)", () => {
  const rng = new Rng(11);
  const m = skipModel64(rng);
  const x = new Matrix(5, 3, new Float64Array(15));
  rng.fillNormal(x.data);
  const w = new Matrix(5, 2, new Float64Array(10));
  rng.fillNormal(w.data);
  // f = Σ out ⊙ w, so dF/dout = w.
  const f = (): number => {
    const out = m.forwardAll(kernels, x).z.get("out") as Matrix<Float64Array>;
    let s = 0;
    for (let i = 0; i < out.data.length; i++) s += out.data[i] * w.data[i];
    return s;
  };
  m.forward(kernels, x);
  m.backward(kernels, w);
  for (const p of m.params()) assertGradcheck(gradcheck(f, p.value, p.grad, { eps: 1e-6, atol: 1e-7, rtol: 1e-6 }), p.name);
});

test("the empty graph outputs zeros; its output bottleneck is the raw gradient", () => {
  const m = DagModel.empty(3, 2);
  const x = new Matrix(4, 3, Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5));
  assert.deepEqual(Array.from(m.forward(kernels, x).data), new Array(8).fill(0));
  const y = new Matrix(4, 2, Float32Array.from([1, -2, 0.5, 3, -1, 2, 0.25, -0.5]));
  const stats = computeNodeStatistics(m, { x, y }, "mse", kernels);
  const out = stats.nodes.get("out");
  assert.ok(out !== undefined);
  assert.equal(out.columns.length, 0);
  // G = 2(0 − y): (1/n)‖G‖² = 4 Σ y² / n, and V = G.
  let sy = 0;
  for (const v of y.data) sy += v * v;
  assert.ok(Math.abs(out.bottleneckMeanSq - (4 * sy) / 4) < 1e-9);
  assert.ok(Math.abs(out.bottleneck - Math.sqrt(4 * sy)) < 1e-9);
  // Once an edge exists it trains: the output is no longer identically zero after one step.
  m.addEdge("in", "out", { init: "lecun-normal", rng: new Rng(1) });
  assert.ok(m.forward(kernels, x).data.some((v) => v !== 0));
});

test("the joint δW* of a node with two in-edges recovers a linear teacher exactly", () => {
  const rng = new Rng(5);
  const m = DagModel.empty64(3, 2);
  m.addNode("h", 4);
  m.addEdge("in", "h", { init: "lecun-normal", rng });
  m.addEdge("in", "out", { init: "lecun-normal", rng });
  m.addEdge("h", "out", { init: "lecun-normal", rng });
  const n = 64;
  const x = new Matrix(n, 3, new Float64Array(n * 3));
  rng.fillNormal(x.data);
  const acts = m.forwardAll(kernels, x);
  // Targets y = z − ½ 𝓑 Dᵀ with 𝓑 = [x | a_h | 1]: then G = 2(z − y) = 𝓑 Dᵀ and δW* = D.
  const D = new Matrix(2, 8, new Float64Array(16));
  rng.fillNormal(D.data);
  const z = acts.z.get("out") as Matrix<Float64Array>;
  const ah = acts.a.get("h") as Matrix<Float64Array>;
  const y = z.clone();
  for (let i = 0; i < n; i++) {
    const b = [...x.data.subarray(i * 3, i * 3 + 3), ...ah.data.subarray(i * 4, i * 4 + 4), 1];
    for (let o = 0; o < 2; o++) y.data[i * 2 + o] -= 0.5 * b.reduce((s, v, j) => s + v * D.data[o * 8 + j], 0);
  }
  const out = computeNodeStatistics(m, { x, y }, "mse", kernels, { batchSize: 10 }).nodes.get("out");
  assert.ok(out !== undefined);
  assert.equal(out.withOnes, true);
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(out.delta.deltaRaw.data[i] - D.data[i]) < 1e-8, `δW[${i}]`);
  assert.ok(out.bottleneckMeanSq < 1e-12 * out.gradientMeanSq + 1e-12);
});

test("JSON round trip keeps structure and weights exactly", () => {
  const rng = new Rng(2);
  const m = DagModel.empty(3, 2);
  m.addNode("h1", 4, "tanh");
  m.addEdge("in", "h1", { init: "lecun-normal", rng });
  m.addEdge("h1", "out", { bias: false, init: "lecun-normal", rng });
  m.addEdge("in", "out", { init: "lecun-normal", rng });
  const back = modelFromJson(JSON.parse(JSON.stringify(modelToJson(m))));
  assert.deepEqual(modelToJson(back), modelToJson(m));
  const x = new Matrix(2, 3, Float32Array.from([1, 2, 3, -1, 0.5, 0]));
  assert.deepEqual(Array.from(back.forward(kernels, x).data), Array.from(m.forward(kernels, x).data));
  assert.throws(() => modelFromJson({ ...modelToJson(m), format: "nope" as "tinygrow-dag" }), /not a DAG model document/);
});
