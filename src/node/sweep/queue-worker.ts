/**
 * `tinygrow worker`: takes sweep jobs from a BullMQ queue, one at a time, each in a child
 * process (job-process.ts). When the job's sweep folder is visible here (a shared file
 * system: same absolute path, same sweep id in its sweep.json) the job runs in place;
 * otherwise it runs under `workDir` and its folder is sent back as a bundle with the result.
 * A job of another tinygrow version is refused with both versions (and retried elsewhere).
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Worker, type Job } from "bullmq";
import { jobDir, jobLogFile, readSweepManifest, SWEEP_FILE } from "./folder.js";
import { packBundle } from "./bundle.js";
import { runJobAttempt } from "./job-process.js";
import type { QueueJobData, QueueJobResult } from "./queue.js";
import { openConnection, probeQueue, type QueueTarget } from "./redis.js";

export interface WorkerOptions {
  target: QueueTarget;
  version: string;
  /** Folder for jobs whose sweep folder is not shared. */
  workDir: string;
  /** false: always run under workDir and send bundles (testing a non-shared set-up on one machine). */
  shared: boolean;
  /** How long a job's lock lives without renewal: a dead worker's job is taken over after about this. */
  lockMs: number;
  log(line: string): void;
  /** Set by the worker: the pid of the running job's process, if any. */
  current?: number | null;
}

function isShared(data: QueueJobData): boolean {
  if (!existsSync(join(data.sweepDir, SWEEP_FILE))) return false;
  try {
    return readSweepManifest(data.sweepDir).sweepId === data.sweepId;
  } catch {
    return false;
  }
}

export async function processQueueJob(job: Job<QueueJobData, QueueJobResult>, o: WorkerOptions): Promise<QueueJobResult> {
  const data = job.data;
  const me = `${hostname()}:${process.pid}`;
  if (data.version !== o.version) {
    const msg = `worker ${me} refused job ${data.job}: it was queued by tinygrow ${data.version}, this worker runs tinygrow ${o.version} (start a worker of tinygrow ${data.version})`;
    o.log(msg);
    throw new Error(msg);
  }
  const shared = o.shared && isShared(data);
  const base = join(o.workDir, data.sweepId);
  const dir = shared ? jobDir(data.sweepDir, data.job) : jobDir(base, data.job);
  const logFile = shared ? jobLogFile(data.sweepDir, data.job) : jobLogFile(base, data.job);
  o.log(`job ${data.job} (sweep ${data.sweepId}, attempt ${job.attemptsMade + 1}${shared ? "" : `, not shared: in ${dir}`}): started`);
  const res = await runJobAttempt({ command: data.command, args: data.args, dir, logFile }, (pid) => {
    o.current = pid;
    o.log(`job ${data.job}: process ${pid}`);
  });
  o.current = null;
  if (!res.ok) {
    o.log(`job ${data.job}: failed: ${res.error}`);
    throw new Error(res.error ?? "failed");
  }
  o.log(`job ${data.job}: done in ${(res.ms / 1000).toFixed(1)} s`);
  return { worker: me, ms: res.ms, bundle: shared ? null : packBundle(dir) };
}

/** Runs until `stop` resolves; then finishes nothing more and closes (the running job, if any, is interrupted and retried elsewhere). */
export async function runQueueWorker(o: WorkerOptions, stop: Promise<void>): Promise<void> {
  await probeQueue(o.target);
  const connection = openConnection(o.target, o.log);
  const worker = new Worker<QueueJobData, QueueJobResult>(o.target.name, (job) => processQueueJob(job, o), {
    connection,
    concurrency: 1,
    lockDuration: o.lockMs,
    stalledInterval: Math.max(500, Math.round(o.lockMs / 2)),
    // A job whose worker died twice is tried once more, then fails (as 3 failed attempts do).
    maxStalledCount: 2,
  });
  worker.on("error", (err) => o.log(`worker: ${err.message}`));
  o.log(`worker ${hostname()}:${process.pid} (tinygrow ${o.version}) waiting for jobs on ${o.target.redacted}, queue "${o.target.name}"`);
  await stop;
  if (o.current) {
    o.log(`stopping: job process ${o.current} interrupted (another worker resumes it from its checkpoint)`);
    process.kill(o.current, "SIGTERM");
  }
  await worker.close(true);
  connection.disconnect();
}
