/**
 * Choosing the kernel set: "auto" takes the native kernels when the addon loads and
 * otherwise the portable ones, saying why; "native" insists (NativeUnavailableError with
 * the build hint); "portable" never touches the addon.
 */
import { NativeUnavailableError } from "../errors.js";
import type { Kernels, KernelName } from "./kernels.js";
import { loadNativeKernels } from "./native/binding.js";
import { portableKernels } from "./portable/index.js";

export type KernelRequest = "auto" | KernelName;

export interface KernelChoice {
  kernels: Kernels;
  name: KernelName;
  /** One line for the user: what was chosen and why. */
  reason: string;
}

export function parseKernelRequest(value: string | undefined, source: string): KernelRequest {
  const v = (value ?? "auto").trim();
  if (v === "auto" || v === "native" || v === "portable") return v;
  throw new RangeError(`${source}: expected auto, native or portable, got "${value}"`);
}

export function chooseKernels(request: KernelRequest = "auto"): KernelChoice {
  if (request === "portable") return { kernels: portableKernels, name: "portable", reason: "portable kernels (requested)" };
  const native = loadNativeKernels();
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
