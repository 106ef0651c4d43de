import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, ShapeError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Cnn } from "./cnn.js";
import { cnnFromJson, cnnToJson } from "./cnn-json.js";
import { evaluateCnn, trainCnn } from "./train.js";

/** 8×8 images, one bright 3×3 square in one of four quadrants (the label) plus noise. */
function quadrants(n: number, rng: Rng): { x: Matrix<Float32Array>; labels: Int32Array } {
  const x = new Matrix(n, 64, new Float32Array(n * 64));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const q = rng.int(4);
    labels[i] = q;
    const r0 = (q >> 1) * 4 + rng.int(2);
    const c0 = (q & 1) * 4 + rng.int(2);
    for (let k = 0; k < 64; k++) x.data[i * 64 + k] = 0.3 * rng.normal();
    for (let r = r0; r < r0 + 3; r++) for (let c = c0; c < c0 + 3; c++) x.data[i * 64 + r * 8 + c] += 1;
  }
  return { x, labels };
}

test("trainCnn learns a small image task with SGD and with Adam; the model survives a JSON round trip exactly", () => {
  const kernels = kernelsUnderTest();
  const rng = new Rng(0);
  const train = quadrants(400, rng);
  const testSet = quadrants(200, rng);
  for (const optimizer of ["sgd", "adam"] as const) {
    const model = Cnn.create({ input: { channels: 1, height: 8, width: 8 }, blocks: [{ channels: 4, kernel: 3, padding: 1, batchNorm: true, pool: { kind: "max", kernel: 2 } }, { channels: 4, kernel: 3, padding: 1 }], head: "gap", outputs: 4 }, new Rng(1));
    const before = evaluateCnn(model, testSet, kernels);
    const losses = trainCnn(model, train, { epochs: 15, optimizer, lr: optimizer === "sgd" ? 0.05 : 0.01, batchSize: 32 }, new Rng(2), kernels);
    const after = evaluateCnn(model, testSet, kernels);
    assert.ok(losses[losses.length - 1] < losses[0] * 0.5, `${optimizer}: loss ${losses[0]} → ${losses[losses.length - 1]}`);
    assert.ok((after.accuracy ?? 0) > 0.9, `${optimizer}: test accuracy ${before.accuracy} → ${after.accuracy}`);
    const copy = cnnFromJson(JSON.parse(JSON.stringify(cnnToJson(model))));
    model.setTraining(false); // batch norm on its running statistics, which the document carries
    copy.setTraining(false);
    const a = model.forward(kernels, testSet.x).clone();
    const b = copy.forward(kernels, testSet.x);
    assert.deepEqual(Array.from(b.data), Array.from(a.data));
    assert.equal(copy.blocks[0].bn?.channels, 4);
  }
});

test("cnnFromJson reports a malformed document with paths; training checks the image size", () => {
  const model = Cnn.create({ input: { channels: 1, height: 8, width: 8 }, blocks: [{ channels: 2, kernel: 3 }], outputs: 3 }, new Rng(1));
  const json = cnnToJson(model);
  assert.throws(() => cnnFromJson({ ...json, version: 9 }), (e: unknown) => e instanceof ConfigError && e.issues[0].path === "version");
  const bad = structuredClone(json);
  bad.blocks[0].conv.weight.pop();
  bad.linear.bias = [1];
  assert.throws(() => cnnFromJson(bad, "model.json"), (e: unknown) => e instanceof ConfigError && e.message.includes("model.json: blocks.0.conv.weight: 17 values, expected 2×9 = 18") && e.message.includes("linear.bias: 1 values, expected outputs = 3"));
  const data = { x: new Matrix(4, 63, new Float32Array(252)), labels: new Int32Array(4) };
  assert.throws(() => trainCnn(model, data, { epochs: 1 }, new Rng(0), kernelsUnderTest()), (e: unknown) => e instanceof ShapeError && /dataset images of 64 values for the network's input \(C=1, H=8, W=8\), got 63 values per image/.test(e.message));
});
