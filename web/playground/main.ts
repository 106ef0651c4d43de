/**
 * The playground page: reads the task and knobs, runs the growth in a Web Worker
 * (./worker.ts), and draws what the run writes as it goes — the DAG (elkjs, the report's
 * drawing), the loss curves (the report's vega-lite spec) and each step's chosen candidate.
 * Stop terminates the worker; Continue starts a new one from the last checkpoint, so the
 * run goes on bit-identically. State for tests: body[data-state], window.playground.
 */
import { modelFromJson } from "../../src/dag/serialize.js";
import type { DagModelJson } from "../../src/dag/serialize.js";
import type { GrowthCheckpoint, StepRecord } from "../../src/experiments/growth-run.js";
import type { StartMessage, WorkerMessage } from "../../src/browser/grow-worker.js";
import type { PlaygroundSpec, PlaygroundTaskName } from "../../src/browser/playground-task.js";
import type { Strategy } from "../../src/dag/candidates.js";
import { dagDrawingInput, drawDag } from "../../src/io/dag-drawing.js";
import { lossCurvePlot } from "../../src/io/plots.js";
import { describeDropped, readDropped, type Dropped } from "./files.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const num = (id: string) => Number($<HTMLInputElement>(id).value);

interface PageState {
  state: "idle" | "running" | "stopped" | "done" | "error";
  records: StepRecord[];
  checkpoint: GrowthCheckpoint | null;
  modelJson: string | null;
  kernels: string | null;
  spec: PlaygroundSpec | null;
}

const page: PageState = { state: "idle", records: [], checkpoint: null, modelJson: null, kernels: null, spec: null };
(window as unknown as { playground: PageState }).playground = page;
let worker: Worker | null = null;
let dropped: Dropped | null = null;
let meta: Extract<WorkerMessage, { type: "started" }> | null = null;

function setState(state: PageState["state"]): void {
  page.state = state;
  document.body.dataset.state = state;
  $<HTMLButtonElement>("start").disabled = state === "running";
  $<HTMLButtonElement>("stop").disabled = state !== "running";
  $<HTMLButtonElement>("continue").disabled = !(state === "stopped" && page.checkpoint !== null);
  $<HTMLButtonElement>("download").disabled = page.checkpoint === null && page.modelJson === null;
}

function showError(message: string): void {
  $("error").textContent = message;
}

function readSpec(): PlaygroundSpec {
  const task = $<HTMLSelectElement>("task").value as PlaygroundTaskName;
  const spec: PlaygroundSpec = {
    task,
    samples: num("samples"),
    noise: num("noise"),
    seed: num("seed"),
    strategy: $<HTMLSelectElement>("strategy").value as Strategy,
    steps: num("steps"),
    neuronsPerStep: num("neurons"),
    epochsPerStep: num("epochs"),
    lr: num("lr"),
    batchSize: num("batch"),
  };
  if (task === "csv") {
    if (dropped?.kind !== "csv") throw new Error("task CSV: drop a CSV file first");
    spec.files = { csv: dropped.csv };
  }
  if (task === "mnist") {
    if (dropped?.kind !== "mnist" || dropped.images === undefined || dropped.labels === undefined) throw new Error("task MNIST: drop the images and the labels IDX files first");
    spec.files = { images: dropped.images, labels: dropped.labels };
  }
  return spec;
}

function launch(message: StartMessage): void {
  worker?.terminate();
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => onWorkerMessage(event.data);
  worker.onerror = (event) => {
    showError(`the growth worker failed: ${event.message}`);
    setState("error");
  };
  worker.postMessage(message);
  setState("running");
}

function start(): void {
  showError("");
  let spec: PlaygroundSpec;
  try {
    spec = readSpec();
  } catch (err) {
    showError((err as Error).message);
    return;
  }
  page.spec = spec;
  page.records = [];
  page.checkpoint = null;
  page.modelJson = null;
  lastDrawnParams = -1;
  $("dag").innerHTML = "";
  $("curves").innerHTML = "";
  $("steps-table").querySelector("tbody")!.innerHTML = "";
  launch({ type: "start", spec });
}

function stop(): void {
  worker?.terminate();
  worker = null;
  setState("stopped");
  $("status").textContent += " — stopped";
}

function resume(): void {
  const cp = page.checkpoint;
  if (cp === null || page.spec === null) return;
  // Records after the checkpoint are written again by the continued run.
  page.records = page.records.slice(0, cp.logRecords);
  rebuildStepsTable();
  launch({ type: "start", spec: page.spec, resume: { checkpoint: cp, records: page.records } });
}

function onWorkerMessage(m: WorkerMessage): void {
  switch (m.type) {
    case "started":
      meta = m;
      page.kernels = m.kernels;
      document.body.dataset.kernels = m.kernels;
      $("notice").textContent = m.kernels === "wasm" ? "" : `Notice: ${m.kernelsReason}`;
      $("status").textContent = `${m.description}; kernels: ${m.kernels}`;
      return;
    case "record":
      page.records.push(m.record);
      if (m.record.kind === "growth") addStepRow(m.record);
      scheduleDraw();
      return;
    case "checkpoint":
      page.checkpoint = m.checkpoint;
      $<HTMLButtonElement>("download").disabled = false;
      scheduleDraw();
      return;
    case "done":
      page.modelJson = m.modelJson;
      worker?.terminate();
      worker = null;
      setState("done");
      scheduleDraw();
      return;
    case "error":
      showError(m.message);
      worker?.terminate();
      worker = null;
      setState("error");
      return;
  }
}

function fmt(x: unknown): string {
  if (typeof x !== "number") return String(x ?? "–");
  if (Number.isInteger(x)) return x.toLocaleString("en-US");
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(4);
}

function addStepRow(r: StepRecord): void {
  const g = (r.growth ?? {}) as { chosen?: string | null; neurons?: number; gamma?: number | null; outcome?: string; candidates?: unknown[] };
  const row = document.createElement("tr");
  const cells = [r.step, g.chosen ?? `none (${g.outcome ?? "?"})`, g.neurons ?? 0, g.gamma ?? "–", r.parameters, r.losses["train-gr"], g.candidates?.length ?? 0];
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = fmt(c);
    row.append(td);
  }
  $("steps-table").querySelector("tbody")!.append(row);
}

function rebuildStepsTable(): void {
  $("steps-table").querySelector("tbody")!.innerHTML = "";
  for (const r of page.records) if (r.kind === "growth") addStepRow(r);
}

// Drawing is throttled (elkjs and vega are async and not free): at most one pass at a time.
let drawPending = false;
let drawing = false;
let lastDrawnParams = -1;

function scheduleDraw(): void {
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => void draw(), 250);
}

async function draw(): Promise<void> {
  drawPending = false;
  if (drawing) return scheduleDraw();
  drawing = true;
  try {
    const last = page.records[page.records.length - 1];
    if (last !== undefined && meta !== null) {
      const epochsTotal = meta.steps * meta.epochsPerStep;
      $("status").textContent = `${meta.description}; kernels: ${meta.kernels} — step ${last.step} of ${meta.steps}, epoch ${last.epoch ?? 0} of ${epochsTotal}, ${last.parameters.toLocaleString("en-US")} parameters, test loss ${fmt(last.losses.test)}${page.state === "stopped" ? " — stopped" : page.state === "done" ? " — done" : ""}`;
      document.body.dataset.parameters = String(last.parameters);
    }
    const modelJson = page.modelJson ?? (page.checkpoint === null ? null : JSON.stringify(page.checkpoint.model));
    if (modelJson !== null) {
      const model = modelFromJson(JSON.parse(modelJson) as DagModelJson);
      if (model.parameterCount() !== lastDrawnParams) {
        lastDrawnParams = model.parameterCount();
        $("dag").innerHTML = await drawDag(dagDrawingInput(model), { title: `${lastDrawnParams.toLocaleString("en-US")} parameters` });
      }
    }
    const withTest = page.records.filter((r) => r.losses.test !== undefined && r.losses.test > 0);
    if (withTest.length >= 2) {
      const series = ["train-gr", "test"].map((name) => {
        const rs = withTest.filter((r) => r.losses[name] !== undefined && r.losses[name] > 0);
        return { name, x: rs.map((r) => r.epoch ?? 0), mean: rs.map((r) => r.losses[name]) };
      });
      const growthEpochs = page.records.filter((r) => r.kind === "growth").map((r) => r.epoch ?? 0);
      const yLabel = meta?.loss === "mse" ? "loss (MSE)" : "loss (cross-entropy)";
      $("curves").innerHTML = await lossCurvePlot({ series, growthEpochs, title: "loss against epochs", yLabel });
    }
  } catch (err) {
    showError(`drawing failed: ${(err as Error).message}`);
  } finally {
    drawing = false;
  }
}

function download(): void {
  const json = page.modelJson ?? (page.checkpoint === null ? null : JSON.stringify(page.checkpoint.model));
  if (json === null) return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([json + "\n"], { type: "application/json" }));
  a.download = "model.json";
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function onFiles(files: readonly File[]): Promise<void> {
  showError("");
  try {
    dropped = await readDropped(files, dropped);
    $("dropped").textContent = describeDropped(dropped);
    $<HTMLSelectElement>("task").value = dropped.kind;
  } catch (err) {
    showError((err as Error).message);
  }
}

const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  void onFiles(Array.from(e.dataTransfer?.files ?? []));
});
$<HTMLInputElement>("files").addEventListener("change", (e) => void onFiles(Array.from((e.target as HTMLInputElement).files ?? [])));
$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
$("continue").addEventListener("click", resume);
$("download").addEventListener("click", download);
setState("idle");
