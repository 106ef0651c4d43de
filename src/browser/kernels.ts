/** Kernel choice in a browser: the core's selection; no native addon here. */
import { selectKernels, type KernelChoice, type KernelRequest } from "../kernels/select.js";

export function chooseKernels(request: KernelRequest = "auto"): KernelChoice {
  return selectKernels(request, {});
}
