/**
 * The browser kernels, one thread, side by side in one run: sgemm GFLOP/s at the bench
 * shapes for wasm, native (OpenBLAS at 1 thread), portable and TensorFlow.js's WebAssembly
 * backend (@tensorflow/tfjs-backend-wasm, XNNPACK, SIMD, single-threaded build), then the
 * 784-200-10 training step and epoch for wasm, native and portable. Repeats alternate the
 * sides, so load on a shared machine hits all alike; medians and ratios.
 *
 * tfjs-wasm's matMul is timed as a user calls it: A and B already tensors, each call
 * allocates C, reads it back (dataSync) and disposes it. Ours copies A and B into the
 * module's memory on every call, and C back out.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { Rng } from "../src/tensor/rng.js";
import { epochProbe } from "./mnist.js";
import { GEMM_SHAPES, gemmJobName, gemmProbe } from "./kernels.js";
import { STEP_JOBS, stepProbe } from "./mlp-step.js";
import { fmtSeconds, median, table, timePerCall } from "./stats.js";

interface Set {
  name: string;
  kernels: Kernels;
}

type Tf = typeof import("@tensorflow/tfjs-core");

/** TensorFlow.js on its wasm backend, one thread; or why not. */
async function loadTfjsWasm(): Promise<Tf | string> {
  try {
    const tf = await import("@tensorflow/tfjs-core");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) return "tf.setBackend('wasm') failed";
    await tf.ready();
    return tf;
  } catch (err) {
    return `@tensorflow/tfjs-backend-wasm not loadable: ${(err as Error).message.split("\n")[0]}`;
  }
}

function tfjsGemmProbe(tf: Tf, [m, k, n]: readonly number[]): () => number {
  const rng = new Rng(1);
  const a = new Float32Array(m * k);
  const b = new Float32Array(k * n);
  rng.fillUniform(a);
  rng.fillUniform(b);
  const ta = tf.tensor2d(a, [m, k]);
  const tb = tf.tensor2d(b, [k, n]);
  return () =>
    (2 * m * k * n) /
    timePerCall(() => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    }, 1).seconds /
    1e9;
}

/** Medians of each probe over `repeats` alternating rounds (probe i skipped after its own repeat count). */
function alternate(probes: { probe: () => number; repeats: number }[], repeats: number): number[] {
  const times: number[][] = probes.map(() => []);
  for (let r = 0; r < repeats; r++) probes.forEach((p, i) => r < p.repeats && times[i].push(p.probe()));
  return times.map(median);
}

const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? (a / b).toFixed(2) : "–");

export async function benchWasm(ctx: { repeats: number; sets: Set[] }): Promise<string> {
  const { repeats } = ctx;
  const wasm = ctx.sets.find((s) => s.name === "wasm");
  if (wasm === undefined) return "(wasm kernels not available)";
  const native = ctx.sets.find((s) => s.name === "native");
  const portable = ctx.sets.find((s) => s.name === "portable") as Set;
  const ours = [wasm, ...(native ? [native] : []), portable];
  const threadsBefore = native?.kernels.numThreads() ?? 1;
  native?.kernels.setNumThreads(1);
  const tf = await loadTfjsWasm();
  const out: string[] = [typeof tf === "string" ? `tfjs-wasm: not measured — ${tf}` : `tfjs-wasm: @tensorflow/tfjs-backend-wasm ${(await import("@tensorflow/tfjs-backend-wasm")).version_wasm}, SIMD, 1 thread`];
  try {
    const gemmRows = GEMM_SHAPES.map((shape) => {
      const probes = ours.map((s) => ({ probe: gemmProbe(s.kernels, shape), repeats: s.name === "portable" ? Math.max(1, Math.floor(repeats / 3)) : repeats }));
      if (typeof tf !== "string") probes.push({ probe: tfjsGemmProbe(tf, shape), repeats });
      const g = alternate(probes, repeats);
      const tfG = typeof tf === "string" ? NaN : g[g.length - 1];
      return [gemmJobName(shape), ...g.slice(0, ours.length).map((x) => x.toFixed(1)), Number.isFinite(tfG) ? tfG.toFixed(1) : "–", ratio(g[0], tfG), native ? ratio(g[0], g[1]) : "–"];
    });
    out.push("", "sgemm GFLOP/s (higher is better), one thread", "");
    out.push(table(["shape (m x k x n)", ...ours.map((s) => s.name), "tfjs-wasm", "wasm/tfjs-wasm", "wasm/native"], gemmRows));

    const job = STEP_JOBS.find((j) => j.sizes.join("-") === "784-200-10") as (typeof STEP_JOBS)[number];
    const stepT = alternate(ours.map((s) => ({ probe: stepProbe(s.kernels, s.name === "portable" ? { ...job, steps: Math.ceil(job.steps / 10) } : job), repeats })), repeats);
    const epochProbes = ours.map((s) => ({ probe: epochProbe(s.kernels), repeats: s.name === "portable" ? 1 : Math.max(1, Math.floor(repeats / 2)) }));
    for (const p of epochProbes) if (p.repeats > 1) p.probe(); // warm-up
    const epochT = alternate(epochProbes, Math.max(...epochProbes.map((p) => p.repeats)));
    out.push("", "784-200-10 relu training, one thread (lower is better)", "");
    out.push(
      table(
        ["what", ...ours.map((s) => s.name), "wasm/native"],
        [
          [job.name, ...stepT.map(fmtSeconds), native ? ratio(stepT[0], stepT[1]) : "–"],
          ["epoch, 40,000 images, batch 256", ...epochT.map(fmtSeconds), native ? ratio(epochT[0], epochT[1]) : "–"],
        ],
      ),
    );
  } finally {
    native?.kernels.setNumThreads(threadsBefore);
  }
  return out.join("\n");
}
