/**
 * Choosing the kernel set: "auto" takes the first set that loads, fastest first: native
 * (where the platform offers the addon), then WebAssembly (SIMD), then portable, saying
 * why it skipped any; "native" and "wasm" insist (NativeUnavailableError,
 * WasmUnavailableError with the reason); "portable" never touches the others.
 *
 * The core names no platform: an adapter passes the loaders it has (src/node/kernels.ts
 * passes the addon and wasm loaders; the browser the wasm one).
 */
import { NativeUnavailableError, WasmUnavailableError } from "../errors.js";
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
  wasm?: () => KernelLoad;
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
  if (v === "auto" || v === "native" || v === "wasm" || v === "portable") return v;
  throw new RangeError(`${source}: expected auto, native, wasm or portable, got "${value}"`);
}

export function selectKernels(request: KernelRequest, loaders: KernelLoaders): KernelChoice {
  // Plain JavaScript callers are not held to the type: "gpu" must not quietly mean "auto".
  if (!(["auto", "native", "wasm", "portable"] as unknown[]).includes(request)) parseKernelRequest(String(request), "chooseKernels");
  if (request === "portable") return { kernels: portableKernels, name: "portable", reason: "portable kernels (requested)" };
  const skipped: string[] = [];
  if (request === "auto" || request === "native") {
    const native = loaders.native?.() ?? { ok: false, reason: "this platform has no native kernels" };
    if (native.ok) return { kernels: native.kernels, name: "native", reason: `native kernels (${native.description})` };
    if (request === "native") throw new NativeUnavailableError(native.reason);
    if (loaders.native !== undefined) skipped.push(`native addon unavailable (${native.reason}); build it with npm run build:native`);
  }
  const wasm = loaders.wasm?.() ?? { ok: false, reason: "this platform has no WebAssembly kernels" };
  if (wasm.ok) {
    return { kernels: wasm.kernels, name: "wasm", reason: `${skipped.length > 0 ? `${skipped.join("; ")}: ` : ""}WebAssembly kernels (${wasm.description})` };
  }
  if (request === "wasm") throw new WasmUnavailableError(wasm.reason);
  if (loaders.wasm !== undefined) skipped.push(`WebAssembly kernels unavailable (${wasm.reason})`);
  return { kernels: portableKernels, name: "portable", reason: `portable kernels: ${skipped.join("; ") || "no other kernel set here"}` };
}
