import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Queue, QueueEvents } from "bullmq";
import { tempDir } from "../../test-support/temp-dir.js";
import { processState } from "../../test-support/cli-run.js";
import { redisForTests } from "../../test-support/redis.js";
import { deterministicView, type MergedResults } from "../../node/sweep/merge.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
const tmp = (): string => tempDir("tinygrow-sweep-");
const ENV = { ...process.env, TINYGROW_KERNELS: "" };

/** 4 short jobs (whole and bic × 2 seeds), each long enough (≈ 1–2 s) to be killed in the middle. */
const SPEC = {
  command: "teacher-student",
  options: { steps: 2, epochs: 20, "train-samples": 240, "test-samples": 60, neurons: 4, oracle: false, retrain: false, workers: 0, kernels: "portable", "checkpoint-every": 5 },
  grid: { strategy: ["whole", "bic"], seeds: [3, 4] },
};

function writeSpec(dir: string, spec: unknown = SPEC): string {
  const file = join(dir, "spec.json");
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

function cli(args: string[], env: NodeJS.ProcessEnv = ENV): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

const results = (dir: string): MergedResults => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as MergedResults;

let localSweep: string | null = null;

test("sweep --jobs 2: one study folder per grid point, a merged report; --resume runs only what is missing", { timeout: 240_000 }, () => {
  const dir = tmp();
  const out = join(dir, "local");
  const r = cli(["sweep", writeSpec(dir), "--out", out, "--jobs", "2"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 jobs of `tinygrow teacher-student`, 0 already finished, 4 to run on a local pool of 2 processes/);
  assert.match(r.stderr, /sweep: 4\/4 done, 0 running, 0 failed/);
  for (const id of ["strategy-whole_seeds-3", "strategy-whole_seeds-4", "strategy-bic_seeds-3", "strategy-bic_seeds-4"]) assert.ok(existsSync(join(out, "jobs", id, "report.md")), id);
  const merged = results(out);
  assert.deepEqual(merged.cells.map((c) => [c.point, c.series, c.n, c.seeds]), [
    [{ strategy: "whole" }, "whole", 2, [3, 4]],
    [{ strategy: "bic" }, "bic", 2, [3, 4]],
  ]);
  const loss = merged.cells[0].metrics.testLoss;
  assert.equal(loss.mean, (loss.values[0] + loss.values[1]) / 2);
  assert.match(readFileSync(join(out, "summary.md"), "utf8"), /\| whole +\| whole +\| +2 \|/);
  assert.ok(existsSync(join(out, "plots", "pareto.svg")));
  localSweep = out;

  // One job lost, one interrupted (its report removed): --resume runs those two only, the results are the same.
  rmSync(join(out, "jobs", "strategy-bic_seeds-4"), { recursive: true });
  rmSync(join(out, "jobs", "strategy-whole_seeds-3", "report.md"));
  const again = cli(["sweep", "--resume", out, "--jobs", "2"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /2 already finished, 2 to run/);
  assert.doesNotMatch(again.stdout, /strategy-whole_seeds-4: done/);
  assert.deepEqual(deterministicView(results(out)), deterministicView(merged));
});

test("sweep: bad specs and options are named before anything runs", () => {
  const dir = tmp();
  const bad = (spec: unknown, re: RegExp, extra: string[] = []) => {
    const r = cli(["sweep", writeSpec(dir, spec), "--out", join(dir, "never"), ...extra]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(join(dir, "never")), "nothing is created");
  };
  bad({ ...SPEC, grid: { strategy: ["whole"], epoch: [1, 2] } }, /grid: epoch: unknown option of `tinygrow teacher-student` \(did you mean epochs\?\) \(its options: strategy, steps, epochs,/);
  bad({ ...SPEC, options: { ...SPEC.options, out: "x" } }, /options: out: cannot be set in a sweep/);
  bad({ ...SPEC, grid: {} }, /grid: the grid is empty/);
  bad({ ...SPEC, command: "demo" }, /command: "demo" is not a study command a sweep can run; expected one of teacher-student, compare, mnist/);
  bad({ ...SPEC, grid: { strategy: ["whole", "sideways"] } }, /job strategy-sideways: --strategy: strategies\.0: Invalid option/);
  bad({ ...SPEC, grid: { seeds: [0] }, options: { ...SPEC.options, oracle: 3 } }, /oracle: expected true or false/);
  const r = cli(["sweep", "--resume", join(dir, "nothing")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no sweep here \(sweep\.json is missing\)/);
});

test("sweep: an unreachable queue is a clear error within seconds; a second coordinator is refused", { timeout: 120_000 }, async () => {
  const dir = tmp();
  const r = cli(["sweep", writeSpec(dir), "--out", join(dir, "q"), "--queue", "redis://user:hunter2@127.0.0.1:1"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /redis:\/\/user:\*\*\*@127\.0\.0\.1:1: cannot reach the queue: connect ECONNREFUSED/);
  assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  // Within seconds of what the CLI needs to start at all (on a loaded machine that alone
  // can take several seconds: the bound is on the queue's part, a 4 s connect timeout).
  const startup = cli(["--version"]).ms;
  assert.ok(r.ms < startup + 10_000, `${r.ms} ms (tinygrow --version took ${startup} ms)`);
  assert.ok(!existsSync(join(dir, "q")));

  // Two coordinators on one sweep folder: the first is frozen mid-job (a job process stops
  // at its first log record, TINYGROW_FAULT) and holds the folder's run lock; the second
  // is refused naming it; once the first is dead, the next one takes the lock over and
  // finishes the sweep.
  const out = join(dir, "locked");
  const first = spawn(process.execPath, [MAIN, "sweep", writeSpec(dir, { ...SPEC, grid: { seeds: [3] } }), "--out", out, "--jobs", "1"], { env: { ...ENV, TINYGROW_FAULT: "log-record:1:stop" }, detached: true, stdio: "ignore" });
  // The job runs in a process group of its own (the local pool's): once frozen it cannot notice
  // its coordinator's death, and the kernel's SIGHUP to an orphaned stopped group comes
  // asynchronously, so it is killed here by its pid (from its folder's lock) once it is frozen.
  // Before, the next coordinator sometimes met the job's live lock (about 1 run in 5).
  const jobLock = join(out, "jobs", "seeds-3", ".tinygrow.lock");
  let jobPid: number | null = null;
  try {
    // From here the first coordinator cannot finish: its job freezes at its first log record.
    await until("the first coordinator's lock", () => existsSync(join(out, ".tinygrow.lock")));
    const second = cli(["sweep", "--resume", out]);
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`locked: is being written by another tinygrow process \\(pid ${first.pid}, since \\S+: .*sweep `));
    assert.match(second.stderr, /one process at a time may write a run folder/);
    await until("the job frozen at its first log record", () => {
      jobPid = existsSync(jobLock) ? (JSON.parse(readFileSync(jobLock, "utf8")) as { pid: number }).pid : null;
      return jobPid !== null && processState(jobPid) === "T";
    });
  } finally {
    process.kill(-(first.pid as number), "SIGKILL"); // the coordinator
    if (jobPid !== null && processState(jobPid) !== null) process.kill(jobPid, "SIGKILL"); // and its frozen job
  }
  await until("the first coordinator's exit", () => first.exitCode !== null || first.signalCode !== null);
  await until("the frozen job's exit", () => jobPid === null || processState(jobPid) === null || processState(jobPid) === "Z");
  const third = cli(["sweep", "--resume", out]);
  assert.equal(third.status, 0, third.stderr);
  assert.match(third.stderr, new RegExp(`took over the lock of .*locked left by tinygrow process ${first.pid}`));
  assert.ok(existsSync(join(out, "jobs", "seeds-3", "report.md")));
});

const redis = redisForTests();

function startWorker(url: string, queueName: string, workDir: string, extra: string[] = []): { child: ChildProcess; out: () => string } {
  let text = "";
  const child = spawn(process.execPath, [MAIN, "worker", "--queue", url, "--queue-name", queueName, "--lock-seconds", "3", "--work-dir", workDir, ...extra], { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (b: Buffer) => (text += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (text += b.toString()));
  return { child, out: () => text };
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function coordinator(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [MAIN, ...args], { env: ENV });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    c.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    c.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("sweep --queue: 2 workers, one SIGKILLed mid-job; the job is resumed by the other and the results equal the local sweep's", { skip: redis.skip, timeout: 240_000 }, async () => {
  const url = new URL(redis.url as string);
  // A user with a password, to check that it works and never shows.
  const admin = new Redis(redis.url as string);
  const password = `pw-${process.pid}-secret`;
  await admin.call("ACL", "SETUSER", "tinygrow-test", "on", `>${password}`, "~*", "&*", "+@all");
  await admin.quit();
  url.username = "tinygrow-test";
  url.password = password;
  const queueUrl = url.toString();
  const dir = tmp();
  const name = `test-${process.pid}-${Date.now()}`;
  const w1 = startWorker(queueUrl, name, join(dir, "w1"));
  const w2 = startWorker(queueUrl, name, join(dir, "w2"));
  const out = join(dir, "queued");
  const done = coordinator(["sweep", writeSpec(dir), "--out", out, "--queue", queueUrl, "--queue-name", name]);
  try {
    // Kill worker 1 once its job has written its study folder (it is in the middle of the job).
    await until("worker 1 to start a job", () => /job (\S+) \(sweep/.test(w1.out()));
    const job = (/job (\S+) \(sweep/.exec(w1.out()) as RegExpExecArray)[1];
    await until("the job's study folder", () => existsSync(join(out, "jobs", job, "manifest.json")));
    w1.child.kill("SIGKILL");
    const r = await done;
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`${job}: worker lost, job put back`));
    assert.match(r.stderr, /sweep: 4\/4 done, 0 running, 0 failed/);
    // Resumed from its folder (not restarted elsewhere): the study manifest records the resume.
    const manifest = JSON.parse(readFileSync(join(out, "jobs", job, "manifest.json"), "utf8")) as { resumedAt: string[] };
    assert.ok(manifest.resumedAt.length >= 1, "the retried job resumed its folder");
    if (localSweep !== null) assert.deepEqual(deterministicView(results(out)), deterministicView(results(localSweep)));
    for (const f of ["sweep.json", "events.jsonl", "report.md", "summary.md", "results.json"]) assert.doesNotMatch(readFileSync(join(out, f), "utf8"), new RegExp(password), f);
    assert.doesNotMatch(r.stdout + r.stderr + w2.out(), new RegExp(password));
  } finally {
    w1.child.kill("SIGKILL");
    w2.child.kill("SIGTERM");
  }
});

test("worker: a job of another tinygrow version is refused with both versions; a non-shared worker sends the folder back", { skip: redis.skip, timeout: 120_000 }, async () => {
  const dir = tmp();
  const name = `test-v-${process.pid}-${Date.now()}`;
  const w = startWorker(redis.url as string, name, join(dir, "w"), ["--no-shared"]);
  const connection = new Redis(redis.url as string, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  const eventsConnection = connection.duplicate();
  const events = new QueueEvents(name, { connection: eventsConnection });
  try {
    await events.waitUntilReady();
    const job = await queue.add("j", { version: "0.0.0-other", sweepId: "x", sweepDir: dir, job: "j", command: "teacher-student", args: [] }, { attempts: 1 });
    await assert.rejects(job.waitUntilFinished(events, 60_000), /queued by tinygrow 0\.0\.0-other, this worker runs tinygrow \d+\.\d+\.\d+/);

    // Not shared: the job runs under the worker's --work-dir and its files come back in the queue's result.
    const out = join(dir, "bundled");
    const r = await coordinator(["sweep", writeSpec(dir, { ...SPEC, grid: { seeds: [3] }, options: { ...SPEC.options, strategy: "bic" } }), "--out", out, "--queue", redis.url as string, "--queue-name", name]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(out, "jobs", "seeds-3", "report.md")), "the bundle was unpacked into the sweep folder");
    assert.ok(existsSync(join(dir, "w")), "the job ran in the worker's folder");
    assert.equal(results(out).cells[0].n, 1);
  } finally {
    w.child.kill("SIGTERM");
    await events.close();
    await queue.close();
    connection.disconnect();
    eventsConnection.disconnect();
  }
});

test("sweep --queue rediss://: TLS with a private CA (--tls-ca) and a password; without the CA, a clear error", { skip: redis.skip, timeout: 120_000 }, async () => {
  const dir = tmp();
  const sh = (cmd: string, args: string[]) => assert.equal(spawnSync(cmd, args, { cwd: dir, stdio: "ignore" }).status, 0, `${cmd} ${args.join(" ")}`);
  sh("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=tinygrow-test-ca"]);
  sh("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  sh("openssl", ["x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "1", "-extfile", "ext.cnf"]);
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const server = spawn("redis-server", ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--tls-cert-file", "srv.pem", "--tls-key-file", "srv.key", "--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no", "--requirepass", "tls-secret-pw", "--save", "", "--appendonly", "no"], { cwd: dir, stdio: "ignore" });
  const url = `rediss://:tls-secret-pw@127.0.0.1:${port}`;
  const name = `test-tls-${process.pid}`;
  let w: ReturnType<typeof startWorker> | null = null;
  try {
    await new Promise((r) => setTimeout(r, 500));
    const noCa = cli(["sweep", writeSpec(dir), "--out", join(dir, "no-ca"), "--queue", url, "--queue-name", name]);
    assert.equal(noCa.status, 1);
    assert.match(noCa.stderr, /rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: cannot reach the queue: self-signed certificate/);
    w = startWorker(url, name, join(dir, "w"), ["--tls-ca", join(dir, "ca.pem")]);
    const out = join(dir, "tls");
    const r = await coordinator(["sweep", writeSpec(dir, { ...SPEC, grid: { seeds: [3] }, options: { ...SPEC.options, strategy: "bic", epochs: 2 } }), "--out", out, "--queue", url, "--queue-name", name, "--tls-ca", join(dir, "ca.pem")]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(results(out).cells[0].n, 1);
    assert.doesNotMatch(r.stdout + r.stderr + w.out() + readFileSync(join(out, "sweep.json"), "utf8"), /tls-secret-pw/);
  } finally {
    w?.child.kill("SIGTERM");
    server.kill();
  }
});
