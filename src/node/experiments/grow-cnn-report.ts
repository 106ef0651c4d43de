/**
 * The grow-cnn report from the run folder's log: a table of every unit (validation and test
 * accuracy, parameters, widths), the comparison the issue asks for (grown vs the best fixed
 * baseline *chosen on validation*), the growth steps, and two plots: test accuracy against
 * epochs with the growth steps marked, and test accuracy against parameter count (every growth
 * step, every baseline width, the FS retrain).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GrowCnnConfig } from "../../experiments/grow-cnn-config.js";
import { accuracyCurvePlot, accuracyVsParamsPlot } from "../../io/plots.js";
import { readJsonl } from "../io/results.js";
import { GROW_CNN_LOG, studyUnits, type EpochRecord, type GrowthRecord } from "./grow-cnn.js";

export interface UnitSummary {
  name: string;
  validationAccuracy: number;
  testAccuracy: number;
  parameters: number;
  widths: number[];
  epochs: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** A pair's score; "–" when it had no channel (−∞, stored as null in the JSON log). */
const scoreText = (x: number | null): string => (x === null || !Number.isFinite(x) ? "–" : x.toPrecision(3));

export async function writeGrowCnnReport(dir: string, config: GrowCnnConfig): Promise<{ report: string; summary: string; units: UnitSummary[] }> {
  const records = readJsonl<EpochRecord | GrowthRecord>(join(dir, GROW_CNN_LOG)).records;
  const epochs = records.filter((r): r is EpochRecord => r.type === "epoch");
  const growth = records.filter((r): r is GrowthRecord => r.type === "growth");
  const units: UnitSummary[] = [];
  for (const u of studyUnits(config)) {
    const mine = epochs.filter((e) => e.unit === u.name);
    if (mine.length === 0) continue;
    const last = mine[mine.length - 1];
    units.push({ name: u.name, validationAccuracy: last.validationAccuracy, testAccuracy: last.testAccuracy, parameters: last.parameters, widths: last.widths, epochs: last.epoch });
  }
  const grown = units.find((u) => u.name === "grown");
  const baselines = units.filter((u) => u.name.startsWith("fixed"));
  const best = baselines.reduce<UnitSummary | null>((b, u) => (b === null || u.validationAccuracy > b.validationAccuracy ? u : b), null);
  const lines = [`# grow-cnn: ${config.dataset}`, "", `Significance of new channels: ${config.growth.significance}${config.growth.significance === "sign-flip" ? ` (p = ${config.growth.significanceLevel}, ${config.growth.significanceFlips} sign flips; docs/significance.md)` : ` (τ_stat = ${config.growth.statisticalThreshold})`}.`, "", `Settings: ${JSON.stringify(config)}`, "", "| network | widths | parameters | epochs | validation accuracy | test accuracy |", "|---|---|---:|---:|---:|---:|"];
  for (const u of units) lines.push(`| ${u.name} | ${u.widths.join("-")} | ${u.parameters} | ${u.epochs} | ${pct(u.validationAccuracy)} | ${pct(u.testAccuracy)} |`);
  let summary = grown ? `grown ${grown.widths.join("-")}: test ${pct(grown.testAccuracy)} with ${grown.parameters} parameters` : "no grown network yet";
  if (grown && best) {
    const gap = 100 * (best.testAccuracy - grown.testAccuracy);
    const ratio = grown.parameters / best.parameters;
    const verdict = `best fixed baseline on validation: ${best.name} (test ${pct(best.testAccuracy)}, ${best.parameters} parameters); grown − best = ${(-gap).toFixed(2)} points with ${(100 * ratio).toFixed(0)}% of its parameters`;
    lines.push("", verdict);
    summary += `; ${verdict}`;
  }
  lines.push("", "## Growth steps", "", "| step | after epoch | grown (block → consumer: +channels, γ, line-search loss) | scores (block: D·[δW] + (Σs²)²/Q) | channels the rule keeps (block: count, τ, s₁) | widths | search (s) |", "|---:|---:|---|---|---|---|---:|");
  for (const g of growth) {
    const grownText = g.result.applied.map((a) => `${a.candidate.block} → ${a.candidate.consumer}: +${a.candidate.k}, γ ${a.gamma.toPrecision(3)}, ${a.lossBefore.toFixed(4)} → ${a.lossAfter.toFixed(4)}`).join("; ") || "none";
    lines.push(`| ${g.step} | ${g.epoch} | ${grownText} | ${g.result.candidates.map((x) => `${x.block}: ${scoreText(x.score)}`).join(", ")} | ${g.result.candidates.map((c) => (c.edge === undefined ? `${c.block}: –` : `${c.block}: ${c.significant}, ${c.edge === null ? "∞" : c.edge.toPrecision(3)}, ${(c.topSingularValues[0] ?? 0).toPrecision(3)}`)).join("; ")} | ${g.result.widths.join("-")} | ${g.searchSeconds.toFixed(1)} |`);
  }
  const grownEpochs = epochs.filter((e) => e.unit === "grown");
  if (grownEpochs.length > 0) {
    const series = [
      { name: "grown: validation", accuracy: grownEpochs.map((e) => e.validationAccuracy) },
      { name: "grown: test", accuracy: grownEpochs.map((e) => e.testAccuracy) },
    ];
    for (const u of units.filter((x) => x.name !== "grown")) {
      const e = epochs.filter((r) => r.unit === u.name);
      if (e.length === grownEpochs.length) series.push({ name: `${u.name}: test`, accuracy: e.map((r) => r.testAccuracy) });
    }
    const svg = await accuracyCurvePlot({ epochs: grownEpochs.map((e) => e.epoch), series, growthEpochs: growth.map((g) => g.epoch), title: `${config.dataset}: accuracy against epochs (dashed: growth steps)` });
    writeFileSync(join(dir, "accuracy-epochs.svg"), svg);
    const afterStep = grownEpochs.filter((e, i) => i === grownEpochs.length - 1 || e.parameters !== grownEpochs[i + 1].parameters);
    const pareto = await accuracyVsParamsPlot({
      grown: { name: "grown (end of each step's training)", parameters: afterStep.map((e) => e.parameters), accuracy: afterStep.map((e) => e.testAccuracy) },
      baselines: units.filter((u) => u.name !== "grown").map((u) => ({ name: u.name, parameters: u.parameters, accuracy: u.testAccuracy })),
      title: `${config.dataset}: test accuracy against parameters`,
    });
    writeFileSync(join(dir, "accuracy-parameters.svg"), pareto);
    lines.push("", "![accuracy against epochs](accuracy-epochs.svg)", "", "![accuracy against parameters](accuracy-parameters.svg)");
  }
  const report = join(dir, "report.md");
  writeFileSync(report, lines.join("\n") + "\n");
  return { report, summary, units };
}
