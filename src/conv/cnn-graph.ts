/**
 * A sequential CNN's structure as the run log carries it at every step (docs/run-log.md
 * `graph`): the chain in → c1 → … → cL → out, a node per block with its channels and the
 * spatial `shape` [height, width] of its feature map (after the block's pooling), and an edge
 * per layer with its own parameter count (`params`: a convolution's k_h·k_w·C_in·C_out
 * weights, its biases and batch-norm scales; the head's weights and biases), since a
 * convolution's count is not the size_to × size_from of a fully connected edge. A
 * convolution's edge also has its `kernel` [k_h, k_w]; the head's edge has none.
 */
import type { ActivationName } from "../nn/layers/activation.js";
import { countParams } from "../nn/param.js";
import type { FloatArray } from "../tensor/matrix.js";
import type { Cnn } from "./cnn.js";

export interface CnnGraphJson {
  nodes: { name: string; kind: "input" | "output" | "hidden"; size: number; activation: ActivationName; shape?: [number, number] }[];
  edges: { from: string; to: string; bias: boolean; params: number; label: string; kernel?: [number, number] }[];
}

export function cnnGraphJson<T extends FloatArray>(model: Cnn<T>): CnnGraphJson {
  const names = ["in", ...model.blocks.map((_, i) => `c${i + 1}`), "out"];
  const shapes = model.shapes();
  const hidden = model.blocks.map((b, i) => ({ name: names[i + 1], kind: "hidden" as const, size: b.conv.outChannels, activation: model.activation, shape: [shapes[i].output.height, shapes[i].output.width] as [number, number] }));
  const edges: CnnGraphJson["edges"] = model.blocks.map((b, i) => {
    const [kh, kw] = b.conv.geometry.kernel;
    const params = countParams(b.bn === null ? b.conv.params() : [...b.conv.params(), ...b.bn.params()]);
    return { from: names[i], to: names[i + 1], bias: b.conv.params().length > 1, params, label: `conv ${kh}×${kw}${b.bn === null ? "" : " + BN"}${b.pool === null ? "" : " + pool"}`, kernel: [kh, kw] as [number, number] };
  });
  edges.push({ from: names[names.length - 2], to: "out", bias: model.head.params().length > 1, params: countParams(model.head.params()), label: model.headKind === "gap" ? "GAP → linear" : "flatten → linear" });
  return {
    nodes: [{ name: "in", kind: "input", size: model.input.channels, activation: "identity", shape: [model.input.height, model.input.width] }, ...hidden, { name: "out", kind: "output", size: model.outputs, activation: "identity" }],
    edges,
  };
}
