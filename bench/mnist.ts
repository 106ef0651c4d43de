/**
 * Time per epoch at MNIST scale: one epoch of shuffled mini-batch SGD (batch 256, lr 0.01,
 * momentum 0.9, softmax cross-entropy) of a 784-200-10 ReLU MLP over 40,000 images — the
 * inter-train set of the MNIST experiment — on random data of MNIST's shape (epoch.ts),
 * against torch_bench.py's `bench_epoch`, measured alternately repeat by repeat.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { Mlp } from "../src/nn/mlp.js";
import { Rng } from "../src/tensor/rng.js";
import { trainEpochProbe } from "./epoch.js";
import { fmtSeconds, median, table } from "./stats.js";
import type { TorchServer } from "./torch.js";

export const EPOCH_JOB = { name: "epoch 784-200-10 relu, 40,000 images, batch 256", sizes: [784, 200, 10], activation: "relu" as const, n: 40000, batch: 256, lr: 0.01, momentum: 0.9 };

/** Returns a function that trains one epoch and gives its seconds. */
export function epochProbe(kernels: Kernels, job = EPOCH_JOB): () => number {
  const rng = new Rng(0);
  const model = Mlp.create({ sizes: job.sizes, activation: job.activation }, rng);
  return trainEpochProbe(kernels, model, rng, { ...job, features: job.sizes[0], classes: job.sizes[job.sizes.length - 1] });
}

/**
 * Seconds per epoch, tinygrow (every kernel set; portable with a third of the repeats, at
 * least 1) against PyTorch, alternating repeat by repeat; medians and the ratio to PyTorch.
 */
export async function benchMnistEpoch(ctx: { repeats: number; sets: { name: string; kernels: Kernels }[]; torch: TorchServer | null }): Promise<string> {
  const { repeats, sets, torch } = ctx;
  const probes = sets.map((s) => ({ name: s.name, probe: epochProbe(s.kernels), repeats: s.name === "portable" ? Math.max(1, Math.floor(repeats / 3)) : repeats, times: [] as number[] }));
  const torchTimes: number[] = [];
  const job = { ...EPOCH_JOB, kind: "epoch", repeats: 1 };
  for (const p of probes) p.probe(); // warm-up: buffers, JIT, BLAS threads
  if (torch !== null) await torch.run(job);
  for (let r = 0; r < repeats; r++) {
    for (const p of probes) if (r < p.repeats) p.times.push(p.probe());
    if (torch !== null) torchTimes.push((await torch.run(job)).seconds);
  }
  const theirs = torch === null ? undefined : median(torchTimes);
  const rows = probes.map((p) => {
    const ours = median(p.times);
    return [`tinygrow ${p.name}`, fmtSeconds(ours), String(p.times.length), theirs === undefined ? "–" : (ours / theirs).toFixed(2)];
  });
  rows.push(["pytorch", theirs === undefined ? "–" : fmtSeconds(theirs), torch === null ? "0" : String(torchTimes.length), "1.00"]);
  return `${EPOCH_JOB.name}, lr ${EPOCH_JOB.lr}, momentum ${EPOCH_JOB.momentum}, cross-entropy (random data of MNIST's shape)\n\n` + table(["", "seconds per epoch (median)", "repeats", "ratio to pytorch"], rows);
}
