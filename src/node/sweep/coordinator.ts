/**
 * Running a sweep: create (or reopen with --resume) the sweep folder, lock it, run every job
 * that has not finished — on a local process pool or on a BullMQ queue — while showing
 * done / running / failed, then write the merged report. Only the job folders decide what
 * is finished, so a resumed sweep runs exactly what is missing or incomplete.
 */
import { resolve } from "node:path";
import { appendEvent, createSweepFolder, jobDir, jobLogFile, jobState, markResumed, newSweepId, readSweepManifest, type JobEvent, type JobRecord, type SweepManifest } from "./folder.js";
import { runLocalPool, type JobOutcome, type PendingJob } from "./local-pool.js";
import { acquireRunLock } from "../io/run-lock.js";
import { writeSweepReport, type MergedResults } from "./merge.js";
import { runOnQueue } from "./queue.js";
import type { QueueTarget } from "./redis.js";
import type { SweepSpec } from "./spec.js";

export type SweepMode = { kind: "local"; jobs: number } | { kind: "queue"; target: QueueTarget };

export interface SweepIo {
  /** One line per job outcome and the summary (stdout). */
  log(line: string): void;
  /** Progress lines (stderr). */
  status(line: string): void;
}

export type SweepTarget =
  | { kind: "new"; dir: string; spec: SweepSpec; specFile: string | null; replicate: string; jobs: JobRecord[] }
  | { kind: "resume"; dir: string };

export interface SweepRun {
  dir: string;
  report: string;
  merged: MergedResults;
  outcomes: JobOutcome[];
  failed: JobOutcome[];
}

export async function runSweep(target: SweepTarget, mode: SweepMode, options: { version: string; attempts: number; io: SweepIo; env?: NodeJS.ProcessEnv }): Promise<SweepRun> {
  const dir = resolve(target.dir);
  const { io } = options;
  let manifest: SweepManifest;
  if (target.kind === "new") {
    manifest = createSweepFolder(dir, { sweepId: newSweepId(), tinygrow: options.version, specFile: target.specFile, spec: target.spec, replicate: target.replicate, jobs: target.jobs });
  } else {
    manifest = readSweepManifest(dir);
  }
  // One coordinator per sweep folder: the run folders' lock (a second live coordinator is refused naming it).
  const lock = acquireRunLock(dir);
  if (lock.takeover !== null) io.status(`sweep: ${lock.takeover}`);
  try {
    if (target.kind === "resume") markResumed(dir, manifest);
    const pending: PendingJob[] = manifest.jobs
      .filter((j) => jobState(jobDir(dir, j.id)) !== "done")
      .map((j) => ({ id: j.id, command: manifest.spec.command, args: j.args, dir: jobDir(dir, j.id), logFile: jobLogFile(dir, j.id) }));
    const where = mode.kind === "local" ? `a local pool of ${mode.jobs} process${mode.jobs === 1 ? "" : "es"}` : `the queue ${mode.target.redacted} ("${mode.target.name}")`;
    io.log(`sweep ${manifest.sweepId}: ${manifest.jobs.length} jobs of \`tinygrow ${manifest.spec.command}\`, ${manifest.jobs.length - pending.length} already finished, ${pending.length} to run on ${where}, in ${dir}`);
    const errors = new Map<string, string>();
    const progress = progressLine(pending.length, io.status);
    const onEvent = (e: JobEvent): void => {
      appendEvent(dir, e);
      if (e.event === "done") io.log(`${e.job}: done${e.ms === undefined ? "" : ` in ${(e.ms / 1000).toFixed(1)} s`}${e.worker ? ` (${e.worker})` : ""}`);
      if (e.event === "failed") {
        errors.set(e.job, e.error ?? "failed");
        io.log(`${e.job}: FAILED after ${e.attempt ?? "?"} attempt(s): ${e.error}`);
      }
      if (e.event === "retry" || e.event === "stalled") io.log(`${e.job}: ${e.event === "stalled" ? "worker lost, job put back" : "retrying"} (attempt ${e.attempt})${e.error ? `: ${e.error}` : ""}`);
      if (mode.kind === "local") progress.local(e);
    };
    const outcomes =
      pending.length === 0
        ? []
        : mode.kind === "local"
          ? await runLocalPool(pending, { jobs: mode.jobs, attempts: options.attempts, onEvent, env: options.env })
          : await runOnQueue(pending, {
              target: mode.target,
              version: options.version,
              sweepId: manifest.sweepId,
              sweepDir: dir,
              attempts: options.attempts,
              onEvent,
              onProgress: progress.set,
              onNotice: io.status,
            });
    const { report, merged } = await writeSweepReport(dir, manifest, errors);
    return { dir, report, merged, outcomes, failed: outcomes.filter((o) => !o.ok) };
  } finally {
    lock.release();
  }
}

/** "sweep: 3/18 done, 2 running, 0 failed", printed when it changes. */
function progressLine(total: number, status: (line: string) => void) {
  let last = "";
  const counts = { done: 0, running: 0, failed: 0 };
  const set = (p: { done: number; running: number; failed: number }): void => {
    const line = `sweep: ${p.done}/${total} done, ${p.running} running, ${p.failed} failed`;
    if (line !== last) status(line);
    last = line;
  };
  return {
    set,
    local(e: JobEvent): void {
      if (e.event === "started") counts.running++;
      if (e.event === "done" || e.event === "failed") {
        counts.running--;
        counts[e.event === "done" ? "done" : "failed"]++;
      }
      set(counts);
    },
  };
}

