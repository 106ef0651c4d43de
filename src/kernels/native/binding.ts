// PLACEHOLDER (being written by the native-kernels helper): loads build/Release/tinygrow.node.
import type { Kernels } from "../kernels.js";

export type NativeLoad = { ok: true; kernels: Kernels; description: string } | { ok: false; reason: string };

export function loadNativeKernels(): NativeLoad {
  return { ok: false, reason: "addon not built yet" };
}
