/**
 * The merged report of a sweep, read from its job folders (so it is the same however and
 * wherever the jobs ran, and a job counts once whatever its attempts were):
 *
 *   results.json      per grid cell × series: n, seeds, jobs, mean, std and values of every metric
 *   summary.md        one table of mean ± std over seeds per grid cell and series
 *   plots/pareto.svg  quality against cost (e.g. test loss against parameters) of every grid
 *                     cell's grown series, mean over seeds, with the Pareto front
 *   report.md         the above, the failed and missing jobs, links to every job's own report
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type * as vl from "vega-lite";
import { writeFileAtomic } from "../io/atomic.js";
import { renderVegaLite } from "../../io/plots.js";
import { formatMeanStd, markdownTable, meanStd } from "../../io/summary.js";
import { jobDir, jobState, type SweepManifest } from "./folder.js";
import { SWEEP_COMMANDS, type JobResults, type ResultRow } from "./results.js";

export interface CellResult {
  /** The grid point without the replicate axis. */
  point: Record<string, unknown>;
  series: string;
  grown: boolean;
  n: number;
  seeds: number[];
  jobs: string[];
  metrics: Record<string, { mean: number; std: number | null; values: number[] }>;
}

export interface MergedResults {
  sweepId: string;
  command: string;
  replicate: string;
  cells: CellResult[];
  /** Jobs without a finished study (never run, failed, or interrupted). */
  missing: { job: string; state: string; error?: string }[];
}

/** Reads every finished job and groups its rows by grid cell and series. */
export function mergeResults(dir: string, manifest: SweepManifest, errors: ReadonlyMap<string, string> = new Map()): MergedResults {
  const reader = SWEEP_COMMANDS[manifest.spec.command] as JobResults;
  const groups = new Map<string, { cell: CellResult; rows: { job: string; row: ResultRow }[] }>();
  const missing: MergedResults["missing"] = [];
  for (const job of manifest.jobs) {
    const d = jobDir(dir, job.id);
    const state = jobState(d);
    if (state !== "done") {
      missing.push({ job: job.id, state: errors.has(job.id) ? "failed" : state === "new" ? "not run" : "interrupted", ...(errors.has(job.id) ? { error: errors.get(job.id) } : {}) });
      continue;
    }
    for (const row of reader.read(d)) {
      const key = `${job.cell}\u0000${row.series}`;
      let g = groups.get(key);
      if (g === undefined) {
        g = { cell: { point: JSON.parse(job.cell) as Record<string, unknown>, series: row.series, grown: row.grown, n: 0, seeds: [], jobs: [], metrics: {} }, rows: [] };
        groups.set(key, g);
      }
      g.rows.push({ job: job.id, row });
    }
  }
  const cells = [...groups.values()].map(({ cell, rows }) => {
    cell.n = rows.length;
    cell.seeds = rows.map((r) => r.row.seed);
    cell.jobs = [...new Set(rows.map((r) => r.job))];
    for (const m of reader.metrics) {
      const values = rows.map((r) => r.row.metrics[m.key]);
      const s = meanStd(values, `${cell.series}: ${m.key}`);
      cell.metrics[m.key] = { mean: s.mean, std: s.std, values };
    }
    return cell;
  });
  return { sweepId: manifest.sweepId, command: manifest.spec.command, replicate: reader.replicate, cells, missing };
}

const describePoint = (point: Record<string, unknown>): string =>
  Object.entries(point)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
    .join(" ") || "(all)";

/**
 * A grid point's label on the plot: as describePoint, but a file given as a value (a `--config`
 * grid) shows as its name without folder and extension, so the labels of a config grid stay
 * short and tell the cells apart ("config=penalized-1e-5", not the whole path).
 */
export function plotLabel(point: Record<string, unknown>): string {
  const short = (v: unknown): unknown => (typeof v === "string" && v.includes("/") ? v.slice(v.lastIndexOf("/") + 1).replace(/\.[^./]+$/, "") : v);
  return describePoint(Object.fromEntries(Object.entries(point).map(([k, v]) => [k, Array.isArray(v) ? v.map(short) : short(v)])));
}

/** The summary table: one row per grid cell × series. */
export function summaryTable(merged: MergedResults): string {
  const reader = SWEEP_COMMANDS[merged.command] as JobResults;
  const axes = [...new Set(merged.cells.flatMap((c) => Object.keys(c.point)))];
  const right = { align: "right" as const };
  const columns = [...axes.map((a) => ({ header: a })), { header: "series" }, { header: "runs", ...right }, ...reader.metrics.map((m) => ({ header: m.header, ...right }))];
  const rows = merged.cells.map((c) => [
    ...axes.map((a) => (c.point[a] === undefined ? "" : Array.isArray(c.point[a]) ? (c.point[a] as unknown[]).join(",") : String(c.point[a]))),
    c.series,
    String(c.n),
    ...reader.metrics.map((m) => formatMeanStd(c.metrics[m.key].values)),
  ]);
  return markdownTable(columns, rows);
}

/** Indices of the points no other point beats on both axes (lower x; y in its own sense). */
export function paretoFront(points: readonly { x: number; y: number }[], yBetter: "lower" | "higher"): number[] {
  const better = (a: number, b: number) => (yBetter === "lower" ? a <= b : a >= b);
  const strictly = (a: number, b: number) => (yBetter === "lower" ? a < b : a > b);
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => !points.some((q, j) => j !== i && q.x <= p.x && better(q.y, p.y) && (q.x < p.x || strictly(q.y, p.y))))
    .map(({ i }) => i)
    .sort((a, b) => points[a].x - points[b].x);
}

async function paretoPlot(merged: MergedResults): Promise<string | null> {
  const reader = SWEEP_COMMANDS[merged.command] as JobResults;
  const { x, y } = reader.pareto;
  const grown = merged.cells.filter((c) => c.grown);
  if (grown.length === 0) return null;
  const mx = reader.metrics.find((m) => m.key === x);
  const my = reader.metrics.find((m) => m.key === y);
  if (mx === undefined || my === undefined) return null;
  const rows = grown.map((c) => ({ x: c.metrics[x].mean, y: c.metrics[y].mean, series: c.series, label: plotLabel(c.point), front: false }));
  for (const i of paretoFront(rows, my.better)) rows[i].front = true;
  const front = rows.filter((r) => r.front).sort((a, b) => a.x - b.x);
  const logX = rows.every((r) => r.x > 0) && Math.max(...rows.map((r) => r.x)) > 10 * Math.min(...rows.map((r) => r.x));
  const ex = { field: "x", type: "quantitative", title: `${mx.header} (mean over seeds${logX ? ", log scale" : ""})`, scale: logX ? { type: "log" } : { zero: false } };
  const ey = { field: "y", type: "quantitative", title: `${my.header} (mean over seeds)`, scale: { zero: false } };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Sweep: ${my.header} against ${mx.header} per grid cell (line: Pareto front)`,
    width: 560,
    height: 340,
    background: "white",
    layer: [
      { data: { values: front }, mark: { type: "line", color: "#888", strokeDash: [4, 3] }, encoding: { x: ex, y: ey, order: { field: "x", type: "quantitative" } } },
      { data: { values: rows }, mark: { type: "point", filled: true, size: 70 }, encoding: { x: ex, y: ey, color: { field: "series", type: "nominal", title: "series" }, shape: { field: "front", type: "nominal", title: "on the front" } } },
      { data: { values: rows }, mark: { type: "text", align: "left", dx: 7, dy: -6, fontSize: 9 }, encoding: { x: ex, y: ey, text: { field: "label" } } },
    ],
  };
  return renderVegaLite(spec as unknown as vl.TopLevelSpec);
}

/** Writes results.json, summary.md, plots/pareto.svg and report.md; returns the report's path. */
export async function writeSweepReport(dir: string, manifest: SweepManifest, errors: ReadonlyMap<string, string> = new Map()): Promise<{ report: string; merged: MergedResults }> {
  const merged = mergeResults(dir, manifest, errors);
  writeFileAtomic(join(dir, "results.json"), JSON.stringify(merged, null, 2) + "\n");
  const table = merged.cells.length > 0 ? summaryTable(merged) : "No job has finished yet.\n";
  writeFileAtomic(join(dir, "summary.md"), `# Sweep ${manifest.sweepId}: summary\n\nMean ± std over ${merged.replicate} per grid cell and series.\n\n${table}`);
  let figure = "";
  const svg = merged.cells.length > 0 ? await paretoPlot(merged) : null;
  if (svg !== null) {
    mkdirSync(join(dir, "plots"), { recursive: true });
    writeFileAtomic(join(dir, "plots", "pareto.svg"), svg);
    figure = "## Pareto plot\n\n![quality against cost per grid cell](plots/pareto.svg)\n\n";
  }
  const axes = Object.entries(manifest.spec.grid).map(([k, v]) => `\`${k}\` ∈ {${v.map((x) => JSON.stringify(x)).join(", ")}}`);
  const lines = [
    `# Sweep of \`tinygrow ${manifest.spec.command}\``,
    "",
    `${manifest.jobs.length} jobs: ${axes.join(" × ")}; shared options: \`${JSON.stringify(manifest.spec.options)}\`. tinygrow ${manifest.tinygrow}.`,
    "",
    `## Results (mean ± std over ${merged.replicate})`,
    "",
    table,
    figure,
    "## Jobs",
    "",
    markdownTable(
      [{ header: "job" }, { header: "state" }, { header: "report" }],
      manifest.jobs.map((j) => {
        const m = merged.missing.find((x) => x.job === j.id);
        return [j.id, m === undefined ? "done" : `${m.state}${m.error === undefined ? "" : `: ${m.error}`}`, m === undefined ? `[report](jobs/${j.id}/report.md)` : `[log](logs/${j.id}.log)`];
      }),
    ),
  ];
  const report = join(dir, "report.md");
  writeFileAtomic(report, lines.join("\n") + "\n");
  return { report, merged };
}

/** Means of the deterministic metrics per cell and series, for comparing two sweeps of one grid. */
export function deterministicView(merged: MergedResults): Record<string, Record<string, number[]>> {
  const reader = SWEEP_COMMANDS[merged.command] as JobResults;
  const det = reader.metrics.filter((m) => m.deterministic);
  return Object.fromEntries(merged.cells.map((c) => [`${describePoint(c.point)} ${c.series}`, Object.fromEntries(det.map((m) => [m.key, c.metrics[m.key].values]))]));
}
