/**
 * tinygrow in a browser (`import … from "tinygrow/browser"`): the platform-free core
 * (tensor, kernels, nn, growth, dag, data parsers on bytes, the growth loop) with the
 * browser adapter (kernel choice, runs kept in memory). Nothing here imports a Node
 * built-in: test/browser-bundle.test.ts bundles this entry and fails on any.
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
} from "../errors.js";
export { Matrix, zeros32, zeros64, fromArrays32, fromArrays64, toFloat32, toFloat64, type Matrix32, type Matrix64, type FloatArray } from "../tensor/matrix.js";
export { Rng, type RngState } from "../tensor/rng.js";
export type { Kernels, KernelName, GemmOptions, EighResult, SvdResult } from "../kernels/kernels.js";
export { parseKernelRequest, type KernelChoice, type KernelRequest } from "../kernels/select.js";
export { chooseKernels } from "./kernels.js";
export { loadWasmKernelsAsync, wasmUnsupportedReason } from "../kernels/wasm/load.js";
export { portableKernels } from "../kernels/portable/index.js";
export { Accountant, type AccountingSnapshot } from "../experiments/accounting.js";
export { runGrowth, growthRunUnits, stepGrowthOptions, type GrowthTask, type GrowthRunContext, type GrowthRunResult, type GrowthRunStore, type RecordLog, type StepRecord } from "../experiments/growth-run.js";
export { GrowthSectionSchema, TrainingSectionSchema, CheckpointSectionSchema, EvaluationSectionSchema, type GrowthRunConfig } from "../experiments/config.js";
export { MemoryRunStore } from "./memory-store.js";

export { TabularModel, type RawRow, type RawValue, type Task } from "../model/tabular-model.js";
export { modelFromText, modelToDocument, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDocument } from "../model/model-file.js";
export { exportOnnx, OnnxExportError, ONNX_DEFAULT_OPSET, type OnnxExportOptions } from "../export/onnx.js";

export * as nn from "../nn/index.js";
export * as growth from "../growth/index.js";
export * as dag from "../dag/index.js";
export * as data from "../data/index.js";
