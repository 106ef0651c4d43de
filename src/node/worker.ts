/**
 * Worker thread of the candidate pool (`pool.ts`): receives a packed step context once per
 * step, then evaluates the candidate indices it is sent (report and fitted proposal back),
 * and drops the context when the step is over. It never sets the OpenBLAS thread
 * count: the count is process-wide, and the main thread holds it at 1 while candidates are
 * evaluated (the thread-count contract in pool.ts).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import type { KernelRequest } from "../kernels/select.js";
import { chooseKernels } from "./kernels.js";
import { unpackContext, type PackedContext } from "../dag/context.js";
import { evaluateCandidate, type EvaluatedCandidate, type StepContext } from "../dag/step.js";

/** `generation` numbers the pool's evaluations; every reply carries the one of the context it used. */
export type WorkerRequest = { type: "init"; generation: number; context: PackedContext } | { type: "eval"; index: number } | { type: "release" };
export type WorkerReply =
  | { type: "ready"; generation: number }
  | { type: "result"; generation: number; index: number; evaluated: EvaluatedCandidate }
  | { type: "error"; generation: number; index: number; message: string };

const { kernels } = chooseKernels((workerData as { kernels: KernelRequest }).kernels);

/**
 * A full garbage collection of this worker's heap. A step's arrays are SharedArrayBuffers
 * that every worker maps, and their memory is returned only once each thread holding them
 * has collected its handles; an idle worker never collects by itself, so without this the
 * last step's data (MNIST: the 20,000 × 785 float64 input block and the step's activations)
 * stays in memory through the training between steps and then beside the next step's.
 * (`gc` exists only under --expose-gc, which a Worker's execArgv refuses: set here, then
 * taken from a fresh context.)
 */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
let context: StepContext<Float32Array> | null = null;
let generation = 0;
const port = parentPort;
port?.on("message", (msg: WorkerRequest) => {
  if (msg.type === "init") {
    context = unpackContext(msg.context, kernels);
    generation = msg.generation;
    port.postMessage({ type: "ready", generation } satisfies WorkerReply);
    return;
  }
  if (msg.type === "release") {
    // The step is over: its arrays are not kept alive from here until the next step
    // (collected once this handler has returned: no frame refers to them any more).
    context = null;
    setImmediate(collectGarbage);
    return;
  }
  try {
    if (context === null) throw new Error("worker: candidate requested before the step context");
    port.postMessage({ type: "result", generation, index: msg.index, evaluated: evaluateCandidate(context, msg.index) } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ type: "error", generation, index: msg.index, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies WorkerReply);
  }
});
