/**
 * `tinygrow grow` on the user's own table: read and check the files, split, fit the
 * preprocessing on the training rows, grow a DAG from the empty graph with the shared
 * growth-run loop (experiments/growth-run.ts through run-in-folder.ts), then save the
 * model with its preprocessing and score the test set once.
 *
 * Rows of the training file (the first data.trainSamples), seeded:
 *   no --test: a data.testFraction of them is held out as the test set;
 *   of the rest, data.validationFraction is the validation set (the growth run's curves,
 *   labelled "test" in its log, are on it), the remainder train-opt / train-ls / train-gr
 *   in three equal parts; inter-train = train-opt ∪ train-ls.
 * The preprocessing is fitted on train-opt ∪ train-ls ∪ train-gr only.
 *
 * Run folder:
 *   manifest.json   configuration, data files, split sizes        model.json   the model (model-file.ts)
 *   grown/          the growth run: manifest, log.jsonl, checkpoints, network model.json, curves.svg, dag.svg
 *   report.md, results.json, parameters.svg (and accuracy.svg for classification)
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError } from "../errors.js";
import { CandidatePool } from "./pool.js";
import { DagModel } from "../dag/model.js";
import { bicMaxAddedParams } from "../dag/selection.js";
import { modelFromJson, type DagModelJson } from "../dag/serialize.js";
import { encodedWidth, type RawRows } from "../data/preprocess.js";
import type { TableResult } from "../data/table.js";
import { growthRunUnits, MODEL_FILE, type GrowthRunResult, type GrowthTask } from "../experiments/growth-run.js";
import { readGrowthLog } from "./experiments/open-growth-run.js";
import { describeCost, runInFolder } from "./experiments/run-in-folder.js";
import type { StudyIo } from "./experiments/teacher-student.js";
import type { TabularConfig } from "../experiments/tabular-config.js";
import { writeFileAtomic } from "./io/atomic.js";
import { createRunFolder, resumeRunFolder, softwareVersions } from "./io/run-folder.js";
import { withBlasThreads } from "../kernels/select.js";
import { chooseKernels } from "./kernels.js";
import { scoreRows, type Scores } from "../model/metrics.js";
import { modelToDocument } from "../model/model-file.js";
import { TabularModel } from "../model/tabular-model.js";
import { encodedOutputs, encodeTable, fitTableEncoding } from "../model/table-encoding.js";
import { Rng } from "../tensor/rng.js";
import { splitForGrowth, type GrowthDataSplit } from "../data/splits.js";
import { readTableFile } from "./table-file.js";
import { writeTabularReport } from "./tabular-report.js";
import { startFigureWorker, stopFigureWorker } from "./io/figures.js";

export const GROWN_DIR = "grown";

export interface TabularData {
  train: TableResult & { values: Float32Array };
  /** The test rows (a separate file, or held out of the training file). */
  test: RawRows;
  testSource: string;
}

export interface TabularTarget {
  out: string;
  resume: boolean;
  command?: string[];
}

export interface TabularResult {
  out: string;
  report: string;
  summary: string;
  model: string;
  scores: Scores;
}

/** Reads the training (and test) file, with every check of data/table.ts. */
export async function loadTabularTables(config: TabularConfig, onBytes?: (file: string, bytes: number, total: number) => void): Promise<{ train: TableResult & { values: Float32Array }; test: (TableResult & { values: Float32Array }) | null }> {
  const d = config.data;
  const classification = config.task === "classification";
  const common = { targets: d.targets, categorical: d.categorical, classification, missing: d.missing, delimiter: d.delimiter };
  const train = await readTableFile(d.train, { ...common, features: d.features, targetsFile: d.trainTargets, onBytes: (b, t) => onBytes?.(d.train, b, t) });
  const trainRows = limitRows(train, d.trainSamples, "data.trainSamples");
  let test = null;
  if (d.test !== undefined) {
    const t = await readTableFile(d.test, { ...common, schema: { features: trainRows.features, targets: trainRows.targets }, targetsFile: d.testTargets, onBytes: (b, tot) => onBytes?.(d.test ?? "", b, tot) });
    test = limitRows(t, d.testSamples, "data.testSamples");
  }
  return { train: trainRows, test };
}

function limitRows(t: TableResult, n: number | undefined, path: string): TableResult & { values: Float32Array } {
  const values = t.values as Float32Array;
  if (n === undefined) return { ...t, values };
  if (n > t.rows) throw new ConfigError([{ source: "data", path, message: `asks for ${n} rows, but ${t.file} has ${t.rows}${t.dropped > 0 ? ` (after dropping ${t.dropped} with missing values)` : ""}` }]);
  const stride = t.features.length + t.targets.length;
  return { ...t, rows: n, values: values.slice(0, n * stride) };
}

/** The rows of the training file: a held-out test part (without --test), then issue 9's growth split (data/splits.ts) of the rest. */
export interface TabularSplit extends GrowthDataSplit {
  test: Int32Array;
}

/**
 * Seeded: `testFraction` of the n rows held out as the test set (0 with --test), then
 * `splitForGrowth` of the rest with `validationFraction` of it as the validation set.
 */
export function tabularSplit(n: number, seed: number, options: { testFraction: number; validationFraction: number }): TabularSplit {
  const nTest = Math.round(n * options.testFraction);
  if (options.testFraction > 0 && nTest < 1) throw new ConfigError([{ source: "data", path: "data.testFraction", message: `${options.testFraction} of ${n} rows holds out no test row; give --test or more rows` }]);
  const perm = new Rng(seed ^ 0x6a09e667).permutation(n);
  const rest = perm.slice(nTest).sort();
  if (rest.length < 3) throw new ConfigError([{ source: "data", path: "data.testFraction", message: `${n} rows leave ${rest.length} after ${nTest} test rows; train-opt, train-ls and train-gr need at least 3` }]);
  const validation = Math.round(rest.length * options.validationFraction);
  const g = splitForGrowth(rest.length, seed, { validation, validationPath: "data.validationFraction" });
  const map = (part: Int32Array): Int32Array => Int32Array.from(part, (i) => rest[i]);
  return { seed, test: perm.slice(0, nTest).sort(), validation: map(g.validation), trainOpt: map(g.trainOpt), trainLs: map(g.trainLs), trainGr: map(g.trainGr) };
}

/** The encodings, datasets and task of a growth run (preprocessing fitted on the growth rows). */
export function tabularTask(config: TabularConfig, train: TableResult & { values: Float32Array }, split: TabularSplit, test: RawRows | null) {
  const stride = train.features.length + train.targets.length;
  const raw: RawRows = { values: train.values, stride, rows: train.rows };
  const fitRows = concat(concat(split.trainOpt, split.trainLs), split.trainGr);
  const encoding = fitTableEncoding(train, raw, fitRows, { task: config.task, scaling: config.data.scaling, fillMissing: config.data.missing === "mean", standardizeTargets: config.data.standardizeTargets });
  const file = train.file;
  const dataset = (idx: Int32Array) => encodeTable(encoding, raw, idx, file);
  // The curves ("test" in the growth log) are on the validation split when there is one.
  const validation = split.validation.length > 0 ? dataset(split.validation) : undefined;
  const curveSet = validation ?? (test === null ? dataset(split.test) : encodeTable(encoding, test, undefined, "test"));
  const width = encodedWidth(train.features);
  const outputSize = encodedOutputs(encoding);
  const task: GrowthTask = {
    splits: { trainOpt: dataset(split.trainOpt), trainLs: dataset(split.trainLs), trainGr: dataset(split.trainGr) },
    interTrain: dataset(config.training.interTrain === "all" ? fitRows : concat(split.trainOpt, split.trainLs)),
    ...(validation === undefined ? {} : { validation }),
    test: curveSet,
    loss: config.task === "classification" ? "softmax-cross-entropy" : "mse",
    inputSize: width,
    outputSize,
    initialModel: DagModel.empty(width, outputSize, { activation: config.model.activation }),
  };
  return { task, features: encoding.features, targets: encoding.targets, label: encoding.label };
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A cheap fingerprint of the table (FNV-1a over the float bits), recorded so that --resume checks the data did not change. */
function fingerprint(values: Float32Array): string {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * Grows (or continues growing) the network; writes model.json, the report and results. The
 * figures are drawn on a worker thread started first (node/io/figures.ts): it loads the
 * plotting code on the core the one-thread growth leaves idle.
 */
export async function runTabularGrowth(config: TabularConfig, target: TabularTarget, io: StudyIo): Promise<TabularResult> {
  startFigureWorker();
  try {
    return await growAndReport(config, target, io);
  } finally {
    await stopFigureWorker();
  }
}

async function growAndReport(config: TabularConfig, target: TabularTarget, io: StudyIo): Promise<TabularResult> {
  // Fixed before the pool starts and recorded in the manifest (contract in node/pool.ts). One
  // thread by default: a table's matrices are small, and a second BLAS thread made every
  // evaluation and growth search wait for it (on a loaded machine, 2–4× the run's wall time
  // for the same results: docs/tabular-defaults.md, "Wall time").
  const blasThreads = config.blasThreads ?? 1;
  const choice = withBlasThreads(chooseKernels(config.kernels), blasThreads);
  const tables = await loadTabularTables(config);
  const { train } = tables;
  const split = tabularSplit(train.rows, config.seed, { testFraction: tables.test === null ? config.data.testFraction : 0, validationFraction: config.data.validationFraction });
  const stride = train.features.length + train.targets.length;
  const testRows: RawRows = tables.test !== null ? { values: tables.test.values, stride, rows: tables.test.rows } : { values: gather(train.values, stride, split.test), stride, rows: split.test.length };
  const testSource = tables.test !== null ? (config.data.test ?? "") : `${split.test.length} rows (${(config.data.testFraction * 100).toFixed(0)}%) of ${config.data.train} held out (seed ${config.seed})`;
  const { task, features, targets, label } = tabularTask(config, train, split, tables.test === null ? null : testRows);
  const sizes = { trainOpt: split.trainOpt.length, trainLs: split.trainLs.length, trainGr: split.trainGr.length, validation: split.validation.length, test: testRows.rows };
  const dataInfo = {
    train: { file: config.data.train, rows: train.rows, dropped: train.dropped, fingerprint: fingerprint(train.values) },
    test: tables.test === null ? { heldOut: config.data.testFraction } : { file: config.data.test, rows: tables.test.rows, fingerprint: fingerprint(tables.test.values) },
    features: train.features,
    targets: train.targets,
    sizes,
    seed: config.seed,
  };
  task.dataSplit = dataInfo;
  const out = target.out;
  if (target.resume) resumeRunFolder(out);
  else createRunFolder(out, { config: { ...config, blasThreads }, seed: config.seed, kernels: { name: choice.name, reason: choice.reason, blasThreads: choice.blasThreads }, versions: softwareVersions(), dataSplit: dataInfo, command: target.command });
  io.log(`kernels: ${choice.reason}`);
  io.log(`data: ${train.rows} training rows${train.dropped > 0 ? ` (${train.dropped} dropped for missing values)` : ""}, ${train.features.length} feature column(s) → ${task.inputSize} inputs; train-opt/train-ls/train-gr ${sizes.trainOpt}/${sizes.trainLs}/${sizes.trainGr}, validation ${sizes.validation}; test: ${testSource}`);
  const bicNote = bicCannotGrow(config, task.inputSize, task.outputSize, sizes.trainGr);
  if (bicNote !== null) io.log(bicNote);
  const pool = config.workers > 0 ? new CandidatePool(config.workers, choice.name) : null;
  const runConfig = { seed: config.seed, growth: config.growth, training: config.training, checkpoint: config.checkpoint, evaluation: config.evaluation, selection: config.selection };
  const progress = io.progress?.("grow", growthRunUnits(runConfig)) ?? { tick: () => {}, stop: () => {} };
  const rng = new Rng(config.seed ^ 0x2545f491);
  try {
    await runInFolder(
      {
        dir: GROWN_DIR,
        name: "grown",
        config: runConfig,
        task: () => task,
        manifestConfig: { kind: "tabular", task: config.task, data: config.data, model: config.model },
        seed: config.seed,
        trainingSeed: rng.nextUint32() | 0,
        accounting: config.accounting,
        lossLabel: config.task === "classification" ? "cross-entropy" : "MSE (scaled targets)",
        describe: (res: GrowthRunResult) => `${res.parameters} parameters, ${describeCost(res)}`,
      },
      { out, choice, pool, io, progress, command: target.command },
    );
  } finally {
    progress.stop();
    await pool?.close();
  }
  const networkFile = join(out, GROWN_DIR, MODEL_FILE);
  if (!existsSync(networkFile)) throw new DataError(networkFile, "the growth run ended without its model");
  const network = modelFromJson(JSON.parse(readFileSync(networkFile, "utf8")) as DagModelJson);
  const model = new TabularModel({ task: config.task, features, targets, label, network, info: { data: dataInfo, growth: { strategy: config.growth.strategy, steps: config.growth.steps, neuronsPerStep: config.growth.neuronsPerStep } } }, choice.kernels);
  const modelFile = join(out, MODEL_FILE);
  writeFileAtomic(modelFile, JSON.stringify(modelToDocument(model)) + "\n");
  // The test set, scored once, at the end.
  const scores = scoreRows(model, testRows.values, testRows.stride, testRows.rows, config.data.test ?? config.data.train);
  const { report, summary } = await writeTabularReport(out, { config, model, scores, sizes, testSource, records: readGrowthLog(join(out, GROWN_DIR)), kernels: choice.reason });
  return { out, report, summary, model: modelFile, scores };
}

/** Why strategy "bic" cannot grow a classifier from the empty graph on this data (selection.ts bicMaxAddedParams), or null. */
function bicCannotGrow(config: TabularConfig, inputs: number, classes: number, trainGr: number): string | null {
  if (config.growth.strategy !== "bic" || config.task !== "classification") return null;
  const firstStep = (inputs + 1) * classes;
  const max = bicMaxAddedParams(trainGr, Math.log(classes));
  if (firstStep < max) return null;
  return `note: strategy bic cannot grow this network from the empty graph: with ${trainGr} train-gr rows and ${classes} classes a step may add at most 2·n·ln C / ln n = ${max.toFixed(0)} parameters, and the smallest first step (the edge in→out) adds ${firstStep}; use the default strategy (restricted) or penalized, or give more rows`;
}

function gather(values: Float32Array, stride: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * stride);
  idx.forEach((r, i) => out.set(values.subarray(r * stride, (r + 1) * stride), i * stride));
  return out;
}
