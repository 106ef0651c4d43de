import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../errors.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { fixedCnnBaselines, scaledWidths, withWidths } from "./baselines.js";
import type { CnnOptions } from "./cnn-spec.js";

const TEMPLATE: CnnOptions = { input: { channels: 1, height: 6, width: 6 }, blocks: [{ channels: 4, kernel: 3, padding: 1, pool: { kind: "max", kernel: 2 } }, { channels: 8, kernel: 3, padding: 1 }], head: "gap", outputs: 2 };

/** Label 1 when the left half is brighter than the right. */
function halves(n: number, rng: Rng) {
  const x = new Matrix(n, 36, new Float32Array(n * 36));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(2);
    for (let k = 0; k < 36; k++) x.data[i * 36 + k] = rng.normal() * 0.5 + ((k % 6 < 3) === (labels[i] === 1) ? 1 : 0);
  }
  return { x, labels };
}

test("fixed-CNN baselines: one model per width list, same budget, curves on every set, more parameters for wider nets, deterministic", () => {
  assert.deepEqual(scaledWidths([16, 32], [0.25, 0.5, 1]), [[4, 8], [8, 16], [16, 32]]);
  assert.throws(() => withWidths(TEMPLATE, [1]), (e: unknown) => e instanceof ConfigError && /expected 2 widths/.test(e.message));
  const rng = new Rng(0);
  const train = halves(200, rng);
  const validation = halves(100, rng);
  const kernels = kernelsUnderTest();
  const options = { template: TEMPLATE, widths: [[1, 2], [4, 8]], training: { epochs: 4, lr: 0.05, batchSize: 20 }, evaluate: { validation }, evaluateEvery: 2, seed: 3 };
  const points: string[] = [];
  const results = fixedCnnBaselines(train, { ...options, onPoint: (w, p) => points.push(`${w.join("-")}@${p.epoch}`) }, kernels);
  assert.deepEqual(points, ["1-2@2", "1-2@4", "4-8@2", "4-8@4"]);
  assert.deepEqual(results.map((r) => r.widths), [[1, 2], [4, 8]]);
  // conv 1→4 (3·3·4 + 4), conv 4→8 (9·4·8 + 8), head 8→2 (16 + 2)
  assert.equal(results[1].parameters, 40 + 296 + 18);
  assert.ok(results[0].parameters < results[1].parameters);
  assert.ok((results[1].final.validation.accuracy ?? 0) > 0.8, `accuracy ${results[1].final.validation.accuracy}`);
  const again = fixedCnnBaselines(train, options, kernels);
  assert.deepEqual(again.map((r) => r.final.validation.loss), results.map((r) => r.final.validation.loss));
});
