/** The README's library example must keep working (examples/grow-dag.ts), and growth must help. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { growDagExample } from "../examples/grow-dag.js";

test("examples/grow-dag.ts grows past the linear model and the grown network beats it on test", async () => {
  const { params, testLoss, history } = await growDagExample(6);
  assert.equal(history.length, 6);
  // Step 1 from the empty graph: the in→out edge (the linear model, 21 parameters).
  const linear = history[0];
  assert.equal(linear.params, 21, `step 1 should add the in→out edge, got ${linear.params} parameters`);
  // Later steps add neurons: more than the linear model's parameters...
  assert.ok(params > linear.params + 100, `expected at least one 10-neuron expansion after the linear model, got ${params} parameters`);
  // ...and lower the test MSE clearly below the trained linear model's.
  assert.ok(Number.isFinite(testLoss) && testLoss < 0.95 * linear.testLoss, `test MSE ${testLoss} after growth vs ${linear.testLoss} for the linear model`);
});
