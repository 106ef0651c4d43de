/**
 * Runs bench/torch_bench.py with a Python that has PyTorch, when there is one.
 * Thread pinning for a fair comparison on a small machine: the BLAS pool gets the same
 * thread count as tinygrow's (OPENBLAS_NUM_THREADS), torch's own intra-op pool 1 thread,
 * and both sides use the same OPENBLAS_CORETYPE.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export interface TorchRun {
  available: boolean;
  reason: string;
  python?: string;
  torchVersion?: string;
  torchThreads?: number;
  openblasThreads?: string;
  results: Record<string, { seconds: number; gflops?: number; all?: number[] }>;
}

const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "torch_bench.py");

function findPython(): string | null {
  for (const candidate of [process.env.TINYGROW_BENCH_PYTHON, "python3", "/usr/bin/python3"]) {
    if (!candidate) continue;
    const r = spawnSync(candidate, ["-c", "import torch"], { stdio: "ignore" });
    if (r.status === 0) return candidate;
  }
  return null;
}

export function runTorch(config: { repeats: number; jobs: object[] }, blasThreads: number): TorchRun {
  const python = findPython();
  if (python === null) {
    return { available: false, reason: "no python3 with torch (Debian: apt-get install python3-torch)", results: {} };
  }
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: "1" };
  const r = spawnSync(python, [script, JSON.stringify({ ...config, torch_threads: 1 })], { env, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) return { available: false, reason: `torch_bench.py failed: ${r.stderr.trim().split("\n").pop()}`, results: {} };
  const out = JSON.parse(r.stdout);
  return {
    available: true,
    reason: "",
    python,
    torchVersion: out.torch_version,
    torchThreads: out.torch_threads,
    openblasThreads: out.openblas_threads,
    results: out.results,
  };
}
