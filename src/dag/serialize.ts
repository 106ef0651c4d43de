/**
 * A DAG model as JSON (nodes, edges, weights) for the run folder, checkpoints and the
 * worker threads. Float32 values survive the round trip exactly (float32 → double → float32).
 */
import { GraphError } from "../errors.js";
import { isActivationName, type ActivationName } from "../nn/layers/activation.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import { DagModel } from "./model.js";

export const DAG_FORMAT = "tinygrow-dag";
export const DAG_FORMAT_VERSION = 1;

export interface DagModelJson {
  format: typeof DAG_FORMAT;
  version: number;
  dtype: "float32" | "float64";
  /** Activation of new hidden nodes. */
  activation: ActivationName;
  input: { name: string; size: number };
  output: { name: string; size: number };
  /** Hidden nodes, in insertion order. */
  nodes: { name: string; size: number; activation: ActivationName }[];
  /** Edges in insertion order; weight row-major (size_to × size_from), bias null for an edge without one. */
  edges: { from: string; to: string; weight: number[]; bias: number[] | null }[];
}

export function modelToJson<T extends FloatArray>(model: DagModel<T>): DagModelJson {
  return {
    format: DAG_FORMAT,
    version: DAG_FORMAT_VERSION,
    dtype: model.dtype,
    activation: model.defaultActivation,
    input: { name: model.inputName, size: model.inputSize },
    output: { name: model.outputName, size: model.outputSize },
    nodes: model.graph.nodes.filter((n) => n.kind === "hidden").map((n) => ({ name: n.name, size: n.size, activation: n.activation })),
    edges: model.edgeLayers().map(({ edge, layer }) => ({
      from: edge.from,
      to: edge.to,
      weight: Array.from(layer.weight.data),
      bias: layer.bias === null ? null : Array.from(layer.bias),
    })),
  };
}

/** Rebuilds a float32 model (GraphError on a malformed document, naming the node or edge). */
export function modelFromJson(json: DagModelJson): DagModel<Float32Array> {
  if (json.format !== DAG_FORMAT) throw new GraphError(`not a DAG model document: format is "${String(json.format)}", expected "${DAG_FORMAT}"`);
  if (json.version !== DAG_FORMAT_VERSION) throw new GraphError(`DAG model format version ${json.version} is not supported (expected ${DAG_FORMAT_VERSION})`);
  if (!isActivationName(json.activation)) throw new GraphError(`unknown activation "${json.activation}"`);
  const model = DagModel.empty(json.input.size, json.output.size, { activation: json.activation, inputName: json.input.name, outputName: json.output.name });
  for (const n of json.nodes) model.addNode(n.name, n.size, n.activation);
  for (const e of json.edges) {
    const rows = model.graph.node(e.to).size;
    const cols = model.graph.node(e.from).size;
    if (e.weight.length !== rows * cols) throw new GraphError(`edge "${e.from}" -> "${e.to}": weight has ${e.weight.length} values, expected ${rows}×${cols}`);
    if (e.bias !== null && e.bias.length !== rows) throw new GraphError(`edge "${e.from}" -> "${e.to}": bias has ${e.bias.length} values, expected ${rows}`);
    model.addEdge(e.from, e.to, {
      bias: e.bias !== null,
      weight: new Matrix(rows, cols, Float32Array.from(e.weight)),
      biasValues: e.bias === null ? undefined : Float32Array.from(e.bias),
    });
  }
  return model;
}

/** The structure of a DAG without weights, as logged at every growth step (see docs/run-log.md). */
export interface DagGraphJson {
  /** Every node, input and output included, in insertion order. */
  nodes: { name: string; kind: "input" | "output" | "hidden"; size: number; activation: ActivationName }[];
  edges: { from: string; to: string; bias: boolean }[];
}

export function graphToJson<T extends FloatArray>(model: DagModel<T>): DagGraphJson {
  return {
    nodes: model.graph.nodes.map((n) => ({ name: n.name, kind: n.kind, size: n.size, activation: n.activation })),
    edges: model.graph.edges.map((e) => ({ from: e.from, to: e.to, bias: e.bias })),
  };
}
