/**
 * The golden-case schema (`test/golden/README.md`, schema_version 1) as a zod schema, and
 * its parser. Tensors are `{shape, data}` with nested row-major lists; they are checked
 * against their declared shape and decoded into Matrix64 (2-D) or Float64Array (1-D). A
 * malformed case throws one DataError naming the file, each bad field and what was expected.
 */
import { z } from "zod";
import { DataError } from "../errors.js";
import { Matrix, type Matrix64 } from "../tensor/matrix.js";
import { activationName as activation, classIndices, finiteNumber as num, tensorField } from "./golden-fields.js";

const matrix = tensorField(2, (shape, flat) => new Matrix(shape[0], shape[1], flat));
const vector = tensorField(1, (_, flat) => flat);

const addedParameters = z.object({
  k: z.number().int().min(0),
  S_growth_inv_sqrt: matrix,
  all_singular_values: vector,
  eigenvalues: vector,
  alpha_weight: matrix,
  alpha_bias: vector.nullable(),
  omega: matrix,
  sign_flips_vs_torch_svd: z.array(z.number()).optional(),
  activation_gradient_at_0: num,
  new_neurons_fo_improvement: num,
  first_order_improvement: num,
  extended_input_layer_bias: vector.nullable(),
});

export const GoldenCaseSchema = z.object({
  schema_version: z.literal(1),
  name: z.string(),
  description: z.string().optional(),
  config: z.object({
    in_features: z.number().int().min(0),
    hidden_features: z.number().int().min(0),
    out_features: z.number().int().min(1),
    n_samples: z.number().int().min(1),
    batches: z.array(z.number().int().min(1)).min(1),
    layer1_bias: z.boolean(),
    layer2_bias: z.boolean(),
    activation,
    loss: z.enum(["mse_sum", "cross_entropy_sum"]),
    numerical_threshold: num,
    statistical_threshold: num,
    maximum_added_neurons: z.number().int().min(0).nullable(),
    dtype: z.literal("float64"),
  }),
  inputs: z.object({
    X: matrix,
    Y: z.union([matrix, classIndices]),
    W1: matrix,
    b1: vector.nullable(),
    W2: matrix,
    b2: vector.nullable(),
  }),
  forward: z.object({ H1: matrix, B1: matrix, A2: matrix, G: matrix, loss_sum: num, loss_per_sample: num }),
  statistics: z.object({ n_samples: z.number().int(), S: matrix, M: matrix, S_growth: matrix, M_prev: matrix, P_cross: matrix, E_grad_cov: matrix }),
  optimal_delta: z.object({ delta_raw: matrix, delta_weight: matrix, delta_bias: vector.nullable(), parameter_update_decrease: num }),
  bottleneck: z.object({ V_proj: matrix, V_proj_fro_norm: num, V_proj_mean_sq_norm: num, G_mean_sq_norm: num, N: matrix }),
  added_parameters: addedParameters,
  added_parameters_no_projection: z.object({ eigenvalues: vector, alpha_weight: matrix, alpha_bias: vector.nullable(), omega: matrix }).nullable(),
  extended_forward: z.object({ gammas: z.array(num).min(1), loss_per_sample: z.array(num).min(1) }),
  line_search: z.object({
    gamma_star: num,
    loss_star: num,
    n_evaluations: z.number().int().min(1),
    history_gamma: z.array(num),
    history_loss: z.array(num),
  }),
  after_apply_change: z.object({
    gamma: num,
    W1: matrix,
    b1: vector.nullable(),
    W2: matrix,
    b2: vector.nullable(),
    loss_per_sample: num,
    hidden_features: z.number().int().min(0),
  }),
});

export type GoldenCase = z.output<typeof GoldenCaseSchema>;

/** Cross-field checks: the inputs must have the shapes the config implies. Returns issue strings. */
function inputShapeIssues(c: GoldenCase): string[] {
  const { in_features: d0, hidden_features: d1, out_features: d2, n_samples: n, batches } = c.config;
  const issues: string[] = [];
  const want = (field: string, m: Matrix64, rows: number, cols: number): void => {
    if (m.rows !== rows || m.cols !== cols) issues.push(`${field}: expected shape [${rows}, ${cols}] (from config), got [${m.rows}, ${m.cols}]`);
  };
  const wantLen = (field: string, v: Float64Array | null, len: number, present: boolean): void => {
    if (present && v === null) issues.push(`${field}: expected a vector of length ${len} (the layer has a bias), got null`);
    if (!present && v !== null) issues.push(`${field}: expected null (the layer has no bias), got a vector`);
    if (v !== null && present && v.length !== len) issues.push(`${field}: expected length ${len} (from config), got ${v.length}`);
  };
  want("inputs.X", c.inputs.X, n, d0);
  want("inputs.W1", c.inputs.W1, d1, d0);
  want("inputs.W2", c.inputs.W2, d2, d1);
  wantLen("inputs.b1", c.inputs.b1, d1, c.config.layer1_bias);
  wantLen("inputs.b2", c.inputs.b2, d2, c.config.layer2_bias);
  const y = c.inputs.Y;
  if (c.config.loss === "mse_sum") {
    if (y instanceof Int32Array) issues.push(`inputs.Y: expected a matrix [${n}, ${d2}] of targets for mse_sum, got class indices`);
    else want("inputs.Y", y, n, d2);
  } else if (!(y instanceof Int32Array)) {
    issues.push(`inputs.Y: expected ${n} class indices for cross_entropy_sum, got a matrix`);
  } else {
    if (y.length !== n) issues.push(`inputs.Y: expected ${n} class indices, got ${y.length}`);
    const bad = y.findIndex((v) => v >= d2);
    if (bad >= 0) issues.push(`inputs.Y: expected class indices below ${d2}, got ${y[bad]} at [${bad}]`);
  }
  const total = batches.reduce((a, b) => a + b, 0);
  if (total !== n) issues.push(`config.batches: expected sizes summing to n_samples = ${n}, got ${total}`);
  return issues;
}

/** Validates and decodes a parsed JSON golden case; `file` names it in errors. */
export function parseGoldenCase(json: unknown, file: string): GoldenCase {
  const result = GoldenCaseSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `field ${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    throw new DataError(file, `not a golden case (schema_version 1):\n  ${lines.join("\n  ")}`);
  }
  const issues = inputShapeIssues(result.data);
  if (issues.length > 0) throw new DataError(file, `inconsistent golden case:\n  ${issues.map((i) => `field ${i}`).join("\n  ")}`);
  return result.data;
}
