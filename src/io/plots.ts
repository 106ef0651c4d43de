/**
 * The paper's figures as SVG: the Vega-Lite specs of plot-specs.ts compiled to Vega and
 * rendered headless (no browser). vega and vega-lite are loaded on the first plot, not with
 * this module: commands that never draw (predict, evaluate, export) do not pay for them.
 */
import type * as vl from "vega-lite";
import { accuracyCurveSpec, accuracyVsParamsSpec, energyLossSpec, lossCurveSpec, parameterBarSpec, paretoSpec } from "./plot-specs.js";

export type { MeanStdSeries, XYSeries } from "./plot-specs.js";

/** Compiles a Vega-Lite spec and renders it to an SVG string (headless). */
export async function renderVegaLite(spec: vl.TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The spec builders check their input and throw synchronously, as before the split. */
type Input<F extends (input: never) => unknown> = Parameters<F>[0];

/** Fig. 5a: test loss against epochs (see plot-specs.ts `lossCurveSpec`). */
export const lossCurvePlot = (input: Input<typeof lossCurveSpec>): Promise<string> => renderVegaLite(lossCurveSpec(input));
/** Fig. 5b: cumulative energy against test loss. */
export const energyLossPlot = (input: Input<typeof energyLossSpec>): Promise<string> => renderVegaLite(energyLossSpec(input));
/** Final parameter count per strategy. */
export const parameterBarPlot = (input: Input<typeof parameterBarSpec>): Promise<string> => renderVegaLite(parameterBarSpec(input));
/** Fig. 3 (MNIST): accuracy against epochs. */
export const accuracyCurvePlot = (input: Input<typeof accuracyCurveSpec>): Promise<string> => renderVegaLite(accuracyCurveSpec(input));
/** Fig. 4 (MNIST): test accuracy against parameter count. */
export const accuracyVsParamsPlot = (input: Input<typeof accuracyVsParamsSpec>): Promise<string> => renderVegaLite(accuracyVsParamsSpec(input));
/** Pareto front: final parameters against final loss (see plot-specs.ts `paretoSpec`). */
export const paretoPlot = (input: Input<typeof paretoSpec>): Promise<string> => renderVegaLite(paretoSpec(input));
