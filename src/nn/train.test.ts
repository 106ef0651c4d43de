import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError, TrainingError } from "../errors.js";
import { BatchIterator } from "../data/batches.js";
import { teacherRegression } from "../data/synthetic.js";
import { kernelsUnderTest } from "../node/under-test.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import type { LossSpec } from "./losses/loss.js";
import { mseLoss } from "./losses/mse.js";
import { Mlp } from "./mlp.js";
import { Adam } from "./optim/adam.js";
import { Sgd } from "./optim/sgd.js";
import { createTrainState, evaluate, train, trainEpoch } from "./train.js";

const kernels = kernelsUnderTest();

const MSE: LossSpec = { name: "mse", reduction: "mean" };
const CE: LossSpec = { name: "softmax-cross-entropy", reduction: "mean" };

test("training a small teacher-student regression cuts the test loss by 10x", () => {
  const rng = new Rng(3);
  const task = teacherRegression(kernels, rng, { samples: 512, testSamples: 256, inputs: 8, hidden: [6] });
  const model = Mlp.create({ sizes: [8, 32, 1], activation: "selu", init: "lecun-normal" }, rng);
  const before = evaluate(kernels, model, task.test, MSE).loss;
  const optimizer = new Sgd(model.params(), { lr: 0.05, momentum: 0.9 });
  const batches = new BatchIterator(task.train, { batchSize: 32, rng: rng.fork() });
  const losses = train({ kernels, model, loss: MSE, optimizer, batches }, { epochs: 30 });
  const after = evaluate(kernels, model, task.test, MSE);
  assert.equal(losses.length, 30);
  assert.ok(after.accuracy === undefined);
  assert.ok(after.loss < before / 10, `test loss ${before} → ${after.loss}`);
  assert.ok(losses[29] < losses[0] / 5, `train loss ${losses[0]} → ${losses[29]}`);
});

test("training a classifier with Adam and cross-entropy reaches 95% accuracy", () => {
  // Two Gaussian blobs per class on a circle, 3 classes, 2-D.
  const rng = new Rng(12);
  const n = 300;
  const x = new Matrix(n, 2, new Float32Array(2 * n));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    x.set(i, 0, 3 * Math.cos((2 * Math.PI * c) / 3) + 0.5 * rng.normal());
    x.set(i, 1, 3 * Math.sin((2 * Math.PI * c) / 3) + 0.5 * rng.normal());
  }
  const data = { x, labels };
  const model = Mlp.create({ sizes: [2, 16, 3], activation: "relu" }, rng);
  const optimizer = new Adam(model.params(), { lr: 0.02 });
  train({ kernels, model, loss: CE, optimizer, batches: new BatchIterator(data, { batchSize: 32, rng }) }, { epochs: 15 });
  const result = evaluate(kernels, model, data, CE, 64);
  assert.ok((result.accuracy ?? 0) >= 0.95, `accuracy ${result.accuracy}`);
  assert.ok(result.loss < 0.3, `loss ${result.loss}`);
});

test("evaluate in batches equals the loss of the whole dataset", () => {
  const rng = new Rng(2);
  const task = teacherRegression(kernels, rng, { samples: 37, inputs: 4 });
  const model = Mlp.create({ sizes: [4, 5, 1], activation: "tanh" }, rng);
  const whole = mseLoss(model.forward(kernels, task.train.x), task.train.y, "mean");
  const batched = evaluate(kernels, model, task.train, MSE, 8).loss;
  assert.ok(Math.abs(whole - batched) < 1e-6 * whole, `${whole} vs ${batched}`);
  assert.throws(() => evaluate(kernels, model, task.train, CE), (e: unknown) => e instanceof ShapeError && /batchLoss\(softmax-cross-entropy\): expected a dataset with class labels/.test(e.message));
});

test("a NaN loss stops training with a TrainingError naming the global step", () => {
  const rng = new Rng(5);
  const task = teacherRegression(kernels, rng, { samples: 40, inputs: 3 });
  task.train.y.data[21] = NaN; // row 21 is in the 6th batch of 4 (no shuffling): step 6
  const model = Mlp.create({ sizes: [3, 4, 1], activation: "tanh" }, rng);
  const setup = { kernels, model, loss: MSE, optimizer: new Sgd(model.params(), { lr: 0.01 }), batches: new BatchIterator(task.train, { batchSize: 4 }) };
  const state = createTrainState();
  assert.throws(
    () => trainEpoch(setup, state),
    (e: unknown) => e instanceof TrainingError && e.step === 6 && e.message === "training stopped at step 6: loss is NaN",
  );
  assert.equal(state.step, 5);
  for (const p of model.params()) for (const v of p.value) assert.ok(Number.isFinite(v));
  // In a later epoch the step is global: an infinite weight after epoch 0 fails at step 11.
  task.train.y.data[21] = 0;
  assert.throws(
    () =>
      train(setup, {
        epochs: 3,
        onEpoch: () => {
          model.layers[1].weight.data[0] = Infinity;
        },
      }),
    (e: unknown) => e instanceof TrainingError && e.step === 11 && /loss is (NaN|Infinity)/.test(e.message),
  );
});
