/**
 * The description of a sequential CNN: conv blocks (conv → σ → optional pooling), then
 * flatten or global average pooling, then a linear head. Validation reports every bad
 * field at once (ConfigError, paths like `blocks.1.kernel`); shapes are then followed
 * block by block (ShapeError naming the layer whose window does not fit).
 */
import { ConfigError, type ConfigIssue } from "../errors.js";
import { isActivationName, type ActivationName } from "../kernels/kernels.js";
import type { Conv2dGeometryOptions, ImageShape, PairLike } from "./geometry.js";

export interface PoolSpec {
  kind: "max" | "avg";
  kernel: PairLike;
  /** Default: the kernel. */
  stride?: PairLike;
  padding?: PairLike;
}

export interface ConvBlockSpec extends Omit<Conv2dGeometryOptions, "kernel"> {
  /** Output channels of the conv (≥ 0: 0 is a block to be grown). */
  channels: number;
  /** Default 3. */
  kernel?: PairLike;
  /** Default true. */
  bias?: boolean;
  /** BatchNorm2d between the conv and σ; default false. */
  batchNorm?: boolean;
  /** Pooling after σ; default none. */
  pool?: PoolSpec | null;
}

export type HeadKind = "flatten" | "gap";

export interface CnnOptions {
  /** One image (C, H, W), e.g. MNIST { channels: 1, height: 28, width: 28 }. */
  input: ImageShape;
  blocks: readonly ConvBlockSpec[];
  /** σ after every conv; default "relu". */
  activation?: ActivationName;
  /** How the last block's maps reach the head: flatten (C·H·W features) or global average pooling (C); default "flatten". */
  head?: HeadKind;
  /** Outputs of the linear head (classes). */
  outputs: number;
  /** Default true. */
  headBias?: boolean;
}

function isPositiveInt(v: unknown, min: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= min;
}

/** Throws one ConfigError (source `source`) listing every problem of `options`. */
export function checkCnnOptions(options: CnnOptions, source = "cnn"): void {
  const issues: ConfigIssue[] = [];
  const add = (path: string, message: string) => issues.push({ source, path, message });
  const input = options.input;
  for (const f of ["channels", "height", "width"] as const) {
    if (!isPositiveInt(input?.[f], 1)) add(`input.${f}`, `expected a positive integer, got ${JSON.stringify(input?.[f])}`);
  }
  if (!Array.isArray(options.blocks) || options.blocks.length === 0) add("blocks", "expected a list of at least one conv block");
  else options.blocks.forEach((b, l) => {
    if (!isPositiveInt(b.channels, 0)) add(`blocks.${l}.channels`, `expected a non-negative integer, got ${JSON.stringify(b.channels)}`);
    if (b.pool && b.pool.kind !== "max" && b.pool.kind !== "avg") add(`blocks.${l}.pool.kind`, `expected "max" or "avg", got ${JSON.stringify(b.pool.kind)}`);
  });
  if (options.activation !== undefined && !isActivationName(options.activation)) add("activation", `unknown activation ${JSON.stringify(options.activation)}`);
  if (options.head !== undefined && options.head !== "flatten" && options.head !== "gap") add("head", `expected "flatten" or "gap", got ${JSON.stringify(options.head)}`);
  if (!isPositiveInt(options.outputs, 1)) add("outputs", `expected a positive integer, got ${JSON.stringify(options.outputs)}`);
  if (issues.length > 0) throw new ConfigError(issues);
}
