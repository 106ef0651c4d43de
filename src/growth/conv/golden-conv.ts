/**
 * Recomputes every field of a conv golden case (golden-conv-schema.ts) from its `config` and
 * `inputs` alone, with tinygrow's conv growth code; src/growth/golden.ts compares the fields
 * (the same comparison and report as the fully connected cases).
 *
 * The goldens reproduce GroMo as it is, so the recomputation uses GroMo's conventions where
 * tinygrow's defaults depart from them (docs/conv-growth.md): the Restricted S_growth is
 * layer 1's own S ("layer1", SPEC §16 D7) and the first-order improvement is GroMo's
 * D + σ'(0)Σs² (§11, not the D8-comparable score). Channel signs follow the README's rule.
 */
import type { Kernels } from "../../kernels/kernels.js";
import { Matrix, type Matrix64 } from "../../tensor/matrix.js";
import { bottleneckNorms } from "../bottleneck.js";
import { gromoActivationGradientAtZero } from "../first-order.js";
import { lineSearch } from "../line-search.js";
import { matmul } from "../linalg.js";
import { applyConvGrowth, convExtendedForward, convPairForward, conv2d64, extensionActivity, type ConvPairGeometry, type ConvPairParameters } from "./conv-forward.js";
import { computeConvGrowth } from "./conv-growth.js";
import { centreIndex, imagesOf, nchw64, tapTable, type ConvGeometry, type Nchw64 } from "./geometry.js";
import type { ConvGoldenCase, TensorNd } from "./golden-conv-schema.js";
import { convHeadLoss, globalAveragePool, type ConvTargets } from "./head-loss.js";
import { ConvPairAccumulator, convPairDims, type ConvPairShape } from "./statistics.js";

/** What a recomputed field may be (golden.ts's GoldenValue plus n-d tensors). */
export type ConvGoldenValue = number | readonly number[] | Float64Array | Matrix64 | TensorNd | null;

const geometryOf = (c: { kernel_size: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number] }): ConvGeometry => ({
  kernel: c.kernel_size,
  stride: c.stride,
  padding: c.padding,
  dilation: c.dilation,
});

const asNchw = (t: TensorNd): Nchw64 => nchw64(t.shape[0], t.shape[1], t.shape[2], t.shape[3], t.data);
const tensor = (shape: number[], data: Float64Array): TensorNd => ({ shape, data });
const fromNchw = (z: Nchw64): TensorNd => tensor([z.n, z.c, z.h, z.w], z.data);
/** Flat weights (C_out, C_in·K) from a (C_out, C_in, kh, kw) tensor. */
const flatWeights = (t: TensorNd): Matrix64 => new Matrix(t.shape[0], t.shape[1] * t.shape[2] * t.shape[3], t.data.slice());
const intTensor = (shape: number[], v: Int32Array): TensorNd => tensor(shape, Float64Array.from(v));

function targetsOf(y: ConvTargets, from: number, to: number): ConvTargets {
  return y instanceof Int32Array ? y.slice(from, to) : imagesOf(y, from, to);
}

/** out = A2, or X + A2 for the residual block. */
function networkOutput(a2: Nchw64, x: Nchw64, residual: boolean): Nchw64 {
  if (!residual) return a2;
  const out = nchw64(a2.n, a2.c, a2.h, a2.w, a2.data.slice());
  for (let i = 0; i < out.data.length; i++) out.data[i] += x.data[i];
  return out;
}

/** Every comparable field of the case, by dotted path. */
export function recomputeConvGoldenCase(c: ConvGoldenCase, kernels: Kernels): Map<string, ConvGoldenValue> {
  const cfg = c.config;
  const block = cfg.path === "block_zero_hidden";
  const full = cfg.variant === "full";
  const geo: ConvPairGeometry = { conv1: geometryOf(cfg.conv1), conv2: geometryOf(cfg.conv2), activation: cfg.activation };
  const x = asNchw(c.inputs.X);
  const y: ConvTargets = c.inputs.Y instanceof Int32Array ? c.inputs.Y : asNchw(c.inputs.Y);
  const n = x.n;
  const params: ConvPairParameters = { w1: flatWeights(c.inputs.W1), b1: c.inputs.b1?.data ?? null, w2: flatWeights(c.inputs.W2), b2: c.inputs.b2?.data ?? null };
  const shape: ConvPairShape = {
    variant: cfg.variant,
    inChannels: cfg.in_channels,
    hiddenChannels: cfg.hidden_channels,
    outChannels: cfg.out_channels,
    inputSize: cfg.input_size,
    conv1: geo.conv1,
    conv2: geo.conv2,
    layer1Bias: cfg.layer1_bias,
    layer2Bias: cfg.layer2_bias,
    restrictedSGrowth: "layer1",
  };
  const d = convPairDims(shape);
  const out = new Map<string, ConvGoldenValue>();

  // Geometry helpers (§8.1, §9.1).
  out.set("geometry.H1W1", [d.h1, d.w1]).set("geometry.H2W2", [d.h2, d.w2]);
  if (full) out.set("geometry.tap_index", intTensor([d.L2, d.K2], tapTable(geo.conv2, d.h1, d.w1, "conv2")));
  else out.set("geometry.centre_index", intTensor([d.L2], centreIndex(geo.conv2, d.h1, d.w1, "conv2")));

  // Whole-batch forward (§4).
  const fwd = convPairForward(params, geo, x, kernels);
  const netOut = networkOutput(fwd.a2, x, cfg.residual);
  const { lossSum, g } = convHeadLoss(cfg.loss, netOut, y, true);
  out.set("forward.Z1", fromNchw(fwd.z1)).set("forward.B1", fromNchw(fwd.b1)).set("forward.A2", fromNchw(fwd.a2)).set("forward.G", fromNchw(g!));
  const pooled = cfg.loss === "ce_gap_sum" ? globalAveragePool(netOut) : null;
  out.set("forward.output", pooled ?? fromNchw(netOut)).set("forward.loss_sum", lossSum).set("forward.loss_per_sample", lossSum / n);

  // Statistics over the case's mini-batches (§5, §8.2, §9.2).
  const acc = new ConvPairAccumulator(shape);
  let start = 0;
  for (const size of cfg.batches) {
    const xb = imagesOf(x, start, start + size);
    const fb = convPairForward(params, geo, xb, kernels);
    const gb = convHeadLoss(cfg.loss, networkOutput(fb.a2, xb, cfg.residual), targetsOf(y, start, start + size), true).g!;
    acc.update({ x: xb, b1: fb.b1, g: gb }, kernels);
    start += size;
  }
  const stats = acc.read();
  const st = "statistics.";
  out.set(st + "n_samples", stats.n).set(st + "S_growth", stats.SGrowth).set(st + "M_prev", stats.MPrev);
  if (block) out.set(st + "S", null).set(st + "M", null).set(st + "P_cross", null).set(st + "E_grad_cov", null);
  else {
    out.set(st + "S", stats.S).set(st + "M", stats.M).set(st + "E_grad_cov", stats.E);
    out.set(st + "P_cross", full ? tensor([d.K2, d.i0, d.i1], tapBlocksFirst(stats.P, d.K2)) : stats.P);
  }

  // δW*, bottleneck, N, new channels, first order (§6–§11).
  const growth = computeConvGrowth(
    stats,
    {
      activation: cfg.activation,
      useProjection: cfg.use_projection,
      path: block ? "block" : "modules",
      numericalThreshold: cfg.numerical_threshold,
      statisticalThreshold: cfg.statistical_threshold,
      maximumAddedNeurons: cfg.maximum_added_neurons,
    },
    kernels,
  );
  const { delta, neurons } = growth;
  const [k2h, k2w] = geo.conv2.kernel;
  const [k1h, k1w] = geo.conv1.kernel;
  if (delta === null) out.set("optimal_delta", null);
  else {
    out.set("optimal_delta.delta_raw", delta.deltaRaw).set("optimal_delta.delta_weight", tensor([cfg.out_channels, cfg.hidden_channels, k2h, k2w], delta.deltaWeight.data));
    out.set("optimal_delta.delta_bias", delta.deltaBias).set("optimal_delta.parameter_update_decrease", delta.decrease);
  }
  const bn = "bottleneck.";
  out.set(bn + "N", growth.n).set(bn + "G_mean_sq_norm", growth.bottleneck.gradientMeanSqNorm);
  if (delta === null) out.set(bn + "V_proj", null).set(bn + "V_proj_fro_norm", null).set(bn + "V_proj_mean_sq_norm", null);
  else {
    const vProj = nchw64(g!.n, g!.c, g!.h, g!.w, g!.data.slice());
    const moved = conv2d64(fwd.b1, delta.deltaWeight, delta.deltaBias, geo.conv2, "conv2 (δW)", kernels);
    for (let i = 0; i < vProj.data.length; i++) vProj.data[i] -= moved.data[i];
    const rows = (z: Nchw64): Matrix64 => new Matrix(z.n, z.data.length / z.n, z.data);
    const norms = bottleneckNorms(rows(vProj), rows(g!));
    out.set(bn + "V_proj", fromNchw(vProj)).set(bn + "V_proj_fro_norm", norms.froNorm).set(bn + "V_proj_mean_sq_norm", norms.meanSqNorm);
  }
  const k = neurons.k;
  const ap = "added_parameters.";
  const pi = matmul(kernels, neurons.sGrowthInvSqrt, growth.n);
  out.set(ap + "k", k).set(ap + "S_growth_inv_sqrt", neurons.sGrowthInvSqrt).set(ap + "Pi", pi).set(ap + "all_singular_values", neurons.allSingularValues);
  const { u, v } = singularVectors(pi, neurons.omega, neurons.singularValues, kernels);
  out.set(ap + "svd_U", u).set(ap + "svd_V", v).set(ap + "eigenvalues", neurons.singularValues);
  out.set(ap + "alpha_weight", tensor([k, cfg.in_channels, k1h, k1w], neurons.alphaWeight.data)).set(ap + "alpha_bias", neurons.alphaBias);
  out.set(ap + "omega", tensor([cfg.out_channels, k, k2h, k2w], growth.step.omega.data)).set(ap + "omega_flat", neurons.omega);
  out.set(ap + "activation_gradient_at_0", gromoActivationGradientAtZero(cfg.activation));
  out.set(ap + "new_neurons_fo_improvement", growth.firstOrder.newNeuronsImprovement).set(ap + "first_order_improvement", growth.firstOrder.total);
  out.set(ap + "extended_input_layer_bias", cfg.layer2_bias ? new Float64Array(cfg.out_channels) : null);

  // Extended forward, line search, apply (§12, §14).
  const extOut = (gamma: number): Nchw64 => networkOutput(convExtendedForward(params, growth.step, geo, x, gamma, kernels, fwd), x, cfg.residual);
  const cost = (gamma: number): number => convHeadLoss(cfg.loss, extOut(gamma), y, false).lossSum / n;
  out.set("extended_forward.loss_per_sample", c.extended_forward.gammas.map(cost));
  c.extended_forward.output_gammas.forEach((gamma, i) => out.set(`extended_forward.outputs.${i}`, fromNchw(extOut(gamma))));
  if (c.extended_forward.output_gammas.length > 0) {
    out.set("extended_forward.B_ext_at_first_output_gamma", fromNchw(extensionActivity(growth.step, geo, x, c.extended_forward.output_gammas[0], kernels)));
  }
  const ls = lineSearch(cost);
  out.set("line_search.gamma_star", ls.gammaStar).set("line_search.loss_star", ls.lossStar).set("line_search.n_evaluations", ls.historyGamma.length);
  out.set("line_search.history_gamma", ls.historyGamma).set("line_search.history_loss", ls.historyLoss);
  const grown = applyConvGrowth(params, growth.step, ls.gammaStar);
  const c1 = grown.w1.rows;
  out.set("after_apply_change.gamma", ls.gammaStar).set("after_apply_change.hidden_channels", c1);
  out.set("after_apply_change.W1", tensor([c1, cfg.in_channels, k1h, k1w], grown.w1.data)).set("after_apply_change.b1", grown.b1);
  out.set("after_apply_change.W2", tensor([cfg.out_channels, c1, k2h, k2w], grown.w2.data)).set("after_apply_change.b2", grown.b2);
  out.set("after_apply_change.loss_per_sample", convHeadLoss(cfg.loss, networkOutput(convPairForward(grown, geo, x, kernels).a2, x, cfg.residual), y, false).lossSum / n);
  return out;
}

/** P♭ (i0, K2·i1) → GroMo's P (K2, i0, i1), flat. */
function tapBlocksFirst(pFlat: Matrix64, K: number): Float64Array {
  const i0 = pFlat.rows;
  const i1 = pFlat.cols / K;
  const out = new Float64Array(K * i0 * i1);
  for (let e = 0; e < K; e++) for (let a = 0; a < i0; a++) for (let b = 0; b < i1; b++) out[(e * i0 + a) * i1 + b] = pFlat.data[a * pFlat.cols + e * i1 + b];
  return out;
}

/** The kept singular vectors in the sign of the channels: v_j = ω♭_j/√s_j, u_j = Π v_j / s_j. */
function singularVectors(pi: Matrix64, omegaFlat: Matrix64, s: Float64Array, kernels: Kernels): { u: Matrix64; v: Matrix64 } {
  const k = s.length;
  const v = new Matrix(omegaFlat.rows, k, new Float64Array(omegaFlat.rows * k));
  for (let r = 0; r < omegaFlat.rows; r++) for (let j = 0; j < k; j++) v.data[r * k + j] = omegaFlat.data[r * k + j] / Math.sqrt(s[j]);
  const u = matmul(kernels, pi, v);
  for (let r = 0; r < u.rows; r++) for (let j = 0; j < k; j++) u.data[r * k + j] /= s[j];
  return { u, v };
}
