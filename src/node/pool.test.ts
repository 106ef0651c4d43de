import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { nativeForTests } from "./native/test-support.js";
import { Rng } from "../tensor/rng.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { splitThreeWays, subsetDataset } from "../data/splits.js";
import { DagModel } from "../dag/model.js";
import { modelToJson } from "../dag/serialize.js";
import { growthStep, type CandidateRunner } from "../dag/step.js";
import { CandidatePool } from "./pool.js";

const native = nativeForTests();

test("a worker thread cannot change the process-wide OpenBLAS thread count (it belongs to the main thread)", { skip: native.skip }, async () => {
  const kernels = native.kernels!;
  const before = kernels.numThreads();
  const select = new URL("./kernels.js", import.meta.url).href;
  const code = `import { parentPort } from "node:worker_threads";
    const { chooseKernels } = await import(${JSON.stringify(select)});
    const { kernels } = chooseKernels("native");
    try { kernels.setNumThreads(${before === 1 ? 2 : 1}); parentPort.postMessage("changed"); }
    catch (e) { parentPort.postMessage(e.message); }`;
  const worker = new Worker(code, { eval: true });
  const reply = await new Promise<string>((resolve, reject) => worker.once("message", resolve).once("error", reject));
  await worker.terminate();
  assert.match(reply, /^setNumThreads: the OpenBLAS thread count is process-wide and belongs to the thread that loaded the addon first/);
  assert.equal(kernels.numThreads(), before);
});

test("the pool's workers never change the main thread's BLAS count; candidates are evaluated in a one-thread window", { skip: native.skip, timeout: 60_000 }, async () => {
  const kernels = native.kernels!;
  const before = kernels.numThreads();
  kernels.setNumThreads(2);
  const pool = new CandidatePool(2, "native");
  try {
    // Idle workers finish loading meanwhile (the old worker set the count to 1 then).
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(kernels.numThreads(), 2, "after the workers started");
    const rng = new Rng(4);
    const teacher = buildTeacher(rng, { inputSize: 4, hiddenSize: 6 });
    const data = teacherDataset(kernels, teacher, 240, rng);
    const s = splitThreeWays(240, 4);
    const splits = { trainOpt: subsetDataset(data, s.trainOpt), trainLs: subsetDataset(data, s.trainLs), trainGr: subsetDataset(data, s.trainGr) };
    const seen: number[] = [];
    const runner: CandidateRunner = {
      size: pool.size,
      evaluate: async (context) => {
        seen.push(kernels.numThreads());
        const reports = await pool.evaluate(context);
        seen.push(kernels.numThreads());
        return reports;
      },
    };
    const model = DagModel.empty(4, 1);
    // (The first step, from the empty graph, has one candidate and evaluates it serially.)
    for (let step = 0; step < 3; step++) await growthStep(model, splits, { neuronsPerStep: 2, seed: step }, { kernels, runner });
    assert.ok(seen.length >= 4, `the pool evaluated ${seen.length / 2} steps`);
    assert.deepEqual(seen, seen.map(() => 1), "one BLAS thread before and after every pooled evaluation");
    assert.equal(kernels.numThreads(), 2, "after the steps");
  } finally {
    await pool.close();
    kernels.setNumThreads(before);
  }
});

test("the pool maps the step's arrays from shared memory (no copy per worker) and reports what a serial evaluation does", { timeout: 60_000 }, async () => {
  const { kernels } = { kernels: native.kernels ?? (await import("../kernels/portable/index.js")).portableKernels };
  const name = native.kernels === null ? "portable" : "native";
  const pool = new CandidatePool(2, name);
  try {
    const rng = new Rng(7);
    const teacher = buildTeacher(rng, { inputSize: 5, hiddenSize: 6 });
    const data = teacherDataset(kernels, teacher, 300, rng);
    const s = splitThreeWays(300, 7);
    const splits = { trainOpt: subsetDataset(data, s.trainOpt), trainLs: subsetDataset(data, s.trainLs), trainGr: subsetDataset(data, s.trainGr) };
    const buffers: string[] = [];
    const runner: CandidateRunner = {
      size: pool.size,
      shareSplits: (sp) => pool.shareSplits(sp),
      evaluate: async (context) => {
        const reports = await pool.evaluate(context);
        const arrays = [...context.setGr.acts.a.values(), ...context.setLs.acts.z.values(), ...(context.setOpt?.grads.values() ?? []), context.stats.C];
        buffers.push(...arrays.map((m) => m.data.buffer.constructor.name));
        return reports;
      },
    };
    const pooled = DagModel.empty(5, 1);
    const serial = DagModel.empty(5, 1);
    for (let step = 0; step < 3; step++) {
      const a = await growthStep(pooled, splits, { neuronsPerStep: 2, seed: step }, { kernels, runner });
      const b = await growthStep(serial, splits, { neuronsPerStep: 2, seed: step }, { kernels });
      const untimed = (r: typeof a) => r.candidates.map(({ evalSeconds, fitSeconds, ...rest }) => (void evalSeconds, void fitSeconds, rest));
      assert.deepEqual(untimed(a), untimed(b), `step ${step}: the same reports`);
      // The chosen proposal comes back from its worker and is applied as received: the same model.
      assert.deepEqual(modelToJson(pooled), modelToJson(serial), `step ${step}: the same grown model`);
    }
    assert.ok(buffers.length > 0, "the pool evaluated a step");
    assert.deepEqual([...new Set(buffers)], ["SharedArrayBuffer"]);
    // The splits' own arrays were moved to shared memory (not copied beside them).
    for (const d of [splits.trainOpt, splits.trainLs, splits.trainGr]) {
      assert.equal(d.x.data.buffer.constructor.name, "SharedArrayBuffer");
      assert.equal("y" in d ? d.y.data.buffer.constructor.name : "", "SharedArrayBuffer");
    }
  } finally {
    await pool.close();
  }
});
