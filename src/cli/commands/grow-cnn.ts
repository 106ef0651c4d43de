/**
 * `tinygrow grow-cnn --dataset mnist|fashion-mnist|cifar10 …`: grows a sequential CNN with TINY
 * from narrow widths (the channels of every conv block, including the last one feeding the
 * linear head), against fixed CNNs of the same depth at several widths and the grown
 * structure retrained from scratch, with a report and plots (src/node/experiments/grow-cnn.ts).
 * Options: schema defaults < --config FILE < TINYGROW_KERNELS < flags; `--resume DIR` reads the
 * configuration back from DIR/manifest.json.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { GROW_CNN_DATASETS, GrowCnnConfigSchema, type GrowCnnConfig } from "../../experiments/grow-cnn-config.js";
import { configDefaults, flagsLayer, resolveConfig } from "../../io/config.js";
import { searchDirs } from "../../node/data/data-dir.js";
import { datasetSpec } from "../../node/data/mnist.js";
import { checkBudget, defaultStudyWorkers, loadStudyData, runGrowCnnStudy } from "../../node/experiments/grow-cnn.js";
import { writeGrowCnnReport } from "../../node/experiments/grow-cnn-report.js";
import { MANIFEST_FILE, readManifest } from "../../node/io/run-folder.js";
import { withBlasThreads } from "../../kernels/select.js";
import { chooseKernels } from "../../node/kernels.js";
import { floatArg, intArg, intListArg } from "../parsers.js";
import { resolveStudyConfig, withConfigSources, type StudyConfigSources } from "../study-config.js";
import { defaultOut, runStudyInTerminal, shellWord, stdoutLine, type WriteLine } from "../study-runner.js";

const FLAG_PATHS: Record<string, string> = {
  seed: "seed",
  kernels: "kernels",
  blasThreads: "blasThreads",
  dataset: "dataset",
  trainSamples: "data.trainSamples",
  validation: "data.validation",
  testSamples: "data.testSamples",
  verify: "data.verify",
  widths: "model.widths",
  kernel: "model.kernel",
  pool: "model.pool",
  activation: "model.activation",
  head: "model.head",
  steps: "growth.steps",
  channels: "growth.channelsPerStep",
  variant: "growth.variant",
  select: "growth.select",
  signs: "growth.signs",
  updateDelta: "growth.updateDelta",
  balanceChannels: "growth.balance",
  deltaRidge: "growth.deltaRidge",
  statisticsImages: "growth.statisticsImages",
  lineSearchImages: "growth.lineSearchImages",
  lineSearchPoints: "growth.lineSearchPoints",
  statisticalThreshold: "growth.statisticalThreshold",
  minDecrease: "growth.minimumDecrease",
  maxParameters: "growth.maxParameters",
  significance: "growth.significance",
  significanceLevel: "growth.significanceLevel",
  significanceFlips: "growth.significanceFlips",
  initialEpochs: "training.initialEpochs",
  epochsPerStep: "training.epochsPerStep",
  finalEpochs: "training.finalEpochs",
  optimizer: "training.optimizer",
  lr: "training.lr",
  schedule: "training.schedule",
  weightDecay: "training.weightDecay",
  momentum: "training.momentum",
  batchSize: "training.batchSize",
  retrain: "baselines.retrain",
};

const def = (v: unknown): string => ` (default: ${Array.isArray(v) ? JSON.stringify(v) : String(v)})`;

export function growCnnConfig(options: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): GrowCnnConfig {
  return resolveStudyConfig(GrowCnnConfigSchema, growCnnConfigSources(options, env));
}

function growCnnConfigSources(options: Record<string, unknown>, env: NodeJS.ProcessEnv): StudyConfigSources {
  const opts = { ...options };
  for (const k of ["retrain", "verify"]) if (opts[k] === true) delete opts[k];
  // --workers is not configuration (the records do not depend on it): it may accompany --resume.
  delete opts.workers;
  if (typeof opts.baselines === "string") {
    const text = (opts.baselines as string).trim();
    // "none" (or "") trains no fixed baseline: a grown-only run, e.g. a validation trial.
    opts.baselines = text === "" || text === "none" ? [] : text.split(";").map((w) => w.split(",").map(Number));
  }
  const flags = flagsLayer(opts, { ...FLAG_PATHS, baselines: "baselines.widths" });
  return {
    options: opts,
    flags,
    env,
    noun: "study",
    readSaved: (dir) => resolveConfig(GrowCnnConfigSchema, [{ source: `${dir}/${MANIFEST_FILE}`, values: readManifest(dir).config as Record<string, unknown> }]),
  };
}

export async function runGrowCnnCommand(options: Record<string, unknown>, write: WriteLine = stdoutLine): Promise<string> {
  const config = growCnnConfig(options);
  const resume = typeof options.resume === "string";
  const dir = resolve(resume ? (options.resume as string) : typeof options.out === "string" ? options.out : defaultOut("grow-cnn"));
  const choice = withBlasThreads(chooseKernels(config.kernels), config.blasThreads ?? 1);
  // --data-dir may accompany --resume (it does not change the results): a flag, not configuration.
  const flag = typeof options.dataDir === "string" ? options.dataDir : config.dataDir;
  const dirs = searchDirs({ dataset: config.dataset, flag, env: process.env, systemDirs: config.dataset === "cifar10" ? [] : datasetSpec(config.dataset).systemDirs });
  // Not configuration: the records do not depend on it, and a resumed study may use another count.
  const workers = typeof options.workers === "number" ? options.workers : defaultStudyWorkers();
  if (workers < 0) throw new ConfigError([{ source: "--workers", path: "workers", message: `expected 0 or more worker threads, got ${workers}` }]);
  return runStudyInTerminal(options.quiet === true, write, async (io) => {
    io.log(`kernels: ${choice.reason}`);
    const data = await withConfigSources(async () => checkBudget(config, loadStudyData(config, dirs)), growCnnConfigSources(options, process.env));
    io.log(`${config.dataset}: ${data.train.labels.length} training, ${data.validation.labels.length} validation, ${data.test.labels.length} test images`);
    await runGrowCnnStudy({ dir, config, data, kernels: choice.kernels, kernelsInfo: { name: choice.name, reason: choice.reason }, resume, log: io.log, command: process.argv.slice(1), stop: io.stop, workers });
    return writeGrowCnnReport(dir, config);
  }, { command: typeof options.dataDir === "string" ? `grow-cnn --data-dir ${shellWord(resolve(options.dataDir))}` : "grow-cnn", out: dir });
}

export function registerGrowCnn(program: Command): void {
  const d = configDefaults(GrowCnnConfigSchema);
  program
    .command("grow-cnn")
    .description("grow a CNN's channels with TINY from narrow widths on MNIST / Fashion-MNIST / CIFAR-10, against fixed CNNs of the same depth and the grown structure retrained from scratch; report and plots")
    .option("--dataset <name>", `${GROW_CNN_DATASETS.join(", ")}` + def(d.dataset))
    .option("--data-dir <dir>", "folder holding the dataset files (default: $TINYGROW_DATA_DIR, the cache, system folders)")
    .option("--seed <n>", "seed of the split, the initialisations and the shuffling" + def(d.seed), intArg)
    .option("--train-samples <n>", "training images used (default: the training split less the validation images)", intArg)
    .option("--validation <n>", "validation images held out of the training split (settings are chosen on them)" + def(d.data.validation), intArg)
    .option("--test-samples <n>", "test images (default: the whole test split)", intArg)
    .option("--no-verify", "do not check the files against the published checksums (other IDX data)")
    .option("--widths <list>", "start widths of the grown network's conv blocks" + def(d.model.widths), intListArg)
    .option("--kernel <k>", "conv kernel size (same padding)" + def(d.model.kernel), intArg)
    .option("--pool <kind>", "2×2 pooling after every block: max or avg" + def(d.model.pool))
    .option("--activation <name>", "relu, selu or tanh" + def(d.model.activation))
    .option("--head <kind>", "flatten or gap before the linear head" + def(d.model.head))
    .option("--steps <n>", "growth steps" + def(d.growth.steps), intArg)
    .option("--channels <k>", "at most k channels added per step" + def(d.growth.channelsPerStep), intArg)
    .option("--variant <name>", "conv → conv growth: full (spatial kernels) or restricted (centre tap)" + def(d.growth.variant))
    .option("--select <mode>", "pairs grown per step: best (TINY's score), best-per-parameter, every, loss (largest measured decrease of the line-search loss)" + def(d.growth.select))
    .option("--signs <which>", "amplitude signs the line search tries: positive, or both (also the channels (−α, −ω), which differ under ReLU)" + def(d.growth.signs))
    .option("--update-delta", "also apply −γ²δW* to the consumer of the grown block" + def(d.growth.updateDelta))
    .option("--balance-channels", "rescale each new channel (α by c, ω by 1/c: the same function under ReLU) so that its kernel and its consumer weights have equal norms relative to its block's channels" + def(d.growth.balance))
    .option("--delta-ridge <x>", "relative ridge of δW*" + def(d.growth.deltaRidge), floatArg)
    .option("--statistics-images <n>", "training images the growth statistics are accumulated over" + def(d.growth.statisticsImages), intArg)
    .option("--line-search-images <n>", "training images (disjoint from the statistics ones) the amplitude γ is searched on" + def(d.growth.lineSearchImages), intArg)
    .option("--line-search-points <n>", "line-search points per decade (GroMo: 100)" + def(d.growth.lineSearchPoints), intArg)
    .option("--statistical-threshold <x>", "keep new channels whose singular value is ≥ min(x, largest), at most --channels" + def(d.growth.statisticalThreshold), floatArg)
    .option("--significance <rule>", "how many new channels the data supports: threshold (--statistical-threshold) or sign-flip (images as the independent units; docs/significance.md)" + def(d.growth.significance))
    .option("--significance-level <p>", "probability in (0, 1) that pure noise adds a channel, for --significance sign-flip" + def(d.growth.significanceLevel), floatArg)
    .option("--significance-flips <B>", "random sign vectors of the sign-flip rule (needs p·(B+1) ≥ 1)" + def(d.growth.significanceFlips), intArg)
    .option("--min-decrease <x>", "grow a pair only if its channels lower the mean line-search loss by more than x" + def(d.growth.minimumDecrease), floatArg)
    .option("--max-parameters <n>", "parameter budget of the grown network: a step adds only the channels that fit (default: none)", intArg)
    .option("--initial-epochs <n>", "epochs before the first growth step" + def(d.training.initialEpochs), intArg)
    .option("--epochs-per-step <n>", "epochs after each growth step" + def(d.training.epochsPerStep), intArg)
    .option("--final-epochs <n>", "epochs after the last step" + def(d.training.finalEpochs), intArg)
    .option("--optimizer <name>", "sgd or adam (the same for the grown run, the baselines and FS)" + def(d.training.optimizer))
    .option("--lr <x>", "learning rate at epoch 0 (default: 0.05 for SGD, 1e-3 for Adam)", floatArg)
    .option("--schedule <name>", "learning rate per epoch: constant or cosine (lr·½(1 + cos(π e/E)) over the E epochs)" + def(d.training.schedule))
    .option("--weight-decay <x>", "L2 weight decay" + def(d.training.weightDecay), floatArg)
    .option("--momentum <x>", "SGD momentum" + def(d.training.momentum), floatArg)
    .option("--batch-size <n>", "mini-batch size" + def(d.training.batchSize), intArg)
    .option("--baselines <lists>", `fixed CNN widths, ';'-separated lists (e.g. "4,8;8,16"), or none` + def(d.baselines.widths.map((w) => w.join(",")).join(";")))
    .option("--no-retrain", "skip retraining the final grown structure from scratch")
    .option("--kernels <name>", "auto, native or portable (env TINYGROW_KERNELS)" + def(d.kernels))
    .option("--blas-threads <n>", "OpenBLAS threads of the run (default: 1, measured faster for these small sgemms; README, Conv speed)", intArg)
    .option("--workers <n>", "units (grown, baselines, FS) trained side by side in worker threads; 1: one after the other (the records are the same) (default: one per core)", intArg)
    .option("--config <file>", "JSON config file (flags override it; see src/experiments/grow-cnn-config.ts)")
    .option("--out <dir>", "run folder, must not exist or be empty (default: runs/grow-cnn-<date>-<time>)")
    .option("--resume <dir>", "continue the interrupted study in <dir> (its configuration is kept)")
    .option("--quiet", "no progress output held back")
    .action(async (options: Record<string, unknown>) => {
      await runGrowCnnCommand(options);
    });
}
