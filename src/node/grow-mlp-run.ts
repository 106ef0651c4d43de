/**
 * The run folder of `tinygrow grow-mlp` (the studies' contract):
 *   manifest.json  configuration, kernels, versions, data description
 *   log.jsonl      one record per row (step 0: initial training; step s: growth + training), fsynced,
 *                  and a "done" record once model.json is written
 *   checkpoint.tgck after every row: the MLP's weights, the optimizer state, the two Rng
 *                  states (batch order, statistics subsets), optimizer steps and log position,
 *                  so that --resume continues bit-identically with the same kernels
 *   model.json     the grown MLP as a DAG chain with its preprocessing (model/model-file.ts):
 *                  predicted with and exported like a grown DAG
 *   report.md, curves.svg (train/test loss per step), parameters.svg
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, DataError } from "../errors.js";
import { mlpToDag } from "../dag/from-mlp.js";
import type { DagGraphJson } from "../dag/serialize.js";
import type { FeatureEncoding, TargetEncoding } from "../data/preprocess.js";
import type { GrowMlpRow } from "../growth/mlp-growth.js";
import { lossCurvePlot } from "../io/plots.js";
import type { Kernels } from "../kernels/kernels.js";
import type { RunKernels } from "../kernels/select.js";
import { modelToDocument } from "../model/model-file.js";
import { TabularModel } from "../model/tabular-model.js";
import { Linear } from "../nn/layers/linear.js";
import { Mlp } from "../nn/mlp.js";
import type { OptimizerBase } from "../nn/optim/optimizer.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng, RngState } from "../tensor/rng.js";
import { writeFileAtomic } from "./io/atomic.js";
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from "./io/checkpoint.js";
import { JsonlWriter, readJsonl } from "./io/results.js";
import { createRunFolder, resumeRunFolder, softwareVersions } from "./io/run-folder.js";

export const MLP_LOG_FILE = "log.jsonl";
const KIND = "tinygrow-grow-mlp";
const VERSION = 1;

export interface MlpCheckpoint {
  kind: typeof KIND;
  version: number;
  /** The next row to compute. */
  nextStep: number;
  trainStep: number;
  activation: string;
  layers: { weight: Float32Array; rows: number; cols: number; bias: Float32Array | null }[];
  optimizer: unknown[];
  rng: { batches: RngState; growth: RngState };
  logRecords: number;
}

const Schema = z.looseObject({
  kind: z.literal(KIND),
  version: z.literal(VERSION),
  nextStep: z.number().int().min(0),
  trainStep: z.number().int().min(0),
  layers: z.array(z.looseObject({ weight: z.instanceof(Float32Array), rows: z.number().int(), cols: z.number().int() })).min(1),
  optimizer: z.array(z.unknown()),
  logRecords: z.number().int().min(0),
});

export interface MlpRunFolder {
  dir: string;
  log: JsonlWriter;
  checkpoint: MlpCheckpoint | null;
}

/** Creates the folder (refusing a non-empty one) or reopens it for --resume (the log cut back to the checkpoint). */
export function openMlpRun(dir: string, resume: boolean, manifest: { config: unknown; seed: number; choice: RunKernels; data: string; command?: string[] }): MlpRunFolder {
  if (!resume) {
    const f = createRunFolder(dir, { config: manifest.config, seed: manifest.seed, kernels: { name: manifest.choice.name, reason: manifest.choice.reason, blasThreads: manifest.choice.blasThreads }, versions: softwareVersions(), dataSplit: { task: manifest.data }, command: manifest.command });
    return { dir: f.dir, log: JsonlWriter.create(f.file(MLP_LOG_FILE)), checkpoint: null };
  }
  const checkpoint = existsSync(join(dir, CHECKPOINT_FILE)) ? (readCheckpoint<MlpCheckpoint>(dir, { schema: Schema as unknown as z.ZodType<MlpCheckpoint>, fallbackToPrevious: true }).payload) : null;
  const f = resumeRunFolder(dir);
  const logPath = f.file(MLP_LOG_FILE);
  const log = existsSync(logPath) ? JsonlWriter.resume(logPath, { keepRecords: checkpoint?.logRecords ?? 0 }).writer : JsonlWriter.create(logPath);
  return { dir: f.dir, log, checkpoint };
}

/** A float32 MLP rebuilt from a checkpoint's layers. */
export function mlpFromCheckpoint(cp: MlpCheckpoint, activation: Mlp["activation"]): Mlp {
  const layers = cp.layers.map((l, i) => new Linear(new Matrix(l.rows, l.cols, Float32Array.from(l.weight)), l.bias === null ? null : Float32Array.from(l.bias), `layers.${i}`));
  return new Mlp(layers, activation);
}

/** Saves the position after row `step`. */
export function checkpointMlpRun(run: MlpRunFolder, state: { step: number; trainStep: number; model: Mlp; optimizer: OptimizerBase<{ length: number }>; batches: Rng; growth: Rng }): void {
  const payload: MlpCheckpoint = {
    kind: KIND,
    version: VERSION,
    nextStep: state.step + 1,
    trainStep: state.trainStep,
    activation: state.model.activation,
    layers: state.model.layers.map((l) => ({ weight: Float32Array.from(l.weight.data), rows: l.weight.rows, cols: l.weight.cols, bias: l.bias === null ? null : Float32Array.from(l.bias) })),
    optimizer: state.optimizer.exportStates(),
    rng: { batches: state.batches.state(), growth: state.growth.state() },
    logRecords: run.log.records,
  };
  writeCheckpoint(run.dir, payload);
}

/**
 * The log record of one row (docs/run-log.md): the run's fields (`sizes`) and the viewer's
 * (`graph`, the chain after the row; `epoch`; every hidden layer as a candidate of the step,
 * scored by the negated first-order decrease per unit γ² that chose it, lower is better).
 */
export function rowRecord(row: GrowMlpRow, at: { graph: DagGraphJson; epoch: number }): Record<string, unknown> {
  const g = row.growth;
  const describe = (layer: number, neurons: number): string => `h${layer + 1} +${neurons}`;
  // Candidates are priced on the structure before the step: the chosen layer without its new neurons.
  const before: DagGraphJson = { ...at.graph, nodes: at.graph.nodes.map((n) => (g !== null && n.name === `h${g.chosen + 1}` ? { ...n, size: n.size - g.added } : n)) };
  const rec: Record<string, unknown> = {
    kind: row.step === 0 ? "init" : "growth",
    step: row.step,
    epoch: at.epoch,
    action: g === null ? "train" : g.chosen < 0 ? "grow: none" : `grow: ${describe(g.chosen, g.added)}`,
    growth:
      g === null
        ? null
        : {
            outcome: g.chosen < 0 ? "no layer could grow" : "grown",
            chosen: g.chosen < 0 ? null : describe(g.chosen, g.added),
            chosenIndex: g.chosen < 0 ? null : g.chosen,
            chosenLayer: g.chosen,
            criterion: "first-order-gain",
            added: g.added,
            neurons: g.added,
            gamma: g.gamma,
            lossBefore: g.lossBefore,
            lossAfter: g.lossAfter,
            paramsAfter: g.parameters,
            bottlenecks: Object.fromEntries(g.candidates.map((c) => [`h${c.layer + 1}`, c.eligible ? c.bottleneck : null])),
            candidates: g.candidates.map((c) => {
              const chosen = c.layer === g.chosen;
              const neurons = chosen ? g.added : c.neurons;
              return {
                description: describe(c.layer, neurons),
                neurons,
                gamma: chosen ? g.gamma : null,
                lossLs: chosen ? g.lossAfter : null,
                score: c.eligible ? -c.firstOrderImprovement : null,
                addedParams: addedParameters(before, c.layer, neurons),
                chosen,
                skipped: c.eligible ? null : "the next layer has no outputs",
              };
            }),
          },
    graph: at.graph,
    losses: { train: row.train.loss, test: row.test.loss, ...(row.validation === undefined ? {} : { validation: row.validation.loss }) },
    parameters: row.parameters,
    sizes: row.sizes,
  };
  if (row.test.accuracy !== undefined) rec.accuracy = { train: row.train.accuracy, test: row.test.accuracy, ...(row.validation === undefined ? {} : { validation: row.validation.accuracy }) };
  return rec;
}

/** Parameters that `neurons` new neurons in hidden layer `layer` add: their in-edge (weights and bias) and out-edge weights. */
function addedParameters(graph: DagGraphJson, layer: number, neurons: number): number {
  const node = `h${layer + 1}`;
  const into = graph.edges.find((e) => e.to === node);
  const out = graph.edges.find((e) => e.from === node);
  const size = (name: string | undefined): number => graph.nodes.find((n) => n.name === name)?.size ?? 0;
  return neurons * (size(into?.from) + (into?.bias === true ? 1 : 0) + size(out?.to));
}

/** The last record: the run is complete (the viewer shows it finished rather than interrupted). */
export function doneRecord(mlp: Mlp, epoch: number, steps: number): Record<string, unknown> {
  return { kind: "done", step: steps, epoch, action: "done", parameters: mlp.layers.reduce((s, l) => s + l.weight.data.length + (l.bias?.length ?? 0), 0), sizes: mlp.sizes };
}

/** The grown MLP with its data's preprocessing as a model document in the run folder. */
export function writeMlpModel(dir: string, mlp: Mlp, kernels: Kernels, data: { features: FeatureEncoding; targets?: TargetEncoding; label?: { column: string; classes: string[] }; info: Record<string, unknown> }): string {
  const network = mlpToDag(mlp, kernels);
  const model = new TabularModel({ task: data.label !== undefined ? "classification" : "regression", features: data.features, targets: data.targets, label: data.label, network, info: data.info });
  const file = join(dir, "model.json");
  writeFileAtomic(file, JSON.stringify(modelToDocument(model)) + "\n");
  return file;
}

/** report.md, curves.svg and parameters.svg from the log. */
export async function writeMlpReport(dir: string, title: string): Promise<string> {
  const all = readJsonl<{ kind?: string; step: number; action: string; losses: { train: number; test: number }; accuracy?: { test: number }; parameters: number; sizes: number[] }>(join(dir, MLP_LOG_FILE)).records;
  const records = all.filter((r) => r.kind !== "done");
  if (records.length === 0) throw new DataError(join(dir, MLP_LOG_FILE), "no records to report");
  const x = records.map((r) => r.step);
  const positive = records.every((r) => r.losses.train > 0 && r.losses.test > 0);
  if (positive) {
    writeFileAtomic(join(dir, "curves.svg"), await lossCurvePlot({ series: [{ name: "train", x, mean: records.map((r) => r.losses.train) }, { name: "test", x, mean: records.map((r) => r.losses.test) }], title: `${title}: loss after each step`, yLabel: "loss (per sample)" }));
  }
  writeFileAtomic(join(dir, "parameters.svg"), (await lossCurvePlot({ series: [{ name: "parameters", x, mean: records.map((r) => Math.max(1, r.parameters)) }], logY: false, title: `${title}: parameters`, yLabel: "parameters" })).replaceAll(">epoch<", ">growth step<"));
  const last = records[records.length - 1];
  const lines = [
    `# ${title}`,
    "",
    `${records[0].sizes.join("-")} → **${last.sizes.join("-")}**, ${last.parameters} parameters, test loss ${last.losses.test.toPrecision(4)}${last.accuracy === undefined ? "" : `, test accuracy ${(last.accuracy.test * 100).toFixed(2)}%`}.`,
    "",
    "| step | action | widths | parameters | train loss | test loss |",
    "|---:|---|---|---:|---:|---:|",
    ...records.map((r) => `| ${r.step} | ${r.action} | ${r.sizes.join("-")} | ${r.parameters} | ${r.losses.train.toPrecision(4)} | ${r.losses.test.toPrecision(4)} |`),
    "",
    ...(positive ? ["![loss](curves.svg)", ""] : []),
    "![parameters](parameters.svg)",
    "",
    `Model: \`model.json\` (\`tinygrow predict --model ${dir}\`, \`tinygrow export ${dir} --format onnx\`).`,
    "",
  ];
  const report = join(dir, "report.md");
  writeFileAtomic(report, lines.join("\n"));
  return report;
}

/** ConfigError for flags given with --resume (the configuration is the run's). */
export function checkResumeFlags(given: string[], dir: string): void {
  if (given.length > 0) throw new ConfigError(given.map((f) => ({ source: f, path: f.replace(/^--/, ""), message: `cannot be changed on --resume: the configuration is read from ${dir}/manifest.json` })));
}
