/**
 * The local way to run a sweep (no server): at most `jobs` job processes at a time, each job
 * tried up to `attempts` times, every retry resuming its folder from the last checkpoint.
 */
import type { JobEvent } from "./folder.js";
import { runJobAttempt } from "./job-process.js";

export interface PendingJob {
  id: string;
  command: string;
  args: readonly string[];
  dir: string;
  logFile: string;
}

export interface JobOutcome {
  id: string;
  ok: boolean;
  attempts: number;
  error: string | null;
}

export interface PoolOptions {
  jobs: number;
  attempts: number;
  /** Every start, retry, success and failure. */
  onEvent(event: JobEvent): void;
  env?: NodeJS.ProcessEnv;
}

export async function runLocalPool(pending: readonly PendingJob[], options: PoolOptions): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  let next = 0;
  const worker = `local:${process.pid}`;
  const runOne = async (job: PendingJob): Promise<JobOutcome> => {
    let error: string | null = null;
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      options.onEvent({ job: job.id, event: attempt === 1 ? "started" : "retry", attempt, worker });
      const res = await runJobAttempt({ command: job.command, args: job.args, dir: job.dir, logFile: job.logFile, env: options.env });
      if (res.ok) {
        options.onEvent({ job: job.id, event: "done", attempt, worker, ms: Math.round(res.ms) });
        return { id: job.id, ok: true, attempts: attempt, error: null };
      }
      error = res.error;
    }
    options.onEvent({ job: job.id, event: "failed", attempt: options.attempts, worker, error: error ?? "failed" });
    return { id: job.id, ok: false, attempts: options.attempts, error };
  };
  const lane = async (): Promise<void> => {
    while (next < pending.length) outcomes.push(await runOne(pending[next++]));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, pending.length)) }, lane));
  return outcomes;
}
