/**
 * Choosing the kernel set: "auto" takes the native kernels when the platform offers them
 * and they load, otherwise the portable ones, saying why; "native" insists
 * (NativeUnavailableError with the build hint); "portable" never touches the addon.
 *
 * The core names no platform: an adapter passes the loaders it has (src/node/kernels.ts
 * passes the addon loader; the browser has none).
 */
import { NativeUnavailableError } from "../errors.js";
import type { Kernels, KernelName } from "./kernels.js";
import { portableKernels } from "./portable/index.js";

export type KernelRequest = "auto" | KernelName;

export interface KernelChoice {
  kernels: Kernels;
  name: KernelName;
  /** One line for the user: what was chosen and why. */
  reason: string;
}

/** The outcome of loading a kernel set: the kernels and a description, or why not. */
export type KernelLoad = { ok: true; kernels: Kernels; description: string } | { ok: false; reason: string };

/** The kernel sets a platform adapter can offer besides the portable ones. */
export interface KernelLoaders {
  native?: () => KernelLoad;
}

/** A choice whose BLAS thread count has been fixed for a run (withBlasThreads). */
export interface RunKernels extends KernelChoice {
  /** The OpenBLAS thread count in force (always 1 for the portable kernels). */
  blasThreads: number;
}

/**
 * Fixes the BLAS thread count of a run, on the calling (main) thread, before any worker
 * pool starts (the thread-count contract in node/pool.ts); the count in force goes into the
 * returned choice and its reason, for the log and the manifest.
 */
export function withBlasThreads(choice: KernelChoice, threads: number): RunKernels {
  choice.kernels.setNumThreads(threads);
  const blasThreads = choice.kernels.numThreads();
  return { ...choice, blasThreads, reason: `${choice.reason}, ${blasThreads} BLAS thread${blasThreads === 1 ? "" : "s"}` };
}

export function parseKernelRequest(value: string | undefined, source: string): KernelRequest {
  const v = (value ?? "auto").trim();
  if (v === "auto" || v === "native" || v === "portable") return v;
  throw new RangeError(`${source}: expected auto, native or portable, got "${value}"`);
}

export function selectKernels(request: KernelRequest, loaders: KernelLoaders): KernelChoice {
  if (request === "portable") return { kernels: portableKernels, name: "portable", reason: "portable kernels (requested)" };
  const native = loaders.native?.() ?? { ok: false, reason: "this platform has no native kernels" };
  if (native.ok) {
    return { kernels: native.kernels, name: "native", reason: `native kernels (${native.description})` };
  }
  if (request === "native") throw new NativeUnavailableError(native.reason);
  return {
    kernels: portableKernels,
    name: "portable",
    reason: `portable kernels: native addon unavailable (${native.reason}); build it with npm run build:native`,
  };
}
