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
  | { type: "stopped"; index: number; where: string }
  | { type: "error"; index: number; name: string; message: string; stack?: string };

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

/** The outcome: null when every unit ended, else why the lanes stopped and where each unit stood. */
export interface LanesStop {
  reason: string;
  where: string[];
}

/** Trains every unit not done yet on `run.lanes` worker threads; resolves once no lane is busy. */
export async function runUnitsInLanes(run: LanesRun): Promise<LanesStop | null> {
  const { units, states } = run;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workerData: LaneWorkerData = { config: run.config, data: shareStudyData(run.data), kernels: run.kernels, stop };
  const script = new URL("./grow-cnn-worker.js", import.meta.url);
  const workers = Array.from({ length: run.lanes }, () => new Worker(script, { workerData }));
  const busy = new Set<number>();
  const where: string[] = [];
  let reason: string | null = null;
  let failure: Error | null = null;
  const halt = (why: string): void => {
    reason ??= why;
    Atomics.store(stop, 0, 1);
  };
  const next = (): number | null => nextUnit(units, states, busy, (widths) => unitCost(run.config, widths, run.data));
  try {
    await new Promise<void>((resolve) => {
      const idle = new Set<Worker>(workers);
      /** The unit each busy worker trains. */
      const assigned = new Map<Worker, number>();
      const dispatch = (): void => {
        for (const w of [...idle]) {
          const i = reason === null ? next() : null;
          if (i === null) break;
          idle.delete(w);
          busy.add(i);
          assigned.set(w, i);
          w.postMessage({ type: "unit", index: i, unit: units[i], state: states[i] } satisfies LaneRequest);
        }
        if (busy.size === 0) resolve();
      };
      const free = (w: Worker): void => {
        const i = assigned.get(w);
        if (i !== undefined) busy.delete(i);
        assigned.delete(w);
        idle.add(w);
        dispatch();
      };
      const fail = (err: Error): void => {
        failure ??= err;
        halt("error");
      };
      for (const w of workers) {
        // A worker's messages are handled one at a time, in order: a record's checkpoint is written before its next message is read.
        let queue = Promise.resolve();
        w.on("message", (msg: LaneReply) => {
          queue = queue
            .then(async () => {
              if (msg.type === "log") return run.log(msg.line);
              if (msg.type === "record") {
                run.save(msg.index, msg.record, msg.state);
                const polled = reason === null ? await run.poll() : null;
                if (polled !== null) halt(polled);
                return;
              }
              if (msg.type === "ended") run.ended(msg.index, msg.state);
              else if (msg.type === "stopped") where.push(msg.where);
              else fail(Object.assign(new Error(msg.message), { name: msg.name, stack: msg.stack }));
              free(w);
            })
            .catch((err: unknown) => {
              // The main thread's own failure (the log or the checkpoint): stop every lane; a
              // worker still training reports "stopped" at its next safe point.
              fail(err as Error);
              if (msg.type === "ended") free(w);
            });
        });
        // A worker that died (out of memory, a crash outside the unit): its unit stays where its last checkpoint left it.
        w.on("error", (err) => {
          fail(err);
          idle.delete(w);
          const i = assigned.get(w);
          if (i !== undefined) busy.delete(i);
          assigned.delete(w);
          if (busy.size === 0) resolve();
        });
      }
      dispatch();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure !== null) throw failure;
  return reason === null ? null : { reason, where };
}
