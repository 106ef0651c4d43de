/**
 * DAG growth benchmark (Douka et al.'s teacher–student problem, src/data/teacher.ts):
 *
 *  (a) seconds per growth step for each strategy against the number of candidates, serial and
 *      with a pool of 2 workers, on students grown to increasing sizes;
 *  (b) one full run per strategy at the target settings — 3,000 training samples split in
 *      three, 1,000 test samples, 10 growth steps of 10 neurons from the empty graph, 20 epochs
 *      of SGD (lr 0.01, momentum 0.9, batch 64) on train-opt ∪ train-ls after each step —
 *      beside the reference PyTorch/GroMo figures (55–75 s whole, ~25 s restricted, test MSE
 *      0.019–0.022, linear least squares 0.034 on its teacher).
 *
 * Register in bench/run.ts as { key: "dag", title: "DAG growth (teacher–student)", run: benchDag }.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { Rng } from "../src/tensor/rng.js";
import { Matrix } from "../src/tensor/matrix.js";
import { buildTeacher, teacherDataset } from "../src/data/teacher.js";
import { concatIndices, splitThreeWays, subsetDataset } from "../src/data/splits.js";
import type { Dataset } from "../src/data/batches.js";
import { DagModel } from "../src/dag/model.js";
import { dagLoss } from "../src/dag/data.js";
import { growthStep, type GrowthSplits } from "../src/dag/step.js";
import type { Strategy } from "../src/dag/candidates.js";
import { trainModel } from "../src/dag/train.js";
import { CandidatePool } from "../src/dag/pool.js";
import { fmtSeconds, median, table } from "./stats.js";

interface Problem {
  splits: GrowthSplits;
  inter: Dataset;
  test: Dataset;
  /** Test MSE of the linear least-squares fit on the training set. */
  linearMse: number;
}

/** The target setting: 3,000 training samples (three equal parts) and 1,000 test samples of one teacher. */
export function teacherProblem(kernels: Kernels, seed: number): Problem {
  const rng = new Rng(seed);
  const teacher = buildTeacher(rng);
  const all = teacherDataset(kernels, teacher, 4000, rng);
  const train = subsetDataset(all, Int32Array.from({ length: 3000 }, (_, i) => i));
  const test = subsetDataset(all, Int32Array.from({ length: 1000 }, (_, i) => 3000 + i));
  const s = splitThreeWays(3000, seed + 1);
  const splits = { trainOpt: subsetDataset(train, s.trainOpt), trainLs: subsetDataset(train, s.trainLs), trainGr: subsetDataset(train, s.trainGr) };
  return { splits, inter: subsetDataset(train, concatIndices(s.trainOpt, s.trainLs)), test, linearMse: linearTestMse(kernels, train, test) };
}

function targets(d: Dataset): Matrix<Float32Array> {
  if (!("y" in d)) throw new TypeError("the teacher problem is a regression");
  return d.y;
}

/** Test MSE of ordinary least squares [x | 1] → y fitted on `train` (float64 normal equations). */
function linearTestMse(kernels: Kernels, train: Dataset, test: Dataset): number {
  const aug = (x: Matrix<Float32Array>): Matrix<Float64Array> => {
    const d = x.cols + 1;
    const out = new Matrix(x.rows, d, new Float64Array(x.rows * d));
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < x.cols; j++) out.data[i * d + j] = x.data[i * x.cols + j];
      out.data[i * d + d - 1] = 1;
    }
    return out;
  };
  const x = aug(train.x);
  const y = new Matrix(x.rows, targets(train).cols, Float64Array.from(targets(train).data));
  const s = new Matrix(x.cols, x.cols, new Float64Array(x.cols * x.cols));
  const m = new Matrix(x.cols, y.cols, new Float64Array(x.cols * y.cols));
  kernels.gemm(x, x, s, { transA: true });
  kernels.gemm(x, y, m, { transA: true });
  const w = kernels.solve(s, m);
  const xt = aug(test.x);
  const pred = new Matrix(xt.rows, y.cols, new Float64Array(xt.rows * y.cols));
  kernels.gemm(xt, w, pred);
  const yt = targets(test).data;
  let e = 0;
  for (let i = 0; i < pred.data.length; i++) e += (pred.data[i] - yt[i]) ** 2;
  return e / pred.data.length;
}

export interface RunResult {
  seconds: number;
  searchSeconds: number;
  trainSeconds: number;
  testMse: number;
  params: number;
  /** Test MSE after each step's inter-training. */
  testCurve: number[];
  architecture: string;
}

function testMse(kernels: Kernels, m: DagModel, d: Dataset): number {
  return dagLoss("mse", m.forwardAll(kernels, d.x).z.get(m.outputName) as Matrix<Float32Array>, targets(d), "mean");
}

/** One teacher–student run at the target settings (see the file comment). */
export async function teacherStudentRun(kernels: Kernels, problem: Problem, strategy: Strategy, seed: number, pool: CandidatePool | null = null): Promise<RunResult> {
  const model = DagModel.empty(20, 1);
  const rng = new Rng(seed + 17);
  const t0 = performance.now();
  let searchSeconds = 0;
  let trainSeconds = 0;
  const testCurve: number[] = [];
  for (let step = 0; step < 10; step++) {
    const ts = performance.now();
    await growthStep(model, problem.splits, { strategy, neuronsPerStep: 10, seed: seed * 1000 + step }, { kernels, runner: pool });
    searchSeconds += (performance.now() - ts) / 1000;
    const tt = performance.now();
    trainModel(model, problem.inter, { epochs: 20, lr: 0.01, momentum: 0.9, batchSize: 64 }, rng, kernels);
    trainSeconds += (performance.now() - tt) / 1000;
    testCurve.push(testMse(kernels, model, problem.test));
  }
  const seconds = (performance.now() - t0) / 1000;
  const nodes = model.graph.nodes.filter((n) => n.kind === "hidden").map((n) => `${n.name}(${n.size})`);
  const architecture = `${nodes.join(" ")} | ${model.graph.edges.map((e) => `${e.from}->${e.to}`).join(" ")}`;
  return { seconds, searchSeconds, trainSeconds, testMse: testCurve[testCurve.length - 1], params: model.parameterCount(), testCurve, architecture };
}

/** Students of increasing size: the empty graph and snapshots after `sizes` whole-space growth steps (2 epochs of training between). */
async function students(kernels: Kernels, problem: Problem, sizes: readonly number[]): Promise<{ steps: number; model: DagModel }[]> {
  const out: { steps: number; model: DagModel }[] = [];
  const model = DagModel.empty(20, 1);
  const rng = new Rng(5);
  const last = Math.max(...sizes);
  for (let step = 0; step <= last; step++) {
    if (sizes.includes(step)) out.push({ steps: step, model: model.clone() });
    if (step === last) break;
    await growthStep(model, problem.splits, { neuronsPerStep: 10, seed: step }, { kernels });
    trainModel(model, problem.inter, { epochs: 2 }, rng, kernels);
  }
  return out;
}

const STRATEGY_LIST: readonly Strategy[] = ["whole", "restricted", "bic"];

/** Reference PyTorch/GroMo end-to-end seconds (null: not measured). */
const REFERENCE_SECONDS: Record<Strategy, [number, number] | null> = { whole: [55, 75], restricted: [25, 25], bic: null };

export async function benchDag(ctx: { repeats: number; sets: { name: string; kernels: Kernels }[] }): Promise<string> {
  const set = ctx.sets.find((s) => s.name === "native") ?? ctx.sets[0];
  const { kernels } = set;
  const repeats = Math.max(1, Math.min(ctx.repeats, 3));
  const problem = teacherProblem(kernels, 0);
  const lines: string[] = [`kernels: ${set.name}; step timings: median of ${repeats}; one full run per strategy`];

  // (a) seconds per growth step against the number of candidates.
  const pool = new CandidatePool(2, set.name === "native" ? "native" : "portable");
  try {
    const rows: string[][] = [];
    for (const { steps, model } of await students(kernels, problem, [1, 4, 7])) {
      for (const strategy of STRATEGY_LIST) {
        const time = async (runner: CandidatePool | null): Promise<{ seconds: number; candidates: number }> => {
          const all: number[] = [];
          let candidates = 0;
          for (let r = 0; r < repeats; r++) {
            const m = model.clone();
            const t0 = performance.now();
            const res = await growthStep(m, problem.splits, { strategy, neuronsPerStep: 10, seed: 1 }, { kernels, runner });
            all.push((performance.now() - t0) / 1000);
            candidates = res.candidates.length;
          }
          return { seconds: median(all), candidates };
        };
        const serial = await time(null);
        const parallel = await time(pool);
        rows.push([`${steps} steps, ${model.parameterCount()} params`, strategy, String(serial.candidates), fmtSeconds(serial.seconds), fmtSeconds(parallel.seconds), (serial.seconds / parallel.seconds).toFixed(2)]);
      }
    }
    lines.push("", "(a) seconds per growth step (statistics, fits, line searches, choice, application)", "");
    lines.push(table(["student", "strategy", "candidates", "serial", "2 workers", "speed-up"], rows));
  } finally {
    await pool.close();
  }

  // (b) one full teacher–student run per strategy at the target settings.
  const rows: string[][] = [];
  const curves: string[] = [];
  for (const strategy of STRATEGY_LIST) {
    const r = await teacherStudentRun(kernels, problem, strategy, 0);
    const ref = REFERENCE_SECONDS[strategy];
    const refText = ref === null ? "–" : ref[0] === ref[1] ? `~${ref[0]} s` : `${ref[0]}–${ref[1]} s`;
    const ratio = ref === null ? "–" : `${(ref[0] / r.seconds).toFixed(0)}–${(ref[1] / r.seconds).toFixed(0)}×`;
    rows.push([strategy, fmtSeconds(r.seconds), fmtSeconds(r.searchSeconds), fmtSeconds(r.trainSeconds), r.testMse.toFixed(4), String(r.params), refText, ratio]);
    curves.push(`${strategy}: test MSE per step ${r.testCurve.map((v) => v.toFixed(4)).join(" ")}; ${r.architecture}`);
  }
  lines.push("", "(b) teacher–student, 10 steps × 10 neurons from the empty graph, 20 epochs SGD between steps (seed 0)", "");
  lines.push(table(["strategy", "end to end", "search", "training", "test MSE", "params", "reference", "speed ratio"], rows));
  lines.push("", `reference test MSE 0.019–0.022 (its linear least squares: 0.034); here linear least squares: ${problem.linearMse.toFixed(4)}`, ...curves);
  return lines.join("\n");
}
