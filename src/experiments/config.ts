/**
 * Configuration schemas of the growth experiments. Defaults live here only (the CLI's
 * --help reads them through configDefaults); types are inferred from the schemas. The
 * sections `growth`, `training`, `checkpoint` and `accounting` are shared by every growth
 * runner (teacher–student here, MNIST later); `TeacherStudentConfigSchema` adds the study.
 *
 * Defaults are the paper's teacher–student study (Douka et al. §3: 10 neurons per step,
 * 100 epochs of inter-training between steps, 6 seeds) scaled to a small CPU machine
 * (3,000 training and 1,000 test samples, 15 steps).
 */
import { z } from "zod";
import type { SelectionSection } from "./best-model.js";
import type { Strategy } from "../dag/candidates.js";
import { ACTIVATION_NAMES } from "../kernels/kernels.js";

const int = (min: number) => z.number().int().min(min);

/** The growth strategies of dag/candidates.ts, as a tuple for zod. */
export const STRATEGY_NAMES = ["whole", "restricted", "bic", "gromo-bic", "penalized"] as const satisfies readonly Strategy[];

/** How new neurons are fitted (engine default mode "gradient"; see dag/fit.ts). */
export const FitSectionObject = z
  .strictObject({
    mode: z.enum(["tiny", "tiny-random", "random", "gradient"]).optional(),
    randomTries: int(1).optional(),
    statisticalThreshold: z.number().nonnegative().optional(),
    numericalThreshold: z.number().nonnegative().optional(),
    /** How many neurons the data supports (growth/significance.ts; engine default rule "threshold", level 0.05). */
    significance: z
      .strictObject({
        rule: z.enum(["threshold", "marchenko-pastur"]).optional(),
        level: z.number().gt(0).lt(1).optional(),
      })
      .optional(),
  });

/** One growth step's options (passed to dag/step.ts growthStep), and how many steps. */
export const GrowthSectionObject = z.strictObject({
    /** Growth steps (0 = train only). */
    steps: int(0).default(15),
    strategy: z.enum(STRATEGY_NAMES).default("whole"),
    neuronsPerStep: int(1).default(10),
    /** Parameter budget of the grown network (not in the paper; dag/step.ts `maxParameters`); absent: none. */
    maxParameters: int(1).optional(),
    applyDelta: z.boolean().default(true),
    /** Node ranking of the restricted strategies (engine default "frobenius"). */
    bottleneckNorm: z.enum(["frobenius", "per-neuron"]).optional(),
    /** Strategies "whole" and "restricted": the current model competes on the train-gr loss (engine default true; dag/step-options.ts). */
    nullOption: z.boolean().optional(),
    /** Strategy "bic" only (engine defaults: compare "per-parameter", nullOption true). */
    bic: z
      .strictObject({
        compare: z.enum(["total", "per-parameter"]).optional(),
        nullOption: z.boolean().optional(),
      })
      .prefault({}),
    /** Strategy "penalized" only: L_gr + α·k (dag/selection.ts); α default DEFAULT_PENALTY_ALPHA, chosen on validation. */
    penalty: z
      .strictObject({
        alpha: z.number().min(0).optional(),
        nullOption: z.boolean().optional(),
      })
      .prefault({}),
    statisticsBatchSize: int(1).default(1024),
    amplitude: z
      .strictObject({
        gridMin: z.number().positive().optional(),
        gridMax: z.number().positive().optional(),
        pointsPerDecade: int(1).optional(),
        maxExtraDecades: int(0).optional(),
        refineIterations: int(0).optional(),
      })
      .prefault({}),
    /** How new neurons are fitted (engine default mode "gradient"; see dag/fit.ts). */
    fit: FitSectionObject.prefault({}),
    /** Gradient refinement of new neurons (fit mode "gradient"; engine default 20 epochs there). */
    refine: z
      .strictObject({
        epochs: int(0),
        lr: z.number().positive().optional(),
        batchSize: int(1).optional(),
      })
      .optional(),
});
export const GrowthSectionSchema = GrowthSectionObject.prefault({});

/** Inter-training between growth steps: SGD on inter-train = train-opt ∪ train-ls. */
export const TrainingSectionObject = z.strictObject({
    /** Epochs after every growth step (the paper: 100). */
    epochsPerStep: int(0).default(100),
    /** Epochs before the first growth step (useful from a non-empty start; baselines use it). */
    initialEpochs: int(0).default(0),
    batchSize: int(1).default(64),
    lr: z.number().positive().default(0.01),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(0),
});
export const TrainingSectionSchema = TrainingSectionObject.prefault({});

export const CheckpointSectionSchema = z
  .strictObject({
    /** A checkpoint after every growth step and every this many epochs. */
    everyEpochs: int(1).default(25),
  })
  .prefault({});

/** The power model of experiments/accounting.ts (Green Algorithms). */
export const AccountingSectionSchema = z
  .strictObject({
    powerPerCoreW: z.number().positive().default(12),
    pue: z.number().min(1).default(1),
    /** Memory counted by the model, in GB; default: the process's peak resident set. */
    memoryGB: z.number().positive().optional(),
    /** "auto" measures with Intel RAPL when readable; "off" always uses the model. */
    rapl: z.enum(["auto", "off"]).default("auto"),
  })
  .prefault({});

/** How often every split and test are evaluated during inter-training (always after a growth step and at the end of its training). */
export const EvaluationSectionSchema = z
  .strictObject({
    everyEpochs: int(1).default(1),
  })
  .prefault({});

export type GrowthSection = z.output<typeof GrowthSectionSchema>;
export type TrainingSection = z.output<typeof TrainingSectionSchema>;
export type CheckpointSection = z.output<typeof CheckpointSectionSchema>;
export type AccountingSection = z.output<typeof AccountingSectionSchema>;
export type EvaluationSection = z.output<typeof EvaluationSectionSchema>;

/** What one growth run needs (runGrowth's `config`). */
export interface GrowthRunConfig {
  /** Seeds the step seeds of growth (refinement) so that a run is a function of it. */
  seed: number;
  growth: GrowthSection;
  training: TrainingSection;
  checkpoint: CheckpointSection;
  /** Absent: every split and test after every epoch. */
  evaluation?: EvaluationSection;
  /** Absent: keep the last model, never stop early (experiments/best-model.ts). */
  selection?: SelectionSection;
}

/** The most values one matrix may hold: 2³¹ − 1, the kernels' int32 sizes. */
export const MAX_MATRIX_VALUES = 0x7fffffff;

export const KERNEL_REQUESTS = ["auto", "native", "wasm", "portable"] as const;

export const TeacherStudentConfigSchema = z
  .strictObject({
    /** One run per strategy × seed; each seed has its own teacher, data and split. */
    seeds: z.array(int(0)).min(1).default([0, 1, 2, 3, 4, 5]),
    strategies: z
      .array(z.enum(STRATEGY_NAMES))
      .min(1)
      .default(["whole", "restricted", "bic"]),
    kernels: z.enum(KERNEL_REQUESTS).default("auto"),
    /** Worker threads evaluating growth candidates (0 = on the main thread; default one per core on 2 cores or more, else 0, which the platform adapter knows). */
    workers: int(0).optional(),
    /**
     * OpenBLAS threads of the run (statistics, training, evaluation; the statistics' δW solves
     * and candidate evaluation always use one). Fixed once before any worker starts (default one per core, which the
     * platform adapter knows), recorded in the manifest and kept on --resume: OpenBLAS's sums
     * depend on it. The portable kernels always use one.
     */
    blasThreads: int(1).optional(),
    /**
     * α values of strategy "penalized" to sweep (`compare --alphas`): one run series
     * "penalized α=<value>" per value, and the Pareto front in the report. Empty: no sweep.
     */
    alphas: z.array(z.number().min(0)).default([]),
    data: z
      .strictObject({
        /** Training samples drawn from the teacher: validation + train-opt + train-ls + train-gr. */
        trainSamples: int(3).default(3600),
        /**
         * Carved out of the training samples before the three growth parts (data/splits.ts
         * `splitForGrowth`): only evaluated, never used by growth; defaults are chosen on it.
         * Absent: one sixth of data.trainSamples, rounded down (600 of 3,600: three parts of 1,000 remain).
         */
        validationSamples: int(0).optional(),
        testSamples: int(1).default(1000),
        /** Sizes of train-opt, train-ls, train-gr; default three equal parts of the training samples left after validation. */
        splitSizes: z.tuple([int(1), int(1), int(1)]).optional(),
        teacher: z
          .strictObject({
            inputSize: int(1).default(20),
            hiddenSize: int(1).default(50),
            outputSize: int(1).default(1),
            /** The teacher's initialisation (see data/teacher.ts); baselines always start LeCun-normal. */
            init: z.enum(["lecun-normal", "torch-default"]).default("lecun-normal"),
          })
          .prefault({}),
        /** Inputs are uniform on [low, high). */
        inputRange: z.tuple([z.number(), z.number()]).default([-1, 1]),
      })
      .prefault({}),
    growth: GrowthSectionSchema,
    training: TrainingSectionSchema,
    checkpoint: CheckpointSectionSchema,
    /** How often every split and test are evaluated (default every epoch: the curves); results do not depend on it. */
    evaluation: EvaluationSectionSchema,
    accounting: AccountingSectionSchema,
    baselines: z
      .strictObject({
        /** The teacher's architecture, fresh initialisation, trained for as many epochs as the students. */
        oracle: z.boolean().default(true),
        /** Each final grown structure, fresh initialisation, trained for as many epochs. */
        retrain: z.boolean().default(true),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<number>();
    c.seeds.forEach((s, i) => {
      if (seen.has(s)) ctx.addIssue({ code: "custom", path: ["seeds", i], message: `seed ${s} appears twice` });
      seen.add(s);
    });
    const strategies = new Set<string>();
    c.strategies.forEach((s, i) => {
      if (strategies.has(s)) ctx.addIssue({ code: "custom", path: ["strategies", i], message: `strategy "${s}" appears twice` });
      strategies.add(s);
    });
    const sizes = c.data.splitSizes;
    const validation = teacherStudentValidation(c.data);
    const growthSamples = c.data.trainSamples - validation;
    if (growthSamples < 3) {
      ctx.addIssue({ code: "custom", path: ["data", "validationSamples"], message: `${validation} validation samples of data.trainSamples (${c.data.trainSamples}) leave ${Math.max(0, growthSamples)} for train-opt, train-ls and train-gr (at least 1 each)` });
    } else if (sizes !== undefined && sizes[0] + sizes[1] + sizes[2] > growthSamples) {
      ctx.addIssue({
        code: "custom",
        path: ["data", "splitSizes"],
        message: `the parts (${sizes.join(" + ")} = ${sizes[0] + sizes[1] + sizes[2]}) exceed ${validation === 0 ? `data.trainSamples (${c.data.trainSamples})` : `the ${growthSamples} training samples left after data.validationSamples (${validation})`}`,
      });
    }
    // One matrix (samples × widest layer) must be indexable (the kernels take int32 sizes):
    // refused here, before any folder is created, rather than as V8's RangeError later.
    const width = Math.max(c.data.teacher.inputSize, c.data.teacher.hiddenSize, c.data.teacher.outputSize);
    for (const key of ["trainSamples", "testSamples"] as const) {
      const n = c.data[key];
      if (n * width > MAX_MATRIX_VALUES) {
        ctx.addIssue({ code: "custom", path: ["data", key], message: `${n} samples × ${width} values (the widest layer) exceed the ${MAX_MATRIX_VALUES} values one matrix can hold: use at most ${Math.floor(MAX_MATRIX_VALUES / width)} samples` });
      }
    }
    const alphas = new Set<number>();
    c.alphas.forEach((a, i) => {
      if (alphas.has(a)) ctx.addIssue({ code: "custom", path: ["alphas", i], message: `α ${a} appears twice` });
      alphas.add(a);
    });
    const [low, high] = c.data.inputRange;
    if (!(low < high)) ctx.addIssue({ code: "custom", path: ["data", "inputRange"], message: `expected low < high, got [${low}, ${high}]` });
  });

export type TeacherStudentConfig = z.output<typeof TeacherStudentConfigSchema>;

/** The teacher–student study's validation samples: data.validationSamples, or one sixth of data.trainSamples. */
export function teacherStudentValidation(d: { trainSamples: number; validationSamples?: number }): number {
  return d.validationSamples ?? Math.floor(d.trainSamples / 6);
}

/**
 * The MNIST experiment (Douka et al. Fig. 3 and 4): one grown network, the fixed-MLP
 * baselines of LeCun et al. (1998) and the final grown structure retrained from scratch.
 * Defaults follow the paper (whole search space, 10 neurons per step, 20 steps) except
 * the inter-training epochs between steps: the paper's 500 do not fit the 1-hour CPU
 * budget (see the README for the settings that met the target).
 */
export const MnistConfigSchema = z
  .strictObject({
    /** Seeds the split, the shuffling and the baselines' initialisation. */
    seed: int(0).default(0),
    dataset: z.enum(["mnist", "fashion-mnist"]).default("mnist"),
    kernels: z.enum(KERNEL_REQUESTS).default("auto"),
    /**
     * Worker threads evaluating growth candidates (0 = on the main thread). Default one per
     * core on 2 cores or more, else 0 (the platform adapter knows): with 2 workers a
     * 100-neuron step at the default fit was 1.73× faster, at 1.20× the serial run's peak
     * RSS (README, MNIST peak memory).
     */
    workers: int(0).optional(),
    /**
     * OpenBLAS threads of the run (statistics, training, evaluation; the statistics' δW solves
     * and candidate evaluation always use one). Fixed once before any worker starts (default one per core, which the
     * platform adapter knows), recorded in the manifest and kept on --resume: OpenBLAS's sums
     * depend on it. The portable kernels always use one.
     */
    blasThreads: int(1).optional(),
    data: z
      .strictObject({
        /** Training images used, the first n of the 60,000 (default: all of them). */
        trainSamples: int(3).optional(),
        /** Test images used, the first n of the 10,000 (default: all of them). */
        testSamples: int(1).optional(),
        /**
         * Training images carved out as the validation set before the three growth parts
         * (data/splits.ts `splitForGrowth`). Default 0: the paper's protocol (three equal parts);
         * give e.g. 10000 to choose settings on validation.
         */
        validationSamples: int(0).default(0),
        /** Sizes of train-opt, train-ls, train-gr; default three equal parts of the training images. */
        splitSizes: z.tuple([int(1), int(1), int(1)]).optional(),
        /** Subtract the training pixels' mean and divide by their std (after scaling to [0, 1]). */
        standardize: z.boolean().default(false),
        /** Check the files against the published checksums (off for other IDX data). */
        verify: z.boolean().default(true),
      })
      .prefault({}),
    model: z
      .strictObject({
        /** Input width of every network: the images' rows × cols must match it. */
        inputSize: int(1).default(784),
        /** Activation of grown nodes and of the baselines' hidden layers. */
        activation: z.enum(ACTIVATION_NAMES).default("relu"),
      })
      .prefault({}),
    growth: GrowthSectionObject.extend({ steps: int(0).default(20) }).prefault({}),
    training: TrainingSectionObject.extend({ epochsPerStep: int(0).default(25), batchSize: int(1).default(64) }).prefault({}),
    evaluation: EvaluationSectionSchema,
    checkpoint: CheckpointSectionSchema,
    accounting: AccountingSectionSchema,
    baselines: z
      .strictObject({
        /** LeCun et al.'s fixed MLPs (784-300-10, 784-1000-10, 784-300-100-10, 784-500-150-10). */
        fixed: z.boolean().default(true),
        /** The final grown structure, fresh initialisation, trained for as many epochs. */
        retrain: z.boolean().default(true),
        /** Hidden widths of the fixed MLPs are multiplied by this (rounded, at least 1): small values for quick tests. */
        widthScale: z.number().positive().max(1).default(1),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const sizes = c.data.splitSizes;
    const n = c.data.trainSamples;
    const v = c.data.validationSamples;
    if (n !== undefined && n - v < 3) {
      ctx.addIssue({ code: "custom", path: ["data", "validationSamples"], message: `${v} validation samples of data.trainSamples (${n}) leave ${Math.max(0, n - v)} for train-opt, train-ls and train-gr (at least 1 each)` });
    } else if (sizes !== undefined && n !== undefined && sizes[0] + sizes[1] + sizes[2] > n - v) {
      ctx.addIssue({ code: "custom", path: ["data", "splitSizes"], message: `the parts (${sizes.join(" + ")} = ${sizes[0] + sizes[1] + sizes[2]}) exceed ${v === 0 ? `data.trainSamples (${n})` : `the ${n - v} training images left after data.validationSamples (${v})`}` });
    }
  });

export type MnistConfig = z.output<typeof MnistConfigSchema>;
