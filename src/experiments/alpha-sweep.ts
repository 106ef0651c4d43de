/**
 * The α sweep of strategy "penalized" in a teacher–student study (`compare --alphas`): the
 * Pareto plot (final parameters against final test loss, one point per series: every strategy,
 * every α, the oracle) and the table from which α is chosen — on the validation split only.
 *
 * The rule (fixed before looking at any number, and the one the README's default follows):
 * the target of issue 9 is "at most half the parameters of `restricted` at a mean test MSE at
 * most 1.1 × restricted's"; on validation that reads: among the α whose mean final validation
 * loss is ≤ 1.1 × restricted's mean final validation loss, the largest (the smallest
 * networks). Without a restricted series, or when no α qualifies, no α is chosen.
 */
import { markdownTable, meanStd } from "../io/summary.js";
import type { ParetoPoint } from "../io/plot-specs.js";

/** What the sweep reads of one finished run (node/experiments/report.ts `SweepOutcome` has it). */
export interface SweepOutcome {
  run: { kind: string; label: string; alpha?: number };
  parameters: number;
  finalTestLoss: number;
  /** NaN when the study has no validation split. */
  finalValidationLoss: number;
}

export const SWEEP_GROUP = "penalized (α sweep)";

/** One series of the sweep table: means over seeds. */
export interface SweepRow {
  label: string;
  alpha: number | null;
  parameters: number;
  validationLoss: number;
  testLoss: number;
  seeds: number;
}

function mean(values: readonly number[], what: string): number {
  return meanStd(values, what).mean;
}

/** Mean parameters / validation / test loss per growth series and for the oracle. */
export function sweepRows(outcomes: readonly SweepOutcome[]): SweepRow[] {
  const groups = new Map<string, SweepOutcome[]>();
  for (const o of outcomes) if (o.run.kind !== "retrain") groups.set(o.run.label, [...(groups.get(o.run.label) ?? []), o]);
  return [...groups].map(([label, runs]) => ({
    label,
    alpha: runs[0].run.alpha ?? null,
    parameters: mean(runs.map((r) => r.parameters), `${label}: parameters`),
    validationLoss: runs.every((r) => Number.isFinite(r.finalValidationLoss)) ? mean(runs.map((r) => r.finalValidationLoss), `${label}: validation loss`) : NaN,
    testLoss: mean(runs.map((r) => r.finalTestLoss), `${label}: test loss`),
    seeds: runs.length,
  }));
}

/** The α chosen by the rule of the file comment, or null (with the reason). */
export function chooseAlpha(rows: readonly SweepRow[]): { alpha: number | null; reason: string } {
  const restricted = rows.find((r) => r.label === "restricted" && r.alpha === null);
  if (restricted === undefined) return { alpha: null, reason: "no restricted series in the study (the rule compares with it)" };
  if (!Number.isFinite(restricted.validationLoss)) return { alpha: null, reason: "the study has no validation split (data.validationSamples = 0)" };
  const limit = 1.1 * restricted.validationLoss;
  const ok = rows.filter((r) => r.alpha !== null && r.validationLoss <= limit);
  if (ok.length === 0) return { alpha: null, reason: `no α reaches a mean validation loss ≤ 1.1 × restricted's (${limit.toPrecision(4)})` };
  const best = ok.reduce((a, b) => ((b.alpha as number) > (a.alpha as number) ? b : a));
  return { alpha: best.alpha, reason: `the largest α with mean validation loss ≤ 1.1 × restricted's (${best.validationLoss.toPrecision(4)} ≤ ${limit.toPrecision(4)})` };
}

/** The Pareto plot's points: strategies, the α sweep, the oracle. */
export function paretoPoints(rows: readonly SweepRow[]): ParetoPoint[] {
  return rows.map((r) => ({
    name: r.alpha === null ? r.label : `α=${r.alpha}`,
    group: r.alpha !== null ? SWEEP_GROUP : r.label === "oracle" ? "oracle (teacher architecture)" : "strategies",
    parameters: r.parameters,
    loss: r.testLoss,
  }));
}

/** The markdown section: the table, the chosen α and how it compares with restricted on test. */
export function sweepMarkdown(rows: readonly SweepRow[]): string {
  const right = { align: "right" as const };
  const restricted = rows.find((r) => r.label === "restricted" && r.alpha === null);
  const table = markdownTable(
    [{ header: "series" }, { header: "seeds", ...right }, { header: "parameters", ...right }, { header: "validation loss", ...right }, { header: "test loss", ...right }, { header: "params / restricted", ...right }, { header: "test loss / restricted", ...right }],
    rows.map((r) => [
      r.label,
      String(r.seeds),
      r.parameters.toFixed(0),
      Number.isFinite(r.validationLoss) ? r.validationLoss.toPrecision(4) : "–",
      r.testLoss.toPrecision(4),
      restricted ? (r.parameters / restricted.parameters).toFixed(3) : "–",
      restricted ? (r.testLoss / restricted.testLoss).toFixed(3) : "–",
    ]),
  );
  const choice = chooseAlpha(rows);
  const chosen = choice.alpha === null ? `No α chosen: ${choice.reason}.` : `α chosen on validation: **${choice.alpha}** — ${choice.reason}.`;
  return ["## α sweep of strategy penalized (L_gr + α·k), means over seeds\n", table, "", chosen, "", "The test columns are reported, not used to choose."].join("\n");
}
