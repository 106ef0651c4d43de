/**
 * The figure worker of figures.ts: loads vega and elkjs and draws one small figure of each
 * kind at once (module loading, JIT and the first layout are most of a small run's figure
 * cost), then draws what the main thread sends, in order.
 */
import { parentPort } from "node:worker_threads";
import { drawDag } from "../../io/dag-drawing.js";
import { lossCurvePlot, renderVegaLite } from "../../io/plots.js";
import type { FigureJob, FigureReply } from "./figures.js";

const warmUp = Promise.all([
  drawDag({ nodes: [{ id: "in", width: 1, kind: "input" }, { id: "out", width: 1, kind: "output" }], edges: [{ from: "in", to: "out", params: 2 }] }),
  lossCurvePlot({ series: [{ name: "warm-up", x: [0, 1], mean: [1, 0.5] }] }),
]).catch(() => undefined);

parentPort?.on("message", async ({ id, job }: { id: number; job: FigureJob }) => {
  await warmUp;
  let svg: string | null = null;
  try {
    svg = job.kind === "dag" ? await drawDag(job.input, job.title === undefined ? {} : { title: job.title }) : await renderVegaLite(job.spec);
  } catch {
    svg = null; // drawn again in the main thread, which reports the error
  }
  parentPort?.postMessage({ id, svg } satisfies FigureReply);
});
