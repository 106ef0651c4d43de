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
import { BatchIterator, type Dataset } from "../src/data/batches.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { Cnn } from "../src/conv/cnn.js";
import type { CnnOptions } from "../src/conv/cnn-spec.js";
import { Sgd } from "../src/nn/optim/sgd.js";
import { createTrainState, trainEpoch, type TrainSetup } from "../src/nn/train.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
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
  const d = job.input[0] * job.input[1] * job.input[2];
  const x = new Matrix(n, d, new Float32Array(n * d));
  rng.fillUniform(x.data);
  const data: Dataset = { x, labels: Int32Array.from({ length: n }, () => rng.int(job.outputs)) };
  const setup: TrainSetup = {
    kernels,
    model,
    loss: { name: "softmax-cross-entropy", reduction: "mean" },
    optimizer: new Sgd(model.params(), { lr: job.lr, momentum: job.momentum }),
    batches: new BatchIterator(data, { batchSize: job.batch, rng }),
  };
  const state = createTrainState();
  return () => {
    const t0 = process.hrtime.bigint();
    trainEpoch(setup, state);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
}

/**
 * Seconds per epoch at each thread count (1, and the machine's OpenBLAS default when > 1):
 * tinygrow native with that many OpenBLAS threads against PyTorch with that many intra-op
 * threads, alternating repeat by repeat (at most 3 repeats: an epoch is long); the
 * portable kernels once on a tenth of the images, scaled ×10. Medians and ratios per
 * thread count.
 */
export async function benchCnnEpoch(ctx: { repeats: number; sets: { name: string; kernels: Kernels }[]; torch: TorchServer | null }, n = CNN_JOB.n): Promise<string> {
  const { sets, torch } = ctx;
  const repeats = Math.min(ctx.repeats, 3);
  const native = sets.find((s) => s.name === "native");
  const portable = sets.find((s) => s.name === "portable");
  const defaultThreads = native?.kernels.numThreads() ?? 1;
  const threadCounts = defaultThreads > 1 ? [1, defaultThreads] : [1];
  const rows: string[][] = [];
  for (const threads of threadCounts) {
    const ours: number[] = [];
    const theirs: number[] = [];
    const job = { ...CNN_JOB, n, kind: "cnn-epoch", repeats: 1, torch_threads: threads };
    let probe: (() => number) | null = null;
    if (native !== undefined) {
      native.kernels.setNumThreads(threads);
      probe = cnnEpochProbe(native.kernels, n);
      probe(); // warm-up: buffers, JIT, BLAS threads
    }
    if (torch !== null) await torch.run({ ...job, n: Math.min(n, 6400) });
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
    const tenth = Math.max(1, Math.round(n / 10));
    const seconds = cnnEpochProbe(portable.kernels, tenth)() * (n / tenth);
    portableLine = `
tinygrow portable: ${fmtSeconds(seconds)} per epoch (one epoch of ${tenth.toLocaleString("en")} images, scaled)`;
  }
  return (
    `${CNN_JOB.name}, ${n.toLocaleString("en")} images, batch ${CNN_JOB.batch}, SGD lr ${CNN_JOB.lr} momentum ${CNN_JOB.momentum}, cross-entropy\n` +
    "threads: tinygrow's OpenBLAS pool and PyTorch's intra-op pool (its CPU convolutions run on oneDNN, not OpenBLAS)\n\n" +
    table(["threads", "tinygrow native", "pytorch", "native / pytorch", "repeats"], rows) +
    portableLine
  );
}
