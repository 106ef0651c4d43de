/**
 * The run-folder figures (dag.svg, curves and accuracy plots), drawn on a worker thread when
 * one was started. `tinygrow grow` grows on one BLAS thread, so the second core is idle while
 * it runs: a worker started with the command loads vega and elkjs and draws a warm-up figure
 * meanwhile (their loading and first layout cost ~0.4–1.5 s, as much as growing a small
 * table), and the figures at the end come back quickly. Without a started worker every
 * function draws in this thread, exactly as io/plots.ts and io/dag-drawing.ts do.
 *
 * The specs are built and checked here, so bad input throws the same typed errors in this
 * thread; if the worker fails for any other reason the figure is drawn here instead.
 */
import { Worker } from "node:worker_threads";
import type * as vl from "vega-lite";
import { checkDagDrawing, drawDag as drawDagHere, type DagDrawingInput } from "../../io/dag-drawing.js";
import { accuracyCurveSpec, lossCurveSpec } from "../../io/plot-specs.js";
import { renderVegaLite } from "../../io/plots.js";

/** What the worker draws (figure-worker.ts). */
export type FigureJob = { kind: "vega"; spec: vl.TopLevelSpec } | { kind: "dag"; input: DagDrawingInput; title?: string };
export interface FigureReply {
  id: number;
  /** The SVG, or null when the worker could not draw it. */
  svg: string | null;
}

let worker: Worker | null = null;
const waiting = new Map<number, (svg: string | null) => void>();
let nextId = 0;
let drawnOnWorker = 0;

/** How many figures the worker has drawn in this process (for tests: the fallback is silent). */
export const figuresDrawnOnWorker = (): number => drawnOnWorker;

function settleAll(): void {
  for (const done of waiting.values()) done(null);
  waiting.clear();
}

/** Starts the figure worker (idempotent). It does not keep the process alive while idle. */
export function startFigureWorker(): void {
  if (worker !== null) return;
  const w = new Worker(new URL("./figure-worker.js", import.meta.url));
  w.unref();
  w.on("message", (reply: FigureReply) => {
    if (reply.svg !== null) drawnOnWorker++;
    waiting.get(reply.id)?.(reply.svg);
    waiting.delete(reply.id);
    if (waiting.size === 0) w.unref();
  });
  const lost = (): void => {
    if (worker === w) worker = null;
    settleAll();
  };
  w.on("error", lost);
  w.on("exit", lost);
  worker = w;
}

/** Stops the figure worker; figures are drawn in this thread again. */
export async function stopFigureWorker(): Promise<void> {
  const w = worker;
  worker = null;
  settleAll();
  if (w !== null) await w.terminate();
}

function draw(job: FigureJob, here: () => Promise<string>): Promise<string> {
  const w = worker;
  if (w === null) return here();
  const id = nextId++;
  const reply = new Promise<string | null>((resolve) => waiting.set(id, resolve));
  w.ref(); // a pending figure keeps the process alive
  w.postMessage({ id, job });
  return reply.then((svg) => svg ?? here());
}

/** io/plots.ts `lossCurvePlot`, on the worker when started. */
export function lossCurvePlot(input: Parameters<typeof lossCurveSpec>[0]): Promise<string> {
  const spec = lossCurveSpec(input);
  return draw({ kind: "vega", spec }, () => renderVegaLite(spec));
}

/** io/plots.ts `accuracyCurvePlot`, on the worker when started. */
export function accuracyCurvePlot(input: Parameters<typeof accuracyCurveSpec>[0]): Promise<string> {
  const spec = accuracyCurveSpec(input);
  return draw({ kind: "vega", spec }, () => renderVegaLite(spec));
}

/** io/dag-drawing.ts `drawDag`, on the worker when started. */
export function drawDag(input: DagDrawingInput, options: { title?: string } = {}): Promise<string> {
  checkDagDrawing(input);
  return draw({ kind: "dag", input, ...(options.title === undefined ? {} : { title: options.title }) }, () => drawDagHere(input, options));
}
