/**
 * What the playground grows: a task (2-D spirals or moons, the teacher–student regression,
 * a dropped CSV or MNIST IDX pair) and the growth knobs, turned into the growth loop's
 * GrowthTask and GrowthRunConfig. Platform-free (the page's Web Worker calls it); the same
 * spec and seed give the same data, so a stopped run continues bit-identically.
 */
import { DataError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { Rng } from "../tensor/rng.js";
import type { Dataset } from "../data/batches.js";
import type { FeatureEncoding, RawRows } from "../data/preprocess.js";
import { parseIdxImages, parseIdxLabels } from "../data/idx.js";
import { concatIndices, splitThreeWays, splitToJson, subsetDataset } from "../data/splits.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { moons, spirals } from "../data/two-d.js";
import type { Strategy } from "../dag/candidates.js";
import { CheckpointSectionSchema, EvaluationSectionSchema, GrowthSectionSchema, TrainingSectionSchema, type GrowthRunConfig } from "../experiments/config.js";
import type { GrowthTask } from "../experiments/growth-run.js";
import { encodedOutputs, encodeTable, fitTableEncoding, type TableEncoding } from "../model/table-encoding.js";
import type { Task } from "../model/tabular-model.js";
import { readCsvTable } from "./csv-table.js";

export const PLAYGROUND_TASKS = ["spirals", "moons", "teacher-student", "csv", "mnist"] as const;
export type PlaygroundTaskName = (typeof PLAYGROUND_TASKS)[number];

export interface PlaygroundSpec {
  task: PlaygroundTaskName;
  /** Samples drawn for the synthetic tasks (a test set of a quarter as many is added). */
  samples: number;
  noise: number;
  seed: number;
  strategy: Strategy;
  steps: number;
  neuronsPerStep: number;
  epochsPerStep: number;
  lr: number;
  batchSize: number;
  /** Task "csv": the target column (default the last), the task (default from the target's values) and the feature columns to one-hot encode. */
  csvTarget?: string;
  csvTask?: Task;
  categorical?: string[];
  /** The dropped files (task "csv": `csv`; task "mnist": `images` and `labels`), with their names. */
  files?: { csv?: NamedBytes; images?: NamedBytes; labels?: NamedBytes };
}

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export interface PlaygroundRun {
  task: GrowthTask;
  config: GrowthRunConfig;
  /** The preprocessing from raw input columns to the network's inputs (with the network: a TabularModel). */
  encoding: TableEncoding;
  /** One line for the page: what the data is. */
  description: string;
}

interface TaskData {
  train: Dataset;
  test: Dataset;
  /** The preprocessing the grown network expects (stored with the downloaded model). */
  encoding: TableEncoding;
  description: string;
}

/** No preprocessing: numeric features `names`; classes "0".."classes-1" or `targets` regression columns. */
function identityEncoding(names: string[], output: { classes: number } | { targets: string[] }, scale = 1): TableEncoding {
  const features: FeatureEncoding = { columns: names.map((name) => ({ name, kind: "numeric" })), fill: names.map(() => null), scaling: scale === 1 ? "none" : "min-max", shift: names.map(() => 0), scale: names.map(() => scale) };
  if ("classes" in output) return { task: "classification", features, label: { column: "class", classes: Array.from({ length: output.classes }, (_, c) => String(c)) } };
  return { task: "regression", features, targets: { columns: output.targets, shift: output.targets.map(() => 0), scale: output.targets.map(() => 1) } };
}

const columnNames = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Train and test sets of the spec's task. */
async function taskData(spec: PlaygroundSpec, kernels: Kernels, rng: Rng): Promise<TaskData> {
  const nTest = Math.max(1, Math.floor(spec.samples / 4));
  switch (spec.task) {
    case "spirals":
    case "moons": {
      const make = spec.task === "spirals" ? spirals : moons;
      const encoding = identityEncoding(["x1", "x2"], { classes: 2 });
      return { train: make(spec.samples, rng, { noise: spec.noise }), test: make(nTest, rng, { noise: spec.noise }), encoding, description: `${spec.task}: ${spec.samples} points, 2 classes, noise ${spec.noise}` };
    }
    case "teacher-student": {
      const teacher = buildTeacher(rng);
      const description = `teacher–student regression: ${spec.samples} samples of the paper's teacher (${teacher.parameterCount()} parameters)`;
      const encoding = identityEncoding(columnNames("x", teacher.inputSize), { targets: columnNames("y", teacher.outputSize) });
      return { train: teacherDataset(kernels, teacher, spec.samples, rng), test: teacherDataset(kernels, teacher, nTest, rng), encoding, description };
    }
    case "csv": {
      const csv = spec.files?.csv;
      if (csv === undefined) throw new DataError("csv", "no CSV file was dropped");
      const { table, task } = await readCsvTable(csv.bytes, csv.name, { target: spec.csvTarget, task: spec.csvTask, categorical: spec.categorical });
      const raw: RawRows = { values: table.values, stride: table.features.length + table.targets.length, rows: table.rows };
      const { train, test } = holdOut(table.rows, rng);
      // The CLI's defaults (tinygrow grow): standardised features, targets as they are.
      const encoding = fitTableEncoding(table, raw, train, { task, scaling: "standardize", fillMissing: false, standardizeTargets: false });
      const what = task === "classification" ? `${encoding.label?.classes.length} classes in "${encoding.label?.column}"` : `regression on "${table.targets[0].name}"`;
      return { train: encodeTable(encoding, raw, train, csv.name), test: encodeTable(encoding, raw, test, csv.name), encoding, description: `${csv.name}: ${table.rows} rows, ${table.features.length} feature columns, ${what}` };
    }
    case "mnist": {
      const { images, labels } = spec.files ?? {};
      if (images === undefined || labels === undefined) throw new DataError("mnist", "drop two IDX files: the images (magic 0x00000803) and their labels (magic 0x00000801)");
      const img = parseIdxImages(images.bytes, images.name);
      const lab = parseIdxLabels(labels.bytes, labels.name, 10);
      if (lab.length !== img.count) throw new DataError(labels.name, `${lab.length} labels for ${img.count} images in ${images.name}`);
      const n = Math.min(img.count, spec.samples + nTest);
      const d = img.rows * img.cols;
      // Raw rows (pixels 0–255, then the label), scaled to [0, 1] by the encoding.
      const raw: RawRows = { values: new Float32Array(n * (d + 1)), stride: d + 1, rows: n };
      for (let i = 0; i < n; i++) {
        raw.values.set(img.pixels.subarray(i * d, (i + 1) * d), i * (d + 1));
        raw.values[i * (d + 1) + d] = lab[i];
      }
      const encoding = identityEncoding(columnNames("pixel", d), { classes: 10 }, 1 / 255);
      const { train, test } = holdOut(n, rng);
      return { train: encodeTable(encoding, raw, train, images.name), test: encodeTable(encoding, raw, test, images.name), encoding, description: `${images.name}: ${n} of ${img.count} images of ${img.rows}×${img.cols}, 10 classes` };
    }
  }
}

/** A fifth of `n` rows (shuffled, seeded) as the test set, the rest for training. */
function holdOut(n: number, rng: Rng): { train: Int32Array; test: Int32Array } {
  if (n < 10) throw new DataError("data", `expected at least 10 rows, got ${n}`);
  const order = rng.permutation(n);
  const nTest = Math.max(1, Math.floor(n / 5));
  return { train: order.subarray(nTest), test: order.subarray(0, nTest) };
}

/** The growth task and configuration of a spec (validated by the run configuration's schemas). */
export async function buildPlaygroundRun(spec: PlaygroundSpec, kernels: Kernels): Promise<PlaygroundRun> {
  const rng = new Rng(spec.seed);
  const { train, test, encoding, description } = await taskData(spec, kernels, rng);
  const n = train.x.rows;
  const split = splitThreeWays(n, spec.seed);
  const loss = "labels" in train ? "softmax-cross-entropy" : "mse";
  const outputs = encodedOutputs(encoding);
  const task: GrowthTask = {
    splits: { trainOpt: subsetDataset(train, split.trainOpt), trainLs: subsetDataset(train, split.trainLs), trainGr: subsetDataset(train, split.trainGr) },
    interTrain: subsetDataset(train, concatIndices(split.trainOpt, split.trainLs)),
    test,
    loss,
    inputSize: train.x.cols,
    outputSize: outputs,
    dataSplit: { spec: { ...spec, files: undefined }, split: splitToJson(split) },
  };
  const config: GrowthRunConfig = {
    seed: spec.seed,
    growth: GrowthSectionSchema.parse({ steps: spec.steps, strategy: spec.strategy, neuronsPerStep: spec.neuronsPerStep, statisticsBatchSize: 256 }),
    training: TrainingSectionSchema.parse({ epochsPerStep: spec.epochsPerStep, lr: spec.lr, batchSize: spec.batchSize }),
    // A checkpoint every epoch: Stop loses at most the epoch under way.
    checkpoint: CheckpointSectionSchema.parse({ everyEpochs: 1 }),
    evaluation: EvaluationSectionSchema.parse({ everyEpochs: 1 }),
  };
  return { task, config, encoding, description };
}
