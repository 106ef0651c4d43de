/**
 * Flatten: (B, C, H, W) → (B, C·H·W). Batches are stored NCHW row-major as (B, C·H·W)
 * matrices already, in PyTorch's flatten order (c, h, w), so this is only a change of the
 * shape bookkeeping: the same matrix is the input of the linear head. The class exists so
 * that a network description names the step and checks the feature count.
 */
import type { ImageShape } from "./geometry.js";
import { imageSize } from "./geometry.js";

export class Flatten {
  readonly name: string;

  constructor(name = "flatten") {
    this.name = name;
  }

  /** C·H·W features. */
  features(input: ImageShape): number {
    return imageSize(input);
  }
}
