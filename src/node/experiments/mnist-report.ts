/**
 * The MNIST experiment's report (paper §4.2), read back from the runs' logs:
 * plots/fig3-accuracy.svg (Fig. 3: test accuracy against epochs), plots/fig4-accuracy-vs-parameters.svg
 * (Fig. 4: accuracy against parameters, with the published fixed MLPs), summary.md, report.md
 * and results.json. The teacher–student studies' report is report.ts.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import type { AccountingSnapshot } from "../../experiments/accounting.js";
import type { MnistConfig } from "../../experiments/config.js";
import { publishedReferences, type FixedMlp } from "../../experiments/mnist-baselines.js";
import { accuracyCurvePlot, accuracyVsParamsPlot } from "../../io/plots.js";
import { formatNumber, markdownTable } from "../../io/summary.js";
import { writeFileAtomic } from "../io/atomic.js";
import { readGrowthLog } from "./open-growth-run.js";
import { energyOf, figuresSection } from "./report.js";

/** One run of the MNIST experiment: the grown network, a fixed MLP of LeCun et al., or the retrained structure. */
export interface MnistRun {
  kind: "growth" | "fixed" | "retrain";
  label: string;
  /** Its folder, relative to the experiment folder. */
  dir: string;
  /** Fixed MLPs: the hidden widths trained here, the published architecture and its index in LECUN_MLPS. */
  hidden?: number[];
  published?: FixedMlp;
  index?: number;
}

/** What the MNIST report reads from one run's log. */
export interface MnistOutcome {
  run: MnistRun;
  parameters: number;
  /** Final accuracy and loss on every split and test. */
  accuracy: Record<string, number>;
  losses: Record<string, number>;
  accounting: AccountingSnapshot;
  /** Evaluated records (init, growth steps, evaluated epochs), in order. */
  curve: { epoch: number; step: number; parameters: number; accuracy: Record<string, number> }[];
  growthEpochs: number[];
}

/** Reads a finished MNIST run's log; DataError naming the log when it has not finished. */
export function mnistOutcome(out: string, run: MnistRun): MnistOutcome {
  const dir = join(out, run.dir);
  const records = readGrowthLog(dir);
  const done = records.find((r) => r.kind === "done");
  if (done === undefined || done.accuracy === undefined) throw new DataError(join(dir, "log.jsonl"), "the run has not finished (no \"done\" record); resume the experiment with --resume");
  const curve = records
    .filter((r) => r.kind !== "done" && r.accuracy !== undefined && r.accuracy.test !== undefined)
    .map((r) => ({ epoch: r.epoch as number, step: r.step as number, parameters: r.parameters, accuracy: r.accuracy as Record<string, number> }));
  return {
    run,
    parameters: done.parameters,
    accuracy: done.accuracy,
    losses: done.losses,
    accounting: done.accounting as AccountingSnapshot,
    curve,
    growthEpochs: records.filter((r) => r.kind === "growth").map((r) => r.epoch as number),
  };
}

/** Accuracy on inter-train = train-opt ∪ train-ls, from the two parts' accuracies weighted by their sizes. */
export function interTrainAccuracy(accuracy: Record<string, number>, sizes: readonly [number, number, number]): number {
  return (accuracy["train-opt"] * sizes[0] + accuracy["train-ls"] * sizes[1]) / (sizes[0] + sizes[1]);
}

/**
 * Fig. 4's points of the grown network: for every growth step that grew it, the parameter
 * count after that step and the test accuracy at the end of the step's inter-training.
 */
export function grownTrajectory(o: MnistOutcome): { step: number; parameters: number; accuracy: number }[] {
  const byStep = new Map<number, { step: number; parameters: number; accuracy: number }>();
  for (const c of o.curve) if (c.step > 0) byStep.set(c.step, { step: c.step, parameters: c.parameters, accuracy: c.accuracy.test });
  return [...byStep.values()].filter((p) => p.parameters > 0);
}

const pct = (a: number | undefined): string => (a === undefined ? "–" : `${(a * 100).toFixed(2)}%`);

/** Writes plots/ (Fig. 3 and 4), summary.md, report.md and results.json for the MNIST experiment in `out`. */
export async function writeMnistReport(
  out: string,
  config: MnistConfig,
  plan: readonly MnistRun[],
  meta: { kernels: string; splitSizes: [number, number, number]; dataset: string },
): Promise<{ report: string; summary: string }> {
  const outcomes = plan.map((run) => mnistOutcome(out, run));
  const grown = outcomes.find((o) => o.run.kind === "growth") as MnistOutcome;
  const plots = join(out, "plots");
  mkdirSync(plots, { recursive: true });
  const title = meta.dataset === "mnist" ? "MNIST" : "Fashion-MNIST";
  const fig3 = await accuracyCurvePlot({
    epochs: grown.curve.map((c) => c.epoch),
    series: [
      { name: "inter-train", accuracy: grown.curve.map((c) => interTrainAccuracy(c.accuracy, meta.splitSizes)) },
      { name: "train-gr", accuracy: grown.curve.map((c) => c.accuracy["train-gr"]) },
      { name: "test", accuracy: grown.curve.map((c) => c.accuracy.test) },
    ],
    growthEpochs: grown.growthEpochs,
    title: `Fig. 3: ${title} accuracy during growth (${config.growth.strategy}; dashed rules: growth steps)`,
  });
  writeFileAtomic(join(plots, "fig3-accuracy.svg"), fig3);
  const trajectory = grownTrajectory(grown);
  const baselines = outcomes.filter((o) => o.run.kind !== "growth").map((o) => ({ name: o.run.kind === "fixed" ? `${o.run.label} (trained here)` : o.run.label, parameters: o.parameters, accuracy: o.accuracy.test }));
  const references = meta.dataset === "mnist" ? publishedReferences(config.model.inputSize) : [];
  if (trajectory.length > 0) {
    const fig4 = await accuracyVsParamsPlot({
      grown: { name: `grown network (${config.growth.strategy}), every growth step`, parameters: trajectory.map((p) => p.parameters), accuracy: trajectory.map((p) => p.accuracy) },
      baselines,
      references,
      title: `Fig. 4: ${title} test accuracy against parameter count`,
    });
    writeFileAtomic(join(plots, "fig4-accuracy-vs-parameters.svg"), fig4);
  }
  const summary = mnistSummaryMarkdown(outcomes, references, meta.splitSizes);
  const summaryPath = join(out, "summary.md");
  writeFileAtomic(summaryPath, `# ${title} experiment: summary\n\n${summary}`);
  const results = {
    dataset: meta.dataset,
    runs: outcomes.map((o) => ({ label: o.run.label, kind: o.run.kind, dir: o.run.dir, parameters: o.parameters, accuracy: o.accuracy, losses: o.losses, accounting: o.accounting })),
    grownTrajectory: trajectory,
    published: references,
  };
  writeFileAtomic(join(out, "results.json"), JSON.stringify(results, null, 2) + "\n");
  const reportPath = join(out, "report.md");
  writeFileAtomic(reportPath, mnistReportMarkdown(config, grown, summary, meta, trajectory.length > 0));
  return { report: reportPath, summary: summaryPath };
}

/** The summary table: every run trained here, then LeCun et al.'s published points. */
export function mnistSummaryMarkdown(outcomes: readonly MnistOutcome[], references: readonly { label: string; parameters: number; accuracy: number }[], sizes: readonly [number, number, number]): string {
  const right = { align: "right" as const };
  const columns = [
    { header: "network" },
    { header: "parameters", ...right },
    { header: "test accuracy", ...right },
    { header: "test error", ...right },
    { header: "train-gr accuracy", ...right },
    { header: "inter-train accuracy", ...right },
    { header: "search (s)", ...right },
    { header: "training (s)", ...right },
    { header: "wall total (s)", ...right },
    { header: "energy, search + training (Wh)", ...right },
    { header: "peak RSS (MB)", ...right },
  ];
  const rows = outcomes.map((o) => [
    o.run.label,
    o.parameters.toLocaleString("en-US"),
    pct(o.accuracy.test),
    pct(1 - o.accuracy.test),
    pct(o.accuracy["train-gr"]),
    pct(interTrainAccuracy(o.accuracy, sizes)),
    formatNumber(o.accounting.wallSeconds.search ?? 0),
    formatNumber(o.accounting.wallSeconds.training ?? 0),
    formatNumber(o.accounting.wallSeconds.total),
    formatNumber(energyOf(o.accounting)),
    o.accounting.peakRssMB.toFixed(0),
  ]);
  for (const r of references) rows.push([r.label, r.parameters.toLocaleString("en-US"), pct(r.accuracy), pct(1 - r.accuracy), "–", "–", "–", "–", "–", "–", "–"]);
  return markdownTable(columns, rows);
}

function mnistReportMarkdown(config: MnistConfig, grown: MnistOutcome, summary: string, meta: { kernels: string; splitSizes: [number, number, number]; dataset: string }, fig4: boolean): string {
  const t = config.training;
  const g = config.growth;
  const acc = grown.accounting;
  const title = meta.dataset === "mnist" ? "MNIST" : "Fashion-MNIST";
  const figures: [string, string][] = [[`Fig. 3: accuracy on inter-train, train-gr and test against epochs (dashed rules: growth steps)`, "plots/fig3-accuracy.svg"]];
  if (fig4) figures.push(["Fig. 4: test accuracy against parameter count (the grown network after every step, the baselines trained here, LeCun et al.'s published points)", "plots/fig4-accuracy-vs-parameters.svg"]);
  const lines = [
    `# ${title} experiment (Douka et al., Fig. 3 and 4)`,
    "",
    `A DAG grown from the empty graph with cross-entropy: ${g.steps} growth steps (strategy ${g.strategy}) of at most ${g.neuronsPerStep} ${config.model.activation} neurons, ` +
      `${t.epochsPerStep} epochs of SGD (lr ${t.lr}, momentum ${t.momentum}, batch ${t.batchSize}${t.weightDecay > 0 ? `, weight decay ${t.weightDecay}` : ""}) on inter-train after each. ` +
      `Training images split into train-opt / train-ls / train-gr of ${meta.splitSizes.join(" / ")}; inter-train = train-opt ∪ train-ls. Pixels scaled to [0, 1]${config.data.standardize ? " and standardised" : ""}. ` +
      `Baselines are trained with the same optimizer for the same ${t.initialEpochs + g.steps * t.epochsPerStep} epochs${config.baselines.widthScale < 1 ? ` (fixed MLPs with hidden widths scaled by ${config.baselines.widthScale})` : ""}; ` +
      "LeCun et al. (1998)'s published test errors of the same architectures are listed as reference points.",
    "",
    `Kernels: ${meta.kernels}.`,
    "",
    `Energy: ${acc.method === "rapl" ? "measured with Intel RAPL" : `the ${acc.model.source} power model (${acc.model.powerPerCoreW} W per core, PUE ${acc.model.pue})`}; the table counts the growth search and the training.`,
    "",
    "## Results",
    "",
    summary,
    "",
    ...figuresSection(figures),
    "## Grown DAG",
    "",
    `![grown DAG](grown/dag.svg)`,
    "",
    "Files: [log](grown/log.jsonl), [model](grown/model.json), [loss curves](grown/curves.svg), [results.json](results.json).",
  ];
  return lines.join("\n") + "\n";
}
