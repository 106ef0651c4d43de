import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeTinyMnist } from "../../node/data/idx-fixtures.js";
import { lineCount, recordsWithoutTiming } from "../../test-support/run-logs.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { mnistConfig } from "./mnist.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
const tmp = (): string => tempDir("tinygrow-cli-mnist-");
const ENV = { ...process.env, TINYGROW_KERNELS: "", TINYGROW_DATA_DIR: "", HOME: "/nonexistent", XDG_CACHE_HOME: "" };

function tinyData(): string {
  const dir = tmp();
  writeTinyMnist(dir, { train: 240, test: 40, rows: 8, cols: 8 });
  return dir;
}

/** Small but long enough (≈ 150 log records in the grown run) to be caught in the middle. */
function tinyArgs(data: string): string[] {
  return ["--data-dir", data, "--no-verify", "--input-size", "64", "--steps", "3", "--epochs", "50", "--neurons", "4", "--checkpoint-every", "7", "--evaluate-every", "3", "--baseline-scale", "0.02", "--no-fixed", "--kernels", "portable", "--workers", "0", "--quiet"];
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, "mnist", ...args], { encoding: "utf8", env: ENV });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("mnist: SIGKILL at a log record in the middle of training, then --resume, ends exactly as an uninterrupted run", { timeout: 120_000 }, async () => {
  const data = tinyData();
  const ref = join(tmp(), "ref");
  const done = cli([...tinyArgs(data), "--out", ref]);
  assert.equal(done.status, 0, done.stderr);
  const refLog = join(ref, "grown/log.jsonl");
  const total = lineCount(refLog);
  assert.ok(total > 100, `the reference log has ${total} records`);

  const out = join(tmp(), "killed");
  const log = join(out, "grown/log.jsonl");
  // Killed by the process itself right after its log record `target` is durable (node/fault-points.ts):
  // past the first growth step of the grown network, well before the end.
  const target = Math.floor(total / 2) + 3;
  const killed = spawnSync(process.execPath, [MAIN, "mnist", ...tinyArgs(data), "--out", out], { encoding: "utf8", env: { ...ENV, TINYGROW_FAULT: `log-record:${target}` } });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  const atKill = lineCount(log);
  assert.equal(atKill, target, `killed after ${atKill} of ${total} records`);
  assert.ok(!existsSync(join(out, "report.md")));

  // The data folder is read back from the manifest: --resume needs no --data-dir.
  const resumed = spawnSync(process.execPath, [MAIN, "mnist", "--resume", out, "--quiet"], { encoding: "utf8", env: ENV });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed at step \d+, epoch \d+/);
  assert.equal(readFileSync(join(out, "grown/model.json"), "utf8"), readFileSync(join(ref, "grown/model.json"), "utf8"));
  assert.deepEqual(recordsWithoutTiming(log), recordsWithoutTiming(refLog));
  assert.equal(readFileSync(join(out, "baselines/retrained/model.json"), "utf8"), readFileSync(join(ref, "baselines/retrained/model.json"), "utf8"));
  const side = readdirSync(join(out, "grown")).filter((f) => f.startsWith("log.jsonl.discarded-"));
  const moved = side.reduce((n, f) => n + lineCount(join(out, "grown", f)), 0);
  assert.ok(moved <= 7 + 1, `${moved} records moved aside`);
  for (const f of ["report.md", "plots/fig3-accuracy.svg", "plots/fig4-accuracy-vs-parameters.svg"]) assert.ok(existsSync(join(out, f)), f);
});

test("mnist: bad input fails with a clear message, exit code 1 and no output folder", () => {
  const data = tinyData();
  const out = join(tmp(), "new");
  const missing = cli([...tinyArgs(tmp()), "--out", out]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /files not found \(train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz\)/);
  assert.match(missing.stderr, /tinygrow data fetch mnist/);
  const size = cli([...tinyArgs(data), "--input-size", "784", "--out", out]);
  assert.equal(size.status, 1);
  assert.match(size.stderr, /images are 8×8 = 64 features, but the model expects 784 inputs/);
  const many = cli([...tinyArgs(data), "--train-samples", "60000", "--out", out]);
  assert.equal(many.status, 1);
  assert.match(many.stderr, /--train-samples: data\.trainSamples: asks for 60000 samples, but the mnist training images .* hold only 240/);
  // Checked once the images are read (their count is not known before): the message names the option typed.
  const empty = cli([...tinyArgs(data), "--validation-samples", "238", "--out", out]);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /--validation-samples: data\.validationSamples: 238 validation samples of 240 leave 2 for train-opt, train-ls and train-gr/);
  const sizes = cli([...tinyArgs(data), "--validation-samples", "40", "--split-sizes", "100,60,60", "--out", out]);
  assert.equal(sizes.status, 1);
  assert.match(sizes.stderr, /--split-sizes: data\.splitSizes: the parts \(100 \+ 60 \+ 60 = 220\) exceed the 200 training samples/);
  const verify = cli([...tinyArgs(data).filter((a) => a !== "--no-verify"), "--out", out]);
  assert.equal(verify.status, 1);
  assert.match(verify.stderr, /checksum mismatch/);
  const strategy = cli([...tinyArgs(data), "--strategy", "greedy", "--out", out]);
  assert.equal(strategy.status, 1);
  assert.match(strategy.stderr, /--strategy: growth\.strategy/);
  assert.ok(!existsSync(out));
  const resume = cli(["--resume", tmp(), "--steps", "4"]);
  assert.equal(resume.status, 1);
  assert.match(resume.stderr, /--steps: growth\.steps: cannot be changed on --resume/);
});

test("mnist --help lists the options with their defaults", () => {
  const r = cli(["--help"]);
  assert.equal(r.status, 0);
  const text = r.stdout.replace(/\s+/g, " ");
  for (const [flag, dflt] of [["--strategy", "whole"], ["--steps", "20"], ["--neurons", "10"], ["--dataset", "mnist"], ["--input-size", "784"], ["--evaluate-every", "1"]]) {
    assert.match(text, new RegExp(`${flag} \\S+ .*?\\(default: ${dflt}\\)`), flag);
  }
  for (const flag of ["--out", "--resume", "--data-dir", "--train-samples", "--standardize", "--no-fixed", "--no-retrain", "--baseline-scale", "--max-parameters", "--no-apply-delta", "--no-null-option"]) assert.ok(text.includes(flag), flag);
});

test("--no-null-option sets growth.nullOption false (the paper's rule); without it the engine default holds", () => {
  assert.equal(mnistConfig({ nullOption: false }, {}).growth.nullOption, false);
  assert.equal(mnistConfig({ nullOption: true }, {}).growth.nullOption, undefined);
});

test("--no-apply-delta sets growth.applyDelta false; without it the engine default (true) holds", () => {
  assert.equal(mnistConfig({ applyDelta: false }, {}).growth.applyDelta, false);
  assert.equal(mnistConfig({ applyDelta: true }, {}).growth.applyDelta, true);
});
