import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeIdx } from "../data/idx.js";
import { runGrowth } from "../experiments/growth-run.js";
import { Accountant } from "../experiments/accounting.js";
import { portableKernels } from "../kernels/portable/index.js";
import { Rng } from "../tensor/rng.js";
import { MemoryRunStore } from "./memory-store.js";
import { buildPlaygroundRun, type PlaygroundSpec } from "./playground-task.js";

const base: PlaygroundSpec = { task: "moons", samples: 120, noise: 0.1, seed: 3, strategy: "restricted", steps: 2, neuronsPerStep: 3, epochsPerStep: 3, lr: 0.1, batchSize: 16 };

async function grow(spec: PlaygroundSpec) {
  const run = await buildPlaygroundRun(spec, portableKernels);
  const store = new MemoryRunStore();
  const ctx = { kernels: portableKernels, rng: new Rng(9), accountant: new Accountant({ rapl: "off" }), log: store, progress: { tick: () => undefined }, store, pool: null, resume: null };
  return { run, store, result: await runGrowth(run.task, run.config, ctx) };
}

test("each task builds a growth run of the right shape; the same spec gives the same data", async () => {
  const moons = await buildPlaygroundRun(base, portableKernels);
  assert.equal(moons.task.inputSize, 2);
  assert.equal(moons.task.outputSize, 2);
  assert.equal(moons.task.loss, "softmax-cross-entropy");
  assert.deepEqual((await buildPlaygroundRun(base, portableKernels)).task.interTrain.x.data, moons.task.interTrain.x.data);
  const teacher = await buildPlaygroundRun({ ...base, task: "teacher-student" }, portableKernels);
  assert.equal(teacher.task.loss, "mse");
  assert.equal(teacher.task.inputSize, 20);
  const csv = new TextEncoder().encode("a,b,c\n" + Array.from({ length: 30 }, (_, i) => `${i},${i % 3},${i % 2}`).join("\n"));
  const fromCsv = await buildPlaygroundRun({ ...base, task: "csv", files: { csv: { name: "t.csv", bytes: csv } } }, portableKernels);
  assert.equal(fromCsv.task.inputSize, 2);
  assert.equal(fromCsv.task.test.x.rows, 6);
  assert.equal(fromCsv.encoding.task, "classification");
  assert.deepEqual(fromCsv.encoding.label, { column: "c", classes: ["0", "1"] });
  assert.equal(fromCsv.encoding.features.scaling, "standardize");
  const images = encodeIdx([40, 2, 2], Uint8Array.from({ length: 160 }, (_, i) => i % 256));
  const labels = encodeIdx([40], Uint8Array.from({ length: 40 }, (_, i) => i % 10));
  const mnist = await buildPlaygroundRun({ ...base, task: "mnist", samples: 30, files: { images: { name: "i.idx", bytes: images }, labels: { name: "l.idx", bytes: labels } } }, portableKernels);
  assert.equal(mnist.task.inputSize, 4);
  assert.equal(mnist.task.outputSize, 10);
  assert.equal(mnist.task.interTrain.x.data.reduce((m, v) => Math.max(m, v), 0) <= 1, true, "pixels scaled to [0, 1]");
  assert.equal(mnist.encoding.features.scale[0], 1 / 255);
  await assert.rejects(buildPlaygroundRun({ ...base, task: "mnist" }, portableKernels), /drop two IDX files/);
});

test("the core growth loop runs on a playground task with the memory store, and continues from its checkpoint bit-identically", async () => {
  const { run, store, result } = await grow(base);
  assert.ok(result.parameters > 6, `parameters ${result.parameters}`);
  assert.ok(store.modelJson !== null && store.checkpoint?.position.done === true);
  // Stop after step 1's growth record: continue from the checkpoint written then.
  const full = store.readRecords();
  const cut = full.findIndex((r) => r.kind === "growth");
  const partial = new MemoryRunStore();
  const ctx = (s: MemoryRunStore, resume: typeof store.checkpoint) => ({ kernels: portableKernels, rng: new Rng(9), accountant: new Accountant({ rapl: "off" }), log: s, progress: { tick: () => undefined }, store: s, pool: null, resume });
  // Rerun until the growth record, keeping its checkpoint.
  let checkpointAtCut: typeof store.checkpoint = null;
  const watch = new MemoryRunStore();
  const origWrite = watch.writeCheckpoint.bind(watch);
  watch.writeCheckpoint = (cp) => {
    if (checkpointAtCut === null && cp.logRecords === cut + 1) checkpointAtCut = structuredClone(cp);
    origWrite(cp);
  };
  await runGrowth(run.task, run.config, ctx(watch, null));
  assert.ok(checkpointAtCut !== null);
  for (const r of full.slice(0, cut + 1)) partial.append(r);
  const resumed = await runGrowth(run.task, run.config, ctx(partial, checkpointAtCut));
  const strip = (rs: object[]) => rs.map((r) => JSON.stringify(r, (k, v) => (["wallSeconds", "cpuSeconds", "energyWh", "energyMethod", "searchSeconds", "accounting"].includes(k) ? undefined : v)));
  assert.deepEqual(strip(partial.readRecords()), strip(full));
  assert.equal(resumed.parameters, result.parameters);
});
