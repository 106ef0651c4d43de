/**
 * Field decoders shared by the two golden-case schemas (golden-schema.ts for fully connected
 * pairs, conv/golden-conv-schema.ts for conv pairs): nested row-major lists checked against
 * their declared shape, class indices, finite numbers and activation names.
 */
import { z } from "zod";
import { isActivationName, type ActivationName } from "../nn/layers/activation.js";

/**
 * Flattens nested lists of the declared shape (C order); returns an error string instead
 * when they do not fit. A zero dimension may be written with empty inner lists or none at all.
 */
export function flattenNested(shape: readonly number[], data: unknown): Float64Array | string {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  let offset = 0;
  const walk = (node: unknown, depth: number, where: string): string | null => {
    if (depth === shape.length) {
      if (typeof node !== "number" || !Number.isFinite(node)) return `a finite number at ${where || "[]"}, got ${JSON.stringify(node)}`;
      out[offset++] = node;
      return null;
    }
    if (!Array.isArray(node)) return `a list at ${where || "data"}, got ${JSON.stringify(node)}`;
    if (node.length === 0 && (shape[depth] === 0 || size === 0)) return null;
    if (node.length !== shape[depth]) return `${shape[depth]} entries at ${where || "data"} (shape [${shape.join(", ")}]), got ${node.length}`;
    for (let i = 0; i < node.length; i++) {
      const err = walk(node[i], depth + 1, `${where}[${i}]`);
      if (err !== null) return err;
    }
    return null;
  };
  const err = walk(data, 0, "");
  if (err !== null) return err;
  if (offset !== size) return `${size} numbers for shape [${shape.join(", ")}], got ${offset}`;
  return out;
}

/** `{shape, data}` of the given rank, decoded by `make` from the flat data (an issue on `data` when it does not fit). */
export function tensorField<T>(rank: number, make: (shape: number[], flat: Float64Array) => T) {
  return z.object({ shape: z.array(z.number().int().min(0)).length(rank), data: z.array(z.unknown()) }).transform((t, ctx): T => {
    const flat = flattenNested(t.shape, t.data);
    if (typeof flat === "string") {
      ctx.addIssue({ code: "custom", message: `expected ${flat}`, path: ["data"] });
      return z.NEVER;
    }
    return make(t.shape, flat);
  });
}

export const classIndices = z
  .object({ shape: z.array(z.number().int().min(0)).length(1), data: z.array(z.number().int().min(0)) })
  .refine((t) => t.data.length === t.shape[0], { message: "expected as many class indices as shape[0]", path: ["data"] })
  .transform((t) => Int32Array.from(t.data));

export const finiteNumber = z.number().refine(Number.isFinite, { message: "expected a finite number" });

export const activationName = z
  .string()
  .refine(isActivationName, { message: "expected an activation name (selu, relu, tanh, identity, …)" })
  .transform((s) => s as ActivationName);
