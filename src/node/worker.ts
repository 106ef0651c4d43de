/**
 * Worker thread of the candidate pool (`pool.ts`): receives a packed step context once per
 * step, then evaluates the candidate indices it is sent. OpenBLAS runs single-threaded here
 * (the pool provides the parallelism).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { KernelRequest } from "../kernels/select.js";
import { chooseKernels } from "./kernels.js";
import { unpackContext, type PackedContext } from "../dag/context.js";
import { evaluateCandidate, type StepContext } from "../dag/step.js";

export type WorkerRequest = { type: "init"; context: PackedContext } | { type: "eval"; index: number };
export type WorkerReply =
  | { type: "ready" }
  | { type: "result"; index: number; report: ReturnType<typeof evaluateCandidate>["report"] }
  | { type: "error"; index: number; message: string };

const { kernels } = chooseKernels((workerData as { kernels: KernelRequest }).kernels);
kernels.setNumThreads(1);
let context: StepContext<Float32Array> | null = null;
const port = parentPort;
port?.on("message", (msg: WorkerRequest) => {
  if (msg.type === "init") {
    context = unpackContext(msg.context, kernels);
    port.postMessage({ type: "ready" } satisfies WorkerReply);
    return;
  }
  try {
    if (context === null) throw new Error("worker: candidate requested before the step context");
    port.postMessage({ type: "result", index: msg.index, report: evaluateCandidate(context, msg.index).report } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ type: "error", index: msg.index, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies WorkerReply);
  }
});
