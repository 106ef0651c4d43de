/**
 * Golden-vector verification: recompute every field of a golden case (schema in
 * `golden-schema.ts`) from its inputs with tinygrow's own growth code, and compare field by
 * field. Used by `tinygrow verify-golden` and by test/golden.test.ts (one code path).
 *
 * Comparison: per field, max |actual − expected| and that divided by the max |entry| of
 * the reference (or by 1 when the reference is all zero); a field passes when the relative
 * difference is ≤ the tolerance. `all_singular_values` entries below 1e-12 (numerical
 * zeros) are compared absolutely. Neuron signs follow the golden sign rule (largest-|·|
 * entry of each ω column positive), so α, ω and everything downstream compare directly.
 * `sign_flips_vs_torch_svd` is not recomputed: it records what PyTorch's own SVD returned.
 */
import { DataError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { Matrix, type Matrix64 } from "../tensor/matrix.js";
import { applyGrowth } from "./apply.js";
import { bottleneckNorms, projectedDesiredUpdate } from "./bottleneck.js";
import { extendedForward, twoLayerForward, type TwoLayerParameters } from "./extended-forward.js";
import { gromoActivationGradientAtZero } from "./first-order.js";
import { parseGoldenCase, type GoldenCase } from "./golden-schema.js";
import { recomputeConvGoldenCase } from "./conv/golden-conv.js";
import { isConvGoldenJson, parseConvGoldenCase, type TensorNd } from "./conv/golden-conv-schema.js";
import { computeLayerGrowth } from "./layer-growth.js";
import { scale } from "./linalg.js";
import { lineSearch } from "./line-search.js";
import { lossSum, lossSumAndGradient, type GrowthTargets } from "./loss.js";
import { computeNewNeurons } from "./new-neurons.js";
import { LayerPairAccumulator } from "./statistics.js";

/** A recomputed or reference value: a scalar, a list, a vector, a matrix, or absent (null). */
export type GoldenValue = number | readonly number[] | Float64Array | Matrix64 | TensorNd | null;

export interface FieldComparison {
  /** Dotted field path, e.g. "added_parameters.omega". */
  field: string;
  maxAbs: number;
  maxRel: number;
  /** Index (row, col or single) of the largest relative difference; null for scalars or on a structural mismatch. */
  worstIndex: number[] | null;
  /** First index whose difference is above the tolerance (null when none). */
  firstIndexAbove: number[] | null;
  ok: boolean;
  /** Why the field failed structurally (shape, null-ness, non-finite). */
  note?: string;
}

export interface GoldenReport {
  name: string;
  file: string;
  tolerance: number;
  fields: FieldComparison[];
  skipped: { field: string; reason: string }[];
  ok: boolean;
}

export const DEFAULT_GOLDEN_TOLERANCE = 1e-9;
/** `all_singular_values` entries below this are numerical zeros, compared absolutely. */
const NUMERICAL_ZERO = 1e-12;

function rowsOf(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

function targetRows(y: GrowthTargets, from: number, to: number): GrowthTargets {
  return y instanceof Int32Array ? y.slice(from, to) : rowsOf(y, from, to);
}

/** Every comparable field of the case, recomputed from `inputs` and `config` alone. */
export function recomputeGoldenCase(c: GoldenCase, kernels: Kernels): Map<string, GoldenValue> {
  const cfg = c.config;
  const act = cfg.activation;
  const x = c.inputs.X;
  const y: GrowthTargets = c.inputs.Y;
  const n = x.rows;
  const params: TwoLayerParameters = { w1: c.inputs.W1, b1: c.inputs.b1, w2: c.inputs.W2, b2: c.inputs.b2 };
  const out = new Map<string, GoldenValue>();

  // Whole-batch forward and per-sample gradient (§1, §2).
  const fwd = twoLayerForward(params, x, act, kernels);
  const { lossSum: total, g } = lossSumAndGradient(cfg.loss, fwd.a2, y);
  out.set("forward.H1", fwd.h1).set("forward.B1", fwd.b1).set("forward.A2", fwd.a2).set("forward.G", g);
  out.set("forward.loss_sum", total).set("forward.loss_per_sample", total / n);

  // Statistics accumulated over the case's mini-batches (§3).
  const acc = new LayerPairAccumulator({
    inFeatures: cfg.in_features,
    hiddenFeatures: cfg.hidden_features,
    outFeatures: cfg.out_features,
    layer1Bias: cfg.layer1_bias,
    layer2Bias: cfg.layer2_bias,
  });
  let start = 0;
  for (const size of cfg.batches) {
    const xb = rowsOf(x, start, start + size);
    const fb = twoLayerForward(params, xb, act, kernels);
    acc.update({ x: xb, b1: fb.b1, g: lossSumAndGradient(cfg.loss, fb.a2, targetRows(y, start, start + size)).g }, kernels);
    start += size;
  }
  const stats = acc.read();
  out.set("statistics.n_samples", stats.n).set("statistics.S", stats.S).set("statistics.M", stats.M);
  out.set("statistics.S_growth", stats.SGrowth).set("statistics.M_prev", stats.MPrev).set("statistics.P_cross", stats.P).set("statistics.E_grad_cov", stats.E);

  // δW*, bottleneck, N, new neurons, first order (§4–§8).
  const options = {
    activation: act,
    numericalThreshold: cfg.numerical_threshold,
    statisticalThreshold: cfg.statistical_threshold,
    maximumAddedNeurons: cfg.maximum_added_neurons,
  };
  const growth = computeLayerGrowth(stats, options, kernels);
  const { delta, neurons } = growth;
  out.set("optimal_delta.delta_raw", delta.deltaRaw).set("optimal_delta.delta_weight", delta.deltaWeight);
  out.set("optimal_delta.delta_bias", delta.deltaBias).set("optimal_delta.parameter_update_decrease", delta.decrease);
  const vProj = projectedDesiredUpdate(fwd.b1, g, delta.deltaRaw, cfg.layer2_bias, kernels);
  const norms = bottleneckNorms(vProj, g);
  out.set("bottleneck.V_proj", vProj).set("bottleneck.V_proj_fro_norm", norms.froNorm);
  out.set("bottleneck.V_proj_mean_sq_norm", norms.meanSqNorm).set("bottleneck.G_mean_sq_norm", norms.gradientMeanSqNorm).set("bottleneck.N", growth.n);
  const ap = "added_parameters.";
  out.set(ap + "k", neurons.k).set(ap + "S_growth_inv_sqrt", neurons.sGrowthInvSqrt).set(ap + "all_singular_values", neurons.allSingularValues);
  out.set(ap + "eigenvalues", neurons.singularValues).set(ap + "alpha_weight", neurons.alphaWeight).set(ap + "alpha_bias", neurons.alphaBias);
  out.set(ap + "omega", neurons.omega).set(ap + "activation_gradient_at_0", gromoActivationGradientAtZero(act));
  out.set(ap + "new_neurons_fo_improvement", growth.firstOrder.newNeuronsImprovement).set(ap + "first_order_improvement", growth.firstOrder.total);
  out.set(ap + "extended_input_layer_bias", cfg.layer2_bias ? new Float64Array(cfg.out_features) : null);

  // N = −M_prev (no projection), what GroMo's zero-width block uses (§7.6).
  if (c.added_parameters_no_projection !== null) {
    const raw = computeNewNeurons(stats.SGrowth, scale(stats.MPrev, -1), cfg.layer1_bias, options, kernels);
    const np = "added_parameters_no_projection.";
    out.set(np + "eigenvalues", raw.singularValues).set(np + "alpha_weight", raw.alphaWeight).set(np + "alpha_bias", raw.alphaBias).set(np + "omega", raw.omega);
  } else {
    out.set("added_parameters_no_projection", null);
  }

  // Extended forward, line search, apply (§9, §10).
  const cost = (gamma: number): number => lossSum(cfg.loss, extendedForward(params, growth.step, x, gamma, act, kernels, fwd), y) / n;
  out.set("extended_forward.loss_per_sample", c.extended_forward.gammas.map(cost));
  const ls = lineSearch(cost);
  out.set("line_search.gamma_star", ls.gammaStar).set("line_search.loss_star", ls.lossStar).set("line_search.n_evaluations", ls.historyGamma.length);
  out.set("line_search.history_gamma", ls.historyGamma).set("line_search.history_loss", ls.historyLoss);
  const grown = applyGrowth(params, growth.step, ls.gammaStar);
  out.set("after_apply_change.gamma", ls.gammaStar).set("after_apply_change.W1", grown.w1).set("after_apply_change.b1", grown.b1);
  out.set("after_apply_change.W2", grown.w2).set("after_apply_change.b2", grown.b2).set("after_apply_change.hidden_features", grown.w1.rows);
  out.set("after_apply_change.loss_per_sample", lossSum(cfg.loss, twoLayerForward(grown, x, act, kernels).a2, y) / n);
  return out;
}

/** Shape and flat data of a value; null stays null. */
function flat(v: Exclude<GoldenValue, null>): { shape: number[]; data: ArrayLike<number> } {
  if (typeof v === "number") return { shape: [], data: [v] };
  if (v instanceof Matrix) return { shape: [v.rows, v.cols], data: v.data };
  if (!(v instanceof Float64Array) && !Array.isArray(v)) return v as TensorNd;
  return { shape: [v.length], data: v as ArrayLike<number> };
}

/** The multi-index of flat (C-order) index i in `shape`. */
function unflatIndex(shape: number[], i: number): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = Math.max(shape[d], 1);
    idx.unshift(i % size);
    i = Math.floor(i / size);
  }
  return idx;
}

/** Compares one field; `absoluteBelow` entries of the reference below it are compared absolutely. */
export function compareField(field: string, expected: GoldenValue, actual: GoldenValue, tolerance: number, absoluteBelow = 0): FieldComparison {
  const fail = (note: string): FieldComparison => ({ field, maxAbs: Infinity, maxRel: Infinity, worstIndex: null, firstIndexAbove: null, ok: false, note });
  if (expected === null || actual === null) {
    if (expected === actual) return { field, maxAbs: 0, maxRel: 0, worstIndex: null, firstIndexAbove: null, ok: true };
    return fail(expected === null ? "expected null, got a value" : "expected a value, got null");
  }
  const e = flat(expected);
  const a = flat(actual);
  if (e.shape.join(",") !== a.shape.join(",")) return fail(`expected shape [${e.shape.join(", ")}], got [${a.shape.join(", ")}]`);
  let refMax = 0;
  for (let i = 0; i < e.data.length; i++) refMax = Math.max(refMax, Math.abs(e.data[i]));
  const denom = refMax > 0 ? refMax : 1;
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  let firstAbove = -1;
  for (let i = 0; i < e.data.length; i++) {
    const diff = Math.abs(a.data[i] - e.data[i]);
    if (!Number.isFinite(a.data[i])) return { ...fail(`non-finite value ${a.data[i]}`), worstIndex: unflatIndex(e.shape, i), firstIndexAbove: unflatIndex(e.shape, i) };
    const rel = Math.abs(e.data[i]) < absoluteBelow ? diff : diff / denom;
    if (diff > maxAbs) maxAbs = diff;
    if (rel > maxRel || worst < 0) {
      maxRel = rel;
      worst = i;
    }
    if (rel > tolerance && firstAbove < 0) firstAbove = i;
  }
  return {
    field,
    maxAbs,
    maxRel,
    worstIndex: e.shape.length === 0 || worst < 0 ? null : unflatIndex(e.shape, worst),
    firstIndexAbove: firstAbove < 0 ? null : unflatIndex(e.shape, firstAbove),
    ok: maxRel <= tolerance,
  };
}

/** The reference value at a dotted path of the case (null when absent). */
function referenceAt(c: unknown, path: string): GoldenValue {
  let cur: unknown = c;
  for (const key of path.split(".")) cur = cur === null || cur === undefined ? null : (cur as Record<string, unknown>)[key];
  return (cur ?? null) as GoldenValue;
}

/** Compares every recomputed field with the case (`c`: the parsed case, or a conv case's decoded reference). */
export function compareGoldenCase(c: GoldenCase | { name: string; reference: unknown }, recomputed: Map<string, GoldenValue>, tolerance: number, file: string): GoldenReport {
  const reference = "reference" in c ? c.reference : c;
  const fields: FieldComparison[] = [];
  for (const [field, actual] of recomputed) {
    const absoluteBelow = field === "added_parameters.all_singular_values" ? NUMERICAL_ZERO : 0;
    fields.push(compareField(field, referenceAt(reference, field), actual, tolerance, absoluteBelow));
  }
  // Our loss after applying at γ* must equal our line-search minimum (README "Line search").
  const own = (f: string): GoldenValue => recomputed.get(f) ?? null;
  fields.push(compareField("(self) after_apply_change.loss_per_sample = line_search.loss_star", own("line_search.loss_star"), own("after_apply_change.loss_per_sample"), tolerance));
  const skipped = [{ field: "added_parameters.sign_flips_vs_torch_svd", reason: "records PyTorch's own SVD signs; tinygrow applies the sign rule instead" }];
  for (const field of numericLeaves(reference)) {
    if (!recomputed.has(field) && !INPUT_LISTS.has(field)) skipped.push({ field, reason: "in the file but not recomputed (NOT checked)" });
  }
  return { name: c.name, file, tolerance, fields, skipped, ok: fields.every((f) => f.ok) };
}

/** Number lists that are inputs of a section (the γ grids), and the field skipped above. */
const INPUT_LISTS = new Set(["extended_forward.gammas", "extended_forward.output_gammas", "added_parameters.sign_flips_vs_torch_svd"]);

/** Sections that describe the case rather than results. */
const NOT_RESULTS = new Set(["schema_version", "name", "description", "config", "inputs", "gromo_calls", "provenance"]);

/** Dotted paths of the numeric results of a case: tensors, numbers, number lists (recursing into objects and tensor lists). */
function numericLeaves(node: unknown, prefix = ""): string[] {
  if (node === null || typeof node !== "object") return typeof node === "number" && prefix ? [prefix] : [];
  if (ArrayBuffer.isView(node) || node instanceof Matrix) return [prefix];
  if (Array.isArray(node)) {
    if (node.every((v) => typeof v === "number")) return prefix ? [prefix] : [];
    return node.flatMap((v, i) => numericLeaves(v, `${prefix}.${i}`));
  }
  const o = node as Record<string, unknown>;
  if ("shape" in o && "data" in o) return [prefix];
  return Object.entries(o).flatMap(([k, v]) => (prefix === "" && NOT_RESULTS.has(k) ? [] : numericLeaves(v, prefix ? `${prefix}.${k}` : k)));
}

export interface VerifyGoldenOptions {
  tolerance?: number;
}

/** The schema versions this build reads, by kind of case. */
export const GOLDEN_SCHEMA_VERSIONS = { linear: 1, conv: 1 } as const;

/**
 * Parses, recomputes and compares one case given as parsed JSON: a fully connected case
 * (test/golden/README.md) or a conv case (test/golden-conv/README.md, told apart by its
 * config's channel fields). An unknown schema_version is a DataError naming the file.
 */
export function verifyGoldenCase(json: unknown, file: string, options: VerifyGoldenOptions, kernels: Kernels): GoldenReport {
  const conv = isConvGoldenJson(json);
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  const known = conv ? GOLDEN_SCHEMA_VERSIONS.conv : GOLDEN_SCHEMA_VERSIONS.linear;
  if (version !== known) {
    throw new DataError(
      file,
      `unknown schema_version ${JSON.stringify(version ?? null)} of a ${conv ? "conv" : "fully connected"} golden case: this tinygrow reads schema_version ${known} ` +
        `(fully connected: test/golden/README.md; conv: test/golden-conv/README.md)`,
    );
  }
  if (conv) {
    const cc = parseConvGoldenCase(json, file);
    return compareGoldenCase(cc, recomputeConvGoldenCase(cc, kernels) as Map<string, GoldenValue>, options.tolerance ?? DEFAULT_GOLDEN_TOLERANCE, file);
  }
  const c = parseGoldenCase(json, file);
  return compareGoldenCase(c, recomputeGoldenCase(c, kernels), options.tolerance ?? DEFAULT_GOLDEN_TOLERANCE, file);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

/** A plain-text table: field, max abs diff, max rel diff, status (and where it failed). */
export function formatGoldenReport(r: GoldenReport): string[] {
  const width = Math.max(5, ...r.fields.map((f) => f.field.length));
  const lines = [`${r.file} (${r.name}): ${r.ok ? "OK" : "FAIL"} at tolerance ${r.tolerance}`];
  lines.push(`  ${"field".padEnd(width)}  ${"max abs".padStart(9)}  ${"max rel".padStart(9)}  status`);
  for (const f of r.fields) {
    let status = f.ok ? "ok" : "FAIL";
    if (!f.ok && f.note) status += ` (${f.note})`;
    else if (!f.ok && f.firstIndexAbove) status += ` (first index [${f.firstIndexAbove.join(", ")}])`;
    lines.push(`  ${f.field.padEnd(width)}  ${fmt(f.maxAbs).padStart(9)}  ${fmt(f.maxRel).padStart(9)}  ${status}`);
  }
  for (const s of r.skipped) lines.push(`  ${s.field.padEnd(width)}  ${"-".padStart(9)}  ${"-".padStart(9)}  skipped (${s.reason})`);
  return lines;
}
