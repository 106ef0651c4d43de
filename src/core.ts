/**
 * The names both entries export, all from the platform-free core: the Node entry
 * (src/index.ts, `tinygrow`) and the browser entry (src/browser/index.ts, `tinygrow/browser`)
 * re-export this module and add their adapter's pieces (kernel choice, accounting probes,
 * files or in-memory runs, the namespaces with Node extras). Nothing here may import a
 * Node built-in: test/browser-bundle.test.ts bundles the browser entry and fails on any.
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
export { portableKernels } from "./kernels/portable/index.js";
export type { AccountingSnapshot } from "./experiments/accounting.js";

export { TabularModel, type RawRow, type RawValue, type Task } from "./model/tabular-model.js";
export { modelFromText, modelToDocument, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDocument } from "./model/model-file.js";
export { exportOnnx, OnnxExportError, ONNX_DEFAULT_OPSET, type OnnxExportOptions } from "./export/onnx.js";

export * as nn from "./nn/index.js";
export * as conv from "./conv/index.js";
