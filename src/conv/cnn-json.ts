/**
 * A CNN as JSON (geometry, widths, weights) for run folders, checkpoints and `loadModel`-
 * style readers, like the MLP and DAG documents. Float32 values survive the round trip
 * exactly (float32 → double → float32). Weights are W♭ rows (O, C·kh·kw), row-major.
 */
import { ConfigError, type ConfigIssue } from "../errors.js";
import { isActivationName, type ActivationName } from "../kernels/kernels.js";
import { Linear } from "../nn/layers/linear.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import { Cnn, type ConvBlock } from "./cnn.js";
import type { HeadKind } from "./cnn-spec.js";
import { BatchNorm2d } from "./batchnorm2d.js";
import { Conv2d } from "./conv2d.js";
import { resolveGeometry, type ImageShape, type Pair } from "./geometry.js";
import { Pool2d, type PoolKind } from "./pooling.js";

export const CNN_FORMAT = "tinygrow-cnn";
export const CNN_FORMAT_VERSION = 1;

export interface CnnJson {
  format: typeof CNN_FORMAT;
  version: number;
  dtype: "float32" | "float64";
  input: ImageShape;
  activation: ActivationName;
  head: HeadKind;
  blocks: {
    conv: { inChannels: number; outChannels: number; kernel: Pair; stride: Pair; padding: Pair; dilation: Pair; weight: number[]; bias: number[] | null };
    pool: { kind: PoolKind; kernel: Pair; stride: Pair; padding: Pair } | null;
    /** Batch norm (γ, β, running statistics), or null; absent in documents without it. */
    bn?: { eps: number; momentum: number; weight: number[]; bias: number[]; runningMean: number[]; runningVar: number[] } | null;
  }[];
  /** The linear head: weight (outputs, inputs) row-major. */
  linear: { inputs: number; outputs: number; weight: number[]; bias: number[] | null };
}

export function cnnToJson<T extends FloatArray>(model: Cnn<T>): CnnJson {
  return {
    format: CNN_FORMAT,
    version: CNN_FORMAT_VERSION,
    dtype: model.head.weight.data instanceof Float64Array ? "float64" : "float32",
    input: { ...model.input },
    activation: model.activation,
    head: model.headKind,
    blocks: model.blocks.map(({ conv, pool, bn }) => ({
      conv: {
        inChannels: conv.inChannels,
        outChannels: conv.outChannels,
        ...conv.geometry,
        weight: Array.from(conv.weight.data),
        bias: conv.bias === null ? null : Array.from(conv.bias),
      },
      pool: pool === null ? null : { kind: pool.kind, kernel: pool.geometry.kernel, stride: pool.geometry.stride, padding: pool.geometry.padding },
      bn: bn === null ? null : { eps: bn.eps, momentum: bn.momentum, weight: Array.from(bn.weightParam.value), bias: Array.from(bn.biasParam.value), runningMean: Array.from(bn.runningMean), runningVar: Array.from(bn.runningVar) },
    })),
    linear: { inputs: model.head.inputs, outputs: model.head.outputs, weight: Array.from(model.head.weight.data), bias: model.head.bias === null ? null : Array.from(model.head.bias) },
  };
}

/**
 * Rebuilds a float32 CNN. A malformed document is a ConfigError listing what is wrong with
 * its path (`blocks.1.conv.weight: 80 values, expected 8×9`); shapes that do not chain
 * throw the ShapeError of the layer concerned.
 */
export function cnnFromJson(json: CnnJson, source = "cnn"): Cnn<Float32Array> {
  const fail = (path: string, message: string): never => {
    throw new ConfigError([{ source, path, message }]);
  };
  if (json?.format !== CNN_FORMAT) fail("format", `expected "${CNN_FORMAT}", got ${JSON.stringify(json?.format)}`);
  if (json.version !== CNN_FORMAT_VERSION) fail("version", `version ${json.version} is not supported (expected ${CNN_FORMAT_VERSION})`);
  if (!isActivationName(json.activation)) fail("activation", `unknown activation ${JSON.stringify(json.activation)}`);
  if (json.head !== "flatten" && json.head !== "gap") fail("head", `expected "flatten" or "gap", got ${JSON.stringify(json.head)}`);
  if (!Array.isArray(json.blocks)) fail("blocks", "expected a list");
  const issues: ConfigIssue[] = [];
  const values = (path: string, v: unknown, n: number, what: string): Float32Array => {
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number")) {
      issues.push({ source, path, message: `${Array.isArray(v) ? `${v.length} values` : "not a list of numbers"}, expected ${what} = ${n}` });
      return new Float32Array(n);
    }
    return Float32Array.from(v as number[]);
  };
  const blocks: ConvBlock<Float32Array>[] = json.blocks.map((b, l) => {
    const c = b.conv;
    const name = `blocks.${l}.conv`;
    const geometry = resolveGeometry(`${source}: ${name}`, c);
    const D = c.inChannels * geometry.kernel[0] * geometry.kernel[1];
    const weight = new Matrix(c.outChannels, D, values(`${name}.weight`, c.weight, c.outChannels * D, `${c.outChannels}×${D}`));
    const bias = c.bias === null ? null : values(`${name}.bias`, c.bias, c.outChannels, "outChannels");
    const pool = b.pool === null ? null : new Pool2d(b.pool.kind, { kernel: b.pool.kernel, stride: b.pool.stride, padding: b.pool.padding, name: `blocks.${l}.pool` });
    let bn: BatchNorm2d<Float32Array> | null = null;
    if (b.bn) {
      const O = c.outChannels;
      bn = new BatchNorm2d(O, new Float32Array(0), { eps: b.bn.eps, momentum: b.bn.momentum, name: `blocks.${l}.bn` });
      bn.weightParam.value.set(values(`blocks.${l}.bn.weight`, b.bn.weight, O, "outChannels"));
      bn.biasParam.value.set(values(`blocks.${l}.bn.bias`, b.bn.bias, O, "outChannels"));
      // Running statistics are float64 (not rounded through float32).
      values(`blocks.${l}.bn.runningMean`, b.bn.runningMean, O, "outChannels");
      values(`blocks.${l}.bn.runningVar`, b.bn.runningVar, O, "outChannels");
      if (b.bn.runningMean.length === O && b.bn.runningVar.length === O) {
        bn.runningMean.set(b.bn.runningMean);
        bn.runningVar.set(b.bn.runningVar);
      }
    }
    return { conv: new Conv2d(c.inChannels, weight, bias, geometry, name), pool, bn };
  });
  const h = json.linear;
  const w = new Matrix(h.outputs, h.inputs, values("linear.weight", h.weight, h.outputs * h.inputs, `${h.outputs}×${h.inputs}`));
  const b = h.bias === null ? null : values("linear.bias", h.bias, h.outputs, "outputs");
  if (issues.length > 0) throw new ConfigError(issues);
  return new Cnn(json.input, blocks, new Linear(w, b, "head"), json.head, json.activation);
}
