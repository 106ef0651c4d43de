/**
 * A TabularModel as a standard ONNX model (platform-free: returns the protobuf bytes).
 * Written with protobufjs through the official ONNX schema compiled by the onnx-proto
 * package (onnx.proto of ONNX 1.10; IR version 8). Default opset 15 (opsets 13–20).
 *
 * Graph, for an input "input" float32 (N, F) holding the raw feature columns in the model's
 * order (a categorical column as its category index, see model.json features.columns):
 *   missing values  IsNaN + Where: NaN → the column's training mean (models fitted with --missing mean)
 *   one-hot         Gather(column) → Equal(0…K−1) → Cast(float), Concat with the numeric columns
 *   scaling         Sub(shift), Mul(scale)                        (omitted when "none")
 *   network         one Gemm (transB = 1, bias as C) per edge; a node with several in-edges
 *                   sums them with Add; activations Relu, Sigmoid, Tanh, Selu (tinygrow's
 *                   α, λ), Softplus, and GELU as 0.5·x·(1 + Erf(x/√2)) below opset 20 (Gelu from 20)
 *   outputs         regression: "prediction" (N, T) = z / scale + shift (target units);
 *                   classification: "logits" (N, C) and "probabilities" = Softmax(logits, axis 1).
 * metadata_props record the feature columns, categories, targets/classes (JSON).
 */
import onnxProto from "onnx-proto";
import { TinygrowError } from "../errors.js";
import type { ActivationName } from "../kernels/kernels.js";
import { SELU_ALPHA, SELU_SCALE } from "../kernels/portable/activation.js";
import { encodedWidth } from "../data/preprocess.js";
import type { TabularModel } from "../model/tabular-model.js";

const { onnx } = onnxProto;

export const ONNX_DEFAULT_OPSET = 15;
export const ONNX_OPSETS = [13, 14, 15, 16, 17, 18, 19, 20] as const;
const IR_VERSION = 8;

/** The model cannot be written in the chosen opset. */
export class OnnxExportError extends TinygrowError {
  constructor(detail: string) {
    super("config", `ONNX export: ${detail}`);
  }
}

export interface OnnxExportOptions {
  opset?: number;
  producerVersion?: string;
}

type Attr = { name: string; type: number; i?: number; f?: number; ints?: number[] };

/** Builds nodes and initializers with unique names. */
class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private count = 0;

  constant(name: string, dims: number[], values: ArrayLike<number>, type: "float" | "int64" = "float"): string {
    const t = onnx.TensorProto.create({ name, dims, dataType: type === "float" ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64 });
    if (type === "float") t.rawData = new Uint8Array(Float32Array.from(values).buffer);
    else t.int64Data = Array.from(values);
    this.initializers.push(t);
    return name;
  }

  node(opType: string, inputs: string[], attrs: Attr[] = [], output?: string): string {
    const out = output ?? `${opType.toLowerCase()}_${this.count++}`;
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [out], name: `${opType}_${this.count++}`, attribute: attrs.map((a) => onnx.AttributeProto.create(a)) }));
    return out;
  }
}

const INT = onnx.AttributeProto.AttributeType.INT;
const FLOAT = onnx.AttributeProto.AttributeType.FLOAT;

/** σ(x) as ONNX nodes; OnnxExportError for an activation with no form in `opset`. */
function activationNodes(g: GraphBuilder, name: ActivationName | string, x: string, opset: number, prefix: string): string {
  switch (name) {
    case "identity":
      return x;
    case "relu":
      return g.node("Relu", [x]);
    case "sigmoid":
      return g.node("Sigmoid", [x]);
    case "tanh":
      return g.node("Tanh", [x]);
    case "softplus":
      // tinygrow returns x above 20; log(1 + eˣ) differs from x there by < 2.1e-9.
      return g.node("Softplus", [x]);
    case "selu":
      return g.node("Selu", [x], [
        { name: "alpha", type: FLOAT, f: SELU_ALPHA },
        { name: "gamma", type: FLOAT, f: SELU_SCALE },
      ]);
    case "gelu": {
      if (opset >= 20) return g.node("Gelu", [x]);
      // Exact GELU (PyTorch's default): 0.5 · x · (1 + erf(x / √2)).
      const half = g.constant(`${prefix}.gelu_half`, [], [0.5]);
      const one = g.constant(`${prefix}.gelu_one`, [], [1]);
      const invSqrt2 = g.constant(`${prefix}.gelu_inv_sqrt2`, [], [Math.SQRT1_2]);
      const erf = g.node("Erf", [g.node("Mul", [x, invSqrt2])]);
      return g.node("Mul", [g.node("Mul", [x, half]), g.node("Add", [erf, one])]);
    }
    default:
      throw new OnnxExportError(`activation "${name}" has no ONNX form in opset ${opset} (supported: identity, relu, sigmoid, tanh, softplus, selu, gelu)`);
  }
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
  });
}

/** The preprocessing nodes: raw "input" (N, F) → encoded, scaled features (N, E). */
function preprocessingNodes(g: GraphBuilder, model: TabularModel): string {
  const { columns, fill, scaling, shift, scale } = model.features;
  let x = "input";
  if (fill.some((f) => f !== null)) {
    const fills = g.constant("pre.fill", [columns.length], fill.map((f) => (f === null ? NaN : f)));
    x = g.node("Where", [g.node("IsNaN", [x]), fills, x], [], "pre.filled");
  }
  if (columns.some((c) => c.kind === "categorical")) {
    const pieces: string[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length === 0) return;
      pieces.push(g.node("Gather", [x, g.constant(`pre.cols${pieces.length}`, [run.length], run, "int64")], [{ name: "axis", type: INT, i: 1 }]));
      run = [];
    };
    columns.forEach((c, j) => {
      if (c.kind === "numeric") {
        run.push(j);
        return;
      }
      flush();
      const col = g.node("Gather", [x, g.constant(`pre.${j}.index`, [1], [j], "int64")], [{ name: "axis", type: INT, i: 1 }]);
      const codes = g.constant(`pre.${j}.categories`, [1, c.categories.length], c.categories.map((_, k) => k));
      pieces.push(g.node("Cast", [g.node("Equal", [col, codes])], [{ name: "to", type: INT, i: onnx.TensorProto.DataType.FLOAT }]));
    });
    flush();
    x = pieces.length === 1 ? pieces[0] : g.node("Concat", pieces, [{ name: "axis", type: INT, i: 1 }], "pre.encoded");
  }
  if (scaling !== "none") {
    const E = encodedWidth(columns);
    x = g.node("Sub", [x, g.constant("pre.shift", [E], shift)]);
    x = g.node("Mul", [x, g.constant("pre.scale", [E], scale)], [], "features");
  }
  return x;
}

/** The DAG in topological order; returns the output node's pre-activation z_out. */
function networkNodes(g: GraphBuilder, model: TabularModel, x: string, opset: number): string {
  const net = model.network;
  const graph = net.graph;
  const act = new Map<string, string>([[net.inputName, x]]);
  let zOut = "";
  for (const v of graph.topologicalOrder()) {
    if (v === net.inputName) continue;
    const node = graph.node(v);
    const terms = graph.inEdges(v).map((e) => {
      const layer = net.layer(e.from, e.to);
      const W = g.constant(`${e.from}->${e.to}.weight`, [layer.weight.rows, layer.weight.cols], layer.weight.data);
      const inputs = [act.get(e.from) as string, W];
      if (layer.bias !== null) inputs.push(g.constant(`${e.from}->${e.to}.bias`, [layer.bias.length], layer.bias));
      return g.node("Gemm", inputs, [{ name: "transB", type: INT, i: 1 }]);
    });
    let z: string;
    if (terms.length === 0) {
      // No in-edge: z = 0 (the empty graph's output), as a Gemm with zero weights.
      z = g.node("Gemm", [x, g.constant(`${v}.zero`, [node.size, net.inputSize], new Float32Array(node.size * net.inputSize))], [{ name: "transB", type: INT, i: 1 }]);
    } else z = terms.reduce((sum, t) => g.node("Add", [sum, t]));
    if (v === net.outputName) zOut = z;
    else act.set(v, activationNodes(g, node.activation, z, opset, v));
  }
  return zOut;
}

/** The ONNX model bytes (ModelProto). OnnxExportError for an unsupported opset or activation. */
export function exportOnnx(model: TabularModel, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? ONNX_DEFAULT_OPSET;
  if (!(ONNX_OPSETS as readonly number[]).includes(opset)) throw new OnnxExportError(`opset ${opset} is not supported (choose ${ONNX_OPSETS[0]}–${ONNX_OPSETS[ONNX_OPSETS.length - 1]})`);
  const g = new GraphBuilder();
  const features = preprocessingNodes(g, model);
  const z = networkNodes(g, model, features, opset);
  const O = model.network.outputSize;
  const outputs = [];
  if (model.task === "classification") {
    g.node("Identity", [z], [], "logits");
    g.node("Softmax", ["logits"], [{ name: "axis", type: INT, i: 1 }], "probabilities");
    outputs.push(valueInfo("logits", ["N", O]), valueInfo("probabilities", ["N", O]));
  } else {
    const t = model.targets;
    const identity = t === null || t.scale.every((s, i) => s === 1 && t.shift[i] === 0);
    if (identity || t === null) g.node("Identity", [z], [], "prediction");
    else g.node("Add", [g.node("Div", [z, g.constant("post.scale", [O], t.scale)]), g.constant("post.shift", [O], t.shift)], [], "prediction");
    outputs.push(valueInfo("prediction", ["N", O]));
  }
  const meta: Record<string, unknown> = { task: model.task, features: model.features.columns, outputs: model.outputNames };
  if (model.label !== null) meta.label = model.label;
  const m = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: opset }],
    producerName: "tinygrow",
    producerVersion: options.producerVersion ?? "0.1.0",
    docString: `tinygrow ${model.task} model: input (N, ${model.features.columns.length}) raw feature columns, preprocessing included`,
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value: JSON.stringify(value) })),
    graph: {
      name: "tinygrow",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", ["N", model.features.columns.length])],
      output: outputs,
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
