/**
 * The coordinator's side of a sweep on BullMQ: every job not finished yet is enqueued once
 * (its queue id is `<sweep id>.<job id>`, so a resumed coordinator never adds a job twice),
 * with 3 attempts; workers (queue-worker.ts) take them. The coordinator polls the jobs'
 * states, shows done / running / failed, unpacks result bundles of workers that do not
 * share the folder, and removes its jobs from Redis at the end.
 *
 * A worker that dies mid-job stops renewing the job's lock; after the lock duration
 * another worker's stalled check puts the job back, and the next worker resumes its folder
 * from the last checkpoint. A job that failed `attempts` times is reported failed.
 */
import { Queue } from "bullmq";
import type { JobEvent } from "./folder.js";
import { unpackBundle } from "./bundle.js";
import type { JobOutcome, PendingJob } from "./local-pool.js";
import { openConnection, probeQueue, scrub, type QueueTarget } from "./redis.js";

/** What a queue job carries. */
export interface QueueJobData {
  /** tinygrow version of the coordinator: a worker of another version refuses the job. */
  version: string;
  sweepId: string;
  /** Absolute path of the sweep folder on the coordinator (shared when workers see it too). */
  sweepDir: string;
  job: string;
  command: string;
  args: string[];
}

/** What a worker returns. */
export interface QueueJobResult {
  worker: string;
  /** Milliseconds the job's process ran. */
  ms: number;
  /** The job folder (bundle.ts) when the worker does not share the sweep folder. */
  bundle: string | null;
}

export interface QueueRunOptions {
  target: QueueTarget;
  version: string;
  sweepId: string;
  sweepDir: string;
  attempts: number;
  onEvent(event: JobEvent): void;
  onProgress(p: { done: number; running: number; failed: number; total: number }): void;
  onNotice(line: string): void;
  pollMs?: number;
}

export const queueJobId = (sweepId: string, job: string): string => `${sweepId}.${job}`;

export async function runOnQueue(pending: readonly PendingJob[], options: QueueRunOptions): Promise<JobOutcome[]> {
  const { target } = options;
  await probeQueue(target);
  const connection = openConnection(target, options.onNotice);
  const queue = new Queue<QueueJobData, QueueJobResult>(target.name, { connection });
  try {
    for (const job of pending) await enqueue(queue, job, options);
    return await watch(queue, pending, options);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

async function enqueue(queue: Queue<QueueJobData, QueueJobResult>, job: PendingJob, o: QueueRunOptions): Promise<void> {
  const id = queueJobId(o.sweepId, job.id);
  const existing = await queue.getJob(id);
  if (existing !== undefined) {
    const state = await existing.getState();
    // Still queued or running (an earlier coordinator of this sweep stopped): keep it.
    if (state !== "completed" && state !== "failed" && state !== "unknown") return;
    await existing.remove();
  }
  const data: QueueJobData = { version: o.version, sweepId: o.sweepId, sweepDir: o.sweepDir, job: job.id, command: job.command, args: [...job.args] };
  await queue.add(job.id, data, { jobId: id, attempts: o.attempts, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false, removeOnFail: false });
}

async function watch(queue: Queue<QueueJobData, QueueJobResult>, pending: readonly PendingJob[], o: QueueRunOptions): Promise<JobOutcome[]> {
  const open = new Map(pending.map((j) => [j.id, j]));
  const outcomes: JobOutcome[] = [];
  const seen = new Map<string, { attempts: number; active: boolean; stalls: number }>();
  let failed = 0;
  while (open.size > 0) {
    let running = 0;
    for (const job of [...open.values()]) {
      const q = await queue.getJob(queueJobId(o.sweepId, job.id));
      if (q === undefined) {
        outcomes.push({ id: job.id, ok: false, attempts: 0, error: "the job disappeared from the queue (was Redis flushed?)" });
        o.onEvent({ job: job.id, event: "failed", error: "removed from the queue" });
        open.delete(job.id);
        failed++;
        continue;
      }
      const state = await q.getState();
      const prev = seen.get(job.id) ?? { attempts: 0, active: false, stalls: 0 };
      const stalls = q.stalledCounter ?? 0;
      if (stalls > prev.stalls) o.onEvent({ job: job.id, event: "stalled", attempt: q.attemptsMade + 1, error: "its worker stopped renewing the job's lock (died?); put back for another worker" });
      if (q.attemptsMade > prev.attempts && state !== "failed" && state !== "completed") o.onEvent({ job: job.id, event: "retry", attempt: q.attemptsMade + 1, error: scrub(o.target, q.failedReason ?? "") });
      if (state === "active" && !prev.active) o.onEvent({ job: job.id, event: "started", attempt: q.attemptsMade + 1 });
      seen.set(job.id, { attempts: q.attemptsMade, active: state === "active", stalls });
      if (state === "active") running++;
      if (state === "completed") {
        const rv = q.returnvalue;
        if (rv?.bundle) unpackBundle(rv.bundle, job.dir);
        const queue = { added: q.timestamp, processed: q.processedOn ?? 0, finished: q.finishedOn ?? 0 };
        o.onEvent({ job: job.id, event: "done", attempt: q.attemptsMade, worker: rv?.worker, ms: Math.round(rv?.ms ?? 0), queue });
        outcomes.push({ id: job.id, ok: true, attempts: q.attemptsMade, error: null });
        await q.remove();
        open.delete(job.id);
      } else if (state === "failed") {
        const error = scrub(o.target, q.failedReason ?? "failed");
        o.onEvent({ job: job.id, event: "failed", attempt: q.attemptsMade, error });
        outcomes.push({ id: job.id, ok: false, attempts: q.attemptsMade, error });
        await q.remove();
        open.delete(job.id);
        failed++;
      }
    }
    o.onProgress({ done: outcomes.filter((x) => x.ok).length, running, failed, total: pending.length });
    if (open.size > 0) await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
  return outcomes;
}
