/**
 * The baselines of the MNIST experiment (Douka et al. Fig. 4):
 *
 *  - the fixed MLPs of LeCun et al. (1998, "Gradient-based learning applied to document
 *    recognition", Proc. IEEE 86(11), Fig. 9 / Table of §III.C): 784-300-10, 784-1000-10,
 *    784-300-100-10 and 784-500-150-10, trained here with the grown network's optimizer
 *    and epoch budget; their published test errors (4.7 %, 4.5 %, 3.05 %, 2.95 %) are
 *    reference points beside them;
 *  - the final grown structure retrained from scratch (experiments/baselines.ts).
 *
 * Every baseline is a DAG chain in → h1 → … → out with LeCun-normal weights and zero
 * biases, the initialisation of every edge growth adds, so the only difference from the
 * grown network is how the structure was found.
 */
import { DagModel } from "../dag/model.js";
import type { ActivationName } from "../nn/layers/activation.js";
import type { Rng } from "../tensor/rng.js";

export interface FixedMlp {
  /** "784-300-10": the published architecture. */
  name: string;
  /** Hidden widths as published. */
  hidden: readonly number[];
  /** LeCun et al.'s published test error (fraction), no distortions, no preprocessing. */
  publishedError: number;
}

/** LeCun et al. 1998: 2- and 3-layer fully connected networks, test error without distortions. */
export const LECUN_MLPS: readonly FixedMlp[] = [
  { name: "784-300-10", hidden: [300], publishedError: 0.047 },
  { name: "784-1000-10", hidden: [1000], publishedError: 0.045 },
  { name: "784-300-100-10", hidden: [300, 100], publishedError: 0.0305 },
  { name: "784-500-150-10", hidden: [500, 150], publishedError: 0.0295 },
];

/** The hidden widths trained here: the published ones times `scale` (rounded, at least 1). */
export function scaledHidden(mlp: FixedMlp, scale: number): number[] {
  return mlp.hidden.map((h) => Math.max(1, Math.round(h * scale)));
}

/** Parameters (weights and biases) of a fully connected chain of `sizes`. */
export function mlpParameterCount(sizes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < sizes.length; i++) n += sizes[i] * sizes[i + 1] + sizes[i + 1];
  return n;
}

/** LeCun et al.'s published points for Fig. 4: parameters of the published sizes, accuracy = 1 − error. */
export function publishedReferences(inputSize = 784, outputs = 10): { label: string; parameters: number; accuracy: number }[] {
  return LECUN_MLPS.map((m) => ({ label: `${m.name} (LeCun et al. 1998, ${(m.publishedError * 100).toFixed(2)}% error)`, parameters: mlpParameterCount([inputSize, ...m.hidden, outputs]), accuracy: 1 - m.publishedError }));
}

/** The chain in → h1 → … → out with the given hidden widths, LeCun-normal weights, zero biases. */
export function chainModel(inputSize: number, hidden: readonly number[], outputSize: number, activation: ActivationName, rng: Rng): DagModel<Float32Array> {
  const m = DagModel.empty(inputSize, outputSize, { activation });
  const names = hidden.map((_, i) => `h${i + 1}`);
  hidden.forEach((width, i) => m.addNode(names[i], width, activation));
  const path = [m.inputName, ...names, m.outputName];
  for (let i = 0; i + 1 < path.length; i++) m.addEdge(path[i], path[i + 1], { bias: true, init: "lecun-normal", rng });
  return m;
}
