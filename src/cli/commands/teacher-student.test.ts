import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultOut } from "../study-runner.js";
import { lineCount, recordsWithoutTiming } from "../../test-support/run-logs.js";
import { tempDir } from "../../test-support/temp-dir.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
const tmp = (): string => tempDir("tinygrow-cli-ts-");

/** Small but long enough (≈ 200 log records) to be caught in the middle. */
const TINY = ["--strategy", "whole", "--steps", "3", "--epochs", "60", "--seeds", "4", "--train-samples", "240", "--test-samples", "60", "--neurons", "4", "--checkpoint-every", "7", "--kernels", "portable", "--workers", "0", "--quiet", "--no-oracle", "--no-retrain"];

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: { ...process.env, TINYGROW_KERNELS: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("teacher-student: SIGKILL at a log record in the middle of training, then --resume, ends exactly as an uninterrupted run", { timeout: 120_000 }, async () => {
  const ref = join(tmp(), "ref");
  const done = cli(["teacher-student", ...TINY, "--out", ref]);
  assert.equal(done.status, 0, done.stderr);
  const refLog = join(ref, "whole/seed-4/log.jsonl");
  const total = lineCount(refLog);
  assert.ok(total > 150, `the reference log has ${total} records`);

  const out = join(tmp(), "killed");
  const log = join(out, "whole/seed-4/log.jsonl");
  // Killed by the process itself right after its log record `target` is durable (node/fault-points.ts):
  // past the first growth step, mid-training of step 2, whatever the machine's speed.
  const target = Math.floor(total / 2) + 3;
  const killed = spawnSync(process.execPath, [MAIN, "teacher-student", ...TINY, "--out", out], { encoding: "utf8", env: { ...process.env, TINYGROW_KERNELS: "", TINYGROW_FAULT: `log-record:${target}` } });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  const atKill = lineCount(log);
  assert.equal(atKill, target, `killed after ${atKill} of ${total} records`);
  assert.ok(!existsSync(join(out, "report.md")));

  const resumed = cli(["teacher-student", "--resume", out, "--quiet"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed at step \d+, epoch \d+/);
  assert.match(resumed.stdout, new RegExp(`report: ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/report\\.md`));
  assert.equal(readFileSync(join(out, "whole/seed-4/model.json"), "utf8"), readFileSync(join(ref, "whole/seed-4/model.json"), "utf8"));
  // Same lines in the same order (timing and energy aside): none lost, none duplicated.
  assert.deepEqual(recordsWithoutTiming(log), recordsWithoutTiming(refLog));
  // Lines written after the last checkpoint were moved aside, not deleted.
  const side = readdirSync(join(out, "whole/seed-4")).filter((f) => f.startsWith("log.jsonl.discarded-"));
  const moved = side.reduce((n, f) => n + lineCount(join(out, "whole/seed-4", f)), 0);
  assert.ok(moved <= 7 + 1, `${moved} records moved aside`);
});

test("teacher-student refuses an existing folder and names the bad field of a config", () => {
  const out = tmp();
  writeFileSync(join(out, "keep.txt"), "x");
  const r = cli(["teacher-student", ...TINY, "--out", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is not empty .*resume it with --resume, or choose another --out/);
  assert.equal(readFileSync(join(out, "keep.txt"), "utf8"), "x");

  const neurons = cli(["teacher-student", ...TINY, "--neurons", "0", "--out", join(out, "new")]);
  assert.equal(neurons.status, 1);
  assert.match(neurons.stderr, /--neurons: growth\.neuronsPerStep/);
  const split = cli(["teacher-student", ...TINY, "--split-sizes", "100,100,100", "--out", join(out, "new")]);
  assert.match(split.stderr, /data\.splitSizes: the parts \(100 \+ 100 \+ 100 = 300\) exceed the 200 training samples left after data\.validationSamples \(40\)/);
  // α, the significance level and the validation split: exit 1, the option named, nothing written.
  const bad: [string[], RegExp][] = [
    [["--alpha", "-1e-6"], /--alpha: growth\.penalty\.alpha/],
    [["--alpha", "NaN"], /--alpha <x>.*expected a finite decimal number/],
    [["--significance-level", "1.5"], /--significance-level: growth\.fit\.significance\.level/],
    [["--validation-samples", "238"], /data\.validationSamples: 238 validation samples of data\.trainSamples \(240\) leave 2/],
  ];
  for (const [args, message] of bad) {
    const r = cli(["teacher-student", ...TINY, ...args, "--out", join(out, "new")]);
    assert.ok(r.status !== 0 && r.status !== null, `${args.join(" ")}: exit ${r.status}`);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(join(out, "new")), `${args.join(" ")} wrote ${join(out, "new")}`);
  }
  const strategy = cli(["teacher-student", ...TINY, "--strategy", "greedy", "--out", join(out, "new")]);
  assert.match(strategy.stderr, /--strategy: strategies\.0/);
  const config = join(out, "bad.json");
  writeFileSync(config, JSON.stringify({ growth: { steps: -2 } }));
  const file = cli(["teacher-student", "--config", config, "--quiet", "--out", join(out, "new")]);
  assert.match(file.stderr, new RegExp(`${config.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: growth\\.steps`));
  assert.ok(!existsSync(join(out, "new")));
});

test("--resume keeps the study's configuration: other options are refused by name", () => {
  const r = cli(["teacher-student", "--resume", tmp(), "--steps", "4", "--epochs", "2"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--steps: growth\.steps: cannot be changed on --resume/);
  assert.match(r.stderr, /--epochs: training\.epochsPerStep: cannot be changed on --resume/);
  const missing = cli(["teacher-student", "--resume", join(tmp(), "nothing")]);
  assert.match(missing.stderr, /no run to resume here/);
});

test("teacher-student --help lists every option with its default", () => {
  const r = cli(["teacher-student", "--help"]);
  assert.equal(r.status, 0);
  for (const [flag, dflt] of [["--strategy", "whole"], ["--steps", "15"], ["--epochs", "100"], ["--seeds", "0,1,2,3,4,5"], ["--neurons", "10"], ["--train-samples", "3600"], ["--test-samples", "1000"], ["--lr", "0.01"], ["--checkpoint-every", "25"], ["--kernels", "auto"]]) {
    assert.match(r.stdout.replace(/\s+/g, " "), new RegExp(`${flag} \\S+ .*?\\(default: ${dflt}\\)`), flag);
  }
  for (const flag of ["--out", "--resume", "--config", "--workers", "--quiet", "--no-oracle", "--no-retrain", "--split-sizes", "--evaluate-every"]) assert.ok(r.stdout.includes(flag), flag);
});

test("the default study folder is runs/<command>-<date>-<time>", () => {
  assert.equal(defaultOut("compare", new Date(2024, 0, 2, 3, 4, 5)), "runs/compare-20240102-030405");
});

test("NaN during training (a huge learning rate) fails with an error naming the growth step and the edge", () => {
  const out = join(tmp(), "nan");
  const r = cli(["teacher-student", ...TINY, "--lr", "1e6", "--out", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tinygrow: training stopped at step \d+: loss is (NaN|Infinity).*growth step 1, epoch \d+ of 60/);
  assert.ok(existsSync(join(out, "whole/seed-4/checkpoint.tgck")));
});
