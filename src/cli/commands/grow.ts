/**
 * `tinygrow grow`: grow a network from the empty graph on your own table (CSV/TSV with a
 * header, or .npy features + targets), then save it with its preprocessing (model.json) for
 * `predict`, `evaluate` and `export`. Options: schema defaults < --config FILE <
 * TINYGROW_KERNELS < flags; `--resume DIR` reads the configuration back from DIR/manifest.json.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { STRATEGY_NAMES } from "../../experiments/config.js";
import { TabularConfigSchema, TASKS, type TabularConfig } from "../../experiments/tabular-config.js";
import { flagsLayer } from "../../io/config.js";
import { readManifest } from "../../node/io/run-folder.js";
import { ACTIVATION_NAMES } from "../../kernels/kernels.js";
import { SCALINGS } from "../../data/preprocess.js";
import { MISSING_POLICIES } from "../../data/table.js";
import { runTabularGrowth } from "../../node/grow-tabular.js";
import { addCriteriaOptions, CRITERIA_FLAG_PATHS } from "../criteria-options.js";
import { floatArg, intArg, listArg } from "../parsers.js";
import { resolveStudyConfig, withConfigSources, type StudyConfigSources } from "../study-config.js";
import { defaultOut, runStudyInTerminal, stdoutLine, type WriteLine } from "../study-runner.js";

const FLAG_PATHS: Record<string, string> = {
  ...CRITERIA_FLAG_PATHS,
  task: "task",
  train: "data.train",
  trainTargets: "data.trainTargets",
  test: "data.test",
  testTargets: "data.testTargets",
  target: "data.targets",
  features: "data.features",
  categorical: "data.categorical",
  missing: "data.missing",
  delimiter: "data.delimiter",
  trainSamples: "data.trainSamples",
  testSamples: "data.testSamples",
  testFraction: "data.testFraction",
  validationFraction: "data.validationFraction",
  scaling: "data.scaling",
  standardizeTargets: "data.standardizeTargets",
  activation: "model.activation",
  strategy: "growth.strategy",
  steps: "growth.steps",
  neurons: "growth.neuronsPerStep",
  maxParameters: "growth.maxParameters",
  epochs: "training.epochsPerStep",
  lr: "training.lr",
  momentum: "training.momentum",
  batchSize: "training.batchSize",
  weightDecay: "training.weightDecay",
  interTrain: "training.interTrain",
  keep: "selection.keep",
  patience: "selection.patience",
  evaluateEvery: "evaluation.everyEpochs",
  checkpointEvery: "checkpoint.everyEpochs",
  seed: "seed",
  workers: "workers",
  blasThreads: "blasThreads",
  kernels: "kernels",
};

const def = (v: unknown): string => ` (default: ${v === undefined ? "none" : Array.isArray(v) ? v.join(",") || "none" : String(v)})`;

export function addGrowOptions(cmd: Command): Command {
  // Defaults of a valid configuration (task and train are required, so give placeholders).
  const d = TabularConfigSchema.parse({ task: "regression", data: { train: "x.csv", targets: ["y"] } });
  return addCriteriaOptions(cmd
    .option("--train <file>", "training data: CSV/TSV with a header row (RFC 4180 quoting), or a .npy features array")
    .option("--train-targets <file>", ".npy training targets (rows, or rows × targets), with a .npy --train")
    .option("--test <file>", "test data, same columns (default: a held-out fraction of --train, see --test-fraction)")
    .option("--test-targets <file>", ".npy test targets, with a .npy --test")
    .option("--target <cols>", "target column(s), comma-separated (classification: one label column; strings allowed)", listArg)
    .option("--task <name>", `${TASKS.join(" or ")} (required)`)
    .option("--features <cols>", "feature columns, comma-separated (default: every column that is not a target)", listArg)
    .option("--categorical <cols>", "feature columns to one-hot encode (default: none; a non-numeric value elsewhere is an error)", listArg)
    .option("--missing <policy>", `a missing value (empty, NA, NaN, ?): ${MISSING_POLICIES.join(", ")} (mean: the training mean of a numeric column)` + def(d.data.missing))
    .option("--delimiter <char>", "CSV field delimiter (default: tab for .tsv/.tab, else comma)")
    .option("--train-samples <n>", "use the first n rows of --train (default: all)", intArg)
    .option("--test-samples <n>", "use the first n rows of --test (default: all)", intArg)
    .option("--test-fraction <x>", "without --test: fraction of the training rows held out as the test set" + def(d.data.testFraction), floatArg)
    .option("--validation-fraction <x>", "fraction of the remaining rows kept as the validation set (the curves; 0: none)" + def(d.data.validationFraction), floatArg)
    .option("--scaling <name>", `feature scaling fitted on the training split: ${SCALINGS.join(", ")}` + def(d.data.scaling))
    .option("--standardize-targets", "regression: standardise the targets for training (predictions are mapped back)")
    .option("--activation <name>", `activation of grown nodes: ${ACTIVATION_NAMES.join(", ")}` + def(d.model.activation))
    .option("--strategy <name>", `growth strategy: ${STRATEGY_NAMES.join(", ")}` + def(d.growth.strategy))
    .option("--steps <n>", "growth steps" + def(d.growth.steps), intArg)
    .option("--neurons <n>", "neurons added per growth step" + def(d.growth.neuronsPerStep), intArg)
    .option("--max-parameters <n>", "parameter budget of the grown network (default: none)", intArg), d.growth.fit.mode)
    .option("--epochs <n>", "epochs of SGD on inter-train after each growth step" + def(d.training.epochsPerStep), intArg)
    .option("--inter-train <rows>", "rows of inter-training: opt-ls (train-opt ∪ train-ls, the paper) or all (∪ train-gr)" + def(d.training.interTrain))
    .option("--lr <x>", "SGD learning rate" + def(d.training.lr), floatArg)
    .option("--momentum <x>", "SGD momentum" + def(d.training.momentum), floatArg)
    .option("--batch-size <n>", "mini-batch size" + def(d.training.batchSize), intArg)
    .option("--weight-decay <x>", "SGD weight decay" + def(d.training.weightDecay), floatArg)
    .option("--keep <model>", "the model kept: best-validation (lowest validation loss at any evaluation) or last" + def(d.selection.keep))
    .option("--patience <n>", "with best-validation: stop growing after n steps without a new best (0: never)" + def(d.selection.patience), intArg)
    .option("--evaluate-every <n>", "evaluate every split every n epochs" + def(d.evaluation.everyEpochs), intArg)
    .option("--checkpoint-every <n>", "a checkpoint every n epochs (and after every growth step)" + def(d.checkpoint.everyEpochs), intArg)
    .option("--seed <n>", "seed of the splits, the shuffling and growth" + def(d.seed), intArg)
    .option("--workers <n>", "worker threads evaluating growth candidates, 0 for none" + def(d.workers), intArg)
    .option("--blas-threads <n>", "OpenBLAS threads of the run (candidates always use 1); kept on --resume, results depend on it (default: 1; more rarely pays for a table's small matrices)", intArg)
    .option("--kernels <name>", "kernel set: auto, native or portable (env TINYGROW_KERNELS)" + def(d.kernels))
    .option("--config <file>", "JSON config file (flags override it; see TabularConfigSchema in src/experiments/tabular-config.ts)")
    .option("--out <dir>", "run folder, must not exist or be empty (default: runs/grow-<date>-<time>)")
    .option("--resume <dir>", "continue the interrupted run in <dir> (its configuration is kept)")
    .option("--quiet", "no progress bar");
}

/** The configuration: defaults < --config < TINYGROW_KERNELS < flags, or the resumed run's. */
export function growConfig(options: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): TabularConfig {
  return resolveStudyConfig(TabularConfigSchema, growConfigSources(options, env));
}

function growConfigSources(options: Record<string, unknown>, env: NodeJS.ProcessEnv): StudyConfigSources {
  return { options, flags: flagsLayer(options, FLAG_PATHS), env, readSaved: (dir) => readManifest(dir).config, noun: "run" };
}

export async function runGrowCommand(options: Record<string, unknown>, write: WriteLine = stdoutLine): Promise<string> {
  const config = growConfig(options);
  const resume = typeof options.resume === "string";
  const out = resolve(resume ? (options.resume as string) : typeof options.out === "string" ? options.out : defaultOut("grow"));
  return runStudyInTerminal(options.quiet === true, write, async (io) => {
    const r = await withConfigSources(() => runTabularGrowth(config, { out, resume, command: process.argv.slice(1) }, io), growConfigSources(options, process.env));
    io.log(`model: ${r.model}`);
    return r;
  });
}

export function registerGrow(program: Command): void {
  const cmd = program
    .command("grow")
    .description("grow a network from the empty graph on your own CSV/TSV or .npy data (regression or classification) and save it with its preprocessing")
    .addHelpText(
      "after",
      "\nExamples:\n  tinygrow grow --train houses.csv --target price --task regression --out runs/houses\n  tinygrow grow --train iris.csv --target species --task classification --categorical colour\n  tinygrow grow --train X.npy --train-targets y.npy --task classification\nThen: tinygrow predict --model runs/houses --data new.csv --out predictions.csv",
    );
  addGrowOptions(cmd).action(async (options: Record<string, unknown>) => {
    await runGrowCommand(options);
  });
}
