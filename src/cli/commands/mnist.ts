/**
 * `tinygrow mnist`: the paper's MNIST experiment (Fig. 3 and 4), or the same on
 * Fashion-MNIST: a network grown from the empty graph, LeCun et al.'s fixed MLPs and the
 * final grown structure retrained from scratch, with the report.
 * Options: schema defaults < --config FILE < TINYGROW_KERNELS < flags; `--resume DIR` reads
 * the configuration back from DIR/manifest.json (only --workers, --data-dir and --quiet may
 * be given with it). The data folders come from --data-dir, TINYGROW_DATA_DIR and the
 * download cache (node/data/data-dir.ts).
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { MnistConfigSchema, STRATEGY_NAMES, type MnistConfig } from "../../experiments/config.js";
import { readMnistConfig, recordedDataDir, runMnistExperiment } from "../../node/experiments/mnist.js";
import { searchDirs, type SearchDir } from "../../node/data/data-dir.js";
import { datasetSpec } from "../../node/data/mnist.js";
import { defaultWorkers } from "../../node/pool.js";
import { configDefaults, flagsLayer } from "../../io/config.js";
import { addCriteriaOptions, CRITERIA_FLAG_PATHS } from "../criteria-options.js";
import { floatArg, intArg, intListArg } from "../parsers.js";
import { resolveStudyConfig, withConfigSources, type StudyConfigSources } from "../study-config.js";
import { defaultOut, runStudyInTerminal, stdoutLine, type WriteLine } from "../study-runner.js";

/** Option name (commander camelCase) → dotted config path. */
const FLAG_PATHS: Record<string, string> = {
  ...CRITERIA_FLAG_PATHS,
  strategy: "growth.strategy",
  steps: "growth.steps",
  neurons: "growth.neuronsPerStep",
  maxParameters: "growth.maxParameters",
  epochs: "training.epochsPerStep",
  seed: "seed",
  dataset: "dataset",
  trainSamples: "data.trainSamples",
  testSamples: "data.testSamples",
  splitSizes: "data.splitSizes",
  validationSamples: "data.validationSamples",
  standardize: "data.standardize",
  verify: "data.verify",
  inputSize: "model.inputSize",
  activation: "model.activation",
  lr: "training.lr",
  momentum: "training.momentum",
  batchSize: "training.batchSize",
  weightDecay: "training.weightDecay",
  randomTries: "growth.fit.randomTries",
  statisticsBatchSize: "growth.statisticsBatchSize",
  evaluateEvery: "evaluation.everyEpochs",
  checkpointEvery: "checkpoint.everyEpochs",
  applyDelta: "growth.applyDelta",
  nullOption: "growth.nullOption",
  fixed: "baselines.fixed",
  retrain: "baselines.retrain",
  baselineScale: "baselines.widthScale",
  workers: "workers",
  blasThreads: "blasThreads",
  kernels: "kernels",
};

/** Options that may accompany --resume (they do not change the results). */

const def = (v: unknown): string => ` (default: ${v === undefined ? "all" : String(v)})`;

export function addMnistOptions(cmd: Command): Command {
  const d = configDefaults(MnistConfigSchema);
  return addCriteriaOptions(cmd
    .option("--strategy <name>", `growth strategy: ${STRATEGY_NAMES.join(", ")}` + def(d.growth.strategy))
    .option("--steps <n>", "growth steps" + def(d.growth.steps), intArg)
    .option("--neurons <n>", "neurons added per growth step" + def(d.growth.neuronsPerStep), intArg)
    .option("--max-parameters <n>", "parameter budget of the grown network: candidates are cut to the neurons that fit (not in the paper; default: none)", intArg)
    .option("--epochs <n>", "epochs of inter-training after each growth step (the paper: 500)" + def(d.training.epochsPerStep), intArg)
    .option("--seed <n>", "seed of the split, the shuffling and the baselines' initialisation" + def(d.seed), intArg)
    .option("--dataset <name>", "mnist or fashion-mnist" + def(d.dataset))
    .option("--data-dir <dir>", "folder holding the four IDX files (or <dir>/<dataset>/); default TINYGROW_DATA_DIR, then the download cache")
    .option("--train-samples <n>", "use the first n training images (split into train-opt, train-ls, train-gr)" + def(d.data.trainSamples), intArg)
    .option("--test-samples <n>", "use the first n test images" + def(d.data.testSamples), intArg)
    .option("--validation-samples <n>", "training images carved out as the validation split before train-opt/ls/gr (0: the paper's three parts)" + def(d.data.validationSamples), intArg))
    .option("--split-sizes <a,b,c>", "sizes of train-opt, train-ls, train-gr (default: three equal parts of what validation leaves)", intListArg)
    .option("--standardize", "standardise the pixels with the training set's mean and std (after scaling to [0, 1])")
    .option("--no-verify", "do not check the files against the published checksums (other IDX data)")
    .option("--input-size <n>", "input width of the networks; the images' rows × cols must match" + def(d.model.inputSize), intArg)
    .option("--activation <name>", "activation of grown nodes and of the baselines' hidden layers" + def(d.model.activation))
    .option("--lr <x>", "SGD learning rate" + def(d.training.lr), floatArg)
    .option("--momentum <x>", "SGD momentum" + def(d.training.momentum), floatArg)
    .option("--batch-size <n>", "mini-batch size" + def(d.training.batchSize), intArg)
    .option("--weight-decay <x>", "SGD weight decay" + def(d.training.weightDecay), floatArg)
    .option("--random-tries <n>", "random neuron tries per candidate (default: max(64, 16 × neurons))", intArg)
    .option("--statistics-batch-size <n>", "rows per batch of the growth statistics" + def(d.growth.statisticsBatchSize), intArg)
    .option("--evaluate-every <n>", "evaluate every split and test every n epochs (always after a growth step and at the end of its training)" + def(d.evaluation.everyEpochs), intArg)
    .option("--checkpoint-every <n>", "a checkpoint every n epochs (and after every growth step)" + def(d.checkpoint.everyEpochs), intArg)
    .option("--no-apply-delta", "grow without TINY's −γ²δW update of the existing in-edges (after long inter-training on train-opt ∪ train-ls it raises the train-ls loss, so the line search rejects every expansion; README, the paper's protocol)")
    .option("--no-null-option", "strategies whole and restricted: apply the best expansion even when it does not lower the train-gr loss (the paper's rule; default: the current model competes)")
    .option("--no-fixed", "skip LeCun et al.'s fixed MLP baselines")
    .option("--no-retrain", "skip retraining the final grown structure from scratch")
    .option("--baseline-scale <x>", "multiply the fixed MLPs' hidden widths by x (quick runs)" + def(d.baselines.widthScale), floatArg)
    .option("--workers <n>", "worker threads evaluating growth candidates, 0 for none (one per core on 2 or more cores, else 0, unless given)" + def(d.workers ?? defaultWorkers()), intArg)
    .option("--blas-threads <n>", "OpenBLAS threads of the run (candidates always use 1); kept on --resume, results depend on it (one per core unless given)" + def(d.blasThreads ?? availableParallelism()), intArg)
    .option("--kernels <name>", "kernel set: auto, native, wasm or portable (env TINYGROW_KERNELS)" + def(d.kernels))
    .option("--config <file>", "JSON config file (flags override it; see MnistConfigSchema in src/experiments/config.ts)")
    .option("--out <dir>", "experiment folder, must not exist or be empty (default: runs/mnist-<date>-<time>)")
    .option("--resume <dir>", "continue the interrupted experiment in <dir> (its configuration is kept)")
    .option("--quiet", "no progress bars");
}

/** The configuration: defaults < --config < TINYGROW_KERNELS < flags, or the resumed experiment's. */
export function mnistConfig(options: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): MnistConfig {
  return resolveStudyConfig(MnistConfigSchema, mnistConfigSources(options, env));
}

function mnistConfigSources(options: Record<string, unknown>, env: NodeJS.ProcessEnv): StudyConfigSources {
  const opts = { ...options };
  // --no-verify / --no-fixed / --no-retrain / --no-apply-delta / --no-null-option default to true in commander: only a given "no" is a setting.
  for (const k of ["verify", "fixed", "retrain", "applyDelta", "nullOption"]) if (opts[k] === true) delete opts[k];
  return { options: opts, flags: flagsLayer(opts, FLAG_PATHS), env, readSaved: readMnistConfig, noun: "experiment" };
}

/** Where the data is looked for: --data-dir, else (on --resume) the folder the run used, then TINYGROW_DATA_DIR, the cache and system folders. */
export function mnistDataDirs(config: MnistConfig, options: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): SearchDir[] {
  const flag = typeof options.dataDir === "string" ? options.dataDir : undefined;
  const dirs = searchDirs({ dataset: config.dataset, flag, env, systemDirs: datasetSpec(config.dataset).systemDirs });
  if (flag === undefined && typeof options.resume === "string") {
    const recorded = recordedDataDir(options.resume);
    if (recorded !== null) dirs.unshift({ dir: recorded, source: "option" });
  }
  return dirs;
}

/** Runs the command: the experiment into --out (or --resume), printing where the report is. */
export async function runMnistCommand(options: Record<string, unknown>, write: WriteLine = stdoutLine): Promise<string> {
  const config = mnistConfig(options);
  const resume = typeof options.resume === "string";
  const out = resolve(resume ? (options.resume as string) : typeof options.out === "string" ? options.out : defaultOut("mnist"));
  const dirs = mnistDataDirs(config, options);
  return runStudyInTerminal(options.quiet === true, write, (io) => withConfigSources(() => runMnistExperiment(config, { out, resume, dirs, command: process.argv.slice(1) }, io), mnistConfigSources(options, process.env)), { command: "mnist", out });
}

export function registerMnist(program: Command): void {
  const cmd = program
    .command("mnist")
    .description("the paper's MNIST experiment (Fig. 3 and 4): grow a network from scratch, train LeCun et al.'s fixed MLPs and the retrained grown structure as baselines, and report");
  addMnistOptions(cmd).action(async (options: Record<string, unknown>) => {
    await runMnistCommand(options);
  });
}
