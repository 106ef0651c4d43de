/**
 * Summary tables in markdown: mean ± standard deviation over seeds, numbers right-aligned
 * and rounded to a few significant digits. The standard deviation is the sample one (n − 1);
 * with a single run it is undefined and shown as "± –" (not "± 0", which would claim that
 * the runs agree).
 */
import { DataError } from "../errors.js";

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1); null when n = 1. */
  std: number | null;
  n: number;
}

/** Mean and sample standard deviation; `what` names the quantity in errors. */
export function meanStd(values: readonly number[], what = "values"): MeanStd {
  if (values.length === 0) throw new DataError("summary", `${what}: no values to average`);
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new DataError("summary", `${what}[${i}] is ${v}, expected a finite number`);
  });
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, std: null, n };
  const ss = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/**
 * Point-wise mean and sample std over runs of equal length (seeds × steps), e.g. the
 * loss curves of one strategy, for plots.ts. With one run the std is 0 (no band).
 */
export function meanStdAcross(runs: readonly (readonly number[])[], what = "runs"): { mean: number[]; std: number[] } {
  if (runs.length === 0) throw new DataError("summary", `${what}: no runs`);
  const len = runs[0].length;
  runs.forEach((r, k) => {
    if (r.length !== len) throw new DataError("summary", `${what}: run ${k} has ${r.length} values, run 0 has ${len}`);
  });
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < len; i++) {
    const m = meanStd(runs.map((r) => r[i]), `${what} at index ${i}`);
    mean.push(m.mean);
    std.push(m.std ?? 0);
  }
  return { mean, std };
}

/**
 * A number with `sig` significant digits: integers when the value has at least `sig`
 * integer digits (1479, not 1.48e+3), exponent notation below 1e-3 or from 1e9.
 */
export function formatNumber(x: number, sig = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e9) return x.toExponential(sig - 1);
  if (a >= 10 ** (sig - 1)) return String(Math.round(x));
  return x.toPrecision(sig);
}

/** "mean ± std": the mean to `sig` significant digits, the std to 2; "± –" when n = 1. */
export function formatMeanStd(values: readonly number[] | MeanStd, sig = 3, what?: string): string {
  const m = Array.isArray(values) ? meanStd(values, what) : (values as MeanStd);
  return `${formatNumber(m.mean, sig)} ± ${m.std === null ? "–" : formatNumber(m.std, 2)}`;
}

export interface TableColumn {
  header: string;
  /** Numbers are right-aligned; default "left". */
  align?: "left" | "right" | "center";
}

/** A markdown table, cells padded so that the raw text lines up too; "|" in cells is escaped. */
export function markdownTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  rows.forEach((r, i) => {
    if (r.length !== columns.length) throw new DataError("summary table", `row ${i} has ${r.length} cells, expected ${columns.length} (${columns.map((c) => c.header).join(", ")})`);
  });
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const cells = [columns.map((c) => esc(c.header)), ...rows.map((r) => r.map(esc))];
  const widths = columns.map((_, j) => Math.max(3, ...cells.map((r) => [...r[j]].length)));
  const pad = (s: string, j: number) => {
    const fill = " ".repeat(widths[j] - [...s].length);
    return columns[j].align === "right" ? fill + s : s + fill;
  };
  const rule = columns.map((c, j) => {
    const w = widths[j];
    if (c.align === "right") return "-".repeat(w - 1) + ":";
    if (c.align === "center") return ":" + "-".repeat(w - 2) + ":";
    return "-".repeat(w);
  });
  const line = (r: readonly string[]) => `| ${r.join(" | ")} |`;
  return [line(cells[0].map(pad)), line(rule), ...cells.slice(1).map((r) => line(r.map(pad)))].join("\n") + "\n";
}

/** One strategy's per-seed results (all arrays have one value per seed). */
export interface StrategyResult {
  strategy: string;
  finalTestLoss: number[];
  /** Final validation loss per seed, when the study has a validation split. */
  validationLoss?: number[];
  parameters: number[];
  searchSeconds: number[];
  trainingSeconds: number[];
  energyWh: number[];
}

/**
 * The comparison table of the teacher–student experiment: mean ± std over seeds of the
 * final test loss, parameters, search time, training time, energy and (when the oracle's
 * mean energy is given) energy / oracle energy, computed per seed.
 */
export function strategySummaryTable(results: readonly StrategyResult[], oracleEnergyWh?: number): string {
  if (oracleEnergyWh !== undefined && !(oracleEnergyWh > 0)) throw new DataError("summary", `oracle energy is ${oracleEnergyWh} Wh, expected > 0`);
  const withValidation = results.length > 0 && results.every((r) => r.validationLoss !== undefined);
  const columns: TableColumn[] = [
    { header: "strategy" },
    { header: "runs", align: "right" },
    ...(withValidation ? [{ header: "final validation loss", align: "right" as const }] : []),
    { header: "final test loss", align: "right" },
    { header: "parameters", align: "right" },
    { header: "search time (s)", align: "right" },
    { header: "training time (s)", align: "right" },
    { header: "energy (Wh)", align: "right" },
  ];
  if (oracleEnergyWh !== undefined) columns.push({ header: "energy / oracle", align: "right" });
  const rows = results.map((r) => {
    const f = (v: number[], what: string) => formatMeanStd(v, 3, `${r.strategy}: ${what}`);
    for (const key of ["parameters", "searchSeconds", "trainingSeconds", "energyWh"] as const) {
      if (r[key].length !== r.finalTestLoss.length) {
        throw new DataError("summary", `${r.strategy}: ${key} has ${r[key].length} values but finalTestLoss has ${r.finalTestLoss.length} (one per seed)`);
      }
    }
    const row = [
      r.strategy,
      String(r.finalTestLoss.length),
      ...(withValidation ? [f(r.validationLoss as number[], "validationLoss")] : []),
      f(r.finalTestLoss, "finalTestLoss"),
      f(r.parameters, "parameters"),
      f(r.searchSeconds, "searchSeconds"),
      f(r.trainingSeconds, "trainingSeconds"),
      f(r.energyWh, "energyWh"),
    ];
    if (oracleEnergyWh !== undefined) row.push(f(r.energyWh.map((e) => e / oracleEnergyWh), "energyWh / oracle"));
    return row;
  });
  return markdownTable(columns, rows);
}
