/**
 * The growable pairs of a sequential CNN (src/conv/cnn.ts): block l's conv (its output
 * channels grow) with σ and its pool, feeding conv l+1 or the linear head (§15). For each,
 * the ConvPairShape of the statistics, the float64 geometry of the forward passes, and the
 * per-batch inputs of the statistics read from the network after a forward and backward pass:
 *
 *   X  = h_l (conv l's input)      B1 = h_{l+1} (conv l+1's input) or the head's input
 *   G  = ∂L_sum/∂Z_{l+1}           or ∂L_sum/∂logits (as an (n, outputs, 1, 1) map)
 */
import { ConfigError, ShapeError } from "../../errors.js";
import type { Cnn } from "../../conv/cnn.js";
import type { Pool2d } from "../../conv/pooling.js";
import { Matrix, type Matrix32, type Matrix64 } from "../../tensor/matrix.js";
import type { ConvPairGeometry, ConvPairParameters } from "./conv-forward.js";
import { nchw64, type ConvGeometry, type Nchw64 } from "./geometry.js";
import { linearHeadPair } from "./linear-head.js";
import type { PoolSpec } from "./pool.js";
import type { ConvPairBatch, ConvPairShape, ConvVariant } from "./statistics.js";

export interface CnnPair {
  /** The block whose output channels grow. */
  block: number;
  consumer: "conv" | "head";
  shape: ConvPairShape;
  geometry: ConvPairGeometry;
}

/** A block's pool as growth sees it: windows with stride = kernel and no padding. */
export function poolSpecOf(pool: Pool2d | null, layer: string): PoolSpec | null {
  if (pool === null) return null;
  const g = pool.geometry;
  if (g.stride[0] !== g.kernel[0] || g.stride[1] !== g.kernel[1] || g.padding[0] !== 0 || g.padding[1] !== 0 || g.dilation[0] !== 1 || g.dilation[1] !== 1) {
    throw new ConfigError([{ source: layer, path: "pool", message: `growth needs pooling windows with stride = kernel and no padding, got kernel ${g.kernel.join("×")}, stride ${g.stride.join("×")}, padding ${g.padding.join("×")}` }]);
  }
  return { kind: pool.kind, size: [g.kernel[0], g.kernel[1]] };
}

const geometryOf = (g: ConvGeometry): ConvGeometry => ({ kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation });

/** The pair grown at block l (variant: for conv → conv pairs; a head pair is always Full, §15). */
export function cnnPair(model: Cnn, l: number, variant: ConvVariant): CnnPair {
  const shapes = model.shapes();
  const L = model.blocks.length;
  if (!Number.isInteger(l) || l < 0 || l >= L) throw new ShapeError("cnnPair", `a block index in [0, ${L})`, String(l));
  const { conv, pool } = model.blocks[l];
  const input = shapes[l].input;
  const poolSpec = poolSpecOf(pool, `blocks.${l}`);
  if (l + 1 < L) {
    const next = model.blocks[l + 1].conv;
    const shape: ConvPairShape = {
      variant,
      inChannels: input.channels,
      hiddenChannels: conv.outChannels,
      outChannels: next.outChannels,
      inputSize: [input.height, input.width],
      conv1: geometryOf(conv.geometry),
      conv2: geometryOf(next.geometry),
      layer1Bias: conv.bias !== null,
      layer2Bias: next.bias !== null,
      pool: poolSpec,
    };
    return { block: l, consumer: "conv", shape, geometry: { conv1: shape.conv1, conv2: shape.conv2, activation: model.activation, pool: poolSpec } };
  }
  const { shape, geometry } = linearHeadPair({
    head: model.headKind,
    inChannels: input.channels,
    hiddenChannels: conv.outChannels,
    outFeatures: model.outputs,
    inputSize: [input.height, input.width],
    conv1: geometryOf(conv.geometry),
    layer1Bias: conv.bias !== null,
    linearBias: model.head.bias !== null,
    activation: model.activation,
    pool: poolSpec,
  });
  return { block: l, consumer: "head", shape, geometry };
}

function toNchw(m: Matrix32, c: number, h: number, w: number): Nchw64 {
  return nchw64(m.rows, c, h, w, Float64Array.from(m.data.subarray(0, m.rows * c * h * w)));
}

/** X = h_l of the network's last forward, in float64. */
export function pairInput(model: Cnn, pair: CnnPair): Nchw64 {
  const inp = model.shapes()[pair.block].input;
  return toNchw(model.blockInput(pair.block), inp.channels, inp.height, inp.width);
}

/** The statistics batch of the pair from the network's last forward and backward; `dLogits` is ∂L_sum/∂logits (B, outputs). */
export function pairBatch(model: Cnn, pair: CnnPair, dLogits: Matrix32): ConvPairBatch {
  const shapes = model.shapes();
  const l = pair.block;
  const x = pairInput(model, pair);
  if (pair.consumer === "conv") {
    const out = shapes[l].output;
    const z2 = shapes[l + 1].conv;
    return { x, b1: toNchw(model.blockInput(l + 1), out.channels, out.height, out.width), g: toNchw(model.preActivationGrad(l + 1), z2.channels, z2.height, z2.width) };
  }
  const out = shapes[l].output;
  const b1 = model.headKind === "gap" ? toNchw(model.headInput(), out.channels, 1, 1) : toNchw(model.headInput(), out.channels, out.height, out.width);
  return { x, b1, g: toNchw(dLogits, model.outputs, 1, 1) };
}

const to64 = (m: Matrix32): Matrix64 => new Matrix(m.rows, m.cols, Float64Array.from(m.data));
const vec64 = (v: Float32Array | null): Float64Array | null => (v === null ? null : Float64Array.from(v));

/** The pair's parameters in float64 (W♭ of conv l; conv l+1's W♭ or the head's weight). */
export function pairParameters(model: Cnn, pair: CnnPair): ConvPairParameters {
  const conv = model.blocks[pair.block].conv;
  const consumer = pair.consumer === "conv" ? model.blocks[pair.block + 1].conv : null;
  return {
    w1: to64(conv.weight),
    b1: vec64(conv.bias),
    w2: to64(consumer ? consumer.weight : model.head.weight),
    b2: vec64(consumer ? consumer.bias : model.head.bias),
  };
}
