/**
 * The configuration of `tinygrow grow-cnn` (zod; defaults live here only): a sequential CNN
 * grown with TINY from narrow widths on MNIST / Fashion-MNIST / CIFAR-10, against fixed CNNs of
 * the same depth at several widths and the grown structure retrained from scratch (FS).
 */
import { z } from "zod";
import { CNN_GROWTH_SELECT, AMPLITUDE_SIGNS } from "../growth/conv/cnn-growth-step.js";
import { balanceActivationMessage } from "../growth/conv/channel-scale.js";
import { CONV_MARCHENKO_PASTUR_MESSAGE, CONV_SIGNIFICANCE_RULES, DEFAULT_SIGN_FLIPS, type ConvSignificance } from "../growth/conv/significance.js";

const int = (min: number) => z.number().int().min(min);

export const GROW_CNN_DATASETS = ["mnist", "fashion-mnist", "cifar10"] as const;

export const GrowCnnConfigSchema = z.strictObject({
  seed: z.number().int().default(0),
  kernels: z.enum(["auto", "native", "portable"]).default("auto"),
  /**
   * OpenBLAS threads of the run (unset: 1). One by default: an epoch of the bench's 16-32 CNN
   * on 60,000 images took 16.0 s at one thread and 57.3 s at two (load 8–10; session 4: 26.1 s
   * and 165.9 s at load 14–16; README, Conv speed): its thousands of small sgemms wait for a
   * second thread that a shared machine does not schedule.
   */
  blasThreads: int(1).optional(),
  dataset: z.enum(GROW_CNN_DATASETS).default("mnist"),
  dataDir: z.string().min(1).optional(),
  data: z
    .strictObject({
      /** Training images used (unset: the whole training split less the validation images). */
      trainSamples: int(1).optional(),
      /** Validation images held out of the training split (settings are chosen on them, never on test). */
      validation: int(1).default(5000),
      /** Test images (unset: the whole test split). */
      testSamples: int(1).optional(),
      /** Check MNIST / Fashion-MNIST files against the published checksums. */
      verify: z.boolean().default(true),
    })
    .prefault({}),
  model: z
    .strictObject({
      /** Start widths of the conv blocks (the grown network); every block is conv k×k (same padding) → σ → pool 2×2. */
      widths: z.array(int(1)).min(1).default([2, 4]),
      kernel: int(1).default(3),
      pool: z.enum(["max", "avg"]).default("max"),
      activation: z.enum(["relu", "selu", "tanh"]).default("relu"),
      head: z.enum(["flatten", "gap"]).default("flatten"),
    })
    .prefault({}),
  growth: z
    .strictObject({
      steps: int(0).default(8),
      /** At most this many channels per step. */
      channelsPerStep: int(1).default(4),
      /** Conv → conv pairs: restricted (centre-tap kernels, GroMo's default) or full (spatial kernels). */
      variant: z.enum(["restricted", "full"]).default("full"),
      /**
       * Which pairs grow per step: best (TINY), best-per-parameter, every, loss (see
       * cnn-growth-step.ts). Default every: the highest validation accuracy of the three rules
       * tried on MNIST (README, Conv growth: 93.32% vs best 92.92%, loss 92.82%).
       */
      select: z.enum(CNN_GROWTH_SELECT).default("every"),
      /** Amplitude signs the line search tries: positive (GroMo) or both (ReLU is sign-asymmetric). */
      signs: z.enum(AMPLITUDE_SIGNS).default("positive"),
      /** Also apply −γ²δW* to the consumer (TINY's joint move). */
      updateDelta: z.boolean().default(false),
      /** Split each new channel's scale evenly between its kernel and its consumer weights, the function unchanged (channel-scale.ts; relu only; measured worse, README). */
      balance: z.boolean().default(false),
      deltaRidge: z.number().min(0).default(1e-3),
      statisticsImages: int(1).default(1024),
      lineSearchImages: int(1).default(1024),
      lineSearchPoints: int(2).default(40),
      /** τ_stat: new channels kept while their singular value is ≥ min(τ_stat, the largest) (new-neurons.ts). */
      statisticalThreshold: z.number().min(0).default(1e-3),
      numericalThreshold: z.number().min(0).default(1e-6),
      /** A pair grows only if its channels lower the mean line-search loss by more than this. */
      minimumDecrease: z.number().min(0).default(0),
      /** The grown network's parameter budget (channels that would exceed it are not added); null: none. */
      maxParameters: int(1).nullable().default(null),
      /**
       * How many channels the data supports: threshold (τ_stat, SPEC §7.2, the golden path) or
       * sign-flip (images as the independent units; docs/significance.md). No marchenko-pastur:
       * its edge counts the correlated positions of an image as independent samples.
       */
      significance: z
        .enum(CONV_SIGNIFICANCE_RULES, { error: (issue) => (issue.input === "marchenko-pastur" ? CONV_MARCHENKO_PASTUR_MESSAGE : `expected one of ${CONV_SIGNIFICANCE_RULES.join(", ")}, got ${JSON.stringify(issue.input)}`) })
        .default("threshold"),
      /** p ∈ (0, 1): the probability that pure noise adds a channel (sign-flip). */
      significanceLevel: z.number().gt(0).lt(1).default(0.05),
      /** B, the random sign vectors of the sign-flip rule (p·(B+1) ≥ 1). */
      significanceFlips: int(1).default(DEFAULT_SIGN_FLIPS),
    })
    .superRefine((g, ctx) => {
      const p = g.significanceLevel;
      if (p > 0 && p < 1 && g.significanceFlips >= 1 && p * (g.significanceFlips + 1) < 1) ctx.addIssue({ code: "custom", path: ["significanceFlips"], message: `level ${p} needs at least ${Math.ceil(1 / p) - 1} sign flips (p·(B+1) ≥ 1), got ${g.significanceFlips}` });
    })
    .prefault({}),
  training: z
    .strictObject({
      /** Epochs before the first growth step. */
      initialEpochs: int(0).default(1),
      epochsPerStep: int(0).default(1),
      /** Epochs after the last step (fine-tuning the final structure). */
      finalEpochs: int(0).default(2),
      optimizer: z.enum(["sgd", "adam"]).default("sgd"),
      /** Learning rate at epoch 0 (unset: 0.05 for SGD, 1e-3 for Adam). */
      lr: z.number().positive().optional(),
      /**
       * constant, or cosine: lr·½(1 + cos(π e/E)) in epoch e of the E epochs of every unit.
       * Default cosine: with SGD it gave the higher mean validation accuracy over a 16-32 and
       * an 8-16 CNN on MNIST (97.31% vs 96.92%; Adam 95.65% / 94.52%; README, Conv growth).
       */
      schedule: z.enum(["constant", "cosine"]).default("cosine"),
      /** SGD only. */
      momentum: z.number().min(0).max(1).default(0.9),
      weightDecay: z.number().min(0).default(0),
      batchSize: int(1).default(64),
    })
    .prefault({}),
  baselines: z
    .strictObject({
      /** Fixed CNNs of the same depth, one width list each, trained for as many epochs as the grown run. */
      widths: z.array(z.array(int(1)).min(1)).default([
        [4, 8],
        [8, 16],
        [16, 32],
        [32, 64],
      ]),
      /** Retrain the final grown structure from scratch (FS). */
      retrain: z.boolean().default(true),
    })
    .prefault({}),
}).superRefine((c, ctx) => {
  if (c.growth.balance && c.model.activation !== "relu") ctx.addIssue({ code: "custom", path: ["growth", "balance"], message: balanceActivationMessage(c.model.activation) });
});

export type GrowCnnConfig = z.output<typeof GrowCnnConfigSchema>;

/** Epochs of the grown run = of every baseline and of the FS retrain. */
export function totalEpochs(c: GrowCnnConfig): number {
  return c.training.initialEpochs + c.growth.steps * c.training.epochsPerStep + c.training.finalEpochs;
}

/**
 * Whether a unit of a grow-cnn log has ended, from what its run folder shows (the log has no
 * "done" record): the study wrote its report, or the unit's epochs reached the study's total E
 * (`config`: the manifest's configuration). The units may train side by side (`--workers`), so
 * a later unit's records say nothing about an earlier one's end.
 */
export function growCnnUnitEnded(config: unknown, records: readonly { epoch?: unknown }[], reportWritten: boolean): boolean {
  if (reportWritten) return true;
  const parsed = GrowCnnConfigSchema.safeParse(config);
  const epochs = records.map((r) => (typeof r.epoch === "number" ? r.epoch : 0));
  return parsed.success && epochs.length > 0 && Math.max(...epochs) >= totalEpochs(parsed.data);
}

/** The learning rate of epoch `epoch` (from 0), the same for the grown run, the baselines and FS. */
export function epochLearningRate(c: GrowCnnConfig, epoch: number): number {
  const t = c.training;
  const lr = t.lr ?? (t.optimizer === "adam" ? 1e-3 : 0.05);
  return t.schedule === "cosine" ? 0.5 * lr * (1 + Math.cos((Math.PI * epoch) / totalEpochs(c))) : lr;
}

/** The significance rule of growth step `step` (from 0): its sign vectors are seeded by the run's seed and the step. */
export function significanceOf(c: GrowCnnConfig, step: number): ConvSignificance {
  return { rule: c.growth.significance, level: c.growth.significanceLevel, flips: c.growth.significanceFlips, seed: c.seed * 1000 + step };
}
