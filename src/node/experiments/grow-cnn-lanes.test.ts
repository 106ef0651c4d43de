/**
 * Which unit a free lane of the grow-cnn study takes (grow-cnn-lanes.ts): the grown unit
 * first, then the costliest that can start, the FS retrain only once the grown unit is done;
 * and the cost is the multiply-adds of the convolutions (halving the map after each pool); a
 * unit's error in a worker reaches the caller as a serial run's would, and so does a worker's
 * death outside a unit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ShapeError, TinygrowError } from "../../errors.js";
import { GrowCnnConfigSchema } from "../../experiments/grow-cnn-config.js";
import type { LabelledImages } from "../../growth/conv/cnn-growth-step.js";
import type { KernelName } from "../../kernels/kernels.js";
import { portableKernels } from "../../kernels/portable/index.js";
import { Matrix } from "../../tensor/matrix.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { runGrowCnnStudy } from "./grow-cnn.js";
import { LaneDiedError, nextUnit } from "./grow-cnn-lanes.js";
import { freshUnitState, unitCost, type StudyData, type StudyUnit, type UnitState } from "./grow-cnn-unit.js";

const config = GrowCnnConfigSchema.parse({ model: { widths: [2, 4], kernel: 3 } });
const image = { image: { channels: 1, height: 28, width: 28 }, classes: 10 };
const units: StudyUnit[] = [
  { name: "grown", kind: "grown", widths: [2, 4] },
  { name: "fixed 4-8", kind: "baseline", widths: [4, 8] },
  { name: "fixed 16-32", kind: "baseline", widths: [16, 32] },
  { name: "fixed 8-16", kind: "baseline", widths: [8, 16] },
  { name: "grown, retrained (FS)", kind: "retrain", widths: [] },
];

test("unitCost: 28·28·9·1·c1 + 14·14·9·c1·c2 multiply-adds per image", () => {
  assert.equal(unitCost(config, [16, 32], image), 28 * 28 * 9 * 16 + 14 * 14 * 9 * 16 * 32);
  assert.equal(unitCost(config, [], image), 0);
});

test("nextUnit: the grown unit first, then the costliest ready one; FS waits for the grown unit; null when nothing can start", () => {
  const cost = (w: readonly number[]): number => unitCost(config, w, image);
  const states: UnitState[] = units.map((u, i) => freshUnitState(config, i, u.widths));
  assert.equal(nextUnit(units, states, new Set(), cost), 0);
  assert.equal(nextUnit(units, states, new Set([0]), cost), 2, "16-32, the costliest baseline");
  assert.equal(nextUnit(units, states, new Set([0, 2]), cost), 3);
  assert.equal(nextUnit(units, states, new Set([0, 2, 3]), cost), 1);
  assert.equal(nextUnit(units, states, new Set([0, 1, 2, 3]), cost), null, "FS waits while the grown unit trains");
  states[0] = { ...states[0], done: true, widths: [32, 64] };
  states[4] = freshUnitState(config, 4, [32, 64]);
  assert.equal(nextUnit(units, states, new Set([2]), cost), 4, "FS at the grown widths 32-64 is now the costliest");
  for (const i of [1, 2, 3, 4]) states[i] = { ...states[i], done: true };
  assert.equal(nextUnit(units, states, new Set(), cost), null);
});

/** A tiny study (grown 2-2 and fixed 2-2, two epochs) of an 8×8 network on all-zero images of `pixels` values; what it threw, or null. */
async function studyFailure(pixels: number, workers: number, kernels: KernelName = "portable", dir = join(tempDir("tinygrow-lanes-"), "run"), resume = false): Promise<unknown> {
  const images = (n: number): LabelledImages => ({ x: new Matrix(n, pixels, new Float32Array(n * pixels)), labels: new Int32Array(n) });
  const data: StudyData = { train: images(32), validation: images(8), test: images(8), image: { channels: 1, height: 8, width: 8 }, classes: 10 };
  const small = GrowCnnConfigSchema.parse({ model: { widths: [2, 2] }, growth: { steps: 0 }, training: { finalEpochs: 1 }, baselines: { widths: [[2, 2]], retrain: false } });
  try {
    await runGrowCnnStudy({ dir, config: small, data, kernels: portableKernels, kernelsInfo: { name: kernels, reason: "test" }, resume, log: () => {}, workers });
  } catch (err) {
    return err;
  }
  return null;
}

test("a unit's error in a worker thread reaches the caller as in a serial run: the same message, a tinygrow error with its code", async () => {
  // Images of 63 values for a network of 8×8 inputs: trainCnn's ShapeError, at the first epoch of the first unit.
  const serial = await studyFailure(63, 1);
  const lanes = await studyFailure(63, 2);
  assert.ok(serial instanceof ShapeError, String(serial));
  assert.ok(lanes instanceof TinygrowError, String(lanes));
  assert.equal(lanes.code, "shape");
  assert.equal(lanes.name, "ShapeError");
  assert.equal(lanes.message, serial.message);
});

test("workers that die outside a unit (here: at start-up, on a kernel set they cannot load) fail the study with a LaneDiedError naming the unit, not a hang; it resumes", { timeout: 60_000 }, async () => {
  const dir = join(tempDir("tinygrow-lanes-"), "run");
  const err = await studyFailure(64, 2, "gpu" as KernelName, dir);
  assert.ok(err instanceof LaneDiedError, String(err));
  assert.equal(err.code, "training");
  // Both workers hold a unit when they die; whichever dies first is the one reported.
  assert.ok(err.unit === "grown" || err.unit === "fixed 2-2", String(err.unit));
  assert.match(err.message, /^a worker thread died while training (grown|fixed 2-2) \(chooseKernels: expected auto, native, wasm or portable, got "gpu"\); .*--resume$/);
  assert.equal(await studyFailure(64, 2, "portable", dir, true), null, "the study resumes from its checkpoint and ends");
  const whole = join(tempDir("tinygrow-lanes-"), "run");
  assert.equal(await studyFailure(64, 2, "portable", whole), null);
  const epochs = (d: string) => readFileSync(join(d, "log.jsonl"), "utf8").split("\n").filter((l) => l.includes('"type":"epoch"')).sort();
  assert.equal(epochs(whole).length, 4, "two units, two epochs each");
  assert.deepEqual(epochs(dir), epochs(whole), "the resumed study's epoch records are those of a run that never failed");
});
