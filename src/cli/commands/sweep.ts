/**
 * `tinygrow sweep SPEC.json`: a grid over a study command's options, one job (a normal study
 * folder) per grid point under one sweep folder, run on a local process pool (`--jobs N`) or
 * on a BullMQ queue (`--queue redis://…`, served by `tinygrow worker`), then one merged
 * report. `--resume DIR` runs only what is missing or incomplete. See node/sweep/.
 */
import { availableParallelism } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { softwareVersions } from "../../node/io/run-folder.js";
import { runSweep, type SweepMode, type SweepTarget } from "../../node/sweep/coordinator.js";
import { readSweepManifest, type JobRecord } from "../../node/sweep/folder.js";
import { DEFAULT_QUEUE_NAME, probeQueue, queueTarget } from "../../node/sweep/redis.js";
import { SWEEP_COMMANDS } from "../../node/sweep/results.js";
import { expandGrid, readSweepSpec, type OptionValue } from "../../node/sweep/spec.js";
import { intArg } from "../parsers.js";
import { checkJobs, jobArgs } from "../sweep-options.js";
import { defaultOut, stdoutLine } from "../study-runner.js";
import { mnistConfig } from "./mnist.js";
import { studyConfig, teacherStudentLayers } from "./teacher-student.js";

/** How each sweepable command's options become its configuration (its ConfigError when invalid). */
const CHECKS: Record<string, (options: Record<string, unknown>) => void> = {
  "teacher-student": (o) => studyConfig(o, teacherStudentLayers(o)),
  compare: (o) => studyConfig(o, { extra: o.strategies === undefined ? null : { source: "flags", values: { strategies: o.strategies }, pathSources: { strategies: "--strategies" } } }),
  mnist: (o) => mnistConfig(o),
};

/** Options holding paths: made absolute (relative to the spec's folder) so every job process finds them. */
const PATH_OPTIONS = new Set(["config", "dataDir", "data-dir"]);

export function sweepVersion(): string {
  return softwareVersions().tinygrow;
}

async function newSweep(specFile: string, out: string, freshProgram: () => Command): Promise<SweepTarget> {
  const spec = readSweepSpec(specFile);
  const reader = SWEEP_COMMANDS[spec.command];
  if (reader === undefined) throw new ConfigError([{ source: specFile, path: "command", message: `"${spec.command}" is not a study command a sweep can run; expected one of ${Object.keys(SWEEP_COMMANDS).join(", ")}` }]);
  const base = dirname(resolve(specFile));
  const absolute = (key: string, v: OptionValue): OptionValue => (PATH_OPTIONS.has(key) && typeof v === "string" && !isAbsolute(v) ? resolve(base, v) : v);
  const cmd = freshProgram().commands.find((c) => c.name() === spec.command) as Command;
  const jobs = expandGrid(spec, reader.replicate).map((job) => {
    const options = Object.fromEntries(Object.entries(job.options).map(([k, v]) => [k, absolute(k, v)]));
    return { job, args: jobArgs(cmd, options, (key) => `${specFile}: ${key in spec.grid ? "grid" : "options"}`) };
  });
  await checkJobs(freshProgram, spec.command, jobs, CHECKS[spec.command]);
  const records: JobRecord[] = jobs.map(({ job, args }) => ({ id: job.id, point: job.point, cell: job.cell, args }));
  return { kind: "new", dir: out, spec, specFile: resolve(specFile), replicate: reader.replicate, jobs: records };
}

export function registerSweep(program: Command, freshProgram: () => Command): void {
  program
    .command("sweep")
    .description("run a grid over a study command's options (teacher-student, compare, mnist): one study folder per grid point, on local processes or a Redis queue, and one merged report")
    .argument("[spec]", 'SPEC.json: { "command": "teacher-student", "options": { … }, "grid": { "strategy": ["whole", "bic"], "seeds": [0, 1, 2] } }')
    .option("--out <dir>", "sweep folder, must not exist or be empty (default: runs/sweep-<date>-<time>)")
    .option("--resume <dir>", "continue the sweep in <dir>: run only the jobs that are missing or incomplete")
    .option("--jobs <n>", `local job processes at a time (default: ${availableParallelism()}, the cores; set "workers": 0 in the spec's options so jobs do not also start candidate threads)`, intArg)
    .option("--queue <url>", "run the jobs on a BullMQ queue in Redis (redis://[user:password@]host:port, rediss:// for TLS) served by `tinygrow worker`")
    .option("--queue-name <name>", `BullMQ queue name (default: ${DEFAULT_QUEUE_NAME})`)
    .option("--tls-ca <file>", "PEM file of the CA that signed the Redis server's certificate (rediss://)")
    .option("--attempts <n>", "tries per job before it is reported failed (default: 3)", intArg)
    .option("--dry-run", "print the jobs and their command lines, run nothing")
    .action(async (spec: string | undefined, options: Record<string, unknown>) => {
      const code = await sweepCommand(spec, options, freshProgram);
      if (code !== 0) process.exitCode = code;
    });
}

/** Runs the command; resolves to the exit code (1 when a job failed). */
export async function sweepCommand(spec: string | undefined, options: Record<string, unknown>, freshProgram: () => Command, write = stdoutLine): Promise<number> {
  const resume = typeof options.resume === "string" ? options.resume : null;
  if ((spec === undefined) === (resume === null)) throw new ConfigError([{ source: "arguments", path: "spec", message: "give a SPEC.json for a new sweep, or --resume DIR to continue one (not both)" }]);
  if (resume !== null && typeof options.out === "string") throw new ConfigError([{ source: "--out", path: "out", message: "give either --out (a new sweep) or --resume (an existing one), not both" }]);
  const attempts = (options.attempts as number | undefined) ?? 3;
  if (attempts < 1) throw new ConfigError([{ source: "--attempts", path: "attempts", message: "expected at least 1" }]);
  const jobs = (options.jobs as number | undefined) ?? availableParallelism();
  if (jobs < 1) throw new ConfigError([{ source: "--jobs", path: "jobs", message: "expected at least 1" }]);
  if (typeof options.queue === "string" && options.jobs !== undefined) throw new ConfigError([{ source: "--jobs", path: "jobs", message: "--jobs is for the local pool; with --queue, start as many `tinygrow worker` as you want" }]);
  const mode: SweepMode = typeof options.queue === "string" ? { kind: "queue", target: queueTarget(options.queue, (options.queueName as string | undefined) ?? DEFAULT_QUEUE_NAME, options.tlsCa as string | undefined) } : { kind: "local", jobs };
  // An unreachable queue fails before anything is created.
  if (mode.kind === "queue" && options.dryRun !== true) await probeQueue(mode.target);
  const target: SweepTarget = resume !== null ? { kind: "resume", dir: resume } : await newSweep(spec as string, typeof options.out === "string" ? options.out : defaultOut("sweep"), freshProgram);
  if (options.dryRun === true) {
    const records = target.kind === "new" ? target.jobs : readSweepManifest(target.dir).jobs;
    const command = target.kind === "new" ? target.spec.command : readSweepManifest(target.dir).spec.command;
    for (const j of records) write(`${j.id}: tinygrow ${command} ${j.args.join(" ")}`);
    write(`${records.length} jobs`);
    return 0;
  }
  const run = await runSweep(target, mode, { version: sweepVersion(), attempts, io: { log: write, status: (l) => process.stderr.write(l + "\n") } });
  write(`summary: ${resolve(run.dir, "summary.md")}`);
  write(`report: ${run.report}`);
  if (run.failed.length > 0) {
    process.stderr.write(`tinygrow: ${run.failed.length} job(s) failed: ${run.failed.map((f) => `${f.id} (${f.error})`).join("; ")}; fix the cause and run \`tinygrow sweep --resume ${run.dir}\`\n`);
    return 1;
  }
  return 0;
}
