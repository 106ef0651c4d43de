/**
 * A child process that must not outlive its parent (a sweep job under a worker or a
 * coordinator): a small worker thread watches the parent pid and kills this process when
 * the parent is gone. A thread, because a study keeps the main thread busy for seconds at a
 * time; SIGKILL, because that is what the job would have got with its parent, and every run
 * folder is valid at any instant (atomic checkpoints, fsynced log), so it resumes cleanly.
 */
import { Worker } from "node:worker_threads";

const WATCH = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(workerData.self, "SIGKILL");
}, 200);
`;

/** Starts watching `parentPid` (no-op when it is not this process's parent any more: kills at once). */
export function exitWithParent(parentPid: number): void {
  if (process.ppid !== parentPid) process.kill(process.pid, "SIGKILL");
  const w = new Worker(WATCH, { eval: true, workerData: { parent: parentPid, self: process.pid } });
  w.unref();
}
