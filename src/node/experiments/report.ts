/**
 * The report of a set of growth runs, read back from their logs (so a resumed or partly
 * re-run study reports exactly what is on disk):
 *
 *   plots/loss-vs-epochs.svg            Fig. 5a: test loss against epochs, mean ± std over seeds,
 *                                       per strategy and for the oracle; growth steps as rules
 *   plots/loss-vs-epochs-retrained.svg  the same for the retrained structures and the oracle
 *   plots/energy-vs-loss.svg            Fig. 5b: cumulative energy against test loss, with the oracle
 *   plots/parameters.svg                final parameter count per strategy (and the oracle)
 *   summary.md                          mean ± std per strategy (strategySummaryTable) and baselines
 *   report.md                           all of it, linked, with each grown DAG
 *
 * (The MNIST experiment's report is mnist-report.ts.) And, per run folder, `writeRunArtifacts`: dag.svg + dag.dot (the final DAG) and
 * curves.svg (loss on every split and test against epochs).
 *
 * Energy here is that of the growth search and the training (phases "search" and
 * "training"); the per-epoch evaluation that draws the curves and the checkpoint I/O are
 * logged per phase in every record but not counted, since they are measurement overhead.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import type { Strategy } from "../../dag/candidates.js";
import { modelFromJson, type DagModelJson } from "../../dag/serialize.js";
import { writeFileAtomic } from "../io/atomic.js";
import { dagDrawingInput, toDot } from "../../io/dag-drawing.js";
import { energyLossPlot, paretoPlot, parameterBarPlot, type MeanStdSeries } from "../../io/plots.js";
import { drawDag, lossCurvePlot } from "../io/figures.js";
import { formatMeanStd, markdownTable, meanStd, meanStdAcross, strategySummaryTable, type StrategyResult } from "../../io/summary.js";
import type { AccountingSnapshot } from "../../experiments/accounting.js";
import type { TeacherStudentConfig } from "../../experiments/config.js";
import { MODEL_FILE } from "../../experiments/growth-run.js";
import { readGrowthLog } from "./open-growth-run.js";
import { paretoPoints, sweepMarkdown, sweepRows, SWEEP_GROUP } from "../../experiments/alpha-sweep.js";

/** One run of a study: a grown student, the oracle or a retrained structure. */
export interface StudyRun {
  kind: "growth" | "oracle" | "retrain";
  strategy: Strategy | null;
  seed: number;
  /** The series it belongs to in plots and tables ("whole", "oracle", "retrained whole", "penalized α=1e-6"). */
  label: string;
  /** α of strategy "penalized" in an α sweep (else absent: the configuration's). */
  alpha?: number;
  /** Its folder, relative to the study folder. */
  dir: string;
}

/** What the report reads from one run's log. */
export interface RunOutcome {
  run: StudyRun;
  /** Epoch and test loss after init and after every epoch (Fig. 5a). */
  epochs: number[];
  testLoss: number[];
  /** Test loss and cumulative search + training energy at the start, after every growth step and every `traceEvery` epochs (Fig. 5b). */
  trace: { loss: number[]; energyWh: number[] };
  growthEpochs: number[];
  finalTestLoss: number;
  /** Final loss on the validation split (NaN when the study has none). */
  finalValidationLoss: number;
  parameters: number;
  accounting: AccountingSnapshot;
}

export const energyOf = (r: { energyWh?: Record<string, number> }): number => (r.energyWh?.search ?? 0) + (r.energyWh?.training ?? 0);

/** Reads a finished run's log; DataError naming the log when it has not finished. */
export function runOutcome(studyDir: string, run: StudyRun, traceEvery = 1): RunOutcome {
  const dir = join(studyDir, run.dir);
  const records = readGrowthLog(dir);
  const done = records.find((r) => r.kind === "done");
  if (done === undefined) throw new DataError(join(dir, "log.jsonl"), "the run has not finished (no \"done\" record); resume the study with --resume");
  const curve = records.filter((r) => r.kind === "init" || r.kind === "epoch");
  const every = Math.max(1, traceEvery);
  const trace = records.filter((r) => r.kind === "init" || r.kind === "growth" || (r.kind === "epoch" && (r.epoch as number) % every === 0));
  return {
    run,
    epochs: curve.map((r) => r.epoch as number),
    testLoss: curve.map((r) => r.losses.test),
    trace: { loss: trace.map((r) => r.losses.test), energyWh: trace.map(energyOf) },
    growthEpochs: records.filter((r) => r.kind === "growth").map((r) => r.epoch as number),
    finalTestLoss: done.losses.test,
    finalValidationLoss: done.losses.validation ?? NaN,
    parameters: done.parameters,
    accounting: done.accounting as AccountingSnapshot,
  };
}

/** dag.svg, dag.dot and curves.svg in a finished run folder (each written only when missing). */
export async function writeRunArtifacts(dir: string, title: string, options: { lossLabel?: string } = {}): Promise<void> {
  const model = modelFromJson(JSON.parse(readFileSync(join(dir, MODEL_FILE), "utf8")) as DagModelJson);
  const drawing = dagDrawingInput(model);
  const heading = `${title}: ${model.parameterCount().toLocaleString("en-US")} parameters`;
  if (!existsSync(join(dir, "dag.svg"))) writeFileAtomic(join(dir, "dag.svg"), await drawDag(drawing, { title: heading }));
  if (!existsSync(join(dir, "dag.dot"))) writeFileAtomic(join(dir, "dag.dot"), toDot(drawing, { title: heading }));
  if (existsSync(join(dir, "curves.svg"))) return;
  const splits = ["train-opt", "train-ls", "train-gr", "test"];
  // Epochs without an evaluation (evaluation.everyEpochs > 1) hold the training loss only.
  const records = readGrowthLog(dir).filter((r) => (r.kind === "init" || r.kind === "epoch") && splits.every((s) => r.losses[s] !== undefined));
  const series: MeanStdSeries[] = splits.map((s) => ({ name: s, x: records.map((r) => r.epoch as number), mean: records.map((r) => r.losses[s]) }));
  const growthEpochs = readGrowthLog(dir).filter((r) => r.kind === "growth").map((r) => r.epoch as number);
  if (records.length > 0 && series.every((s) => s.mean.every((v) => v > 0))) {
    writeFileAtomic(join(dir, "curves.svg"), await lossCurvePlot({ series, growthEpochs, title: `${title}: loss on every split`, yLabel: options.lossLabel ?? "loss (MSE)" }));
  }
}

function byLabel(outcomes: readonly RunOutcome[]): Map<string, RunOutcome[]> {
  const m = new Map<string, RunOutcome[]>();
  for (const o of outcomes) m.set(o.run.label, [...(m.get(o.run.label) ?? []), o]);
  return m;
}

function curveSeries(label: string, runs: readonly RunOutcome[]): MeanStdSeries {
  const { mean, std } = meanStdAcross(runs.map((r) => r.testLoss), `${label}: test loss`);
  return { name: `${label} (${runs.length} seed${runs.length > 1 ? "s" : ""})`, x: runs[0].epochs, mean, std };
}

function traceSeries(label: string, runs: readonly RunOutcome[]): { name: string; loss: number[]; energyWh: number[] } {
  return { name: label, loss: meanStdAcross(runs.map((r) => r.trace.loss), `${label}: loss`).mean, energyWh: meanStdAcross(runs.map((r) => r.trace.energyWh), `${label}: energy`).mean };
}

function strategyResult(label: string, runs: readonly RunOutcome[]): StrategyResult {
  return {
    strategy: label,
    finalTestLoss: runs.map((r) => r.finalTestLoss),
    ...(runs.every((r) => Number.isFinite(r.finalValidationLoss)) ? { validationLoss: runs.map((r) => r.finalValidationLoss) } : {}),
    parameters: runs.map((r) => r.parameters),
    searchSeconds: runs.map((r) => r.accounting.wallSeconds.search ?? 0),
    trainingSeconds: runs.map((r) => r.accounting.wallSeconds.training ?? 0),
    energyWh: runs.map((r) => energyOf(r.accounting)),
  };
}

/** The markdown summary: strategies, baselines and accounting details. */
export function summaryMarkdown(outcomes: readonly RunOutcome[]): string {
  const groups = byLabel(outcomes);
  const pick = (kind: StudyRun["kind"]) => [...groups].filter(([, runs]) => runs[0].run.kind === kind);
  const oracle = pick("oracle")[0]?.[1];
  const oracleWh = oracle === undefined ? undefined : meanStd(oracle.map((r) => energyOf(r.accounting)), "oracle energy").mean;
  const ratio = oracleWh !== undefined && oracleWh > 0 ? oracleWh : undefined;
  const parts = ["## Strategies (mean ± std over seeds)\n", strategySummaryTable(pick("growth").map(([l, r]) => strategyResult(l, r)), ratio)];
  const baselines = [...pick("oracle"), ...pick("retrain")];
  if (baselines.length > 0) parts.push("\n## Baselines (no growth; same number of epochs)\n", strategySummaryTable(baselines.map(([l, r]) => strategyResult(l, r)), ratio));
  const rows = [...groups].map(([label, runs]) => [
    label,
    formatMeanStd(runs.map((r) => r.accounting.cpuSeconds.search ?? 0)),
    formatMeanStd(runs.map((r) => r.accounting.cpuSeconds.training ?? 0)),
    formatMeanStd(runs.map((r) => r.accounting.wallSeconds.evaluation ?? 0)),
    formatMeanStd(runs.map((r) => r.accounting.wallSeconds.total)),
    formatMeanStd(runs.map((r) => r.accounting.energyWh.total)),
    [...new Set(runs.map((r) => r.accounting.method))].join(", "),
  ]);
  const right = { align: "right" as const };
  const columns = [{ header: "run" }, { header: "CPU search (s)", ...right }, { header: "CPU training (s)", ...right }, { header: "evaluation (s)", ...right }, { header: "wall total (s)", ...right }, { header: "energy, all phases (Wh)", ...right }, { header: "energy method" }];
  parts.push("\n## Accounting details\n", markdownTable(columns, rows));
  return parts.join("\n");
}

/** Writes plots/, summary.md and report.md for the study in `out`; returns their paths. */
export async function writeStudyReport(out: string, config: TeacherStudentConfig, plan: readonly StudyRun[], meta: { kernels: string }): Promise<{ report: string; summary: string }> {
  const outcomes = plan.map((run) => runOutcome(out, run, config.training.epochsPerStep));
  const groups = byLabel(outcomes);
  const plots = join(out, "plots");
  mkdirSync(plots, { recursive: true });
  const of = (kind: StudyRun["kind"]) => [...groups].filter(([, runs]) => runs[0].run.kind === kind);
  const oracle = of("oracle")[0];
  const figures: [string, string][] = [];
  const growthEpochs = outcomes.find((o) => o.run.kind === "growth")?.growthEpochs;

  const grown = [...of("growth"), ...(oracle ? [oracle] : [])];
  if (grown.length > 0 && allPositive(grown)) {
    writeFileAtomic(join(plots, "loss-vs-epochs.svg"), await lossCurvePlot({ series: grown.map(([l, r]) => curveSeries(l, r)), growthEpochs, title: "Fig. 5a: test loss against epochs (mean ± std over seeds)" }));
    figures.push(["Fig. 5a: test loss against epochs, mean ± std over seeds (dashed rules: growth steps)", "plots/loss-vs-epochs.svg"]);
  }
  const retrained = [...of("retrain"), ...(oracle ? [oracle] : [])];
  if (of("retrain").length > 0 && allPositive(retrained)) {
    writeFileAtomic(join(plots, "loss-vs-epochs-retrained.svg"), await lossCurvePlot({ series: retrained.map(([l, r]) => curveSeries(l, r)), title: "Final grown structures retrained from scratch, and the oracle" }));
    figures.push(["The final grown structures retrained from scratch, and the oracle", "plots/loss-vs-epochs-retrained.svg"]);
  }
  if (oracle && of("growth").length > 0 && allPositive(grown)) {
    const series = of("growth").map(([l, r]) => traceSeries(l, r));
    writeFileAtomic(join(plots, "energy-vs-loss.svg"), await energyLossPlot({ series, oracle: traceSeries("oracle", oracle[1]), title: "Fig. 5b: cumulative energy (search + training) against test loss" }));
    figures.push(["Fig. 5b: cumulative energy (growth search + training, Wh) against test loss, mean over seeds, at every growth step and the end of its training", "plots/energy-vs-loss.svg"]);
  }
  const bars = [...of("growth"), ...(oracle ? [oracle] : [])].map(([l, r]) => {
    const m = meanStd(r.map((o) => o.parameters), `${l}: parameters`);
    return { name: l, mean: m.mean, std: m.std ?? 0 };
  });
  if (bars.length > 0) {
    writeFileAtomic(join(plots, "parameters.svg"), await parameterBarPlot({ bars }));
    figures.push(["Final parameter count per strategy (mean ± std over seeds)", "plots/parameters.svg"]);
  }

  const hasSweep = outcomes.some((o) => o.run.alpha !== undefined);
  let summary = summaryMarkdown(outcomes);
  if (hasSweep) {
    const rows = sweepRows(outcomes);
    writeFileAtomic(join(plots, "pareto.svg"), await paretoPlot({ points: paretoPoints(rows), sweepGroup: SWEEP_GROUP }));
    figures.push(["Pareto front: final parameters against final test loss, means over seeds (strategies, the α sweep of penalized, the oracle; dashed: the non-dominated points)", "plots/pareto.svg"]);
    summary += "\n\n" + sweepMarkdown(rows);
  }
  const summaryPath = join(out, "summary.md");
  writeFileAtomic(summaryPath, `# Teacher–student study: summary\n\n${summary}`);
  const reportPath = join(out, "report.md");
  writeFileAtomic(reportPath, reportMarkdown(config, outcomes, figures, summary, meta));
  return { report: reportPath, summary: summaryPath };
}

function allPositive(groups: readonly [string, RunOutcome[]][]): boolean {
  return groups.every(([, runs]) => runs.every((r) => r.testLoss.every((v) => v > 0) && r.trace.loss.every((v) => v > 0)));
}

/** The report's "## Figures" section: each [caption, file] as a heading and its image (markdown lines). */
export function figuresSection(figures: readonly (readonly [string, string])[]): string[] {
  return ["## Figures", "", ...figures.flatMap(([caption, file]) => [`### ${caption}`, "", `![${caption}](${file})`, ""])];
}

function reportMarkdown(config: TeacherStudentConfig, outcomes: readonly RunOutcome[], figures: readonly [string, string][], summary: string, meta: { kernels: string }): string {
  const t = config.training;
  const g = config.growth;
  const d = config.data;
  const acc = outcomes[0]?.accounting;
  const lines = [
    "# Teacher–student study (Douka et al., Fig. 5)",
    "",
    `A teacher DAG (input ${d.teacher.inputSize}, two hidden states of ${d.teacher.hiddenSize} with SELU, a direct connection from the input to the second, output ${d.teacher.outputSize}) labels ` +
      `${d.trainSamples} training and ${d.testSamples} test inputs drawn uniformly on [${d.inputRange.join(", ")}). Students grow from the empty graph: ` +
      `${g.steps} growth steps of at most ${g.neuronsPerStep} neurons, ${t.epochsPerStep} epochs of SGD (lr ${t.lr}, momentum ${t.momentum}, batch ${t.batchSize}) on inter-train after each. ` +
      `Strategies: ${config.strategies.join(", ")}; seeds: ${config.seeds.join(", ")}. The oracle is the teacher's architecture trained from scratch for the same ${t.initialEpochs + g.steps * t.epochsPerStep} epochs; ` +
      "\"retrained\" runs train each final grown structure from scratch for as many epochs.",
    "",
    `Kernels: ${meta.kernels}.`,
    "",
    acc === undefined
      ? ""
      : `Energy: ${acc.method === "rapl" ? "measured with Intel RAPL" : `the ${acc.model.source} power model, E = PUE × (CPU seconds × ${acc.model.powerPerCoreW} W + wall seconds × memory GB × ${acc.model.memoryPowerWPerGB} W/GB) / 3600 (PUE ${acc.model.pue})`}. ` +
        "Energy in the tables and Fig. 5b counts the growth search and the training; per-epoch evaluation (for the curves) and checkpoint I/O are logged but not counted.",
    "",
    summary,
    "",
    ...figuresSection(figures),
    "## Grown DAGs",
    "",
    ...outcomes.filter((o) => o.run.kind === "growth").flatMap((o) => [`### ${o.run.label}, seed ${o.run.seed}: ${o.parameters} parameters, final test loss ${o.finalTestLoss.toPrecision(4)}`, "", `![${o.run.label} seed ${o.run.seed}](${o.run.dir}/dag.svg)`, ""]),
    "## Runs",
    "",
    markdownTable(
      [{ header: "run" }, { header: "seed", align: "right" }, { header: "parameters", align: "right" }, { header: "final test loss", align: "right" }, { header: "files" }],
      outcomes.map((o) => [o.run.label, String(o.run.seed), String(o.parameters), o.finalTestLoss.toPrecision(4), `[log](${o.run.dir}/log.jsonl), [model](${o.run.dir}/model.json), [DAG](${o.run.dir}/dag.svg), [curves](${o.run.dir}/curves.svg)`]),
    ),
  ];
  return lines.join("\n") + "\n";
}
