/**
 * The Vega-Lite specs of the paper's figures, shared by the reports (io/plots.ts renders them
 * to SVG headless) and the web viewer (vega-embed renders the same specs in the page).
 * Platform-free. Each function takes plain numbers, checks them (empty or non-finite data is
 * a DataError naming the plot, the series and the index) and returns the spec.
 */
import type * as vl from "vega-lite";
import { DataError } from "../errors.js";

type Row = Record<string, string | number>;

/** One strategy's curve: mean over seeds at each x, and the standard deviation (band). */
export interface MeanStdSeries {
  name: string;
  x: number[];
  mean: number[];
  /** Standard deviation over seeds at each x; omit for no band. */
  std?: number[];
}

export interface XYSeries {
  name: string;
  x: number[];
  y: number[];
}

const WIDTH = 560;
const HEIGHT = 340;
export const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#eeca3b"];

function check(plot: string, series: string, field: string, values: readonly number[], length?: number, positive = false): void {
  const where = `plot "${plot}"`;
  if (values.length === 0) throw new DataError(where, `series "${series}": ${field} is empty`);
  if (length !== undefined && values.length !== length) {
    throw new DataError(where, `series "${series}": ${field} has ${values.length} values, expected ${length} (one per x)`);
  }
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new DataError(where, `series "${series}": ${field}[${i}] is ${v}, expected a finite number`);
    if (positive && v <= 0) throw new DataError(where, `series "${series}": ${field}[${i}] is ${v}, expected > 0 on a log axis`);
  });
}

function checkNames(plot: string, names: readonly string[]): void {
  if (names.length === 0) throw new DataError(`plot "${plot}"`, "no series to draw");
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new DataError(`plot "${plot}"`, `series "${dup}" appears twice`);
}

function base(title: string): Pick<vl.TopLevelSpec, "title" | "config" | "$schema"> & { width: number; height: number; background: string } {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    background: "white",
    config: { legend: { labelLimit: 320, orient: "right" }, axis: { grid: true, gridOpacity: 0.4 }, title: { fontSize: 15 } },
  };
}

function growthRules(epochs: readonly number[] | undefined): object[] {
  if (!epochs || epochs.length === 0) return [];
  return [
    {
      data: { values: epochs.map((epoch) => ({ epoch })) },
      mark: { type: "rule", color: "#888", strokeDash: [4, 4], strokeWidth: 1 },
      encoding: { x: { field: "epoch", type: "quantitative" } },
    },
  ];
}

/**
 * Fig. 5a: test loss against epochs, one mean line per strategy with a ±std band over seeds
 * and optional vertical rules at growth steps. On a log axis (default) the band's lower edge
 * is clamped to 1% of the mean, since a band reaching zero cannot be drawn there.
 */
export interface LossCurveInput {
  series: MeanStdSeries[];
  growthEpochs?: number[];
  logY?: boolean;
  title?: string;
  yLabel?: string;
  /** Title of the x axis (default "epoch": the viewer draws the same spec against growth step or parameters). */
  xLabel?: string;
  /** Title of the legend (default "strategy"). */
  legendTitle?: string;
  /** A solid vertical rule at this x (the viewer's current step). */
  marker?: number;
  /** Plot size in pixels (default 560 × 340). */
  size?: { width: number; height: number };
}

export function lossCurveSpec(input: LossCurveInput): vl.TopLevelSpec {
  const title = input.title ?? "Test loss against epochs (mean ± std over seeds)";
  const logY = input.logY ?? true;
  checkNames(title, input.series.map((s) => s.name));
  const rows: Row[] = [];
  for (const s of input.series) {
    check(title, s.name, "x", s.x);
    check(title, s.name, "mean", s.mean, s.x.length, logY);
    if (s.std) check(title, s.name, "std", s.std, s.x.length);
    s.x.forEach((x, i) => {
      const sd = s.std ? Math.abs(s.std[i]) : 0;
      const lo = s.mean[i] - sd;
      rows.push({ strategy: s.name, epoch: x, mean: s.mean[i], lo: logY ? Math.max(lo, s.mean[i] * 0.01) : lo, hi: s.mean[i] + sd });
    });
  }
  const x = { field: "epoch", type: "quantitative", title: input.xLabel ?? "epoch" } as const;
  const legend = { symbolType: "stroke", symbolStrokeWidth: 3, symbolOpacity: 1 };
  const color = { field: "strategy", type: "nominal", title: input.legendTitle ?? "strategy", legend, scale: { domain: input.series.map((s) => s.name), range: PALETTE } };
  const yScale = logY ? { type: "log" } : { zero: false };
  const hasBand = input.series.some((s) => s.std?.some((v) => v !== 0));
  const marker = input.marker === undefined ? [] : [{ data: { values: [{ epoch: input.marker }] }, mark: { type: "rule", color: "#d62728", strokeWidth: 1.5 }, encoding: { x: { field: "epoch", type: "quantitative" } } }];
  const spec = {
    ...base(title),
    ...(input.size ?? {}),
    layer: [
      // The band only where some series has a spread: a zero-height area layer still costs vega a
      // full compile and render pass (about half of a single-run chart's first draw in the viewer).
      ...(hasBand ? [{ data: { values: rows }, mark: { type: "area", opacity: 0.2 }, encoding: { x, y: { field: "lo", type: "quantitative", scale: yScale }, y2: { field: "hi" }, color } }] : []),
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y: { field: "mean", type: "quantitative", title: input.yLabel ?? "test loss (MSE)", scale: yScale }, color },
      },
      ...growthRules(input.growthEpochs),
      ...marker,
    ],
  };
  return spec as vl.TopLevelSpec;
}

/**
 * Fig. 5b: cumulative energy (Wh) against test loss, one line per strategy following the
 * run's order, plus the oracle (the teacher's architecture trained from scratch) in black.
 */
export function energyLossSpec(input: { series: { name: string; loss: number[]; energyWh: number[] }[]; oracle: { name?: string; loss: number[]; energyWh: number[] }; logX?: boolean; title?: string }): vl.TopLevelSpec {
  const title = input.title ?? "Cumulative energy against test loss";
  const logX = input.logX ?? true;
  const oracleName = input.oracle.name ?? "oracle (teacher architecture)";
  const all = [...input.series, { ...input.oracle, name: oracleName }];
  checkNames(title, all.map((s) => s.name));
  const rows: Row[] = [];
  for (const s of all) {
    check(title, s.name, "loss", s.loss, undefined, logX);
    check(title, s.name, "energyWh", s.energyWh, s.loss.length);
    s.loss.forEach((loss, i) => rows.push({ strategy: s.name, order: i, loss, energy: s.energyWh[i], oracle: s.name === oracleName ? "yes" : "no" }));
  }
  const domain = all.map((s) => s.name);
  const range = [...input.series.map((_, i) => PALETTE[i % PALETTE.length]), "#000000"];
  const spec = {
    ...base(title),
    data: { values: rows },
    mark: { type: "line", strokeWidth: 2, point: { size: 18 } },
    encoding: {
      x: { field: "loss", type: "quantitative", title: "test loss (MSE)", scale: logX ? { type: "log" } : { zero: false } },
      y: { field: "energy", type: "quantitative", title: "cumulative energy (Wh)" },
      order: { field: "order", type: "quantitative" },
      color: { field: "strategy", type: "nominal", title: "strategy", scale: { domain, range } },
      strokeDash: { field: "oracle", type: "nominal", scale: { domain: ["no", "yes"], range: [[1, 0], [6, 3]] }, legend: null },
    },
  };
  return spec as vl.TopLevelSpec;
}

/** Final parameter count per strategy: bars at the mean, error bars at ±std. */
export function parameterBarSpec(input: { bars: { name: string; mean: number; std?: number }[]; title?: string }): vl.TopLevelSpec {
  const title = input.title ?? "Final parameter count per strategy (mean ± std)";
  checkNames(title, input.bars.map((b) => b.name));
  const rows: Row[] = input.bars.map((b) => {
    check(title, b.name, "mean", [b.mean]);
    check(title, b.name, "std", [b.std ?? 0]);
    const sd = Math.abs(b.std ?? 0);
    return { strategy: b.name, mean: b.mean, lo: Math.max(0, b.mean - sd), hi: b.mean + sd };
  });
  // labelExpr splits long names over several lines instead of truncating them.
  const axis = { labelAngle: 0, labelLimit: 0, labelExpr: "length(datum.label) > 16 ? split(datum.label, ' ') : datum.label" };
  const x = { field: "strategy", type: "nominal", title: "strategy", sort: null, axis };
  const spec = {
    ...base(title),
    data: { values: rows },
    layer: [
      {
        mark: { type: "bar", width: { band: 0.6 } },
        encoding: { x, y: { field: "mean", type: "quantitative", title: "parameters (count)" }, color: { field: "strategy", type: "nominal", scale: { domain: rows.map((r) => r.strategy), range: PALETTE }, legend: null } },
      },
      { mark: { type: "rule", strokeWidth: 1.5 }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } },
      { mark: { type: "tick", thickness: 1.5, size: 14, color: "black" }, encoding: { x, y: { field: "hi", type: "quantitative" } } },
      { mark: { type: "tick", thickness: 1.5, size: 14, color: "black" }, encoding: { x, y: { field: "lo", type: "quantitative" } } },
      { mark: { type: "text", dy: -10, fontSize: 11 }, encoding: { x, y: { field: "hi", type: "quantitative" }, text: { field: "mean", type: "quantitative", format: ",.0f" } } },
    ],
  };
  return spec as vl.TopLevelSpec;
}

/**
 * Fig. 3 (MNIST): accuracy on inter-train, train-gr and test (fractions in [0, 1]) against
 * epochs; growth steps are marked by dashed vertical rules.
 */
export function accuracyCurveSpec(input: { epochs: number[]; series: { name: string; accuracy: number[] }[]; growthEpochs?: number[]; title?: string }): vl.TopLevelSpec {
  const title = input.title ?? "MNIST accuracy during growth";
  checkNames(title, input.series.map((s) => s.name));
  const rows: Row[] = [];
  for (const s of input.series) {
    check(title, s.name, "epochs", input.epochs);
    check(title, s.name, "accuracy", s.accuracy, input.epochs.length);
    s.accuracy.forEach((a, i) => {
      if (a < 0 || a > 1) throw new DataError(`plot "${title}"`, `series "${s.name}": accuracy[${i}] is ${a}, expected a fraction in [0, 1]`);
      rows.push({ split: s.name, epoch: input.epochs[i], accuracy: a });
    });
  }
  const spec = {
    ...base(title),
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x: { field: "epoch", type: "quantitative", title: "epoch" },
          y: { field: "accuracy", type: "quantitative", title: "accuracy (%)", axis: { format: ".0%" }, scale: { zero: false } },
          color: { field: "split", type: "nominal", title: "split", scale: { domain: input.series.map((s) => s.name), range: PALETTE } },
        },
      },
      ...growthRules(input.growthEpochs),
    ],
  };
  return spec as vl.TopLevelSpec;
}

/**
 * Fig. 4 (MNIST): test accuracy (fraction) against parameter count on a log axis: a line
 * through the grown network's steps, baseline points, and labelled published reference points.
 */
export function accuracyVsParamsSpec(input: {
  grown: { name?: string; parameters: number[]; accuracy: number[] };
  baselines?: { name: string; parameters: number; accuracy: number }[];
  references?: { label: string; parameters: number; accuracy: number }[];
  title?: string;
}): vl.TopLevelSpec {
  const title = input.title ?? "MNIST test accuracy against parameter count";
  const grownName = input.grown.name ?? "grown network (this run)";
  check(title, grownName, "parameters", input.grown.parameters, undefined, true);
  check(title, grownName, "accuracy", input.grown.accuracy, input.grown.parameters.length);
  const rows: Row[] = input.grown.parameters.map((p, i) => ({ group: grownName, label: "", order: i, parameters: p, accuracy: input.grown.accuracy[i] }));
  const points = [
    ...(input.baselines ?? []).map((b) => ({ ...b, label: b.name, group: "baselines (trained here)" })),
    ...(input.references ?? []).map((r) => ({ ...r, group: "published (LeCun et al. 1998)" })),
  ];
  for (const p of points) {
    check(title, p.label, "parameters", [p.parameters], undefined, true);
    check(title, p.label, "accuracy", [p.accuracy]);
    rows.push({ group: p.group, label: p.label, order: 0, parameters: p.parameters, accuracy: p.accuracy });
  }
  const all = rows.map((r) => r.parameters as number);
  // Pad the log axis so that labels next to the extreme points stay inside the plot.
  const domain = [Math.min(...all) / 1.5, Math.max(...all) * 6];
  const x = { field: "parameters", type: "quantitative", title: "parameters (count, log scale)", scale: { type: "log", domain } };
  const y = { field: "accuracy", type: "quantitative", title: "test accuracy (%)", axis: { format: ".1%" }, scale: { zero: false } };
  const groups = [grownName, ...new Set(points.map((p) => p.group))];
  const color = { field: "group", type: "nominal", title: null, scale: { domain: groups, range: PALETTE } };
  const shape = { field: "group", type: "nominal", title: null, scale: { domain: groups, range: ["circle", "diamond", "square"] } };
  const isGrown = { field: "group", equal: grownName };
  // Labels alternate above and below their points, so that neighbours overlap less.
  const label = (parity: number, dy: number) => ({
    transform: [{ filter: { not: isGrown } }, { window: [{ op: "row_number", as: "k" }] }, { filter: `datum.k % 2 == ${parity}` }],
    mark: { type: "text", align: "left", dx: 7, dy, fontSize: 10 },
    encoding: { x, y, text: { field: "label" } },
  });
  const spec = {
    ...base(title),
    data: { values: rows },
    layer: [
      { transform: [{ filter: isGrown }], mark: { type: "line", strokeWidth: 2 }, encoding: { x, y, color, order: { field: "order", type: "quantitative" } } },
      { mark: { type: "point", filled: true, size: 60, opacity: 1 }, encoding: { x, y, color, shape } },
      label(1, -7),
      label(0, 12),
    ],
  };
  return spec as vl.TopLevelSpec;
}

/** One point of a Pareto plot: a series' mean final parameter count and loss over seeds. */
export interface ParetoPoint {
  /** Point label (e.g. "restricted", "α=1e-6"). */
  name: string;
  /** Legend group (e.g. "strategies", "penalized (α sweep)", "oracle"). */
  group: string;
  parameters: number;
  loss: number;
}

/**
 * Final parameters (log x) against final loss (log y), one labelled point per series; the
 * points of the α sweep joined in α order, and the Pareto front (the points no other point
 * beats on both axes) drawn as a dashed step line.
 */
export function paretoSpec(input: { points: ParetoPoint[]; sweepGroup?: string; title?: string; yLabel?: string }): vl.TopLevelSpec {
  const title = input.title ?? "Pareto front: final parameters against final test loss (means over seeds)";
  checkNames(title, input.points.map((p) => `${p.group}: ${p.name}`));
  for (const p of input.points) {
    check(title, p.name, "parameters", [p.parameters], undefined, true);
    check(title, p.name, "loss", [p.loss], undefined, true);
  }
  const rows: Row[] = input.points.map((p, i) => ({ ...p, order: i }));
  const sorted = [...input.points].sort((a, b) => a.parameters - b.parameters || a.loss - b.loss);
  const front: Row[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.loss < best) {
      front.push({ parameters: p.parameters, loss: p.loss, order: front.length });
      best = p.loss;
    }
  }
  const all = input.points.map((p) => p.parameters);
  const x = { field: "parameters", type: "quantitative", title: "final parameters (count, log scale)", scale: { type: "log", domain: [Math.min(...all) / 1.5, Math.max(...all) * 3] } };
  const y = { field: "loss", type: "quantitative", title: input.yLabel ?? "final test loss (MSE, log scale)", scale: { type: "log" } };
  const groups = [...new Set(input.points.map((p) => p.group))];
  const color = { field: "group", type: "nominal", title: null, scale: { domain: groups, range: PALETTE } };
  const sweep = input.sweepGroup;
  const spec = {
    ...base(title),
    layer: [
      { data: { values: front }, mark: { type: "line", interpolate: "step-after", strokeDash: [5, 4], color: "#888" }, encoding: { x, y, order: { field: "order", type: "quantitative" } } },
      ...(sweep === undefined ? [] : [{ data: { values: rows }, transform: [{ filter: { field: "group", equal: sweep } }], mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color, order: { field: "order", type: "quantitative" } } }]),
      { data: { values: rows }, mark: { type: "point", filled: true, size: 70, opacity: 1 }, encoding: { x, y, color, shape: { field: "group", type: "nominal", title: null } } },
      { data: { values: rows }, mark: { type: "text", align: "left", dx: 7, dy: -6, fontSize: 10 }, encoding: { x, y, text: { field: "name" } } },
    ],
  };
  return spec as vl.TopLevelSpec;
}
