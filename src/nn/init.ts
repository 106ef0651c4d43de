/**
 * Weight initialisations, drawing from the one seeded Rng passed in. fanIn = I for a
 * weight of shape (O, I).
 */
import type { Rng } from "../tensor/rng.js";
import type { FloatArray } from "../tensor/matrix.js";
import type { Linear } from "./layers/linear.js";

export type InitName = "lecun-normal" | "pytorch-default";

/** LeCun normal: W ~ N(0, 1/fanIn) (the init SELU's self-normalisation assumes); bias = 0. */
export function initLecunNormal<T extends FloatArray>(layer: Linear<T>, rng: Rng): void {
  rng.fillNormal(layer.weight.data, 0, 1 / Math.sqrt(layer.inputs));
  if (layer.bias !== null) layer.bias.fill(0);
}

/**
 * PyTorch's nn.Linear default (kaiming_uniform with a = √5): W and b ~ U(-1/√fanIn, 1/√fanIn).
 */
export function initPytorchDefault<T extends FloatArray>(layer: Linear<T>, rng: Rng): void {
  const bound = layer.inputs > 0 ? 1 / Math.sqrt(layer.inputs) : 0;
  rng.fillUniform(layer.weight.data, -bound, bound);
  if (layer.bias !== null) rng.fillUniform(layer.bias, -bound, bound);
}

export function initLinear<T extends FloatArray>(name: InitName, layer: Linear<T>, rng: Rng): void {
  if (name === "lecun-normal") initLecunNormal(layer, rng);
  else initPytorchDefault(layer, rng);
}
