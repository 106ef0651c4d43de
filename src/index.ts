/**
 * tinygrow's public API in Node (the browser entry is src/browser/index.ts, `tinygrow/browser`):
 * the platform-free core plus the Node adapter (src/node: files, run folders, worker
 * threads, the addon). The building blocks are grouped by what they do:
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
  WasmUnavailableError,
  GraphError,
  TrainingError,
  type ErrorCode,
  type ConfigIssue,
} from "./errors.js";
export { Matrix, zeros32, zeros64, fromArrays32, fromArrays64, toFloat32, toFloat64, type Matrix32, type Matrix64, type FloatArray } from "./tensor/matrix.js";
export { Rng, type RngState } from "./tensor/rng.js";
export type { Kernels, KernelName, GemmOptions, EighResult, SvdResult, Im2colShape } from "./kernels/kernels.js";
export { parseKernelRequest, type KernelChoice, type KernelRequest } from "./kernels/select.js";
export { chooseKernels } from "./node/kernels.js";
export { portableKernels } from "./kernels/portable/index.js";
export { Accountant } from "./node/accounting.js";
export type { AccountingSnapshot } from "./experiments/accounting.js";

export { TabularModel, type RawRow, type RawValue, type Task } from "./model/tabular-model.js";
export { modelFromText, modelToDocument, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDocument } from "./model/model-file.js";
export { loadModel } from "./node/load-model.js";
export { exportOnnx, OnnxExportError, ONNX_DEFAULT_OPSET, type OnnxExportOptions } from "./export/onnx.js";

export * as nn from "./nn/index.js";
export * as growth from "./node/growth.js";
export * as dag from "./node/dag.js";
export * as data from "./node/data.js";
export * as conv from "./conv/index.js";
