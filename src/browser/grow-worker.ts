/**
 * The playground's growth run inside a Web Worker, so the page never freezes: it builds the
 * task from the spec, chooses the kernels (WebAssembly; portable with the reason when this
 * browser has no WebAssembly SIMD), runs the core growth loop and posts every log record
 * and checkpoint to the page as they are written. The page stops a run by terminating the
 * worker and continues it in a new one from the last checkpoint it received.
 *
 * `startGrowWorker(scope)` wires the handlers; web/playground/worker.ts is the entry file
 * Vite bundles.
 */
import { TinygrowError } from "../errors.js";
import { modelToJson } from "../dag/serialize.js";
import { Accountant } from "../experiments/accounting.js";
import { runGrowth, type GrowthCheckpoint, type GrowthRunStore, type RecordLog, type StepRecord } from "../experiments/growth-run.js";
import type { TableEncoding } from "../model/table-encoding.js";
import { Rng } from "../tensor/rng.js";
import { chooseKernels } from "./kernels.js";
import { buildPlaygroundRun, type PlaygroundSpec } from "./playground-task.js";

/** Page → worker. */
export interface StartMessage {
  type: "start";
  spec: PlaygroundSpec;
  /** Continue from this checkpoint, after these records (the log up to it). */
  resume?: { checkpoint: GrowthCheckpoint; records: StepRecord[] };
}

/** Worker → page. */
export type WorkerMessage =
  | { type: "started"; kernels: string; kernelsReason: string; description: string; inputSize: number; outputSize: number; loss: string; steps: number; epochsPerStep: number; encoding: TableEncoding }
  | { type: "record"; record: StepRecord }
  | { type: "checkpoint"; checkpoint: GrowthCheckpoint }
  | { type: "done"; modelJson: string; parameters: number }
  | { type: "error"; message: string };

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<StartMessage>) => void) | null;
}

/** The run's store and log, forwarding everything to the page. */
class PostingStore implements GrowthRunStore, RecordLog {
  readonly where = "the page's memory";
  private readonly log: StepRecord[];

  constructor(
    private readonly scope: WorkerScope,
    earlier: StepRecord[],
  ) {
    this.log = earlier.slice();
  }

  get records(): number {
    return this.log.length;
  }

  append(record: object): void {
    this.log.push(record as StepRecord);
    this.scope.postMessage({ type: "record", record: record as StepRecord });
  }

  writeCheckpoint(checkpoint: GrowthCheckpoint): void {
    this.scope.postMessage({ type: "checkpoint", checkpoint });
  }

  writeModel(): void {
    // The final model goes to the page with the "done" message.
  }

  readRecords(): StepRecord[] {
    return this.log.slice();
  }
}

async function run(scope: WorkerScope, message: StartMessage): Promise<void> {
  const choice = chooseKernels("auto");
  const { task, config, encoding, description } = await buildPlaygroundRun(message.spec, choice.kernels);
  scope.postMessage({
    type: "started",
    kernels: choice.name,
    kernelsReason: choice.reason,
    description,
    inputSize: task.inputSize,
    outputSize: task.outputSize,
    loss: task.loss,
    steps: config.growth.steps,
    epochsPerStep: config.training.epochsPerStep,
    encoding,
  });
  const store = new PostingStore(scope, message.resume?.records ?? []);
  const accountant = new Accountant({ rapl: "off", resumeFrom: message.resume?.checkpoint.accounting });
  const result = await runGrowth(task, config, {
    kernels: choice.kernels,
    rng: new Rng(message.spec.seed + 1),
    accountant,
    log: store,
    progress: { tick: () => undefined },
    store,
    pool: null,
    resume: message.resume?.checkpoint ?? null,
  });
  scope.postMessage({ type: "done", modelJson: JSON.stringify(modelToJson(result.model)), parameters: result.parameters });
}

export function startGrowWorker(scope: WorkerScope): void {
  scope.onmessage = (event) => {
    run(scope, event.data).catch((err: unknown) => {
      const message = err instanceof TinygrowError || err instanceof Error ? err.message : String(err);
      scope.postMessage({ type: "error", message });
    });
  };
}
