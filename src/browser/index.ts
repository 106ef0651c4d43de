/**
 * tinygrow in a browser (`import … from "tinygrow/browser"`): the platform-free core
 * (src/core.ts, shared with the Node entry: tensor, kernels, nn, conv, models, ONNX export)
 * with the browser adapter (kernel choice, runs kept in memory) and the core namespaces
 * (growth, dag, data parsers on bytes, the growth loop). Nothing here imports a Node
 * built-in: test/browser-bundle.test.ts bundles this entry and fails on any.
 */
export * from "../core.js";
export { chooseKernels } from "./kernels.js";
export { loadWasmKernelsAsync, wasmUnsupportedReason } from "../kernels/wasm/load.js";
export { Accountant } from "../experiments/accounting.js";
export { runGrowth, growthRunUnits, stepGrowthOptions, type GrowthTask, type GrowthRunContext, type GrowthRunResult, type GrowthRunStore, type RecordLog, type StepRecord } from "../experiments/growth-run.js";
export { GrowthSectionSchema, TrainingSectionSchema, CheckpointSectionSchema, EvaluationSectionSchema, type GrowthRunConfig } from "../experiments/config.js";
export { MemoryRunStore } from "./memory-store.js";

export * as growth from "../growth/index.js";
export * as dag from "../dag/index.js";
export * as data from "../data/index.js";
