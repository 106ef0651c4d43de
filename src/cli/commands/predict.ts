/**
 * `tinygrow predict` and `tinygrow evaluate`: apply a saved model (a run folder or its
 * model.json) to a CSV/TSV or .npy file, with the preprocessing stored in the model.
 */
import type { Command } from "commander";
import { parseKernelRequest } from "../../kernels/select.js";
import { chooseKernels } from "../../node/kernels.js";
import { confusionMarkdown } from "../../model/metrics.js";
import { loadModel } from "../../node/load-model.js";
import { evaluateFile, predictFile } from "../../node/predict-file.js";
import { describeScores } from "../../node/tabular-report.js";
import { stdoutLine, type WriteLine } from "../study-runner.js";

function modelFor(options: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const request = typeof options.kernels === "string" ? parseKernelRequest(options.kernels, "--kernels") : parseKernelRequest(env.TINYGROW_KERNELS || "auto", "TINYGROW_KERNELS");
  return loadModel(options.model as string, chooseKernels(request).kernels);
}

export async function runPredictCommand(options: Record<string, unknown>, write: WriteLine = stdoutLine, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const model = modelFor(options, env);
  const out = typeof options.out === "string" ? options.out : null;
  const rows = await predictFile(model, options.data as string, { out, sink: (t) => process.stdout.write(t), delimiter: options.delimiter as string | undefined });
  if (out !== null && options.quiet !== true) {
    const what = model.task === "classification" ? `labels and probabilities of ${model.outputNames.length} classes (${model.outputNames.join(", ")})` : `values of ${model.outputNames.join(", ")}`;
    write(`${rows} predictions (${what}) written to ${out}`);
  }
  return rows;
}

export async function runEvaluateCommand(options: Record<string, unknown>, write: WriteLine = stdoutLine, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const model = modelFor(options, env);
  const scores = await evaluateFile(model, options.data as string, { targetsFile: options.targets as string | undefined, delimiter: options.delimiter as string | undefined });
  if (options.json === true) {
    write(JSON.stringify(scores));
    return;
  }
  write(describeScores(scores).replace(/^test /, ""));
  if (scores.mae !== undefined) write(`MAE ${scores.mae.toPrecision(4)}`);
  if (scores.confusion !== undefined) write("confusion matrix (rows: true class, columns: predicted):\n" + confusionMarkdown(scores.confusion));
}

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("predict with a saved model: regression values, or class labels with per-class probabilities, one row per input row in input order")
    .requiredOption("--model <path>", "run folder of `tinygrow grow` (or `grow-mlp`), or a model.json")
    .requiredOption("--data <file>", "rows to predict: CSV/TSV with the model's feature columns (others are ignored), or a .npy features array")
    .option("--out <file>", "write the predictions here: .csv/.tsv, or .npy (float32: values, or class probabilities); default: CSV on stdout")
    .option("--delimiter <char>", "CSV field delimiter of --data (default: tab for .tsv/.tab, else comma)")
    .option("--kernels <name>", "kernel set: auto, native or portable (env TINYGROW_KERNELS; default: auto)")
    .option("--quiet", "no summary line")
    .action(async (options: Record<string, unknown>) => {
      await runPredictCommand(options);
    });
  program
    .command("evaluate")
    .description("score a saved model on a labelled file: MSE/RMSE/R² (regression) or log loss, accuracy and the confusion matrix (classification)")
    .requiredOption("--model <path>", "run folder of `tinygrow grow` (or `grow-mlp`), or a model.json")
    .requiredOption("--data <file>", "labelled rows: CSV/TSV with the model's feature and target columns, or a .npy features array with --targets")
    .option("--targets <file>", ".npy targets array for a .npy --data")
    .option("--delimiter <char>", "CSV field delimiter of --data (default: tab for .tsv/.tab, else comma)")
    .option("--json", "print the scores as one JSON object")
    .option("--kernels <name>", "kernel set: auto, native or portable (env TINYGROW_KERNELS; default: auto)")
    .action(async (options: Record<string, unknown>) => {
      await runEvaluateCommand(options);
    });
}
