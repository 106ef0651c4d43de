/**
 * `npm run bench`: every benchmark, side by side in one run, medians over repeats and
 * ratios against PyTorch (when a python3 with torch is found). Never part of the tests.
 *
 *   node dist/bench/run.js [--repeats N] [--only kernels,steps,growth,dag,mnist]
 */
import { chooseKernels } from "../src/kernels/select.js";
import { ensureOpenBlasCoreType } from "../src/kernels/native/coretype.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { benchGemm, GEMM_SHAPES, gemmJobName, torchGemmJobs } from "./kernels.js";
import { benchStep, STEP_JOBS, torchStepJobs } from "./mlp-step.js";
import { fmtSeconds, table } from "./stats.js";
import { runTorch } from "./torch.js";

interface Args {
  repeats: number;
  only: Set<string> | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { repeats: 7, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--repeats") args.repeats = Number(argv[++i]);
    else if (argv[i] === "--only") args.only = new Set(argv[++i].split(","));
    else throw new RangeError(`bench: unknown argument ${argv[i]} (use --repeats N, --only kernels,steps,growth,dag,mnist)`);
  }
  if (!Number.isInteger(args.repeats) || args.repeats < 1) throw new RangeError("bench: --repeats expects a positive integer");
  return args;
}

const ratio = (a: number, b: number | undefined) => (b === undefined || !Number.isFinite(b) ? "–" : (a / b).toFixed(2));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const wants = (s: string) => args.only === null || args.only.has(s);
  const coreType = ensureOpenBlasCoreType();
  const sets: { name: string; kernels: Kernels }[] = [chooseKernels("portable")];
  const native = chooseKernels("auto");
  if (native.name === "native") sets.unshift(native);
  else console.log(`(!) ${native.reason}`);
  const blasThreads = native.name === "native" ? native.kernels.numThreads() : 1;
  console.log(`tinygrow bench — ${new Date().toISOString()}, node ${process.version}, ${args.repeats} repeats (medians)`);
  console.log(`kernels: ${sets.map((s) => s.name).join(", ")}; OpenBLAS threads ${blasThreads}, OPENBLAS_CORETYPE=${coreType ?? "(auto)"}`);

  const torchJobs = [...(wants("kernels") ? torchGemmJobs() : []), ...(wants("steps") ? torchStepJobs() : [])];
  const torch = torchJobs.length ? runTorch({ repeats: args.repeats, jobs: torchJobs }, blasThreads) : null;
  if (torch !== null) {
    console.log(
      torch.available
        ? `pytorch ${torch.torchVersion} (${torch.python}): torch threads ${torch.torchThreads}, OPENBLAS_NUM_THREADS=${torch.openblasThreads}`
        : `pytorch: not measured — ${torch.reason}`,
    );
  }
  const torchResult = (name: string) => torch?.results[name];

  if (wants("kernels")) {
    const rows = GEMM_SHAPES.map((shape) => [gemmJobName(shape)]);
    const perSet = sets.map((s) => benchGemm(s.kernels, args.repeats));
    GEMM_SHAPES.forEach((shape, i) => {
      const name = gemmJobName(shape);
      const t = torchResult(name)?.gflops;
      for (const r of perSet) rows[i].push(r.get(name)!.toFixed(1));
      rows[i].push(t === undefined ? "–" : t.toFixed(1));
      rows[i].push(ratio(perSet[0].get(name)!, t));
    });
    console.log("\n## sgemm GFLOP/s (higher is better)\n");
    console.log(table(["shape (m x k x n)", ...sets.map((s) => s.name), "pytorch", `${sets[0].name}/pytorch`], rows));
  }

  if (wants("steps")) {
    const rows = STEP_JOBS.map((job) => {
      const times = sets.map((s) => benchStep(s.kernels, job, args.repeats));
      const t = torchResult(job.name)?.seconds;
      return [job.name, ...times.map(fmtSeconds), t === undefined ? "–" : fmtSeconds(t), ratio(times[0], t)];
    });
    console.log("\n## time per training step (lower is better)\n");
    console.log(table(["model", ...sets.map((s) => s.name), "pytorch", `${sets[0].name}/pytorch`], rows));
  }

  for (const section of EXTRA_SECTIONS) {
    if (wants(section.key)) {
      console.log(`\n## ${section.title}\n`);
      console.log(await section.run({ repeats: args.repeats, sets }));
    }
  }
}

/** Further sections (growth step, DAG growth, MNIST epoch) register here. */
interface Section {
  key: string;
  title: string;
  run(ctx: { repeats: number; sets: { name: string; kernels: Kernels }[] }): Promise<string>;
}
const EXTRA_SECTIONS: Section[] = [];

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
