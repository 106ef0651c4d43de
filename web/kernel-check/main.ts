/**
 * The kernel check page: loads the WebAssembly kernels (asynchronously, as a page's main
 * thread requires) and runs the self-check against the portable kernels. Results are in the
 * table and in window.kernelCheck for the browser test.
 */
import { selfCheckKernels, type SelfCheck } from "../../src/kernels/self-check.js";
import { loadWasmKernelsAsync } from "../../src/kernels/wasm/load.js";

interface KernelCheckResult {
  loaded: boolean;
  reason?: string;
  checks: SelfCheck[];
}

async function main(): Promise<void> {
  const result: KernelCheckResult = { loaded: false, checks: [] };
  (window as unknown as { kernelCheck: KernelCheckResult }).kernelCheck = result;
  const load = await loadWasmKernelsAsync();
  const summary = document.getElementById("summary") as HTMLElement;
  if (!load.ok) {
    result.reason = load.reason;
    summary.textContent = `The WebAssembly kernels cannot run here: ${load.reason}. tinygrow uses its portable kernels in this browser.`;
    document.body.dataset.state = "unavailable";
    return;
  }
  result.loaded = true;
  result.checks = selfCheckKernels(load.kernels);
  const rows = document.getElementById("rows") as HTMLElement;
  for (const c of result.checks) {
    const tr = document.createElement("tr");
    for (const text of [c.name, c.error.toExponential(2), c.tolerance === 0 ? "exact" : c.tolerance.toExponential(1), c.ok ? "ok" : "FAIL"]) {
      const td = document.createElement("td");
      td.textContent = text;
      if (!c.ok) td.className = "fail";
      tr.append(td);
    }
    rows.append(tr);
  }
  const failed = result.checks.filter((c) => !c.ok).length;
  summary.textContent = `${load.description}: ${result.checks.length - failed} of ${result.checks.length} checks passed.`;
  document.body.dataset.state = failed === 0 ? "passed" : "failed";
}

void main();
