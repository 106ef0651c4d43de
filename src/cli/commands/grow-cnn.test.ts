/**
 * `tinygrow grow-cnn` end to end on tiny generated IDX files (8×8 images): the run folder
 * (manifest, log, checkpoint, report, plots), the units side by side on worker threads give
 * every unit the records of a serial run, a run killed at an exact log record and resumed
 * (with the same or another worker count) gives the same records as an uninterrupted run
 * (timing fields aside), so does one stopped by SIGTERM at its next safe point and resumed
 * with the command it prints, and bad options are clear errors with a non-zero exit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CIFAR10_IMAGE_BYTES, encodeCifarRecords } from "../../data/cifar.js";
import { CIFAR10 } from "../../node/data/cifar.js";
import { writeTinyMnist } from "../../node/data/idx-fixtures.js";
import { writeCheckpoint } from "../../node/io/checkpoint.js";
import { runCli, signalStopped, startStopped } from "../../test-support/cli-run.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { growCnnConfig } from "./grow-cnn.js";

const cli = fileURLToPath(new URL("../main.js", import.meta.url));

function data(): string {
  const dir = tempDir("tinygrow-grow-cnn-data-");
  writeTinyMnist(dir, { train: 160, test: 40, rows: 8, cols: 8 });
  return dir;
}

const args = (dataDir: string, out: string): string[] => [
  cli, "grow-cnn", "--data-dir", dataDir, "--no-verify", "--kernels", "portable", "--validation", "40", "--widths", "2,2", "--steps", "2", "--channels", "2",
  "--select", "every", "--initial-epochs", "1", "--epochs-per-step", "1", "--final-epochs", "0", "--baselines", "2,4", "--statistics-images", "48",
  "--line-search-images", "48", "--line-search-points", "5", "--batch-size", "16", "--out", out, "--quiet",
];

function logWithoutTiming(dir: string): Record<string, unknown>[] {
  const text = readFileSync(join(dir, "log.jsonl"), "utf8").trim();
  return text === "" ? [] : text.split("\n").map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    delete r.searchSeconds;
    return r;
  });
}

/** The log's records unit by unit, each unit's in log order (units side by side interleave theirs). */
function recordsByUnit(dir: string): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const r of logWithoutTiming(dir)) (out[String(r.unit)] ??= []).push(r);
  return out;
}

const withWorkers = (a: string[], n: number): string[] => [...a, "--workers", String(n)];

test("grow-cnn: a run folder with report and plots; killed and resumed it writes the same log", () => {
  const dataDir = data();
  const whole = join(tempDir("tinygrow-grow-cnn-"), "run");
  const r = spawnSync(process.execPath, withWorkers(args(dataDir, whole), 1), { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const f of ["manifest.json", "log.jsonl", "checkpoint.tgck", "report.md", "accuracy-epochs.svg", "accuracy-parameters.svg"]) assert.ok(existsSync(join(whole, f)), f);
  const log = logWithoutTiming(whole);
  const growth = log.filter((x) => (x as { type: string }).type === "growth");
  assert.equal(growth.length, 2);
  const report = readFileSync(join(whole, "report.md"), "utf8");
  // The grown row shows the widths after the last step, and the steps added channels.
  const widths = (growth[1] as { result: { widths: number[] } }).result.widths;
  assert.ok(widths[0] + widths[1] > 4, `grown from 2-2 to ${widths.join("-")}`);
  assert.ok(report.includes(`| grown | ${widths.join("-")} |`), report);
  assert.match(report, /best fixed baseline on validation: fixed 2-4/);
  // One BLAS thread unless --blas-threads says otherwise, and the manifest says so.
  const manifest = JSON.parse(readFileSync(join(whole, "manifest.json"), "utf8")) as { kernels: { reason: string } };
  assert.match(manifest.kernels.reason, /, 1 BLAS thread$/);
  assert.equal(growCnnConfig({ blasThreads: 2 }, {}).blasThreads, 2);
  // --baselines none: a grown-only run (a validation trial); a bad width names the flag.
  assert.deepEqual(growCnnConfig({ baselines: "none" }, {}).baselines.widths, []);
  assert.deepEqual(growCnnConfig({ baselines: "2,4;8,16" }, {}).baselines.widths, [[2, 4], [8, 16]]);
  assert.throws(() => growCnnConfig({ baselines: "2,0" }, {}), /--baselines: baselines\.widths/);

  // One after the other, the units' records come unit by unit: the grown unit, the baseline, FS.
  const order = ["grown", "fixed 2-4", "grown, retrained (FS)"];
  const positions = log.map((x) => order.indexOf(String(x.unit)));
  assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p >= positions[i - 1])), positions.join(","));

  const cut = join(tempDir("tinygrow-grow-cnn-"), "run");
  const killed = spawnSync(process.execPath, withWorkers(args(dataDir, cut), 1), { encoding: "utf8", env: { ...process.env, TINYGROW_FAULT: "log-record:3" } });
  assert.equal(killed.signal, "SIGKILL");
  const resumed = spawnSync(process.execPath, [cli, "grow-cnn", "--resume", cut, "--data-dir", dataDir, "--quiet", "--workers", "1"], { encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(logWithoutTiming(cut), log);

  // Side by side (two worker threads): every unit's records are the serial run's, and so is the report's table.
  const lanes = join(tempDir("tinygrow-grow-cnn-"), "run");
  const l = spawnSync(process.execPath, withWorkers(args(dataDir, lanes), 2), { encoding: "utf8" });
  assert.equal(l.status, 0, l.stderr);
  assert.deepEqual(recordsByUnit(lanes), recordsByUnit(whole));
  // The units' table (the growth steps' table also holds their search times).
  const table = (dir: string): string => readFileSync(join(dir, "report.md"), "utf8").split("\n").filter((x) => /^\| (grown|fixed)/.test(x)).join("\n");
  assert.equal(table(lanes), table(whole));
  // Killed at its 4th record with the units side by side, resumed one after the other (and the other way): the same records.
  for (const [first, then] of [[2, 1], [1, 2]]) {
    const dir = join(tempDir("tinygrow-grow-cnn-"), "run");
    const k = spawnSync(process.execPath, withWorkers(args(dataDir, dir), first), { encoding: "utf8", env: { ...process.env, TINYGROW_FAULT: "log-record:4" } });
    assert.equal(k.signal, "SIGKILL", k.stderr);
    const again = spawnSync(process.execPath, [cli, "grow-cnn", "--resume", dir, "--data-dir", dataDir, "--quiet", "--workers", String(then)], { encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(recordsByUnit(dir), recordsByUnit(whole), `killed with ${first} workers, resumed with ${then}`);
  }
  // A checkpoint of the earlier layout (one shuffling stream through the units) is refused, not continued differently.
  writeCheckpoint(cut, { kind: "tinygrow-grow-cnn", position: { unit: 1, epoch: 1, step: 0 } });
  const old = spawnSync(process.execPath, [cli, "grow-cnn", "--resume", cut, "--data-dir", dataDir, "--quiet"], { encoding: "utf8" });
  assert.equal(old.status, 1);
  assert.match(old.stderr, /checkpoint\.tgck: .*a checkpoint of an earlier tinygrow, whose units shared one shuffling stream/);
});

for (const workers of [1, 2]) test(`grow-cnn --workers ${workers}: SIGTERM stops at the next checkpoint, exits 143 with the --resume command, and the resumed run writes the same records`, async () => {
  const dataDir = data();
  const whole = join(tempDir("tinygrow-grow-cnn-"), "run");
  assert.equal(runCli(withWorkers(args(dataDir, whole), 1).slice(1)).status, 0);
  const out = join(tempDir("tinygrow-grow-cnn-"), "run");
  // Frozen right after its 3rd log record (before that epoch's checkpoint), then signalled.
  const run = await startStopped(withWorkers(args(dataDir, out), workers).slice(1), "log-record:3:stop");
  await signalStopped(run, "SIGTERM");
  const r = await run.done;
  assert.equal(r.status, 143, r.stderr);
  assert.match(r.stderr, /stopped by SIGTERM in .*run: .+, epoch \d+, growth step \d+; a checkpoint was written there; continue with:/);
  const command = /continue with:\n {2}(.*)\n/.exec(r.stderr)?.[1] ?? "";
  assert.match(command, / grow-cnn --data-dir \S+ --resume /, "the printed command finds the data again");
  const cut = logWithoutTiming(out).length;
  assert.ok(cut >= 3 && cut < logWithoutTiming(whole).length, `stopped early: ${cut} records`);
  const resumed = runCli(command.split(" ").slice(2));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(recordsByUnit(out), recordsByUnit(whole));
  // A signal that arrives while the data is read (frozen at the first checkpoint, written
  // before any epoch) stops there, not an epoch later, and the resumed run is the whole one.
  const early = join(tempDir("tinygrow-grow-cnn-"), "run");
  const first = await startStopped(withWorkers(args(dataDir, early), workers).slice(1), "checkpoint:1:stop");
  await signalStopped(first, "SIGTERM");
  const e = await first.done;
  assert.equal(e.status, 143, e.stderr);
  assert.match(e.stderr, /stopped by SIGTERM in .*run: grown, epoch 0, growth step 0; a checkpoint was written there/);
  assert.equal(readFileSync(join(early, "log.jsonl"), "utf8"), "");
  assert.equal(runCli([cli, "grow-cnn", "--resume", early, "--data-dir", dataDir, "--quiet"].slice(1)).status, 0);
  assert.deepEqual(recordsByUnit(early), recordsByUnit(whole));
});

test("grow-cnn --dataset cifar10: 3×32×32 images from the binary batches, Adam with a cosine schedule, the loss-measured selection", () => {
  const dir = join(tempDir("tinygrow-grow-cnn-cifar-"), "cifar10");
  mkdirSync(dir, { recursive: true });
  [...CIFAR10.files.train, ...CIFAR10.files.test].forEach((name, f) => {
    const pixels = new Uint8Array(12 * CIFAR10_IMAGE_BYTES).map((_, k) => (k * 7 + 13 * f) % 256);
    writeFileSync(join(dir, name), encodeCifarRecords(Array.from({ length: 12 }, (_, i) => (i + f) % 10), pixels));
  });
  const out = join(tempDir("tinygrow-grow-cnn-"), "run");
  const r = spawnSync(process.execPath, [
    cli, "grow-cnn", "--dataset", "cifar10", "--data-dir", join(dir, ".."), "--kernels", "portable", "--validation", "12", "--widths", "2,2", "--steps", "1",
    "--channels", "1", "--select", "loss", "--initial-epochs", "1", "--epochs-per-step", "0", "--final-epochs", "1", "--optimizer", "adam", "--schedule", "cosine",
    "--baselines", "2,2", "--no-retrain", "--statistics-images", "16", "--line-search-images", "16", "--line-search-points", "3", "--batch-size", "16", "--out", out, "--quiet",
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { dataSplit: Record<string, number> };
  assert.deepEqual(manifest.dataSplit, { train: 48, validation: 12, test: 12, shuffleSeed: 7919 });
  const growth = logWithoutTiming(out).find((x) => (x as { type: string }).type === "growth") as { result: { candidates: { measuredDecrease?: number }[] } };
  assert.equal(growth.result.candidates.length, 2);
  for (const c of growth.result.candidates) assert.ok(Number.isFinite(c.measuredDecrease), "every pair's decrease is measured");
});

test("grow-cnn: bad options are errors naming the option, with a non-zero exit", () => {
  const r = spawnSync(process.execPath, [cli, "grow-cnn", "--select", "some", "--out", join(tempDir("tinygrow-grow-cnn-"), "x")], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--select/);
  const c = spawnSync(process.execPath, [cli, "grow-cnn", "--dataset", "cifar10", "--data-dir", tempDir("tinygrow-grow-cnn-empty-"), "--out", join(tempDir("tinygrow-grow-cnn-"), "y")], { encoding: "utf8" });
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /cifar10 train: files not found/);
  const out = join(tempDir("tinygrow-grow-cnn-"), "z");
  const v = spawnSync(process.execPath, args(data(), out).map((a) => (a === "40" ? "160" : a)), { encoding: "utf8" });
  assert.equal(v.status, 1);
  assert.match(v.stderr, /--validation: data\.validation: 160 validation images leave none of the 160 training images/);
  assert.ok(!existsSync(out));
  // More training images than the split holds beside the validation images: an error, not a silent cut.
  const outT = join(tempDir("tinygrow-grow-cnn-"), "t");
  const t = spawnSync(process.execPath, [...args(data(), outT), "--train-samples", "121"], { encoding: "utf8" });
  assert.equal(t.status, 1);
  assert.match(t.stderr, /--train-samples: data\.trainSamples: 121 training images asked for, but .* holds 160 of which 40 are the validation images: at most 120/);
  assert.ok(!existsSync(outT));
  // A parameter budget below the start network's count: nothing could grow.
  const outB = join(tempDir("tinygrow-grow-cnn-"), "b");
  const b = spawnSync(process.execPath, [...args(data(), outB), "--max-parameters", "20"], { encoding: "utf8" });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /--max-parameters: growth\.maxParameters: a budget of 20 parameters is below the start network's \d+ \(widths 2-2\)/);
  assert.ok(!existsSync(outB));
  // A negative worker count; side by side with two OpenBLAS threads (one process-wide count); the same baseline twice.
  const outW = join(tempDir("tinygrow-grow-cnn-"), "w");
  const w = spawnSync(process.execPath, withWorkers(args(data(), outW), -1), { encoding: "utf8" });
  assert.equal(w.status, 1);
  assert.match(w.stderr, /--workers: workers: expected 0 or more worker threads, got -1/);
  assert.ok(!existsSync(outW));
  const outD = join(tempDir("tinygrow-grow-cnn-"), "d");
  const dup = spawnSync(process.execPath, [...args(data(), outD), "--baselines", "2,4;2,4"], { encoding: "utf8" });
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /baselines\.widths: the fixed widths 2,4 are listed twice/);
  assert.ok(!existsSync(outD));
  // The significance rule: marchenko-pastur is refused with the reason and the rule to use.
  const outS = join(tempDir("tinygrow-grow-cnn-"), "s");
  const s = spawnSync(process.execPath, [...args(data(), outS), "--significance", "marchenko-pastur"], { encoding: "utf8" });
  assert.equal(s.status, 1);
  assert.match(s.stderr, /--significance: growth\.significance: the Marchenko–Pastur edge assumes independent samples, but the positions of one image are correlated .* use "sign-flip"/);
  assert.ok(!existsSync(outS));
  // Balancing new channels keeps the function only under ReLU.
  assert.throws(() => growCnnConfig({ activation: "tanh", balanceChannels: true }, {}), /--balance-channels: growth\.balance: balancing new channels needs relu .* got activation tanh/);
  assert.equal(growCnnConfig({ balanceChannels: true }, {}).growth.balance, true);
  assert.equal(growCnnConfig({}, {}).growth.balance, false);
  for (const level of [0, 1, 1.5, NaN]) assert.throws(() => growCnnConfig({ significance: "sign-flip", significanceLevel: level }, {}), /--significance-level: growth\.significanceLevel/);
  assert.throws(() => growCnnConfig({ significance: "sign-flip", significanceLevel: 0.001 }, {}), /growth\.significanceFlips: level 0\.001 needs at least 999 sign flips/);
  assert.throws(() => growCnnConfig({ significance: "bonferroni" }, {}), /--significance: growth\.significance: expected one of threshold, sign-flip/);
  assert.deepEqual(
    (({ significance, significanceLevel, significanceFlips }) => ({ significance, significanceLevel, significanceFlips }))(growCnnConfig({}, {}).growth),
    { significance: "threshold", significanceLevel: 0.05, significanceFlips: 99 },
  );
});
