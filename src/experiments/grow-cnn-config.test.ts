/** The grow-cnn learning-rate schedule: the optimizer's default rate, constant or cosine over the study's epochs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { epochLearningRate, GrowCnnConfigSchema, totalEpochs } from "./grow-cnn-config.js";

test("epochLearningRate: defaults per optimizer; cosine starts at lr, is lr/2 halfway and decreases", () => {
  const sgd = GrowCnnConfigSchema.parse({ growth: { steps: 2 }, training: { initialEpochs: 1, epochsPerStep: 1, finalEpochs: 1, schedule: "constant" } });
  assert.equal(totalEpochs(sgd), 4);
  assert.equal(epochLearningRate(sgd, 3), 0.05);
  assert.equal(GrowCnnConfigSchema.parse({}).training.schedule, "cosine");
  assert.equal(epochLearningRate(GrowCnnConfigSchema.parse({ training: { optimizer: "adam" } }), 0), 1e-3);
  const cos = GrowCnnConfigSchema.parse({ growth: { steps: 2 }, training: { initialEpochs: 1, epochsPerStep: 1, finalEpochs: 1, lr: 0.1, schedule: "cosine" } });
  assert.equal(epochLearningRate(cos, 0), 0.1);
  assert.ok(Math.abs(epochLearningRate(cos, 2) - 0.05) < 1e-15);
  const rates = [0, 1, 2, 3].map((e) => epochLearningRate(cos, e));
  for (let e = 1; e < 4; e++) assert.ok(rates[e] < rates[e - 1] && rates[e] > 0, `epoch ${e}: ${rates[e]}`);
});
