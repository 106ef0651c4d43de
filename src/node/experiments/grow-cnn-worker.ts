/**
 * A lane of the grow-cnn study (grow-cnn-lanes.ts): a worker thread that trains the units it
 * is sent, one at a time, and sends back every record with the unit's state after it. It
 * stops a unit at its next safe point once the shared stop flag is set. It never sets the
 * OpenBLAS thread count (one process-wide value, held at 1 by the main thread).
 */
import { parentPort, workerData } from "node:worker_threads";
import { TinygrowError } from "../../errors.js";
import { Matrix } from "../../tensor/matrix.js";
import type { LabelledImages } from "../../growth/conv/cnn-growth-step.js";
import { chooseKernels } from "../kernels.js";
import { runUnit, type StudyData } from "./grow-cnn-unit.js";
import type { LaneReply, LaneRequest, LaneWorkerData, SharedImages } from "./grow-cnn-lanes.js";

const { config, data: shared, kernels: request, stop } = workerData as LaneWorkerData;
const { kernels } = chooseKernels(request);
const images = (d: SharedImages): LabelledImages => ({ x: new Matrix(d.rows, d.cols, d.x), labels: d.labels });
const data: StudyData = { ...shared, train: images(shared.train), validation: images(shared.validation), test: images(shared.test) };
const port = parentPort!;
const send = (reply: LaneReply): void => port.postMessage(reply);

/** Thrown at a safe point once the stop flag is set (the unit's state there was just sent). */
class LaneStop extends Error {}

port.on("message", (msg: LaneRequest) => {
  const { index, unit, state } = msg;
  runUnit(
    {
      config,
      data,
      kernels,
      index,
      unit,
      log: (line) => send({ type: "log", line }),
      save: (record, after) => send({ type: "record", index, record, state: after }),
      safePoint: async (where) => {
        if (Atomics.load(stop, 0) !== 0) throw new LaneStop(`stopped at ${where}`);
      },
    },
    state,
  ).then(
    (final) => send({ type: "ended", index, state: final }),
    (err: unknown) => {
      if (err instanceof LaneStop) return send({ type: "stopped", index });
      const e = err instanceof Error ? err : new Error(String(err));
      send({ type: "error", index, name: e.name, message: e.message, stack: e.stack, code: e instanceof TinygrowError ? e.code : undefined });
    },
  );
});
