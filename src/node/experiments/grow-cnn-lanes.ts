/**
 * The grow-cnn study's units side by side: `lanes` worker threads (grow-cnn-worker.ts), each
 * training one unit at a time (grow-cnn-unit.ts) while the main thread writes the log and the
 * checkpoints from what they send. A unit's records depend on its own state only, so the log
 * holds, unit by unit, the records of a serial run, interleaved in the order they arrived.
 *
 * Which unit a free lane takes: the grown one first (the FS retrain waits for its final
 * widths), then the costliest one that can start (multiply-adds per image; FS once the grown
 * unit has ended), so that the longest unit is not left for last.
 *
 * Stopping: after every record the main thread polls the run's stop request; a stop (or a
 * unit's error) raises a flag in shared memory that every unit reads at its next safe point,
 * after its state has been sent, so each lane ends at a state the checkpoint holds. The
 * OpenBLAS thread count is one process-wide value: lanes need it at 1 (checked by the caller).
 */
import { Worker } from "node:worker_threads";
import { TinygrowError, type ErrorCode } from "../../errors.js";
import type { GrowCnnConfig } from "../../experiments/grow-cnn-config.js";
import type { LabelledImages } from "../../growth/conv/cnn-growth-step.js";
import type { KernelRequest } from "../../kernels/select.js";
import { unitCost, type StudyData, type StudyRecord, type StudyUnit, type UnitState } from "./grow-cnn-unit.js";

/** Images in shared memory, as a worker receives them (a Matrix does not survive the copy). */
export interface SharedImages {
  rows: number;
  cols: number;
  x: Float32Array;
  labels: Int32Array;
}

export interface SharedStudyData extends Omit<StudyData, "train" | "validation" | "test"> {
  train: SharedImages;
  validation: SharedImages;
  test: SharedImages;
}

export interface LaneWorkerData {
  config: GrowCnnConfig;
  data: SharedStudyData;
  kernels: KernelRequest;
  /** [0] set to 1 when the units are to stop at their next safe point. */
  stop: Int32Array;
}

export type LaneRequest = { type: "unit"; index: number; unit: StudyUnit; state: UnitState };
export type LaneReply =
  | { type: "log"; line: string }
  | { type: "record"; index: number; record: StudyRecord; state: UnitState }
  | { type: "ended"; index: number; state: UnitState }
  | { type: "stopped"; index: number }
  | { type: "error"; index: number; name: string; message: string; stack?: string; code?: ErrorCode };

function shareImages(d: LabelledImages): SharedImages {
  const x = new Float32Array(new SharedArrayBuffer(d.x.data.byteLength));
  x.set(d.x.data);
  const labels = new Int32Array(new SharedArrayBuffer(d.labels.byteLength));
  labels.set(d.labels);
  return { rows: d.x.rows, cols: d.x.cols, x, labels };
}

export function shareStudyData(data: StudyData): SharedStudyData {
  return { ...data, train: shareImages(data.train), validation: shareImages(data.validation), test: shareImages(data.test) };
}

/**
 * The unit a free lane takes: the grown one (index 0) while it waits, else the costliest one
 * that can start (`cost` of its widths; the FS retrain once the grown unit is done); null when
 * none can.
 */
export function nextUnit(units: readonly StudyUnit[], states: readonly UnitState[], busy: ReadonlySet<number>, cost: (widths: readonly number[]) => number): number | null {
  const ready = units.map((_, i) => i).filter((i) => !states[i].done && !busy.has(i) && (units[i].kind !== "retrain" || states[0].done));
  if (ready.length === 0) return null;
  if (ready.includes(0)) return 0;
  return ready.reduce((a, b) => (cost(states[b].widths) > cost(states[a].widths) ? b : a));
}

export interface LanesRun {
  lanes: number;
  config: GrowCnnConfig;
  data: StudyData;
  kernels: KernelRequest;
  units: StudyUnit[];
  /** Every unit's state (updated as the lanes report; done units are skipped). */
  states: UnitState[];
  log: (line: string) => void;
  /** A unit's record and its state after it: log it and checkpoint (before this returns). */
  save: (index: number, record: StudyRecord, state: UnitState) => void;
  /** A unit ended with this state. */
  ended: (index: number, state: UnitState) => void;
  /** Polled after every record: a reason stops the lanes. */
  poll: () => Promise<string | null>;
}

/** A unit's error as the main thread rethrows it: a tinygrow error keeps its code and message (printed as in a serial run). */
function revive(msg: Extract<LaneReply, { type: "error" }>): Error {
  const err = msg.code !== undefined ? new TinygrowError(msg.code, msg.message) : new Error(msg.message);
  err.name = msg.name;
  if (msg.stack !== undefined) err.stack = msg.stack;
  return err;
}

/**
 * A worker thread died outside a unit's own code (out of memory, a failure loading the kernels
 * or the data in the thread): every unit stays at its last checkpoint, so the study resumes.
 */
export class LaneDiedError extends TinygrowError {
  constructor(
    /** The unit the worker was training, or null when it had none. */
    readonly unit: string | null,
    readonly detail: string,
  ) {
    super("training", `a worker thread died ${unit === null ? "between units" : `while training ${unit}`} (${detail}); every unit's last checkpoint is kept: continue with --resume`);
  }
}

/** The main thread's side of the lanes: which worker trains which unit, the stop flag, the first failure. */
class Lanes {
  private readonly workers: Worker[];
  private readonly idle: Set<Worker>;
  /** The unit each busy worker trains. */
  private readonly assigned = new Map<Worker, number>();
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  reason: string | null = null;
  failure: Error | null = null;
  private finish: () => void = () => {};

  constructor(private readonly run: LanesRun) {
    const workerData: LaneWorkerData = { config: run.config, data: shareStudyData(run.data), kernels: run.kernels, stop: this.stop };
    const script = new URL("./grow-cnn-worker.js", import.meta.url);
    this.workers = Array.from({ length: run.lanes }, () => new Worker(script, { workerData }));
    this.idle = new Set(this.workers);
  }

  /** Resolves once no worker trains a unit any more (all done, or stopped at their safe points). */
  async trainAll(): Promise<void> {
    try {
      await new Promise<void>((resolve) => {
        this.finish = resolve;
        for (const w of this.workers) this.listen(w);
        this.dispatch();
      });
    } finally {
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
  }

  /** Every unit to stop at its next safe point (after sending its state). */
  private halt(why: string): void {
    this.reason ??= why;
    Atomics.store(this.stop, 0, 1);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.halt("error");
  }

  private busy(): Set<number> {
    return new Set(this.assigned.values());
  }

  private dispatch(): void {
    const { run } = this;
    for (const w of [...this.idle]) {
      const i = this.reason === null ? nextUnit(run.units, run.states, this.busy(), (widths) => unitCost(run.config, widths, run.data)) : null;
      if (i === null) break;
      this.idle.delete(w);
      this.assigned.set(w, i);
      w.postMessage({ type: "unit", index: i, unit: run.units[i], state: run.states[i] } satisfies LaneRequest);
    }
    if (this.assigned.size === 0) this.finish();
  }

  /** The worker's unit has ended or stopped: it is free for the next one. */
  private free(w: Worker, alive = true): void {
    this.assigned.delete(w);
    if (alive) this.idle.add(w);
    else this.idle.delete(w);
    this.dispatch();
  }

  private listen(w: Worker): void {
    const { run } = this;
    // A worker's messages are handled one at a time, in order: a record's checkpoint is written before its next message is read.
    let queue = Promise.resolve();
    w.on("message", (msg: LaneReply) => {
      queue = queue
        .then(async () => {
          if (msg.type === "log") return run.log(msg.line);
          if (msg.type === "record") {
            run.save(msg.index, msg.record, msg.state);
            const polled = this.reason === null ? await run.poll() : null;
            if (polled !== null) this.halt(polled);
            return;
          }
          if (msg.type === "ended") run.ended(msg.index, msg.state);
          else if (msg.type === "error") this.fail(revive(msg));
          this.free(w);
        })
        .catch((err: unknown) => {
          // The main thread's own failure (the log or the checkpoint): stop every lane; a
          // worker still training reports "stopped" at its next safe point.
          this.fail(err as Error);
          if (msg.type === "ended") this.free(w);
        });
    });
    // A worker that died (out of memory, a crash outside the unit): its unit stays where its last checkpoint left it.
    w.on("error", (err) => {
      const index = this.assigned.get(w);
      this.fail(new LaneDiedError(index === undefined ? null : run.units[index].name, err.message));
      this.free(w, false);
    });
  }
}

/**
 * Trains every unit not done yet on `run.lanes` worker threads; resolves once no lane is busy,
 * with null when nothing asked them to stop, else the stop's reason (the states say where
 * each unit stands). A unit's failure is thrown.
 */
export async function runUnitsInLanes(run: LanesRun): Promise<string | null> {
  const lanes = new Lanes(run);
  await lanes.trainAll();
  if (lanes.failure !== null) throw lanes.failure;
  return lanes.reason;
}
