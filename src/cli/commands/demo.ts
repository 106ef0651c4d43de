/**
 * `tinygrow demo`: trains a 20-50-50-1 SELU MLP (SGD + MSE) on a seeded teacher-student
 * regression task, printing the kernels chosen and the train/test loss of every epoch.
 * Options: schema defaults < --config FILE < TINYGROW_KERNELS < flags.
 */
import type { Command } from "commander";
import { z } from "zod";
import { BatchIterator } from "../../data/batches.js";
import { teacherRegression } from "../../data/synthetic.js";
import { configDefaults, flagsLayer, resolveConfig, type ConfigLayer } from "../../io/config.js";
import { KERNEL_REQUESTS } from "../../experiments/config.js";
import { readConfigFile } from "../../node/io/config-file.js";
import { chooseKernels } from "../../node/kernels.js";
import { ACTIVATION_NAMES } from "../../nn/layers/activation.js";
import type { LossSpec } from "../../nn/losses/loss.js";
import { Mlp } from "../../nn/mlp.js";
import { Sgd } from "../../nn/optim/sgd.js";
import { countParams } from "../../nn/param.js";
import { createTrainState, evaluate, trainEpoch } from "../../nn/train.js";
import { Rng } from "../../tensor/rng.js";
import { floatArg, intArg, intListArg } from "../parsers.js";
import { createProgress } from "../progress.js";

const int = (min: number) => z.number().int().min(min);

export const DemoConfigSchema = z.strictObject({
  seed: z.number().int().default(0),
  kernels: z.enum(KERNEL_REQUESTS).default("auto"),
  data: z
    .strictObject({
      inputs: int(1).default(20),
      samples: int(1).default(8192),
      testSamples: int(1).default(2048),
      teacherHidden: z.array(int(1)).default([10]),
      noise: z.number().min(0).default(0.01),
    })
    .prefault({}),
  model: z
    .strictObject({
      hidden: z.array(int(1)).min(1).default([50, 50]),
      activation: z.enum(ACTIVATION_NAMES).default("selu"),
    })
    .prefault({}),
  training: z
    .strictObject({
      epochs: int(1).default(20),
      batchSize: int(1).default(64),
      lr: z.number().positive().default(0.01),
      momentum: z.number().min(0).max(1).default(0.9),
      weightDecay: z.number().min(0).default(0),
    })
    .prefault({}),
});

export type DemoConfig = z.output<typeof DemoConfigSchema>;

/** Option name (commander camelCase) → dotted config path. */
const FLAG_PATHS: Record<string, string> = {
  seed: "seed",
  kernels: "kernels",
  samples: "data.samples",
  testSamples: "data.testSamples",
  hidden: "model.hidden",
  activation: "model.activation",
  epochs: "training.epochs",
  batchSize: "training.batchSize",
  lr: "training.lr",
  momentum: "training.momentum",
  weightDecay: "training.weightDecay",
};

export function registerDemo(program: Command): void {
  const d = configDefaults(DemoConfigSchema);
  const def = (v: unknown) => ` (default: ${Array.isArray(v) ? v.join(",") : String(v)})`;
  program
    .command("demo")
    .description("train a small MLP (SGD, MSE) on a synthetic teacher-student regression task")
    .option("--epochs <n>", "training epochs" + def(d.training.epochs), intArg)
    .option("--batch-size <n>", "mini-batch size" + def(d.training.batchSize), intArg)
    .option("--lr <x>", "SGD learning rate" + def(d.training.lr), floatArg)
    .option("--momentum <x>", "SGD momentum" + def(d.training.momentum), floatArg)
    .option("--weight-decay <x>", "SGD weight decay" + def(d.training.weightDecay), floatArg)
    .option("--seed <n>", "random seed (data, init, shuffling)" + def(d.seed), intArg)
    .option("--samples <n>", "training samples" + def(d.data.samples), intArg)
    .option("--test-samples <n>", "test samples" + def(d.data.testSamples), intArg)
    .option("--hidden <list>", "hidden layer widths, comma-separated" + def(d.model.hidden), intListArg)
    .option("--activation <name>", `hidden activation: ${ACTIVATION_NAMES.join(", ")}` + def(d.model.activation))
    .option("--kernels <name>", "kernel set: auto, native, wasm or portable (env TINYGROW_KERNELS)" + def(d.kernels))
    .option("--config <file>", "JSON config file (flags override it)")
    .option("--quiet", "no progress bar")
    .action((options: Record<string, unknown>) => {
      const layers: ConfigLayer[] = [];
      if (typeof options.config === "string") layers.push(readConfigFile(options.config));
      const env = process.env.TINYGROW_KERNELS;
      if (env !== undefined && env !== "") layers.push({ source: "TINYGROW_KERNELS", values: { kernels: env } });
      layers.push(flagsLayer(options, FLAG_PATHS));
      runDemo(resolveConfig(DemoConfigSchema, layers), { progress: options.quiet !== true });
    });
}

export interface DemoResult {
  trainLoss: number[];
  testLoss: number[];
  microsecondsPerStep: number;
}

/** Runs the demo with a resolved configuration; prints to stdout, progress to stderr. */
export function runDemo(cfg: DemoConfig, io: { progress: boolean; log?: (line: string) => void }): DemoResult {
  const log = io.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const choice = chooseKernels(cfg.kernels);
  const kernels = choice.kernels;
  log(`kernels: ${choice.reason}`);
  const rng = new Rng(cfg.seed);
  const task = teacherRegression(kernels, rng.fork(), {
    samples: cfg.data.samples,
    testSamples: cfg.data.testSamples,
    inputs: cfg.data.inputs,
    hidden: cfg.data.teacherHidden,
    noise: cfg.data.noise,
  });
  const sizes = [cfg.data.inputs, ...cfg.model.hidden, 1];
  const activation = cfg.model.activation;
  const model = Mlp.create({ sizes, activation, init: activation === "selu" ? "lecun-normal" : "pytorch-default" }, rng.fork());
  const { epochs, batchSize, lr, momentum, weightDecay } = cfg.training;
  const optimizer = new Sgd(model.params(), { lr, momentum, weightDecay });
  const batches = new BatchIterator(task.train, { batchSize, rng: rng.fork() });
  const loss: LossSpec = { name: "mse", reduction: "mean" };
  log(
    `model ${sizes.join("-")} ${activation} (${countParams(model.params())} parameters); ` +
      `${cfg.data.samples} train / ${cfg.data.testSamples} test samples; SGD lr ${lr} momentum ${momentum}; batch ${batchSize}; ${epochs} epochs`,
  );
  log(`epoch 0: test ${evaluate(kernels, model, task.test, loss).loss.toPrecision(5)}`);

  // A live bar and stdout lines would garble each other on one terminal: hold the lines back.
  const holdLines = io.progress && process.stderr.isTTY === true && process.stdout.isTTY === true;
  const held: string[] = [];
  const progress = createProgress({ label: "demo", total: epochs, enabled: io.progress });
  const state = createTrainState();
  const trainLoss: number[] = [];
  const testLoss: number[] = [];
  let trainMs = 0;
  try {
    for (let e = 1; e <= epochs; e++) {
      const t0 = performance.now();
      const tr = trainEpoch({ kernels, model, loss, optimizer, batches }, state);
      trainMs += performance.now() - t0;
      const te = evaluate(kernels, model, task.test, loss).loss;
      trainLoss.push(tr);
      testLoss.push(te);
      const line = `epoch ${e}: train ${tr.toPrecision(5)}  test ${te.toPrecision(5)}`;
      if (holdLines) held.push(line);
      else log(line);
      progress.tick(1, `train ${tr.toPrecision(3)} test ${te.toPrecision(3)}`);
    }
  } finally {
    progress.stop();
    for (const line of held) log(line);
  }
  const microsecondsPerStep = (1000 * trainMs) / Math.max(1, state.step);
  log(`${state.step} steps in ${(trainMs / 1000).toFixed(2)} s (${microsecondsPerStep.toFixed(1)} µs/step, ${choice.name} kernels)`);
  return { trainLoss, testLoss, microsecondsPerStep };
}
