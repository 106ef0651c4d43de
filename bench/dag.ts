/**
 * DAG growth benchmark (Douka et al.'s teacher–student problem, src/data/teacher.ts):
 *
 *  (a) seconds per growth step for each strategy against the number of candidates, serial and
 *      with a pool of 2 workers, on students grown to increasing sizes;
 *  (b) full runs at the target settings, seeds 0–2 per strategy — 3,000 training samples split
 *      in three, 1,000 test samples, 10 growth steps of 10 neurons from the empty graph, 20
 *      epochs of SGD (lr 0.01, momentum 0.9, batch 64) on train-opt ∪ train-ls after each step
 *      (`teacherStudentStudy`): mean ± std of test MSE (and × the linear least-squares fit's),
 *      parameters, search / training / total seconds, beside the reference PyTorch/GroMo figures
 *      (55–75 s whole, ~25 s restricted, test MSE 0.019–0.022, linear least squares 0.034 and
 *      predict-zero 0.865 on its teacher), and the teacher statistics of each seed.
 *
 * Register in bench/run.ts as { key: "dag", title: "DAG growth (teacher–student)", run: benchDag }.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { Rng } from "../src/tensor/rng.js";
import { Matrix } from "../src/tensor/matrix.js";
import { buildTeacher, resolveTeacherOptions, teacherDataset, type TeacherOptions } from "../src/data/teacher.js";
import { concatIndices, splitThreeWays, subsetDataset } from "../src/data/splits.js";
import type { Dataset } from "../src/data/batches.js";
import { DagModel } from "../src/dag/model.js";
import { dagLoss } from "../src/dag/data.js";
import { growthStep, type GrowthOptions, type GrowthSplits } from "../src/dag/step.js";
import type { Strategy } from "../src/dag/candidates.js";
import { trainModel, type InterTrainOptions } from "../src/dag/train.js";
import { CandidatePool } from "../src/node/pool.js";
import { fmtSeconds, median, table } from "./stats.js";

export interface Problem {
  splits: GrowthSplits;
  inter: Dataset;
  test: Dataset;
  /** The teacher's options, defaults filled in (recorded with the results). */
  teacher: Required<TeacherOptions>;
  /** Test MSE of the linear least-squares fit on the training set. */
  linearMse: number;
  /** Test MSE of predicting 0 (the mean square of the test labels). */
  zeroMse: number;
  /** Test MSE of predicting the training mean (the label variance). */
  meanMse: number;
}

/** The target setting: 3,000 training samples (three equal parts) and 1,000 test samples of one teacher. */
export function teacherProblem(kernels: Kernels, seed: number, teacherOptions: TeacherOptions = {}): Problem {
  const teacher = resolveTeacherOptions(teacherOptions);
  const rng = new Rng(seed);
  const model = buildTeacher(rng, teacher);
  const all = teacherDataset(kernels, model, 4000, rng, teacher.inputRange);
  const train = subsetDataset(all, Int32Array.from({ length: 3000 }, (_, i) => i));
  const test = subsetDataset(all, Int32Array.from({ length: 1000 }, (_, i) => 3000 + i));
  const s = splitThreeWays(3000, seed + 1);
  const splits = { trainOpt: subsetDataset(train, s.trainOpt), trainLs: subsetDataset(train, s.trainLs), trainGr: subsetDataset(train, s.trainGr) };
  const yTrain = targets(train).data;
  const yTest = targets(test).data;
  const mean = yTrain.reduce((a, v) => a + v, 0) / yTrain.length;
  return {
    splits,
    inter: subsetDataset(train, concatIndices(s.trainOpt, s.trainLs)),
    test,
    teacher,
    linearMse: linearTestMse(kernels, train, test),
    zeroMse: yTest.reduce((a, v) => a + v * v, 0) / yTest.length,
    meanMse: yTest.reduce((a, v) => a + (v - mean) ** 2, 0) / yTest.length,
  };
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
  /** Outcome of each growth step ("grown", "no-improving-expansion", "bic-prefers-current"). */
  outcomes: string[];
  architecture: string;
}

function testMse(kernels: Kernels, m: DagModel, d: Dataset): number {
  return dagLoss("mse", m.forwardAll(kernels, d.x).z.get(m.outputName) as Matrix<Float32Array>, targets(d), "mean");
}

/** Settings of a teacher–student run; the defaults are the target settings of the file comment. */
export interface RunSettings {
  steps?: number;
  neuronsPerStep?: number;
  /** Extra growth options (strategy, neuronsPerStep and seed are set by the run). */
  growth?: Omit<GrowthOptions, "strategy" | "neuronsPerStep" | "seed">;
  /** Inter-training (default 20 epochs of SGD lr 0.01, momentum 0.9, batch 64). */
  interTrain?: Partial<InterTrainOptions>;
}

/** One teacher–student run (see the file comment). */
export async function teacherStudentRun(kernels: Kernels, problem: Problem, strategy: Strategy, seed: number, pool: CandidatePool | null = null, settings: RunSettings = {}): Promise<RunResult> {
  const { steps = 10, neuronsPerStep = 10 } = settings;
  const inter: InterTrainOptions = { epochs: 20, lr: 0.01, momentum: 0.9, batchSize: 64, ...settings.interTrain };
  const model = DagModel.empty(problem.teacher.inputSize, problem.teacher.outputSize);
  const rng = new Rng(seed + 17);
  const t0 = performance.now();
  let searchSeconds = 0;
  let trainSeconds = 0;
  const testCurve: number[] = [];
  const outcomes: string[] = [];
  for (let step = 0; step < steps; step++) {
    const ts = performance.now();
    const r = await growthStep(model, problem.splits, { ...settings.growth, strategy, neuronsPerStep, seed: seed * 1000 + step }, { kernels, runner: pool });
    outcomes.push(r.outcome);
    searchSeconds += (performance.now() - ts) / 1000;
    const tt = performance.now();
    trainModel(model, problem.inter, inter, rng, kernels);
    trainSeconds += (performance.now() - tt) / 1000;
    testCurve.push(testMse(kernels, model, problem.test));
  }
  const seconds = (performance.now() - t0) / 1000;
  const nodes = model.graph.nodes.filter((n) => n.kind === "hidden").map((n) => `${n.name}(${n.size})`);
  const architecture = `${nodes.join(" ")} | ${model.graph.edges.map((e) => `${e.from}->${e.to}`).join(" ")}`;
  return { seconds, searchSeconds, trainSeconds, testMse: testCurve[testCurve.length - 1], params: model.parameterCount(), testCurve, outcomes, architecture };
}

function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const varSum = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, std: values.length > 1 ? Math.sqrt(varSum / (values.length - 1)) : 0 };
}

function fmtMeanStd(values: readonly number[], digits: number): string {
  const { mean, std } = meanStd(values);
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}

const STRATEGY_LIST: readonly Strategy[] = ["whole", "restricted", "bic"];

/** Reference PyTorch/GroMo figures (null: not reported). */
const REFERENCE: Record<Strategy, { seconds: string; testMse: string }> = {
  whole: { seconds: "55–75 s", testMse: "0.019–0.022" },
  restricted: { seconds: "~25 s", testMse: "–" },
  bic: { seconds: "–", testMse: "–" },
  "gromo-bic": { seconds: "–", testMse: "–" },
  penalized: { seconds: "–", testMse: "–" },
};

export interface StudyOptions extends RunSettings {
  /** Problem and run seeds (default 0, 1, 2). */
  seeds?: readonly number[];
  strategies?: readonly Strategy[];
  teacher?: TeacherOptions;
  /** Append each run's test curve and architecture. */
  details?: boolean;
}

/**
 * Seeds × strategies full runs: per strategy, mean ± std (sample std over the seeds) of the
 * test MSE, its ratio to the same teacher's linear least-squares test MSE, the parameter
 * count and the search / training / total seconds, beside the reference figures; then the
 * teacher statistics (predict-zero, predict-mean and linear-fit test MSEs) per seed.
 */
export async function teacherStudentStudy(kernels: Kernels, options: StudyOptions = {}): Promise<{ text: string; runs: Map<Strategy, RunResult[]>; problems: Problem[] }> {
  const seeds = options.seeds ?? [0, 1, 2];
  const strategies = options.strategies ?? STRATEGY_LIST;
  const problems = seeds.map((s) => teacherProblem(kernels, s, options.teacher));
  const runs = new Map<Strategy, RunResult[]>();
  const details: string[] = [];
  for (const strategy of strategies) {
    const list: RunResult[] = [];
    for (let i = 0; i < seeds.length; i++) {
      const r = await teacherStudentRun(kernels, problems[i], strategy, seeds[i], null, options);
      list.push(r);
      if (options.details === true) {
        details.push(`${strategy} seed ${seeds[i]}: ${r.testCurve.map((v) => v.toFixed(4)).join(" ")}; ${r.outcomes.filter((o) => o !== "grown").length} steps without growth; ${r.architecture}`);
      }
    }
    runs.set(strategy, list);
  }
  const rows = strategies.map((strategy) => {
    const list = runs.get(strategy) as RunResult[];
    return [
      strategy,
      fmtMeanStd(list.map((r) => r.testMse), 4),
      fmtMeanStd(list.map((r, i) => r.testMse / problems[i].linearMse), 2),
      fmtMeanStd(list.map((r) => r.params), 0),
      fmtMeanStd(list.map((r) => r.searchSeconds), 2),
      fmtMeanStd(list.map((r) => r.trainSeconds), 2),
      fmtMeanStd(list.map((r) => r.seconds), 2),
      REFERENCE[strategy].testMse,
      REFERENCE[strategy].seconds,
    ];
  });
  const t = problems[0].teacher;
  const lines = [
    `teacher: init ${t.init}, inputs U[${t.inputRange[0]}, ${t.inputRange[1]}), ${t.inputSize}-${t.hiddenSize}-${t.hiddenSize}-${t.outputSize} ${t.activation}; seeds ${seeds.join(", ")}; mean ± std over seeds`,
    "",
    table(["strategy", "test MSE", "× linear fit", "params", "search s", "training s", "total s", "ref. test MSE", "ref. total"], rows),
    "",
    table(
      ["teacher seed", "predict-zero MSE", "predict-mean MSE", "linear-fit MSE", "linear / zero"],
      problems.map((p, i) => [String(seeds[i]), p.zeroMse.toFixed(4), p.meanMse.toFixed(4), p.linearMse.toFixed(4), (p.linearMse / p.zeroMse).toFixed(3)]),
    ),
    "reference teacher (GroMo): predict-zero 0.865, linear fit 0.034 (ratio 0.039); grown students 0.019–0.022 (0.56–0.65 × linear)",
    ...details,
  ];
  return { text: lines.join("\n"), runs, problems };
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
    for (const { steps, model } of await students(kernels, problem, [1, 4, 7, 10])) {
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

  // (b) full teacher–student runs at the target settings, 3 seeds per strategy.
  const study = await teacherStudentStudy(kernels, { details: true });
  lines.push("", "(b) teacher–student, 10 steps × 10 neurons from the empty graph, 20 epochs SGD between steps", "", study.text);
  return lines.join("\n");
}
