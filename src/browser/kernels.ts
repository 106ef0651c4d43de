/**
 * Kernel choice in a browser: the core's selection with the WebAssembly kernels (no native
 * addon here). In a Web Worker the module compiles synchronously; on a page's main thread
 * call `await loadWasmKernelsAsync()` first (a synchronous compile may be refused there).
 */
import { selectKernels, type KernelChoice, type KernelRequest } from "../kernels/select.js";
import { loadWasmKernels } from "../kernels/wasm/load.js";

export function chooseKernels(request: KernelRequest = "auto"): KernelChoice {
  return selectKernels(request, { wasm: loadWasmKernels });
}
