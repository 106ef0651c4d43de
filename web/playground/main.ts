/**
 * The playground page: reads the task and knobs, runs the growth in a Web Worker
 * (./worker.ts), and draws what the run writes as it goes — the DAG (elkjs, the report's
 * drawing), the loss curves (the report's vega-lite spec) and each step's chosen candidate.
 * Stop terminates the worker; Continue starts a new one from the last checkpoint, so the
 * run goes on bit-identically. The grown model (with its task's preprocessing) downloads as
 * model.json (the CLI's model file) or ONNX (the core export). State for tests:
 * body[data-state], window.playground.
 */
import { modelFromJson } from "../../src/dag/serialize.js";
import type { DagModelJson } from "../../src/dag/serialize.js";
import type { DagModel } from "../../src/dag/model.js";
import { exportOnnx } from "../../src/export/onnx.js";
import { modelToDocument } from "../../src/model/model-file.js";
import { TabularModel } from "../../src/model/tabular-model.js";
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
  setDownloadable();
}

function setDownloadable(): void {
  const none = page.modelJson === null && page.checkpoint === null;
  $<HTMLButtonElement>("download").disabled = none;
  $<HTMLButtonElement>("download-onnx").disabled = none;
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
    spec.csvTarget = $<HTMLInputElement>("csv-target").value.trim() || undefined;
    spec.csvTask = ($<HTMLSelectElement>("csv-task").value || undefined) as PlaygroundSpec["csvTask"];
    spec.categorical = $<HTMLInputElement>("csv-categorical").value.split(",").map((c) => c.trim()).filter((c) => c !== "");
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
  meta = null;
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
      setDownloadable();
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
    const model = grownNetwork();
    if (model !== null) {
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

/** The network grown so far: the final one, else the last checkpoint's. */
function grownNetwork(): DagModel<Float32Array> | null {
  const json = page.modelJson ?? (page.checkpoint === null ? null : JSON.stringify(page.checkpoint.model));
  return json === null ? null : modelFromJson(JSON.parse(json) as DagModelJson);
}

/** The grown network with its task's preprocessing: what `tinygrow predict` and `tinygrow export` read. */
function grownModel(): TabularModel | null {
  const network = grownNetwork();
  if (network === null || meta === null) return null;
  return new TabularModel({ ...meta.encoding, network, info: { source: "tinygrow playground", task: meta.description, spec: { ...page.spec, files: undefined } } });
}

function save(name: string, blob: Blob): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function download(format: "json" | "onnx"): void {
  try {
    const model = grownModel();
    if (model === null) return;
    if (format === "json") save("model.json", new Blob([JSON.stringify(modelToDocument(model)) + "\n"], { type: "application/json" }));
    else save("model.onnx", new Blob([exportOnnx(model) as BlobPart], { type: "application/octet-stream" }));
  } catch (err) {
    showError(`download failed: ${(err as Error).message}`);
  }
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
$("download").addEventListener("click", () => download("json"));
$("download-onnx").addEventListener("click", () => download("onnx"));
setState("idle");
