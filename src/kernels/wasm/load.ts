/**
 * Loading the WebAssembly kernels: the module's bytes are built from wasm/*.ts by
 * AssemblyScript during the build (scripts/build-wasm.mjs) and embedded in
 * binary.generated.ts, so Node, a page and a Web Worker load them the same way, without a
 * file or a fetch. The module needs WebAssembly SIMD; without it the load fails with the
 * reason and `auto` falls back to the portable kernels.
 */
import type { KernelLoad } from "../select.js";
import { KERNELS_WASM_BASE64 } from "./binary.generated.js";
import { createWasmKernels, type WasmKernelExports } from "./wasm-kernels.js";

/** The smallest module using a v128 instruction (as wasm-feature-detect's SIMD probe). */
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11);

/** Why the WebAssembly kernels cannot run here, or null when they can. */
export function wasmUnsupportedReason(): string | null {
  if (typeof WebAssembly !== "object") return "this JavaScript engine has no WebAssembly";
  if (!WebAssembly.validate(SIMD_PROBE)) return "this JavaScript engine has no WebAssembly SIMD";
  if (KERNELS_WASM_BASE64 === "") return "the WebAssembly kernels were not built (AssemblyScript missing at build time: npm ci, then npm run build)";
  return null;
}

export function wasmBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let cached: KernelLoad | undefined;

/**
 * Compiles and instantiates the module synchronously (Node, Web Workers; a page's main
 * thread may refuse a synchronous compile of this size: use loadWasmKernelsAsync there).
 * The outcome is cached.
 */
export function loadWasmKernels(): KernelLoad {
  if (cached === undefined) {
    const why = wasmUnsupportedReason();
    if (why !== null) return (cached = { ok: false, reason: why });
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes()), {});
      cached = fromInstance(instance);
    } catch (err) {
      cached = { ok: false, reason: `the WebAssembly kernels did not instantiate: ${(err as Error).message}` };
    }
  }
  return cached;
}

/** The same, compiled asynchronously (any browser thread). */
export async function loadWasmKernelsAsync(): Promise<KernelLoad> {
  if (cached !== undefined) return cached;
  const why = wasmUnsupportedReason();
  if (why !== null) return (cached = { ok: false, reason: why });
  try {
    const { instance } = await WebAssembly.instantiate(wasmBytes(), {});
    cached = fromInstance(instance);
  } catch (err) {
    cached = { ok: false, reason: `the WebAssembly kernels did not instantiate: ${(err as Error).message}` };
  }
  return cached;
}

function fromInstance(instance: WebAssembly.Instance): KernelLoad {
  const kernels = createWasmKernels(instance.exports as unknown as WasmKernelExports);
  return { ok: true, kernels, description: "WebAssembly SIMD, 1 thread" };
}
