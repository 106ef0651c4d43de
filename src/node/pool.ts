/**
 * A pool of worker threads evaluating the candidates of a growth step. The step context is
 * sent to every worker once per step, its arrays in SharedArrayBuffers (mapped, not copied),
 * the splits' inputs moved there once per run (`shareSplits`); candidate indices are then
 * handed out one at a time, costliest first, to whichever worker is free, and the reports and fitted
 * proposals are put back in index order (the chosen one is applied as received, not fitted
 * again on the main thread); after the step the workers drop the context. Each
 * evaluation is a pure function of the context (no shared Rng), so the reports — and the
 * chosen candidate — are those of a serial run.
 *
 * The BLAS thread-count contract (OpenBLAS sums depend on the thread count, and the count is
 * one process-wide value: openblas_set_num_threads from any thread changes it for all):
 * - the run fixes its count once, on the main thread, before any pool starts (config
 *   `blasThreads`, recorded in the manifest); nothing else changes it;
 * - workers never set it (the addon refuses a call from a thread other than the one that
 *   loaded it first);
 * - candidate evaluation runs with one thread, serial or pooled: growthStep sets 1 just before
 *   the evaluation window and restores the run's count after it, and `evaluate` settles only
 *   when no worker is computing any more (also on failure), so no worker runs BLAS outside
 *   the window;
 * - a process whose threads run BLAS concurrently outside such a window (several studies in
 *   one process) must run them all with the count fixed at 1.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { NumericalError } from "../errors.js";
import type { KernelName } from "../kernels/kernels.js";
import { packContext, reviveProposal, shareContext, shareSplits, type ShareCache } from "../dag/context.js";
import { candidateCost } from "../dag/samples.js";
import type { CandidateRunner, EvaluatedCandidate, GrowthSplits, StepContext } from "../dag/step.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

/**
 * The default number of workers: one per core when there are two or more, else none (one
 * worker on one core only adds the step's hand-over to a serial evaluation).
 */
export function defaultWorkers(): number {
  const cores = availableParallelism();
  return cores >= 2 ? cores : 0;
}

export class CandidatePool implements CandidateRunner {
  private readonly workers: Worker[];
  private generation = 0;
  /** The splits' arrays, moved to shared memory at the first step and reused by the next ones. */
  private readonly shareCache: ShareCache = new WeakMap();

  /** `size` workers using the kernels called `kernels` (the main thread's kernels.name). */
  constructor(
    readonly size: number,
    kernels: KernelName,
  ) {
    const script = new URL("./worker.js", import.meta.url);
    this.workers = Array.from({ length: size }, () => new Worker(script, { workerData: { kernels } }));
  }

  /** The splits' inputs and targets into shared memory, in place (once; growthStep calls it before a pooled step). */
  shareSplits(splits: GrowthSplits<Float32Array>): void {
    shareSplits(splits, this.shareCache);
  }

  async evaluate(context: StepContext<Float32Array>): Promise<EvaluatedCandidate[]> {
    // Replies carry the generation of the init they answer: a worker still unpacking an
    // earlier step's context when that step finished answers it late, and is ignored.
    const generation = ++this.generation;
    // Shared memory: every worker maps the step's data without a copy (dag/context.ts).
    shareContext(context, this.shareCache);
    const packed = packContext(context);
    const count = context.candidates.length;
    // Costliest first (samples.ts candidateCost); ties keep the index order.
    const costs = context.candidates.map((_, i) => candidateCost(context, i));
    const order = costs.map((_, i) => i).sort((a, b) => costs[b] - costs[a] || a - b);
    const results: EvaluatedCandidate[] = new Array(count);
    let next = 0;
    let done = 0;
    let inFlight = 0;
    let failure: Error | null = null;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        for (const w of this.workers) {
          w.removeAllListeners("message").removeAllListeners("error");
          w.postMessage({ type: "release" } satisfies WorkerRequest);
        }
        if (failure !== null) reject(failure);
        else resolve(results);
      };
      // Settles once nothing is being evaluated any more: all done, or a failure and the rest in flight back.
      const maybeSettle = (): void => {
        if (inFlight === 0 && (failure !== null || done === count)) settle();
      };
      const dispatch = (w: Worker): void => {
        if (failure !== null || next >= count) return;
        inFlight++;
        w.postMessage({ type: "eval", index: order[next++] } satisfies WorkerRequest);
      };
      for (const w of this.workers) {
        // A dead worker computes nothing more: fail at once.
        w.on("error", (err) => {
          failure ??= err;
          settle();
        });
        w.on("message", (msg: WorkerReply) => {
          if (msg.generation !== generation) return;
          if (msg.type === "ready") return dispatch(w);
          inFlight--;
          if (msg.type === "error") failure ??= new NumericalError(`candidate ${msg.index} (worker)`, msg.message);
          else {
            results[msg.index] = { report: msg.evaluated.report, proposal: reviveProposal(msg.evaluated.proposal) };
            done++;
            dispatch(w);
          }
          maybeSettle();
        });
        w.postMessage({ type: "init", generation, context: packed } satisfies WorkerRequest);
      }
      maybeSettle();
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
