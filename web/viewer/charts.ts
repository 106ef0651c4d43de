/**
 * The curves: the report's own Vega-Lite spec (src/io/plot-specs.ts `lossCurveSpec`) rendered
 * by vega-embed — every split's loss, and accuracy when the run has it, against epoch, growth
 * step or parameter count, with the current step as a red rule; for a study, every group's
 * test loss (mean ± std over its seeds), baselines and oracle included.
 */
import embed, { type Result } from "vega-embed";
import { lossCurveSpec, type MeanStdSeries } from "../../src/io/plot-specs.js";
import { curve, type Metric, type Timeline, type XAxis } from "../../src/view/timeline.js";
import { el } from "./dom.js";

const SPLIT_ORDER = ["train", "train-opt", "train-ls", "train-gr", "validation", "test"];
const X_LABEL: Record<XAxis, string> = { epoch: "epoch", step: "growth step", parameters: "parameters" };
const SIZE = { width: 520, height: 210 };

function splitRank(name: string): number {
  const i = SPLIT_ORDER.indexOf(name);
  return i === -1 ? SPLIT_ORDER.length : i;
}

/** One series per split, sorted by x (several values at one x, e.g. before and after a growth step, keep their log order). */
export function splitSeries(timeline: Timeline, metric: Metric, x: XAxis): MeanStdSeries[] {
  const bySplit = new Map<string, { x: number; value: number }[]>();
  for (const p of curve(timeline.points, metric, x)) {
    const list = bySplit.get(p.split) ?? [];
    list.push(p);
    bySplit.set(p.split, list);
  }
  return [...bySplit.entries()]
    .sort((a, b) => splitRank(a[0]) - splitRank(b[0]) || a[0].localeCompare(b[0]))
    .map(([name, pts]) => {
      const sorted = pts.map((p, i) => ({ ...p, i })).sort((a, b) => a.x - b.x || a.i - b.i);
      return { name, x: sorted.map((p) => p.x), mean: sorted.map((p) => p.value) };
    });
}

/** Mean ± std over the runs of each group, at every x that run has. */
export function groupSeries(groups: Map<string, Timeline[]>, metric: Metric, split: string, x: XAxis): MeanStdSeries[] {
  const out: MeanStdSeries[] = [];
  for (const [name, timelines] of groups) {
    const atX = new Map<number, number[]>();
    for (const t of timelines) {
      const last = new Map<number, number>();
      for (const p of curve(t.points, metric, x)) if (p.split === split) last.set(p.x, p.value);
      for (const [xv, v] of last) atX.set(xv, [...(atX.get(xv) ?? []), v]);
    }
    const xs = [...atX.keys()].sort((a, b) => a - b);
    if (xs.length === 0) continue;
    const mean = xs.map((xv) => avg(atX.get(xv) as number[]));
    const std = xs.map((xv, i) => Math.sqrt(avg((atX.get(xv) as number[]).map((v) => (v - mean[i]) ** 2))));
    out.push({ name, x: xs, mean, std });
  }
  return out;
}

const avg = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export function createChart(container: HTMLElement): { show(series: MeanStdSeries[], options: { title: string; yLabel: string; x: XAxis; marker?: number; growthEpochs?: number[]; legendTitle: string; log: boolean }): Promise<void> } {
  let current: Result | null = null;
  let lastKey = "";
  return {
    async show(series, o) {
      const key = JSON.stringify([series, o]);
      if (key === lastKey) return;
      lastKey = key;
      if (series.length === 0) {
        current?.finalize();
        current = null;
        container.replaceChildren();
        return;
      }
      const logY = o.log && series.every((s) => s.mean.every((v) => v > 0));
      const spec = lossCurveSpec({ series, title: o.title, yLabel: o.yLabel, xLabel: X_LABEL[o.x], legendTitle: o.legendTitle, logY, marker: o.marker, growthEpochs: o.growthEpochs, size: SIZE });
      const target = el("div");
      const result = await embed(target, spec, { actions: false, renderer: "canvas" });
      if (lastKey !== key) {
        result.finalize();
        return;
      }
      current?.finalize();
      current = result;
      container.replaceChildren(target);
    },
  };
}
