/**
 * Conv training throughput (issue 10, target 6a): one epoch of shuffled mini-batch SGD
 * (lr 0.01, momentum 0.9, softmax cross-entropy) of
 *
 *   conv 3×3 16 (padding 1) → ReLU → max pool 2 → conv 3×3 32 (padding 1) → ReLU → max pool 2 → linear 10
 *
 * on 60,000 random 28×28 images (MNIST's shape; the time does not depend on the values),
 * tinygrow against the same network in the bench's PyTorch process, alternating repeat by
 * repeat. PyTorch's CPU convolutions run on oneDNN with torch's own thread pool, so that
 * pool gets the same thread count as tinygrow's OpenBLAS pool (a second PyTorch row with one
 * thread is measured too).
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { Cnn } from "../src/conv/cnn.js";
import type { CnnOptions } from "../src/conv/cnn-spec.js";
import { Rng } from "../src/tensor/rng.js";
import { trainEpochProbe } from "./epoch.js";
import { fmtSeconds, median, table } from "./stats.js";
import type { TorchServer } from "./torch.js";

export const CNN_JOB = {
  name: "conv3×3 16 → pool → conv3×3 32 → pool → linear 10, 28×28",
  input: [1, 28, 28] as const,
  blocks: [
    { channels: 16, kernel: 3, padding: 1, pool: 2 },
    { channels: 32, kernel: 3, padding: 1, pool: 2 },
  ],
  outputs: 10,
  n: 60000,
  batch: 64,
  lr: 0.01,
  momentum: 0.9,
};

export function cnnOptions(job = CNN_JOB): CnnOptions {
  return {
    input: { channels: job.input[0], height: job.input[1], width: job.input[2] },
    blocks: job.blocks.map((b) => ({ channels: b.channels, kernel: b.kernel, padding: b.padding, pool: b.pool ? { kind: "max" as const, kernel: b.pool } : null })),
    activation: "relu",
    head: "flatten",
    outputs: job.outputs,
  };
}

/** Returns a function that trains one epoch (of `n` images) and gives its seconds. */
export function cnnEpochProbe(kernels: Kernels, n = CNN_JOB.n, job = CNN_JOB): () => number {
  const rng = new Rng(0);
  const model = Cnn.create(cnnOptions(job), rng);
  return trainEpochProbe(kernels, model, rng, { ...job, n, features: job.input[0] * job.input[1] * job.input[2], classes: job.outputs });
}

/**
 * Seconds per epoch at each thread count (`threads`, default 1 and the machine's OpenBLAS
 * default when > 1): tinygrow native with that many OpenBLAS threads against PyTorch with
 * that many intra-op threads, alternating repeat by repeat (at most 3 repeats: an epoch is
 * long), after a warm-up of a few thousand images on each side; the portable kernels once on
 * a fiftieth of the images, scaled ×50. Medians and ratios per thread count.
 */
export async function benchCnnEpoch(ctx: { repeats: number; sets: { name: string; kernels: Kernels }[]; torch: TorchServer | null; threads?: readonly number[] | null }, n = CNN_JOB.n): Promise<string> {
  const { sets, torch } = ctx;
  const repeats = Math.min(ctx.repeats, 3);
  const native = sets.find((s) => s.name === "native");
  const portable = sets.find((s) => s.name === "portable");
  const defaultThreads = native?.kernels.numThreads() ?? 1;
  const threadCounts = ctx.threads ?? (defaultThreads > 1 ? [1, defaultThreads] : [1]);
  const warmUp = Math.min(n, 3200);
  const rows: string[][] = [];
  for (const threads of threadCounts) {
    const ours: number[] = [];
    const theirs: number[] = [];
    const job = { ...CNN_JOB, n, kind: "cnn-epoch", repeats: 1, torch_threads: threads };
    let probe: (() => number) | null = null;
    if (native !== undefined) {
      native.kernels.setNumThreads(threads);
      cnnEpochProbe(native.kernels, warmUp)(); // warm-up: JIT, per-batch buffers, BLAS threads
      probe = cnnEpochProbe(native.kernels, n);
    }
    if (torch !== null) await torch.run({ ...job, n: warmUp });
    for (let r = 0; r < repeats; r++) {
      if (probe !== null) ours.push(probe());
      if (torch !== null) theirs.push((await torch.run(job)).seconds);
    }
    const a = median(ours);
    const b = median(theirs);
    rows.push([`${threads}`, probe === null ? "–" : fmtSeconds(a), torch === null ? "–" : fmtSeconds(b), probe === null || torch === null ? "–" : (a / b).toFixed(2), String(repeats)]);
  }
  native?.kernels.setNumThreads(defaultThreads);
  let portableLine = "";
  if (portable !== undefined) {
    const part = Math.max(1, Math.round(n / 50));
    const seconds = cnnEpochProbe(portable.kernels, part)() * (n / part);
    portableLine = `
tinygrow portable: ${fmtSeconds(seconds)} per epoch (one epoch of ${part.toLocaleString("en")} images, scaled)`;
  }
  return (
    `${CNN_JOB.name}, ${n.toLocaleString("en")} images, batch ${CNN_JOB.batch}, SGD lr ${CNN_JOB.lr} momentum ${CNN_JOB.momentum}, cross-entropy\n` +
    "threads: tinygrow's OpenBLAS pool and PyTorch's intra-op pool (its CPU convolutions run on oneDNN, not OpenBLAS)\n\n" +
    table(["threads", "tinygrow native", "pytorch", "native / pytorch", "repeats"], rows) +
    portableLine
  );
}
