/**
 * The fault-injection suite (issue 8): a small teacher–student study (portable kernels, one
 * run, ≈ 200 log records) is killed, interrupted, run concurrently, starved of disk space
 * and fed damaged files; after each fault the run folder must be resumable and end
 * byte-identical (model.json; the log's records, timing aside) to an uninterrupted run — or
 * the fault must be reported, naming the file and the cause.
 *
 * Faults are placed exactly, not raced against a timer: TINYGROW_FAULT makes the process
 * SIGKILL (or SIGSTOP) itself at the n-th pass of a named point (node/fault-points.ts). The
 * random points are drawn from a seeded Rng (TINYGROW_FAULT_SEED, default 8), printed as
 * test diagnostics so that a failure can be replayed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../src/tensor/rng.js";
import { CLI_MAIN, runCli, signalStopped, startStopped, type CliResult } from "../src/test-support/cli-run.js";
import { lineCount, recordsWithoutTiming } from "../src/test-support/run-logs.js";
import { tempDir } from "../src/test-support/temp-dir.js";
import { mountTmpfs } from "../src/test-support/tmpfs.js";

const STUDY = ["teacher-student", "--strategy", "whole", "--steps", "3", "--epochs", "60", "--seeds", "4", "--train-samples", "240", "--test-samples", "60", "--neurons", "4", "--checkpoint-every", "7", "--kernels", "portable", "--workers", "0", "--quiet", "--no-oracle", "--no-retrain"];
const RUN = "whole/seed-4";
const TIMEOUT = 600_000;

const root = tempDir("tinygrow-faults-");
let folders = 0;
const fresh = (): string => join(root, `f${++folders}`);

let ref: { out: string; model: string; records: Record<string, unknown>[]; total: number } | null = null;
/** The uninterrupted run every faulty one must end as. */
function reference(): NonNullable<typeof ref> {
  if (ref !== null) return ref;
  const out = fresh();
  const r = runCli([...STUDY, "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  ref = { out, model: readFileSync(join(out, RUN, "model.json"), "utf8"), records: recordsWithoutTiming(join(out, RUN, "log.jsonl")), total: lineCount(join(out, RUN, "log.jsonl")) };
  return ref;
}

function assertLikeReference(out: string, what: string): void {
  const r = reference();
  assert.equal(readFileSync(join(out, RUN, "model.json"), "utf8"), r.model, `${what}: model.json`);
  assert.deepEqual(recordsWithoutTiming(join(out, RUN, "log.jsonl")), r.records, `${what}: log records (none lost, none twice)`);
}

function killedAt(fault: string, out = fresh()): string {
  const r = runCli([...STUDY, "--out", out], { TINYGROW_FAULT: fault });
  assert.equal(r.signal, "SIGKILL", `${fault}: the run ended before the fault point (${r.status}) ${r.stderr}`);
  return out;
}

function resume(out: string, env: Record<string, string> = {}): CliResult {
  return runCli(["teacher-student", "--resume", out, "--quiet"], env);
}

const manifestOf = (out: string): { resumedAt: string[] } => JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { resumedAt: string[] };

test("SIGKILL at random points (seeded), then --resume: byte-identical to an uninterrupted run", { timeout: TIMEOUT }, (t) => {
  const { total } = reference();
  const seed = Number(process.env.TINYGROW_FAULT_SEED ?? 8);
  const rng = new Rng(seed);
  const pick = (n: number): number => 1 + Math.floor(rng.uniform() * n);
  // Checkpoints: the init, one per growth step, every 7 epochs, the last: ≥ 20 passes of each checkpoint point.
  const faults = [`log-record:${pick(total - 1)}`, `log-record:${pick(total - 1)}`, `log-record:${pick(total - 1)}`, `checkpoint-staged:${pick(20)}`, `checkpoint-staged:${pick(20)}`, `checkpoint:${pick(20)}`];
  t.diagnostic(`TINYGROW_FAULT_SEED=${seed}: ${faults.join(", ")}`);
  for (const fault of faults) {
    const out = killedAt(fault);
    const r = resume(out);
    assert.equal(r.status, 0, `${fault}: ${r.stderr}`);
    assertLikeReference(out, fault);
  }
  // Killed again while resuming, then resumed to the end.
  const out = killedAt(`log-record:${pick(total - 1)}`);
  const again = resume(out, { TINYGROW_FAULT: "log-record:5" });
  assert.equal(again.signal, "SIGKILL");
  assert.equal(resume(out).status, 0);
  assertLikeReference(out, "killed twice");
});

test("two concurrent resumes: the second is refused naming the first's pid; the folder ends as an uninterrupted run", { timeout: TIMEOUT }, async () => {
  const out = killedAt("log-record:30");
  const first = await startStopped(["teacher-student", "--resume", out, "--quiet"], "log-record:5:stop");
  const second = resume(out);
  const resumes = manifestOf(out).resumedAt.length;
  process.kill(first.pid, "SIGCONT");
  const done = await first.done;
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`is being written by another tinygrow process \\(pid ${first.pid}, since .*\\); one process at a time may write a run folder`));
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /took over the lock of .* left by tinygrow process \d+ .*, which is no longer running/);
  assert.equal(manifestOf(out).resumedAt.length, resumes, "the refused resume wrote nothing");
  assertLikeReference(out, "concurrent resumes");
  assert.equal(resume(out).status, 0, "still resumable (finished)");
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  test(`${signal}: stops at the next safe point, prints where and the exact --resume command, exits ${code}`, { timeout: TIMEOUT }, async () => {
    const out = fresh();
    const run = await startStopped([...STUDY, "--out", out], "log-record:40:stop");
    await signalStopped(run, signal);
    const r = await run.done;
    assert.equal(r.status, code, r.stderr);
    assert.match(r.stderr, new RegExp(`tinygrow: stopped by ${signal} in .*${RUN}: after growth step \\d, epoch \\d+ of its training \\(run epoch \\d+\\); a checkpoint was written there; continue with:`));
    const command = /continue with:\n {2}(.*)\n/.exec(r.stderr)?.[1] ?? "";
    assert.equal(command, `node ${CLI_MAIN} teacher-student --resume ${out}`);
    assert.ok(lineCount(join(out, RUN, "log.jsonl")) < reference().total);
    const resumed = runCli(command.split(" ").slice(2));
    assert.equal(resumed.status, 0, resumed.stderr);
    assertLikeReference(out, signal);
  });
}

function flipByte(file: string, at: number): void {
  const buf = readFileSync(file);
  buf[at] ^= 0xff;
  writeFileSync(file, buf);
}

test("a damaged newest checkpoint: the resume says so and continues from the previous one, to the same result", { timeout: TIMEOUT }, () => {
  const out = killedAt("log-record:100");
  flipByte(join(out, RUN, "checkpoint.tgck"), 200);
  const r = resume(out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /the newest checkpoint is unusable \(.*checkpoint\.tgck.*corrupt checkpoint: the body's sha256 does not match the header\); continuing from the previous one, checkpoint\.prev\.tgck/);
  assertLikeReference(out, "damaged newest checkpoint");
});

test("both checkpoints damaged: the error names both files, and the failed resume records nothing", { timeout: TIMEOUT }, () => {
  const out = killedAt("log-record:100");
  flipByte(join(out, RUN, "checkpoint.tgck"), 200);
  writeFileSync(join(out, RUN, "checkpoint.prev.tgck"), "TINYGROW-CHECKPOINT 1 bytes=9");
  const before = readFileSync(join(out, "manifest.json"), "utf8");
  const r = resume(out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no usable checkpoint: .*checkpoint\.tgck.*sha256.*; and .*checkpoint\.prev\.tgck.*truncated checkpoint/);
  assert.equal(readFileSync(join(out, "manifest.json"), "utf8"), before, "no resumedAt for a resume that failed");
});

test("damaged logs: a torn last line is moved aside and the run ends as usual; a malformed line or NUL bytes is an error naming the line", { timeout: TIMEOUT }, () => {
  const torn = killedAt("log-record:77");
  appendFileSync(join(torn, RUN, "log.jsonl"), '{"kind":"epoch","step":2,"ep');
  const r = resume(torn);
  assert.equal(r.status, 0, r.stderr);
  assertLikeReference(torn, "torn last line");
  for (const [what, damage] of [["garbage", "not json at all\n"], ["NUL bytes", "\0\0\0\0\n"]] as const) {
    const out = killedAt("log-record:77");
    const log = join(out, RUN, "log.jsonl");
    const lines = readFileSync(log, "utf8").split("\n");
    lines.splice(4, 1, damage.slice(0, -1));
    writeFileSync(log, lines.join("\n"));
    const bad = resume(out);
    assert.equal(bad.status, 1, what);
    assert.match(bad.stderr, /log\.jsonl \(byte \d+\): line 5: invalid JSON/, what);
  }
});

const disk = mountTmpfs("size=160k");
test("a full disk: the run fails naming ENOSPC and the file; after space is freed, --resume ends as an uninterrupted run", { timeout: TIMEOUT, skip: "skip" in disk ? disk.skip : false }, () => {
  if ("skip" in disk) return;
  reference();
  try {
    const out = join(disk.dir, "study");
    const r = runCli([...STUDY, "--out", out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^tinygrow: .*(ENOSPC|no space left)/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(spawnSync("mount", ["-o", "remount,size=16m", disk.dir]).status, 0, "mount -o remount,size=16m");
    const resumed = resume(out);
    assert.equal(resumed.status, 0, resumed.stderr);
    assertLikeReference(out, "full disk");
  } finally {
    disk.unmount();
  }
});
