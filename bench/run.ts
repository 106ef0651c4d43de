/**
 * `npm run bench`: every benchmark, side by side in one run. Each measurement alternates
 * tinygrow (native, portable) and PyTorch (when a python3 with torch is found), repeat by
 * repeat, so load on a shared machine hits all sides alike; tables show medians and the
 * ratio of medians. Never part of the tests.
 *
 *   node dist/bench/run.js [--repeats N] [--only kernels,steps,growth,conv-growth,conv-significance,dag,mnist,wasm,viewer,pool-prepare,pool-teacher,pool-mnist,pool-memory,sweep,tabular,csv,cnn] [--threads 1,2]
 *
 * --threads: the thread counts of the CNN epoch (default 1 and OpenBLAS's default), so that
 * each count can be measured in its own run (an epoch of 60,000 images is long).
 */
import { chooseKernels } from "../src/node/kernels.js";
import { ensureOpenBlasCoreType } from "../src/node/native/coretype.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { GEMM_SHAPES, gemmJobName, gemmProbe, torchGemmJob } from "./kernels.js";
import { STEP_JOBS, stepProbe, torchStepJob } from "./mlp-step.js";
import { benchDag } from "./dag.js";
import { benchGrowth } from "./growth.js";
import { benchConvGrowth, benchConvSignificance } from "./conv-growth.js";
import { benchMnistEpoch } from "./mnist.js";
import { benchWasm } from "./wasm.js";
import { benchViewer } from "./viewer.js";
import { benchSweep } from "./sweep.js";
import { benchPoolMemory, benchPoolMnist, benchPoolPrepare, benchPoolTeacher } from "./pool.js";
import { benchTabular } from "./tabular.js";
import { benchCsvLoad } from "./csv-load.js";
import { benchCnnEpoch } from "./cnn.js";
import { fmtSeconds, median, table } from "./stats.js";
import { TorchServer } from "./torch.js";

interface Args {
  repeats: number;
  only: Set<string> | null;
  threads: number[] | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { repeats: 7, only: null, threads: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--repeats") args.repeats = Number(argv[++i]);
    else if (argv[i] === "--only") args.only = new Set(argv[++i].split(","));
    else if (argv[i] === "--threads") args.threads = argv[++i].split(",").map(Number);
    else throw new RangeError(`bench: unknown argument ${argv[i]} (use --repeats N, --only kernels,steps,growth,conv-growth,conv-significance,dag,mnist,wasm,viewer,pool-prepare,pool-teacher,pool-mnist,pool-memory,sweep,tabular,csv,cnn, --threads 1,2)`);
  }
  if (args.threads !== null && !args.threads.every((t) => Number.isInteger(t) && t >= 1)) throw new RangeError(`bench: --threads takes positive integers, got ${args.threads.join(",")}`);
  if (!Number.isInteger(args.repeats) || args.repeats < 1) throw new RangeError("bench: --repeats expects a positive integer");
  return args;
}

export interface KernelSet {
  name: string;
  kernels: Kernels;
}

/** Sections after the kernel and step tables (growth step, DAG growth, MNIST epoch). */
export interface Section {
  key: string;
  title: string;
  run(ctx: { repeats: number; sets: KernelSet[]; torch: TorchServer | null; threads: number[] | null }): Promise<string>;
}
/** A section that runs `bench` on the native kernels (else the first set) with at most `maxRepeats` repeats, as a table. */
function onNativeKernels(bench: (o: { repeats: number; kernels: Kernels }) => { header: string[]; rows: string[][] }, maxRepeats: number): Section["run"] {
  return async ({ repeats, sets }) => {
    const native = sets.find((s) => s.name === "native") ?? sets[0];
    const r = bench({ repeats: Math.min(repeats, maxRepeats), kernels: native.kernels });
    return table(r.header, r.rows);
  };
}

const EXTRA_SECTIONS: Section[] = [
  {
    key: "growth",
    title: "one TINY growth step: statistics over 10,000 samples + solve + SVD (lower is better)",
    async run({ repeats, sets }) {
      const r = benchGrowth({ repeats: Math.min(repeats, 3), kernels: sets });
      return table(r.header, r.rows);
    },
  },
  {
    key: "conv-growth",
    title: "one conv growth step of the grow-cnn CNN (both pairs): statistics over 10,000 images + solves + SVD (lower is better)",
    run: onNativeKernels(benchConvGrowth, 2),
  },
  {
    key: "conv-significance",
    title: "the sign-flip significance rule's cost: conv growth candidates (statistics, δW*, N, SVD) with rule threshold vs sign-flip, B = 99 (lower is better)",
    run: onNativeKernels(benchConvSignificance, 3),
  },
  { key: "dag", title: "DAG growth, teacher–student (lower is better)", run: benchDag },
  { key: "mnist", title: "one epoch of a 784-200-10 network on 40,000 MNIST-sized images (lower is better)", run: benchMnistEpoch },
  {
    key: "wasm",
    title: "browser kernels: WebAssembly vs native vs portable vs TensorFlow.js wasm, one thread",
    run: ({ repeats, sets }) => benchWasm({ repeats, sets: [...sets, chooseKernels("wasm")] }),
  },
  { key: "viewer", title: "tinygrow view: a 20-step MNIST-sized log opened in Chromium, live update latency (lower is better)", run: benchViewer },
  { key: "pool-prepare", title: "candidate pool: grow the starting models of pool-teacher and pool-mnist into .tinygrow-cache/bench (not timed; run niced, outside the bench lock)", run: benchPoolPrepare },
  { key: "pool-teacher", title: "candidate pool: the whole-space teacher–student growth step after 10 steps, serial vs 2 workers", run: benchPoolTeacher },
  { key: "pool-mnist", title: "candidate pool: an MNIST growth step with 100 neurons per step (after 3 steps), serial vs 2 workers", run: benchPoolMnist },
  { key: "pool-memory", title: "candidate pool: peak RSS of tinygrow mnist, serial vs --workers 2", run: async () => benchPoolMemory() },
  { key: "sweep", title: "sweep of 6 seeds × 3 strategies (teacher–student): one job at a time, --jobs 2, queue with 2 workers", run: () => benchSweep() },
  { key: "tabular", title: "tinygrow grow on real tables vs scikit-learn MLP grid and linear model", run: () => benchTabular() },
  { key: "csv", title: "CSV loading: 1,000,000 × 50 numeric columns (speed and peak memory)", run: benchCsvLoad },
  { key: "cnn", title: "one epoch of a small CNN on 60,000 MNIST-sized images (lower is better)", run: benchCnnEpoch },
];

const ratio = (a: number, b: number | undefined) => (b === undefined || !Number.isFinite(b) ? "–" : (a / b).toFixed(2));

/**
 * Runs `probes[s]()` for every kernel set and `torchJob` on PyTorch, alternating, `repeats`
 * times; returns the medians (tinygrow sets first, then PyTorch or undefined).
 */
async function sideBySide(
  probes: (() => number)[],
  torch: TorchServer | null,
  torchJob: object,
  torchValue: (r: { seconds: number; gflops?: number }) => number,
  repeats: number,
): Promise<{ ours: number[]; torch: number | undefined }> {
  const ours: number[][] = probes.map(() => []);
  const theirs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    probes.forEach((p, i) => ours[i].push(p()));
    if (torch !== null) theirs.push(torchValue(await torch.run(torchJob)));
  }
  return { ours: ours.map(median), torch: torch === null ? undefined : median(theirs) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const wants = (s: string) => args.only === null || args.only.has(s);
  const coreType = ensureOpenBlasCoreType();
  const sets: KernelSet[] = [chooseKernels("portable")];
  const native = chooseKernels("auto");
  if (native.name === "native") sets.unshift(native);
  else console.log(`(!) ${native.reason}`);
  const blasThreads = native.name === "native" ? native.kernels.numThreads() : 1;
  console.log(`tinygrow bench — ${new Date().toISOString()}, node ${process.version}, ${args.repeats} repeats, medians`);
  console.log(`kernels: ${sets.map((s) => s.name).join(", ")}; OpenBLAS threads ${blasThreads}, OPENBLAS_CORETYPE=${coreType ?? "(OpenBLAS default)"}`);
  const started = await TorchServer.start(blasThreads);
  const torch = typeof started === "string" ? null : started;
  console.log(torch !== null ? torch.describe() : `pytorch: not measured — ${started}`);
  const head = (what: string) => [what, ...sets.map((s) => s.name), "pytorch", `${sets[0].name}/pytorch`];

  try {
    if (wants("kernels")) {
      const rows: string[][] = [];
      for (const shape of GEMM_SHAPES) {
        const probes = sets.map((s) => gemmProbe(s.kernels, shape));
        const r = await sideBySide(probes, torch, torchGemmJob(shape), (t) => t.gflops ?? NaN, args.repeats);
        rows.push([gemmJobName(shape), ...r.ours.map((g) => g.toFixed(1)), r.torch?.toFixed(1) ?? "–", ratio(r.ours[0], r.torch)]);
      }
      console.log("\n## sgemm GFLOP/s (higher is better)\n");
      console.log(table(head("shape (m x k x n)"), rows));
    }
    if (wants("steps")) {
      const rows: string[][] = [];
      for (const job of STEP_JOBS) {
        const probes = sets.map((s) => stepProbe(s.kernels, s.name === "portable" ? { ...job, steps: Math.ceil(job.steps / 10) } : job));
        const r = await sideBySide(probes, torch, torchStepJob(job), (t) => t.seconds, args.repeats);
        rows.push([job.name, ...r.ours.map(fmtSeconds), r.torch === undefined ? "–" : fmtSeconds(r.torch), ratio(r.ours[0], r.torch)]);
      }
      console.log("\n## time per training step (lower is better)\n");
      console.log(table(head("model"), rows));
    }
    for (const section of EXTRA_SECTIONS) {
      if (!wants(section.key)) continue;
      console.log(`\n## ${section.title}\n`);
      console.log(await section.run({ repeats: args.repeats, sets, torch, threads: args.threads }));
    }
  } finally {
    torch?.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
