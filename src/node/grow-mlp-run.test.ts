import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GrowMlpConfigSchema, runGrowMlp } from "../cli/commands/grow-mlp.js";
import { portableKernels } from "../kernels/portable/index.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { lineCount } from "../test-support/run-logs.js";
import { tempDir } from "../test-support/temp-dir.js";
import { loadModel } from "./load-model.js";

const MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const dir = tempDir("tinygrow-grow-mlp-run-");
const ENV = { ...process.env, TINYGROW_KERNELS: "" };

function compareWithMlp(hidden: number[], steps: number, name: string): void {
  const cfg = GrowMlpConfigSchema.parse({ kernels: "portable", data: { samples: 300, testSamples: 50, lineSearchSamples: 100 }, model: { hidden }, training: { steps, epochsBetween: 1 } });
  const out = join(dir, name);
  const { model } = runGrowMlp(cfg, { progress: false, log: () => {}, out });
  for (const f of ["manifest.json", "log.jsonl", "checkpoint.tgck", "model.json"]) assert.ok(existsSync(join(out, f)), f);
  const saved = loadModel(out, portableKernels);
  assert.equal(saved.featureNames.length, 20);
  const rng = new Rng(5);
  const x = Float32Array.from({ length: 7 * 20 }, () => rng.normal());
  const want = model.forward(portableKernels, new Matrix(7, 20, x)).data;
  const got = saved.outputs(x, 20, 7);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), `${name}: output ${i}: ${got[i]} vs ${want[i]}`);
}

test("grow-mlp writes a run folder whose model.json predicts exactly as the grown MLP (also with a zero-width layer left)", () => {
  compareWithMlp([0, 0], 3, "grown");
  compareWithMlp([0, 0], 0, "zero-width");
});

test("grow-mlp: SIGKILL in the middle, then --resume, ends with the same model as an uninterrupted run", { timeout: 120_000 }, async () => {
  const args = ["grow-mlp", "--steps", "8", "--epochs-between", "3", "--samples", "1500", "--test-samples", "100", "--kernels", "portable", "--quiet"];
  const ref = join(dir, "ref");
  const done = spawnSync(process.execPath, [MAIN, ...args, "--out", ref], { encoding: "utf8", env: ENV });
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /report: .*report\.md/);
  const out = join(dir, "killed");
  // Killed by the process itself right after its 4th log record is durable (node/fault-points.ts), whatever the machine's speed.
  const killed = spawnSync(process.execPath, [MAIN, ...args, "--out", out], { encoding: "utf8", env: { ...ENV, TINYGROW_FAULT: "log-record:4" } });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  assert.equal(lineCount(join(out, "log.jsonl")), 4);
  assert.ok(!existsSync(join(out, "model.json")));
  const bad = spawnSync(process.execPath, [MAIN, "grow-mlp", "--resume", out, "--steps", "9"], { encoding: "utf8", env: ENV });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--steps: training\.steps|--training\.steps|steps: cannot be changed on --resume/);
  const resumed = spawnSync(process.execPath, [MAIN, "grow-mlp", "--resume", out, "--quiet"], { encoding: "utf8", env: ENV });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed at step \d+/);
  assert.equal(readFileSync(join(out, "model.json"), "utf8"), readFileSync(join(ref, "model.json"), "utf8"));
  assert.equal(lineCount(join(out, "log.jsonl")), lineCount(join(ref, "log.jsonl")));
  assert.ok(existsSync(join(out, "report.md")) && existsSync(join(out, "parameters.svg")));
});
