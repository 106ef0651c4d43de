/**
 * The conv golden-case schema (`test/golden-conv/README.md`, schema_version 1) as a zod schema.
 * `config` and `inputs` (what the recomputation reads) are validated strictly, with
 * cross-field shape checks; the reference sections are decoded generically: every
 * `{shape, data}` object becomes a TensorNd, numbers and lists stay as they are. A malformed
 * case throws one DataError naming the file, each bad field and what was expected.
 */
import { z } from "zod";
import { DataError } from "../../errors.js";
import { activationName as activation, classIndices, finiteNumber as num, flattenNested, tensorField } from "../golden-fields.js";

/** An n-dimensional float64 tensor, C order. */
export interface TensorNd {
  shape: number[];
  data: Float64Array;
}

const tensorOfRank = (rank: number) => tensorField(rank, (shape, data): TensorNd => ({ shape, data }));

const pair = z.tuple([z.number().int(), z.number().int()]);
const convConfig = z.object({ kernel_size: pair, stride: pair, padding: pair, dilation: pair });

export const ConvGoldenCaseSchema = z.object({
  schema_version: z.literal(1),
  name: z.string(),
  description: z.string().optional(),
  config: z.object({
    variant: z.enum(["full", "restricted"]),
    path: z.enum(["modules", "block_zero_hidden"]),
    in_channels: z.number().int().min(1),
    hidden_channels: z.number().int().min(0),
    out_channels: z.number().int().min(1),
    input_size: pair,
    conv1: convConfig,
    conv2: convConfig,
    n_samples: z.number().int().min(1),
    batches: z.array(z.number().int().min(1)).min(1),
    layer1_bias: z.boolean(),
    layer2_bias: z.boolean(),
    activation,
    loss: z.enum(["mse_sum", "ce_gap_sum"]),
    residual: z.boolean(),
    use_projection: z.boolean(),
    numerical_threshold: num,
    statistical_threshold: num,
    maximum_added_neurons: z.number().int().min(0).nullable(),
    dtype: z.literal("float64"),
  }),
  inputs: z.object({
    X: tensorOfRank(4),
    Y: z.union([tensorOfRank(4), classIndices]),
    W1: tensorOfRank(4),
    b1: tensorOfRank(1).nullable(),
    W2: tensorOfRank(4),
    b2: tensorOfRank(1).nullable(),
  }),
  extended_forward: z.object({ gammas: z.array(num).min(1), output_gammas: z.array(num) }).passthrough(),
});

export type ConvGoldenCase = z.output<typeof ConvGoldenCaseSchema> & { reference: unknown };

/** Every {shape, data} object of a reference section decoded to a TensorNd (others unchanged). */
function decodeReference(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(decodeReference);
  if (node === null || typeof node !== "object") return node;
  const o = node as Record<string, unknown>;
  if (Array.isArray(o.shape) && "data" in o && Object.keys(o).length === 2) {
    const shape = o.shape as number[];
    const flat = flattenNested(shape, o.data);
    return typeof flat === "string" ? { invalid: flat } : { shape, data: flat };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeReference(v);
  return out;
}

function shapeIssues(c: z.output<typeof ConvGoldenCaseSchema>): string[] {
  const { in_channels: C0, hidden_channels: C1, out_channels: C2, n_samples: n, batches, conv1, conv2 } = c.config;
  const issues: string[] = [];
  const want = (field: string, t: { shape: number[] } | null, shape: number[], present = true): void => {
    if (!present) {
      if (t !== null) issues.push(`${field}: expected null (the layer has no bias), got a tensor`);
      return;
    }
    if (t === null) issues.push(`${field}: expected a tensor of shape [${shape.join(", ")}], got null`);
    else if (t.shape.join(",") !== shape.join(",")) issues.push(`${field}: expected shape [${shape.join(", ")}] (from config), got [${t.shape.join(", ")}]`);
  };
  want("inputs.X", c.inputs.X, [n, C0, ...c.config.input_size]);
  want("inputs.W1", c.inputs.W1, [C1, C0, ...conv1.kernel_size]);
  want("inputs.W2", c.inputs.W2, [C2, C1, ...conv2.kernel_size]);
  want("inputs.b1", c.inputs.b1, [C1], c.config.layer1_bias);
  want("inputs.b2", c.inputs.b2, [C2], c.config.layer2_bias);
  const y = c.inputs.Y;
  if (c.config.loss === "ce_gap_sum") {
    if (!(y instanceof Int32Array)) issues.push(`inputs.Y: expected ${n} class indices for ce_gap_sum, got a tensor`);
    else {
      if (y.length !== n) issues.push(`inputs.Y: expected ${n} class indices, got ${y.length}`);
      const bad = y.findIndex((v) => v >= C2);
      if (bad >= 0) issues.push(`inputs.Y: expected class indices below ${C2}, got ${y[bad]} at [${bad}]`);
    }
  } else if (y instanceof Int32Array) issues.push("inputs.Y: expected a target tensor for mse_sum, got class indices");
  const total = batches.reduce((a, b) => a + b, 0);
  if (total !== n) issues.push(`config.batches: expected sizes summing to n_samples = ${n}, got ${total}`);
  if (c.config.path === "block_zero_hidden" && C1 !== 0) issues.push(`config.hidden_channels: expected 0 on the block_zero_hidden path, got ${C1}`);
  if (c.config.residual && C0 !== C2) issues.push(`config.residual: expected in_channels = out_channels (${C0} ≠ ${C2})`);
  return issues;
}

/** Whether parsed JSON looks like a conv case (its config names channels, not features). */
export function isConvGoldenJson(json: unknown): boolean {
  const cfg = (json as { config?: Record<string, unknown> } | null)?.config;
  return typeof cfg === "object" && cfg !== null && ("in_channels" in cfg || "variant" in cfg);
}

export function parseConvGoldenCase(json: unknown, file: string): ConvGoldenCase {
  const result = ConvGoldenCaseSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `field ${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    throw new DataError(file, `not a conv golden case (schema_version 1):\n  ${lines.join("\n  ")}`);
  }
  const issues = shapeIssues(result.data);
  if (issues.length > 0) throw new DataError(file, `inconsistent conv golden case:\n  ${issues.map((i) => `field ${i}`).join("\n  ")}`);
  return { ...result.data, reference: decodeReference(json) };
}
