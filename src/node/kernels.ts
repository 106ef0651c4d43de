/** Kernel choice in Node: the core's selection with the native addon and the WebAssembly kernels as the platform's loaders. */
import { selectKernels, type KernelChoice, type KernelRequest } from "../kernels/select.js";
import { loadWasmKernels } from "../kernels/wasm/load.js";
import { loadNativeKernels } from "./native/binding.js";

export function chooseKernels(request: KernelRequest = "auto"): KernelChoice {
  return selectKernels(request, { native: loadNativeKernels, wasm: loadWasmKernels });
}
