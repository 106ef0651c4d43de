/**
 * Growing the channels of the last conv layer that feeds the linear head (SPEC-conv-growth
 * §15, beyond GroMo: §16 D6). The head is conv_L → σ → [pool] → flatten | GAP → Linear.
 *
 * * flatten → Linear: with PyTorch's flatten order c·H·W + h·W + w, a Linear layer on the
 *   flattened (C, H, W) map is a conv with kernel (H, W), no padding, stride 1 and a single
 *   output position; its weight (out, C·H·W) *is* that conv's W♭ (column c·K2 + e). So the
 *   pair is the Full pair of §8 with K2 = H·W, L2 = 1 (each map position read once: there
 *   S_growth is layer 1's own S, the cross-tap terms of §8.4 remain — hence comparable.ts).
 * * GAP → Linear: global average pooling then a 1×1 conv with L2 = K2 = 1, i.e. the linear
 *   problem of [L] on the spatially averaged conv patch ū_i = (1/L1) Σ_l ũ_{1,i,l} — exact.
 * G is ∂L_sum/∂logits (n, out), seen as an (n, out, 1, 1) map.
 */
import { ShapeError } from "../../errors.js";
import type { ActivationName } from "../../nn/layers/activation.js";
import type { Matrix64 } from "../../tensor/matrix.js";
import type { ConvPairGeometry } from "./conv-forward.js";
import { convOutputSize, nchw64, type ConvGeometry, type Nchw64, type Pair } from "./geometry.js";
import { pooledSize, type PoolSpec } from "./pool.js";
import type { ConvPairShape } from "./statistics.js";

export type LinearHeadKind = "flatten" | "gap";

export interface LinearHeadPairSpec {
  head: LinearHeadKind;
  inChannels: number;
  hiddenChannels: number;
  /** The linear layer's outputs (classes). */
  outFeatures: number;
  inputSize: Pair;
  conv1: ConvGeometry;
  layer1Bias: boolean;
  linearBias: boolean;
  activation: ActivationName;
  /** Pooling after σ, before flatten (flatten head only). */
  pool?: PoolSpec | null;
}

/** The conv → head pair as a (Full) conv pair: shape for the statistics, geometry for the forward passes. */
export function linearHeadPair(spec: LinearHeadPairSpec): { shape: ConvPairShape; geometry: ConvPairGeometry } {
  const [h1, w1] = convOutputSize(spec.conv1, spec.inputSize[0], spec.inputSize[1], "conv (last)");
  let pool: PoolSpec | null;
  let kernel: Pair;
  if (spec.head === "gap") {
    if (spec.pool) throw new ShapeError("linearHeadPair", "no pool before global average pooling", `a ${spec.pool.kind} pool`);
    pool = { kind: "avg", size: [h1, w1] };
    kernel = [1, 1];
  } else {
    pool = spec.pool ?? null;
    kernel = pool ? pooledSize(pool, h1, w1, "conv (last)") : [h1, w1];
  }
  const conv2: ConvGeometry = { kernel, stride: [1, 1], padding: [0, 0], dilation: [1, 1] };
  const shape: ConvPairShape = {
    variant: "full",
    inChannels: spec.inChannels,
    hiddenChannels: spec.hiddenChannels,
    outChannels: spec.outFeatures,
    inputSize: spec.inputSize,
    conv1: spec.conv1,
    conv2,
    layer1Bias: spec.layer1Bias,
    layer2Bias: spec.linearBias,
    pool,
  };
  return { shape, geometry: { conv1: spec.conv1, conv2, activation: spec.activation, pool } };
}

/** ∂L/∂logits (n, out) as the (n, out, 1, 1) map the pair statistics take. */
export function logitsAsMap(g: Matrix64): Nchw64 {
  return nchw64(g.rows, g.cols, 1, 1, g.data.slice());
}
