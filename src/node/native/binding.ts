/**
 * Entry point of the native kernels for node/kernels.ts: loads the addon once (the outcome,
 * success or failure, is cached for the life of the process) and wraps it.
 */
import type { KernelLoad } from "../../kernels/select.js";
import { loadAddon, type NativeAddon } from "./addon.js";
import { ensureOpenBlasCoreType } from "./coretype.js";
import { createNativeKernels } from "./native-kernels.js";

export type NativeLoad = KernelLoad;

let cached: NativeLoad | undefined;

export function loadNativeKernels(): NativeLoad {
  if (cached === undefined) {
    // Must precede loading the addon: OpenBLAS reads OPENBLAS_CORETYPE when it is loaded.
    ensureOpenBlasCoreType();
    const load = loadAddon();
    cached = load.ok
      ? { ok: true, kernels: createNativeKernels(load.addon), description: describe(load.addon) }
      : { ok: false, reason: load.reason };
  }
  return cached;
}

/** e.g. "OpenBLAS 0.3.21 (SkylakeX)" (the thread count is the run's: see withBlasThreads in select.ts). */
function describe(addon: NativeAddon): string {
  const { config, core } = addon.config();
  const version = /^OpenBLAS\s+(\S+)/.exec(config)?.[1];
  return `OpenBLAS ${version ?? "(unknown version)"}${core ? ` (${core})` : ""}`;
}
