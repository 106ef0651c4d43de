/**
 * loadModel(path): a trained model with its preprocessing, from a run folder or a
 * model.json (Node adapter over model/model-file.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import { modelFromText } from "../model/model-file.js";
import type { TabularModel } from "../model/tabular-model.js";

/** RUN_DIR → RUN_DIR/model.json; a file stays as it is. */
export function resolveModelPath(path: string): string {
  if (!existsSync(path)) throw new DataError(path, "no such model file or run folder");
  if (!statSync(path).isDirectory()) return path;
  const file = join(path, "model.json");
  if (!existsSync(file)) throw new DataError(path, "the run folder has no model.json (has the run finished? resume it with --resume)");
  return file;
}

/** Loads a model (DataError naming the file for another format, a newer version, a malformed document). */
export function loadModel(path: string, kernels?: Kernels): TabularModel {
  const file = resolveModelPath(path);
  const model = modelFromText(readFileSync(file, "utf8"), file);
  return kernels === undefined ? model : model.useKernels(kernels);
}
