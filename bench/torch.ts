/**
 * The PyTorch side of the benchmarks: a long-lived `python3 bench/torch_bench.py --serve`
 * process that answers one job per line, so measurements can alternate tinygrow, PyTorch,
 * tinygrow, … and load on a shared machine hits both sides alike.
 *
 * Thread pinning for a fair comparison on a small machine: PyTorch's BLAS pool gets the
 * same thread count as tinygrow's (OPENBLAS_NUM_THREADS), torch's own intra-op pool one
 * thread, and both sides the same OPENBLAS_CORETYPE (see src/node/native/coretype.ts).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export interface TorchResult {
  seconds: number;
  gflops?: number;
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

export class TorchServer {
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly rl: Interface,
    readonly python: string,
    readonly header: { torch_version: string; torch_threads: number; openblas_threads: string },
  ) {
    this.lines = rl[Symbol.asyncIterator]();
  }

  /** Starts the server, or says why PyTorch cannot be measured here. */
  static async start(blasThreads: number): Promise<TorchServer | string> {
    const python = findPython();
    if (python === null) return "no python3 with torch (Debian: apt-get install python3-torch)";
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: "1" };
    const child = spawn(python, [script, "--serve"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const rl = createInterface({ input: child.stdout });
    const first = await rl[Symbol.asyncIterator]().next();
    if (first.done) return `torch_bench.py failed to start: ${stderr.trim().split("\n").pop() ?? "no output"}`;
    return new TorchServer(child, rl, python, JSON.parse(first.value));
  }

  async run(job: object): Promise<TorchResult> {
    this.child.stdin.write(JSON.stringify(job) + "\n");
    const next = await this.lines.next();
    if (next.done) throw new Error("torch_bench.py exited unexpectedly");
    return JSON.parse(next.value) as TorchResult;
  }

  describe(): string {
    return `pytorch ${this.header.torch_version} (${this.python}): torch threads ${this.header.torch_threads}, OPENBLAS_NUM_THREADS=${this.header.openblas_threads}`;
  }

  close(): void {
    this.rl.close();
    this.child.stdin.end();
  }
}
