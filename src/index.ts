/**
 * tinygrow's public API. The building blocks are grouped by what they do:
 *
 *   import { chooseKernels, Rng, nn, growth, dag, data } from "tinygrow";
 *   const { kernels } = chooseKernels("auto");
 *   const model = nn.Mlp.create({ sizes: [20, 0, 1], activation: "selu" }, new Rng(0));
 *
 * Every name is listed on purpose: test/structure.test.ts snapshots this surface.
 */
export {
  TinygrowError,
  ShapeError,
  ConfigError,
  DataError,
  NumericalError,
  NativeUnavailableError,
  GraphError,
  TrainingError,
  type ErrorCode,
  type ConfigIssue,
} from "./errors.js";
export { Matrix, zeros32, zeros64, fromArrays32, fromArrays64, toFloat32, toFloat64, type Matrix32, type Matrix64, type FloatArray } from "./tensor/matrix.js";
export { Rng, type RngState } from "./tensor/rng.js";
export type { Kernels, KernelName, GemmOptions, EighResult, SvdResult } from "./kernels/kernels.js";
export { chooseKernels, parseKernelRequest, type KernelChoice, type KernelRequest } from "./kernels/select.js";
export { portableKernels } from "./kernels/portable/index.js";
export { Accountant, type AccountingSnapshot } from "./experiments/accounting.js";

export * as nn from "./nn/index.js";
export * as growth from "./growth/index.js";
export * as dag from "./dag/index.js";
export * as data from "./data/index.js";
