/**
 * A sequential MLP as a DAG chain (in → h1 → … → hk → out), so that a model grown by
 * grow-mlp is saved, predicted with and exported like a grown DAG. The weights are copied.
 * A hidden layer of width 0 cuts the chain: everything after it is a constant, so the
 * DAG is one zero-weight edge in → out whose bias is that constant output.
 */
import type { Kernels } from "../kernels/kernels.js";
import type { Mlp } from "../nn/mlp.js";
import { Matrix } from "../tensor/matrix.js";
import { DagModel } from "./model.js";
import type { DagGraphJson } from "./serialize.js";

export function mlpToDag(mlp: Mlp, kernels: Kernels): DagModel<Float32Array> {
  const sizes = mlp.sizes;
  const I = sizes[0];
  const O = sizes[sizes.length - 1];
  const dag = DagModel.empty(I, O, { activation: mlp.activation });
  if (sizes.slice(1, -1).some((s) => s === 0)) {
    const constant = mlp.forward(kernels, new Matrix(1, I, new Float32Array(I)));
    dag.addEdge("in", "out", { weight: new Matrix(O, I, new Float32Array(O * I)), biasValues: Float32Array.from(constant.data.subarray(0, O)) });
    return dag;
  }
  const names = ["in", ...sizes.slice(1, -1).map((_, i) => `h${i + 1}`), "out"];
  for (let h = 1; h < names.length - 1; h++) dag.addNode(names[h], sizes[h], mlp.activation);
  mlp.layers.forEach((layer, l) => {
    const w = layer.weight;
    dag.addEdge(names[l], names[l + 1], {
      bias: layer.bias !== null,
      weight: new Matrix(w.rows, w.cols, Float32Array.from(w.data)),
      biasValues: layer.bias === null ? undefined : Float32Array.from(layer.bias),
    });
  });
  return dag;
}

/**
 * The MLP's structure as the run log carries it at every step (docs/run-log.md `graph`): the
 * chain in → h1 → … → hk → out of `mlpToDag` (the same names), every layer an edge with its
 * bias. A hidden layer of width 0 stays in the chain as a node of size 0 (its edges then have
 * no weights), so that the logged parameter count is the MLP's own.
 */
export function mlpGraphJson(mlp: Mlp): DagGraphJson {
  const sizes = mlp.sizes;
  const names = ["in", ...sizes.slice(1, -1).map((_, i) => `h${i + 1}`), "out"];
  return {
    nodes: names.map((name, i) => ({ name, kind: i === 0 ? "input" : i === names.length - 1 ? "output" : "hidden", size: sizes[i], activation: i === 0 || i === names.length - 1 ? "identity" : mlp.activation })),
    edges: mlp.layers.map((layer, l) => ({ from: names[l], to: names[l + 1], bias: layer.bias !== null })),
  };
}
