/**
 * GroMo's amplitude line search (SPEC §9.2, `utils/utils.py::line_search`), a grid search:
 * round 0 evaluates γ = 0 and logspace(−6, 0, 100); while the minimum over all losses so far
 * strictly decreases, evaluate the next decade logspace(log10 f, log10 10f, 100) with
 * f = 1, 10, 100, … (decade boundaries are evaluated twice). Returns the γ of the first
 * occurrence of the minimum. At least 201 evaluations.
 */
import { NumericalError } from "../errors.js";

/**
 * NumPy's `logspace(start, stop, num)` (base 10): 10^(start + i·(stop − start)/(num − 1)),
 * with the last exponent exactly `stop` (numpy.linspace semantics).
 */
export function logspace(start: number, stop: number, num: number): number[] {
  const out: number[] = [];
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out.push(10 ** (i === num - 1 ? stop : i * step + start));
  return out;
}

export interface LineSearchResult {
  gammaStar: number;
  lossStar: number;
  /** Every evaluated γ, in order. */
  historyGamma: number[];
  /** The loss of every evaluation, in order. */
  historyLoss: number[];
}

export interface LineSearchOptions {
  /** Points per round (default 100). */
  points?: number;
  /** Smallest positive γ of round 0 (default 1e-6). */
  fMin?: number;
  /** Largest γ of round 0 (default 1). */
  fMax?: number;
  /** Safety cap on rounds (default 30, i.e. γ up to 1e29). */
  maxRounds?: number;
}

/** Runs the grid search on `cost(γ)` (e.g. the per-sample loss of the extended network on held-out data). */
export function lineSearch(cost: (gamma: number) => number, options: LineSearchOptions = {}): LineSearchResult {
  const points = options.points ?? 100;
  let fMin = options.fMin ?? 1e-6;
  let fMax = options.fMax ?? 1;
  const maxRounds = options.maxRounds ?? 30;
  const historyGamma: number[] = [];
  const historyLoss: number[] = [];
  let grid = [0, ...logspace(Math.log10(fMin), Math.log10(fMax), points)];
  let previousMin = Infinity;
  for (let round = 0; round < maxRounds; round++) {
    for (const gamma of grid) {
      const loss = cost(gamma);
      if (Number.isNaN(loss)) throw new NumericalError("lineSearch", `the objective returned NaN at γ = ${gamma}`);
      historyGamma.push(gamma);
      historyLoss.push(loss);
    }
    const currentMin = Math.min(...historyLoss);
    if (!(currentMin < previousMin)) break;
    previousMin = currentMin;
    fMin = fMax;
    fMax = fMax * 10;
    grid = logspace(Math.log10(fMin), Math.log10(fMax), points);
  }
  let best = 0;
  for (let i = 1; i < historyLoss.length; i++) if (historyLoss[i] < historyLoss[best]) best = i;
  return { gammaStar: historyGamma[best], lossStar: historyLoss[best], historyGamma, historyLoss };
}
