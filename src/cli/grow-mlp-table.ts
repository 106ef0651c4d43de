/**
 * The per-step table `tinygrow grow-mlp` prints: bottlenecks, the grown layer, γ, losses
 * (validation when the run has a validation split), widths and parameters.
 */
import type { GrowMlpRow } from "../growth/mlp-growth.js";
import type { MlpGrowthStepResult } from "../growth/mlp-growth-step.js";

export const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : "–");
const fmtSci = (v: number) => (v === 0 ? "0" : v.toExponential(2));

/** Table columns for `hidden` hidden layers. */
export function growMlpHeader(hidden: number, classification: boolean, validation = false): string[] {
  const bn = Array.from({ length: hidden }, (_, h) => `bn h${h + 1}`);
  const val = validation ? ["val", ...(classification ? ["val acc"] : [])] : [];
  return ["step", ...bn, "layer", "+k", "γ", "ls before", "ls after", "train", ...val, "test", ...(classification ? ["acc"] : []), "widths", "params"];
}

/** One table row (cells) for a GrowMlpRow. */
export function growMlpCells(row: GrowMlpRow, classification: boolean): string[] {
  const g: MlpGrowthStepResult | null = row.growth;
  const hidden = row.sizes.length - 2;
  const bn = Array.from({ length: hidden }, (_, h) => {
    const c = g?.candidates[h];
    return c === undefined ? "–" : c.eligible ? fmtSci(c.bottleneck) : "n/a";
  });
  const pct = (e: { accuracy?: number }) => (e.accuracy === undefined ? "–" : (100 * e.accuracy).toFixed(2) + "%");
  const acc = classification ? [pct(row.test)] : [];
  const v = row.validation;
  const val = v === undefined ? [] : [fmt(v.loss), ...(classification ? [pct(v)] : [])];
  return [
    String(row.step),
    ...bn,
    g === null || g.chosen < 0 ? "–" : `h${g.chosen + 1}`,
    g === null ? "–" : String(g.added),
    g === null ? "–" : fmtSci(g.gamma),
    g === null ? "–" : fmt(g.lossBefore),
    g === null ? "–" : fmt(g.lossAfter),
    fmt(row.train.loss),
    ...val,
    fmt(row.test.loss),
    ...acc,
    row.sizes.join("-"),
    String(row.parameters),
  ];
}

export function padRow(cells: string[], widths: number[]): string {
  return cells.map((c, j) => c.padStart(widths[j])).join("  ");
}
