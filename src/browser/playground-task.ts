/**
 * What the playground grows: a task (2-D spirals or moons, the teacher–student regression,
 * a dropped CSV or MNIST IDX pair) and the growth knobs, turned into the growth loop's
 * GrowthTask and GrowthRunConfig. Platform-free (the page's Web Worker calls it); the same
 * spec and seed give the same data, so a stopped run continues bit-identically.
 */
import { DataError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { Rng } from "../tensor/rng.js";
import { Matrix } from "../tensor/matrix.js";
import type { Dataset } from "../data/batches.js";
import { parseIdxImages, parseIdxLabels } from "../data/idx.js";
import { concatIndices, splitThreeWays, splitToJson, subsetDataset } from "../data/splits.js";
import { buildTeacher, teacherDataset } from "../data/teacher.js";
import { moons, spirals } from "../data/two-d.js";
import type { Strategy } from "../dag/candidates.js";
import { CheckpointSectionSchema, EvaluationSectionSchema, GrowthSectionSchema, TrainingSectionSchema, type GrowthRunConfig } from "../experiments/config.js";
import type { GrowthTask } from "../experiments/growth-run.js";
import { parseCsvDataset } from "./csv-dataset.js";

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
  /** One line for the page: what the data is. */
  description: string;
}

/** Train and test sets of the spec's task. */
function taskData(spec: PlaygroundSpec, kernels: Kernels, rng: Rng): { train: Dataset; test: Dataset; description: string } {
  const nTest = Math.max(1, Math.floor(spec.samples / 4));
  switch (spec.task) {
    case "spirals":
    case "moons": {
      const make = spec.task === "spirals" ? spirals : moons;
      return { train: make(spec.samples, rng, { noise: spec.noise }), test: make(nTest, rng, { noise: spec.noise }), description: `${spec.task}: ${spec.samples} points, 2 classes, noise ${spec.noise}` };
    }
    case "teacher-student": {
      const teacher = buildTeacher(rng);
      const description = `teacher–student regression: ${spec.samples} samples of the paper's teacher (${teacher.parameterCount()} parameters)`;
      return { train: teacherDataset(kernels, teacher, spec.samples, rng), test: teacherDataset(kernels, teacher, nTest, rng), description };
    }
    case "csv": {
      const csv = spec.files?.csv;
      if (csv === undefined) throw new DataError("csv", "no CSV file was dropped");
      const all = parseCsvDataset(csv.bytes, csv.name);
      return holdOut(all.data, rng, `${csv.name}: ${all.data.x.rows} rows, ${all.inputs} inputs, ${all.description}`);
    }
    case "mnist": {
      const { images, labels } = spec.files ?? {};
      if (images === undefined || labels === undefined) throw new DataError("mnist", "drop two IDX files: the images (magic 0x00000803) and their labels (magic 0x00000801)");
      const img = parseIdxImages(images.bytes, images.name);
      const lab = parseIdxLabels(labels.bytes, labels.name, 10);
      if (lab.length !== img.count) throw new DataError(labels.name, `${lab.length} labels for ${img.count} images in ${images.name}`);
      const n = Math.min(img.count, spec.samples + nTest);
      const d = img.rows * img.cols;
      const x = new Matrix(n, d, new Float32Array(n * d));
      for (let i = 0; i < n * d; i++) x.data[i] = img.pixels[i] / 255;
      const data: Dataset = { x, labels: Int32Array.from(lab.subarray(0, n)) };
      return holdOut(data, rng, `${images.name}: ${n} of ${img.count} images of ${img.rows}×${img.cols}, 10 classes`);
    }
  }
}

/** A fifth of the rows (shuffled, seeded) as the test set. */
function holdOut(data: Dataset, rng: Rng, description: string): { train: Dataset; test: Dataset; description: string } {
  const n = data.x.rows;
  if (n < 10) throw new DataError("data", `expected at least 10 rows, got ${n}`);
  const order = rng.permutation(n);
  const nTest = Math.max(1, Math.floor(n / 5));
  return { train: subsetDataset(data, order.subarray(nTest)), test: subsetDataset(data, order.subarray(0, nTest)), description };
}

/** The growth task and configuration of a spec (validated by the run configuration's schemas). */
export function buildPlaygroundRun(spec: PlaygroundSpec, kernels: Kernels): PlaygroundRun {
  const rng = new Rng(spec.seed);
  const { train, test, description } = taskData(spec, kernels, rng);
  const n = train.x.rows;
  const split = splitThreeWays(n, spec.seed);
  const loss = "labels" in train ? "softmax-cross-entropy" : "mse";
  const outputs = "labels" in train ? Math.max(2, ...Array.from(train.labels, (l) => l + 1)) : train.y.cols;
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
  return { task, config, description };
}
