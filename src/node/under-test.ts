/**
 * Test-only: the kernel set the nn, growth, DAG and experiment suites run on, chosen by
 * TINYGROW_KERNELS (auto | native | portable; default auto). `npm test` runs them on the
 * native kernels when the addon is built; `npm run test:portable` runs them again on the
 * portable ones. (The kernel parity suite always compares both.)
 */
import type { Kernels } from "../kernels/kernels.js";
import { parseKernelRequest } from "../kernels/select.js";
import { chooseKernels } from "./kernels.js";

export function kernelsUnderTest(): Kernels {
  return chooseKernels(parseKernelRequest(process.env.TINYGROW_KERNELS, "TINYGROW_KERNELS")).kernels;
}
