/**
 * The report of a `tinygrow grow` run: report.md (data, splits, preprocessing, the grown
 * structure, curves on the validation split, the test scores reported once), results.json,
 * parameters.svg (parameters per growth step) and, for classification, accuracy.svg.
 */
import { join } from "node:path";
import type { TabularConfig } from "../experiments/tabular-config.js";
import { writeFileAtomic } from "./io/atomic.js";
import { accuracyCurvePlot, lossCurvePlot } from "./io/figures.js";
import type { StepRecord } from "../experiments/growth-run.js";
import { encodedWidth } from "../data/preprocess.js";
import { confusionMarkdown, type Scores } from "../model/metrics.js";
import type { TabularModel } from "../model/tabular-model.js";

export interface TabularReportInput {
  config: TabularConfig;
  model: TabularModel;
  scores: Scores;
  sizes: Record<string, number>;
  testSource: string;
  records: StepRecord[];
  kernels: string;
}

const fmt = (x: number | undefined): string => (x === undefined ? "–" : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toPrecision(4));

/** Test scores as one line: "test MSE 0.123, R² 0.87" / "test accuracy 95.2%, log loss 0.14". */
export function describeScores(s: Scores): string {
  if (s.accuracy !== undefined) return `test accuracy ${(s.accuracy * 100).toFixed(2)}%, log loss ${fmt(s.loss)} (${s.rows} rows)`;
  return `test MSE ${fmt(s.mse)}, RMSE ${fmt(s.rmse)}, R² ${fmt(s.r2)} (${s.rows} rows)`;
}

/** Which of the run's models model.json holds (the "done" record's `selected`, experiments/best-model.ts). */
function keptLine(records: readonly Record<string, unknown>[], patience: number): string {
  const sel = records.at(-1)?.selected as { step: number; epoch: number; validation: number; stoppedEarly: boolean } | undefined;
  if (sel === undefined) return "the model at the end of the run";
  const stop = sel.stoppedEarly ? `; growth stopped after ${patience} step(s) without a new best` : "";
  return `the model of lowest validation loss (${fmt(sel.validation)}, after growth step ${sel.step}, run epoch ${sel.epoch})${stop}`;
}

export async function writeTabularReport(out: string, input: TabularReportInput): Promise<{ report: string; summary: string }> {
  const { config, model, scores, sizes, records } = input;
  const steps = records.filter((r) => r.kind === "growth" || r.kind === "init");
  const growthEpochs = records.filter((r) => r.kind === "growth").map((r) => r.epoch as number);
  if (steps.length > 0) {
    writeFileAtomic(join(out, "parameters.svg"), await lossCurvePlot({ series: [{ name: "grown", x: steps.map((r) => r.step as number), mean: steps.map((r) => Math.max(1, r.parameters as number)) }], logY: false, title: "parameters after each growth step", yLabel: "parameters" }).then((svg) => svg.replaceAll(">epoch<", ">growth step<")));
  }
  const evals = records.filter((r) => (r.kind === "init" || r.kind === "epoch") && r.accuracy !== undefined && (r.accuracy as Record<string, number>)["train-gr"] !== undefined);
  if (config.task === "classification" && evals.length > 0) {
    const names: [string, string][] = [["train-opt", "train-opt"], ["train-gr", "train-gr"], ["test", sizes.validation > 0 ? "validation" : "test"]];
    const series = names.map(([key, name]) => ({ name, accuracy: evals.map((r) => (r.accuracy as Record<string, number>)[key]) }));
    writeFileAtomic(join(out, "accuracy.svg"), await accuracyCurvePlot({ epochs: evals.map((r) => r.epoch as number), series, growthEpochs, title: "accuracy during growth" }));
  }
  const summary = `${model.network.parameterCount()} parameters, ${describeScores(scores)}`;
  const results = { task: config.task, parameters: model.network.parameterCount(), scores, sizes, test: input.testSource };
  writeFileAtomic(join(out, "results.json"), JSON.stringify(results, null, 2) + "\n");
  const f = model.features;
  const lines = [
    `# tinygrow grow: ${config.task} on ${config.data.train}`,
    "",
    `- Kernels: ${input.kernels}`,
    `- Features: ${f.columns.length} column(s) → ${encodedWidth(f.columns)} network inputs (${f.columns.filter((c) => c.kind === "categorical").map((c) => `${c.name} one-hot`).join(", ") || "all numeric"}); scaling **${f.scaling}**${f.fill.some((v) => v !== null) ? ", missing values filled with the training mean" : ""}, fitted on train-opt ∪ train-ls ∪ train-gr only.`,
    config.task === "classification" ? `- Label column "${model.label?.column}": classes ${model.label?.classes.map((c) => `"${c}"`).join(", ")}.` : `- Targets: ${model.targets?.columns.join(", ")}${config.data.standardizeTargets ? " (standardised for training; predictions in target units)" : ""}.`,
    `- Rows: train-opt ${sizes.trainOpt}, train-ls ${sizes.trainLs}, train-gr ${sizes.trainGr}, validation ${sizes.validation}, test ${sizes.test}.`,
    `- Test set: ${input.testSource}. It is scored once, at the end; the curves labelled "test" in grown/log.jsonl and grown/curves.svg are on the ${sizes.validation > 0 ? "validation split" : "test set (no validation split was asked for)"}.`,
    `- Growth: strategy ${config.growth.strategy}, ${config.growth.steps} steps of ${config.growth.neuronsPerStep} neurons, ${config.training.epochsPerStep} epochs of SGD (lr ${config.training.lr}, momentum ${config.training.momentum}, weight decay ${config.training.weightDecay}, batch ${config.training.batchSize}) on ${config.training.interTrain === "all" ? "train-opt ∪ train-ls ∪ train-gr" : "train-opt ∪ train-ls"} after each step; activation ${config.model.activation}.`,
    `- Kept: ${keptLine(records, config.selection.patience)}.`,
    "",
    "## Result",
    "",
    `**${summary}**`,
    "",
    scores.accuracy !== undefined ? `Log loss ${fmt(scores.loss)}, accuracy ${(scores.accuracy * 100).toFixed(2)}%.` : `MSE ${fmt(scores.mse)}, RMSE ${fmt(scores.rmse)}, MAE ${fmt(scores.mae)}, R² ${fmt(scores.r2)} (target units).`,
    "",
    ...(scores.confusion !== undefined ? ["Confusion matrix on the test set:", "", confusionMarkdown(scores.confusion), ""] : []),
    "## Growth",
    "",
    "| step | action | parameters |",
    "|---:|---|---:|",
    ...records.filter((r) => r.kind === "growth").map((r) => `| ${r.step} | ${String(r.action)} | ${r.parameters} |`),
    "",
    "![grown network](grown/dag.svg)",
    "",
    "![loss on every split](grown/curves.svg)",
    "",
    "![parameters per step](parameters.svg)",
    ...(config.task === "classification" ? ["", "![accuracy](accuracy.svg)"] : []),
    "",
    "Model with its preprocessing: `model.json` (use `tinygrow predict --model " + out + "`, `tinygrow export " + out + " --format onnx`).",
    "",
  ];
  const report = join(out, "report.md");
  writeFileAtomic(report, lines.join("\n"));
  return { report, summary };
}
