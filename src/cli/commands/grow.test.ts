import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "../../node/load-model.js";
import { Rng } from "../../tensor/rng.js";
import { lineCount } from "../../test-support/run-logs.js";
import { tempDir } from "../../test-support/temp-dir.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
const ENV = { ...process.env, TINYGROW_KERNELS: "" };
const dir = tempDir("tinygrow-cli-grow-");

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: ENV });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** y = sin(2a) + b·c + 0.5·[colour = red] + noise; the label is "hi" when y > 0.3. */
function writeTable(path: string, rows: number, seed: number, extraClass = false): void {
  const rng = new Rng(seed);
  const lines = ["a,b,c,colour,y,label"];
  for (let i = 0; i < rows; i++) {
    const a = rng.uniform() * 2 - 1;
    const b = rng.uniform() * 2 - 1;
    const c = rng.uniform() * 2 - 1;
    const colour = ["red", "green", "blue"][i % 3];
    const y = Math.sin(2 * a) + b * c + (colour === "red" ? 0.5 : 0) + 0.05 * rng.normal();
    const label = extraClass && i === rows - 1 ? "unheard" : y > 0.3 ? "hi" : "lo";
    lines.push(`${a},${b},${c},${colour},${y},${label}`);
  }
  writeFileSync(path, lines.join("\n") + "\n");
}

const train = join(dir, "train.csv");
writeTable(train, 300, 1);
const quick = ["--steps", "2", "--epochs", "4", "--neurons", "4", "--quiet"];

test("grow (regression, one-hot column, held-out test): run folder, report, model; predict and evaluate reuse its preprocessing", { timeout: 120_000 }, () => {
  const out = join(dir, "reg");
  const r = cli(["grow", "--train", train, "--target", "y", "--features", "a,b,c,colour", "--categorical", "colour", "--task", "regression", "--standardize-targets", ...quick, "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /test: 60 rows \(20%\) of .*train\.csv held out \(seed 0\)/);
  for (const f of ["manifest.json", "model.json", "report.md", "results.json", "parameters.svg", "grown/log.jsonl", "grown/manifest.json", "grown/dag.svg", "grown/curves.svg", "grown/checkpoint.tgck"]) assert.ok(existsSync(join(out, f)), f);
  const report = readFileSync(join(out, "report.md"), "utf8");
  assert.match(report, /Test set: 60 rows \(20%\) of .* held out/);
  assert.match(report, /colour one-hot/);
  // The kept model is the best on validation (the growth log's "done" record says which).
  const done = JSON.parse(readFileSync(join(out, "grown/log.jsonl"), "utf8").trim().split("\n").at(-1) ?? "") as { selected: { step: number; epoch: number } };
  assert.match(report, new RegExp(`Kept: the model of lowest validation loss \\([^,]+, after growth step ${done.selected.step}, run epoch ${done.selected.epoch}\\)`));
  const model = loadModel(out);
  assert.deepEqual(model.featureNames, ["a", "b", "c", "colour"]);
  assert.equal(model.network.inputSize, 6);

  const csvOut = join(dir, "pred.csv");
  const p = cli(["predict", "--model", out, "--data", train, "--out", csvOut]);
  assert.equal(p.status, 0, p.stderr);
  const lines = readFileSync(csvOut, "utf8").trim().split("\n");
  assert.equal(lines[0], "y");
  assert.equal(lines.length, 301);
  // The library on the same raw rows: identical values, in input order.
  const rows = readFileSync(train, "utf8").trim().split("\n").slice(1, 6).map((l) => l.split(",").slice(0, 4));
  const lib = model.predict(rows) as number[][];
  lib.forEach((v, i) => assert.ok(Math.abs(Number(lines[i + 1]) - v[0]) < 1e-5 * Math.max(1, Math.abs(v[0])), `row ${i}`));

  const npyOut = join(dir, "pred.npy");
  assert.equal(cli(["predict", "--model", join(out, "model.json"), "--data", train, "--out", npyOut, "--quiet"]).status, 0);
  const npy = readFileSync(npyOut);
  assert.match(npy.subarray(0, 128).toString("latin1"), /'descr': '<f4', 'fortran_order': False, 'shape': \(300, 1\)/);
  assert.equal(npy.length, 128 + 300 * 4);
  assert.ok(Math.abs(npy.readFloatLE(128) - lib[0][0]) < 1e-5 * Math.max(1, Math.abs(lib[0][0])));

  const e = cli(["evaluate", "--model", out, "--data", train, "--json"]);
  assert.equal(e.status, 0, e.stderr);
  const scores = JSON.parse(e.stdout) as { rows: number; mse: number; r2: number };
  assert.equal(scores.rows, 300);
  assert.ok(Number.isFinite(scores.mse) && scores.r2 <= 1);

  const json = join(dir, "exported.json");
  assert.equal(cli(["export", out, "--format", "json", "--out", json, "--quiet"]).status, 0);
  assert.deepEqual(loadModel(json).predict(rows), lib);
  const onnxFile = join(dir, "m.onnx");
  assert.equal(cli(["export", out, "--format", "onnx", "--out", onnxFile, "--quiet"]).status, 0);
  assert.ok(readFileSync(onnxFile).length > 100);
  const badFormat = cli(["export", out, "--format", "tflite", "--out", join(dir, "m.tflite")]);
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /expected one of onnx, json, gromotion/);

  // --resume of a finished run keeps it.
  const again = cli(["grow", "--resume", out, "--quiet"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already finished/);
});

test("grow (classification, string labels, --test file): labels and probabilities; a class the training file never had is an error", { timeout: 120_000 }, () => {
  const testFile = join(dir, "test.csv");
  writeTable(testFile, 50, 2);
  const out = join(dir, "cls");
  const r = cli(["grow", "--train", train, "--test", testFile, "--target", "label", "--features", "a,b,c", "--task", "classification", ...quick, "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /test accuracy \d+\.\d+%/);
  assert.ok(existsSync(join(out, "accuracy.svg")));
  assert.match(readFileSync(join(out, "report.md"), "utf8"), /\| true \\ predicted \| hi \| lo \|/);
  const p = cli(["predict", "--model", out, "--data", testFile]);
  assert.equal(p.status, 0, p.stderr);
  const lines = p.stdout.trim().split("\n");
  assert.equal(lines[0], "label,p(hi),p(lo)");
  assert.equal(lines.length, 51);
  const [label, ph, pl] = lines[1].split(",");
  assert.ok(label === "hi" || label === "lo");
  assert.ok(Math.abs(Number(ph) + Number(pl) - 1) < 1e-5);
  assert.equal(label, Number(ph) > Number(pl) ? "hi" : "lo");
  const e = cli(["evaluate", "--model", out, "--data", testFile]);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /accuracy \d+\.\d+%, log loss/);
  assert.match(e.stdout, /confusion matrix/);

  const unseen = join(dir, "unseen.csv");
  writeTable(unseen, 20, 3, true);
  const bad = cli(["grow", "--train", train, "--test", unseen, "--target", "label", "--features", "a,b,c", "--task", "classification", ...quick, "--out", join(dir, "never")]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unseen\.csv: line 21, column "label" \(6\): class "unheard" that the training data never had \(known: "hi", "lo"\)/);
  assert.ok(!existsSync(join(dir, "never")), "no run folder for rejected data");
});

test("strategy bic on a classification table: grows from the empty graph when train-gr can pay for the first step, says why not when it cannot", { timeout: 120_000 }, () => {
  const args = ["grow", "--train", train, "--target", "label", "--task", "classification", "--features", "a,b,c", "--strategy", "bic", "--steps", "2", "--epochs", "4", "--quiet"];
  // 300 rows: 72 on train-gr, so a step may add up to 2·72·ln 2 / ln 72 ≈ 23 parameters; the edge in→out adds (3 + 1)·2 = 8.
  const grows = cli([...args, "--out", join(dir, "bic-grows")]);
  assert.equal(grows.status, 0, grows.stderr);
  assert.doesNotMatch(grows.stdout, /cannot grow/);
  assert.ok((JSON.parse(readFileSync(join(dir, "bic-grows", "results.json"), "utf8")) as { parameters: number }).parameters >= 8);
  // 40 rows: 9 on train-gr, at most 2·9·ln 2 / ln 9 ≈ 6 parameters per step.
  const small = cli([...args, "--train-samples", "40", "--out", join(dir, "bic-small")]);
  assert.equal(small.status, 0, small.stderr);
  assert.match(small.stdout, /strategy bic cannot grow this network from the empty graph: with 9 train-gr rows and 2 classes a step may add at most 2·n·ln C \/ ln n = 6 parameters, and the smallest first step \(the edge in→out\) adds 8/);
  assert.equal((JSON.parse(readFileSync(join(dir, "bic-small", "results.json"), "utf8")) as { parameters: number }).parameters, 0);
});

test("bad input at the command line: exit code 1, the message names what is wrong, no partial output file", { timeout: 60_000 }, () => {
  const tooMany = cli(["grow", "--train", train, "--target", "y", "--features", "a,b,c", "--task", "regression", "--train-samples", "5000", ...quick, "--out", join(dir, "never2")]);
  assert.equal(tooMany.status, 1);
  assert.match(tooMany.stderr, /data\.trainSamples: asks for 5000 rows, but .*train\.csv has 300/);
  const noGrowthRows = cli(["grow", "--train", train, "--target", "y", "--features", "a,b,c", "--task", "regression", "--validation-fraction", "0.995", ...quick, "--out", join(dir, "never4")]);
  assert.equal(noGrowthRows.status, 1);
  assert.match(noGrowthRows.stderr, /--validation-fraction: data\.validationFraction: \d+ validation samples of \d+ leave [0-2] for train-opt, train-ls and train-gr/);
  const allTest = cli(["grow", "--train", train, "--target", "y", "--features", "a,b,c", "--task", "regression", "--test-fraction", "0.995", ...quick, "--out", join(dir, "never5")]);
  assert.equal(allTest.status, 1);
  assert.match(allTest.stderr, /--test-fraction: data\.testFraction: 300 rows leave [0-2] after \d+ test rows/);
  assert.ok(!existsSync(join(dir, "never4")) && !existsSync(join(dir, "never5")));
  const noTask = cli(["grow", "--train", train, "--target", "y", "--quiet"]);
  assert.equal(noTask.status, 1);
  assert.match(noTask.stderr, /task/);
  const nonNumeric = cli(["grow", "--train", train, "--target", "y", "--task", "regression", ...quick, "--out", join(dir, "never3")]);
  assert.equal(nonNumeric.status, 1);
  assert.match(nonNumeric.stderr, /line 2, column "colour" \(4\): non-numeric value "red" in a numeric column \(expected a number; to one-hot encode this column use --categorical colour\)/);

  const model = join(dir, "small");
  assert.equal(cli(["grow", "--train", train, "--target", "y", "--features", "a,b", "--task", "regression", "--steps", "1", "--epochs", "1", "--quiet", "--out", model]).status, 0);
  const wrong = join(dir, "wrong.csv");
  writeFileSync(wrong, "a,c\n1,2\n");
  const outDir = tempDir("tinygrow-pred-out-");
  const mismatch = cli(["predict", "--model", model, "--data", wrong, "--out", join(outDir, "p.csv")]);
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /wrong\.csv: line 1: feature column "b" does not exist \(expected 2 feature columns: "a", "b"; the file has 2: "a", "c"\)/);
  const ragged = join(dir, "ragged.csv");
  writeFileSync(ragged, "a,b\n" + "1,2\n".repeat(20000) + "1\n");
  const late = cli(["predict", "--model", model, "--data", ragged, "--out", join(outDir, "p.csv")]);
  assert.equal(late.status, 1);
  assert.match(late.stderr, /ragged\.csv: line 20002: ragged row/);
  assert.deepEqual(readdirSync(outDir), [], "no prediction file and no temporary file left");

  const newer = join(dir, "newer.json");
  const doc = JSON.parse(readFileSync(join(model, "model.json"), "utf8")) as { version: number };
  writeFileSync(newer, JSON.stringify({ ...doc, version: 7 }));
  const v = cli(["predict", "--model", newer, "--data", train]);
  assert.equal(v.status, 1);
  assert.match(v.stderr, /newer\.json: model format version 7 is newer than this tinygrow supports: this tinygrow reads version 1/);
  const help = cli(["grow", "--help"]);
  for (const flag of ["--train", "--test", "--target", "--task", "--features", "--categorical", "--missing", "--scaling", "--strategy", "--steps", "--neurons", "--inter-train", "--weight-decay", "--keep", "--patience", "--resume", "--quiet"]) assert.ok(help.stdout.includes(flag), flag);
});

test("grow: SIGKILL in the middle, then --resume, ends with the same model as an uninterrupted run", { timeout: 120_000 }, async () => {
  const args = ["grow", "--train", train, "--target", "label", "--features", "a,b,c", "--task", "classification", "--steps", "3", "--epochs", "30", "--neurons", "4", "--checkpoint-every", "5", "--kernels", "portable", "--quiet"];
  const ref = join(dir, "ref");
  assert.equal(cli([...args, "--out", ref]).status, 0);
  const total = lineCount(join(ref, "grown/log.jsonl"));
  const out = join(dir, "killed");
  const log = join(out, "grown/log.jsonl");
  // Killed by the process itself right after its log record `target` is durable (node/fault-points.ts), whatever the machine's speed.
  const target = Math.floor(total / 2);
  const killed = spawnSync(process.execPath, [MAIN, ...args, "--out", out], { encoding: "utf8", env: { ...ENV, TINYGROW_FAULT: `log-record:${target}` } });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  assert.equal(lineCount(log), target);
  assert.ok(!existsSync(join(out, "model.json")));
  const resumed = cli(["grow", "--resume", out, "--quiet"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed at step \d+, epoch \d+/);
  assert.equal(readFileSync(join(out, "grown/model.json"), "utf8"), readFileSync(join(ref, "grown/model.json"), "utf8"));
  assert.deepEqual(loadModel(out).predictProba([[0.1, 0.2, 0.3]]), loadModel(ref).predictProba([[0.1, 0.2, 0.3]]));
});
