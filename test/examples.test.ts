/** The README's library example must keep working (examples/grow-dag.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { growDagExample } from "../examples/grow-dag.js";

test("examples/grow-dag.ts grows the empty graph and lowers the test loss below predicting zero", async () => {
  const { params, testLoss } = await growDagExample(2);
  assert.ok(params >= 21, `expected at least the in→out edge (21 parameters), got ${params}`);
  assert.ok(Number.isFinite(testLoss) && testLoss < 0.1, `test MSE ${testLoss}`);
});
