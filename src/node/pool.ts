/**
 * A pool of worker threads evaluating the candidates of a growth step. The step context is
 * sent to every worker once per step; candidate indices are then handed out one at a time
 * to whichever worker is free, and the reports are put back in index order. Each
 * evaluation is a pure function of the context (no shared Rng), so the reports — and the
 * chosen candidate — are those of a serial run.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { NumericalError } from "../errors.js";
import type { KernelName } from "../kernels/kernels.js";
import { packContext } from "../dag/context.js";
import type { CandidateReport, CandidateRunner, StepContext } from "../dag/step.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

/** The default number of workers: what the machine has. */
export function defaultWorkers(): number {
  return availableParallelism();
}

export class CandidatePool implements CandidateRunner {
  private readonly workers: Worker[];

  /** `size` workers using the kernels called `kernels` (the main thread's kernels.name). */
  constructor(
    readonly size: number,
    kernels: KernelName,
  ) {
    const script = new URL("./worker.js", import.meta.url);
    this.workers = Array.from({ length: size }, () => new Worker(script, { workerData: { kernels } }));
  }

  async evaluate(context: StepContext<Float32Array>): Promise<CandidateReport[]> {
    const packed = packContext(context);
    const count = context.candidates.length;
    const reports: CandidateReport[] = new Array(count);
    let next = 0;
    let done = 0;
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        for (const w of this.workers) w.removeAllListeners("message").removeAllListeners("error");
        reject(err);
      };
      const dispatch = (w: Worker): void => {
        if (next < count) w.postMessage({ type: "eval", index: next++ } satisfies WorkerRequest);
      };
      for (const w of this.workers) {
        w.on("error", fail);
        w.on("message", (msg: WorkerReply) => {
          if (msg.type === "ready") return dispatch(w);
          if (msg.type === "error") return fail(new NumericalError(`candidate ${msg.index} (worker)`, msg.message));
          reports[msg.index] = msg.report;
          done++;
          if (done === count) {
            for (const x of this.workers) x.removeAllListeners("message").removeAllListeners("error");
            resolve(reports);
          } else dispatch(w);
        });
        w.postMessage({ type: "init", context: packed } satisfies WorkerRequest);
      }
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
