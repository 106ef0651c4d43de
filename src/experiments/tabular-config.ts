/**
 * Configuration of `tinygrow grow`: a DAG grown from the empty graph on the user's own table
 * (CSV/TSV or .npy). Defaults live here only (the CLI's --help reads them).
 *
 * Defaults for small and medium tables on a CPU (hundreds to tens of thousands of rows): 10
 * growth steps of 10 neurons, 30 epochs between steps, the restricted strategy, standardised
 * features (set a priori), and — chosen on validation, see docs/tabular-defaults.md — inter-
 * training on all three growth parts, weight decay 1e-3, and the model kept being the best on
 * the validation split (evaluated every 5 epochs), growth stopped after 2 steps without a new best. None was chosen by
 * looking at a test set: the tuning split the benchmark's training files only.
 */
import { z } from "zod";
import { ACTIVATION_NAMES } from "../kernels/kernels.js";
import { MISSING_POLICIES } from "../data/table.js";
import { SCALINGS } from "../data/preprocess.js";
import { SelectionSectionObject } from "./best-model.js";
import { STRATEGY_NAMES, AccountingSectionSchema, CheckpointSectionSchema, FitSectionObject, GrowthSectionObject, KERNEL_REQUESTS, TrainingSectionObject } from "./config.js";

const int = (min: number) => z.number().int().min(min);

export const TASKS = ["regression", "classification"] as const;

export const TabularConfigSchema = z
  .strictObject({
    /** Seeds the held-out test rows, the validation and growth splits, the shuffling and growth. */
    seed: int(0).default(0),
    task: z.enum(TASKS),
    kernels: z.enum(KERNEL_REQUESTS).default("auto"),
    /** Candidate evaluation threads (0: serial; small tables gain nothing from workers). */
    workers: int(0).default(0),
    /** OpenBLAS threads of the run, fixed before any worker starts and kept on --resume (default one per core). */
    blasThreads: int(1).optional(),
    data: z
      .strictObject({
        train: z.string().min(1),
        /** .npy training features: the targets array. */
        trainTargets: z.string().min(1).optional(),
        test: z.string().min(1).optional(),
        testTargets: z.string().min(1).optional(),
        /** Target column(s); .npy data may leave it out (the targets file is the target). */
        targets: z.array(z.string().min(1)).default([]),
        /** Feature columns (default: every column that is not a target). */
        features: z.array(z.string().min(1)).optional(),
        /** Columns one-hot encoded (else a non-numeric value is an error). */
        categorical: z.array(z.string().min(1)).default([]),
        missing: z.enum(MISSING_POLICIES).default("error"),
        /** CSV field delimiter (default: tab for .tsv/.tab, comma otherwise). */
        delimiter: z.string().length(1).optional(),
        /** Use the first n rows of the training file (default all). */
        trainSamples: int(3).optional(),
        /** Use the first n rows of the test file (default all). */
        testSamples: int(1).optional(),
        /** Without --test: the fraction of the training rows held out as the test set. */
        testFraction: z.number().gt(0).lt(1).default(0.2),
        /** Fraction of the (remaining) training rows kept as the validation set (0: none). */
        validationFraction: z.number().min(0).lt(1).default(0.1),
        /** Feature scaling fitted on the training split. */
        scaling: z.enum(SCALINGS).default("standardize"),
        /** Regression: standardise the targets too (predictions are mapped back). */
        standardizeTargets: z.boolean().default(false),
      })
      .strict(),
    model: z.strictObject({ activation: z.enum(ACTIVATION_NAMES).default("selu") }).prefault({}),
    growth: GrowthSectionObject.extend({
      steps: int(0).default(10),
      strategy: z.enum(STRATEGY_NAMES).default("restricted"),
      /**
       * Fit "tiny-random", not the engine's "gradient": grow's defaults and its quality and time
       * targets (docs/tabular-defaults.md, README) were chosen and measured with it, while the
       * engine's default was chosen on the teacher–student study; not re-checked on the tuning split.
       */
      fit: FitSectionObject.extend({ mode: FitSectionObject.shape.mode.unwrap().default("tiny-random") }).prefault({}),
    }).prefault({}),
    training: TrainingSectionObject.extend({
      epochsPerStep: int(0).default(30),
      batchSize: int(1).default(32),
      /** Rows of inter-training: "opt-ls" = train-opt ∪ train-ls (the paper), "all" = ∪ train-gr too (more data for small tables; train-gr then also saw training). */
      interTrain: z.enum(["opt-ls", "all"]).default("all"),
      weightDecay: z.number().min(0).default(1e-3),
    }).prefault({}),
    /** Every split every 5 epochs (and after every growth step and at the end of its training): the points where the best model can be kept. */
    evaluation: z.strictObject({ everyEpochs: int(1).default(5) }).prefault({}),
    /** The model kept: the best on the validation split, growth stopped once `patience` steps bring no new best. */
    selection: SelectionSectionObject.extend({ keep: z.enum(["last", "best-validation"]).default("best-validation"), patience: int(0).default(2) }).prefault({}),
    checkpoint: CheckpointSectionSchema,
    accounting: AccountingSectionSchema,
  })
  .superRefine((c, ctx) => {
    const npy = /\.npy$/i.test(c.data.train);
    if (!npy && c.data.targets.length === 0) ctx.addIssue({ code: "custom", path: ["data", "targets"], message: "give the target column(s) with --target" });
    if (npy && c.data.trainTargets === undefined) ctx.addIssue({ code: "custom", path: ["data", "trainTargets"], message: "a .npy training file needs its targets file (--train-targets)" });
    if (c.data.test !== undefined && /\.npy$/i.test(c.data.test) && c.data.testTargets === undefined) {
      ctx.addIssue({ code: "custom", path: ["data", "testTargets"], message: "a .npy test file needs its targets file (--test-targets)" });
    }
    if (c.task === "classification" && c.data.targets.length > 1) ctx.addIssue({ code: "custom", path: ["data", "targets"], message: `classification takes one label column, got ${c.data.targets.length}` });
    if (c.task === "classification" && c.data.standardizeTargets) ctx.addIssue({ code: "custom", path: ["data", "standardizeTargets"], message: "applies to regression targets only" });
  });

export type TabularConfig = z.output<typeof TabularConfigSchema>;
