/** Kernel choice in Node: the core's selection with the native addon as the platform's loader. */
import { selectKernels, type KernelChoice, type KernelRequest } from "../kernels/select.js";
import { loadNativeKernels } from "./native/binding.js";

export function chooseKernels(request: KernelRequest = "auto"): KernelChoice {
  return selectKernels(request, { native: loadNativeKernels });
}
