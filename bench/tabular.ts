/**
 * Growing on real tables against what a user would otherwise do (issue 14 item 4), in one run:
 * for each data set, tinygrow grown (`tinygrow grow` with its defaults, one run, no grid;
 * --standardize-targets for regression) beside scikit-learn (bench/sklearn_bench.py): a grid
 * of MLPClassifier/MLPRegressor hidden sizes (16), (64), (256), (64, 64), the member with the
 * best validation score, the grid's total time, and a linear model. Each side runs as a user
 * runs it, in its own process, timed from its start to its exit (`tinygrow grow … --quiet`
 * against `python3 bench/sklearn_bench.py fit DIR NAME grid`); the fit times (tinygrow's
 * growth run, the sum of the grid's fit() calls) are printed beside them.
 *
 * Data: diabetes, breast cancer, wine, digits as shipped inside scikit-learn (no download;
 * California housing would be a download and is not used), and Douka et al.'s teacher–student
 * task (src/data/teacher.ts, seed 0: 3,000 training and 1,000 test rows) written to CSV. Both
 * sides read the same CSV train/test files; the test rows are scored once.
 *
 * TINYGROW_BENCH_TABULAR=wine,teacher runs only those data sets.
 *
 * Tuning (how grow's defaults were chosen, docs/tabular-defaults.md): TINYGROW_BENCH_TABULAR_TUNE=1
 * splits each benchmark *training* file 80/20 (seed 1; teacher: rows 0–2,400 / 2,400–3,000)
 * and scores both sides on that inner 20%: the test files are never read.
 * TINYGROW_BENCH_TABULAR_CONFIG='{"training":{"weightDecay":0}}' gives grow a settings file
 * (`--config`; a candidate setting).
 *
 * Target: grown within 1 accuracy point (classification) or 1.05× the MSE (regression) of the
 * best grid MLP, with fewer parameters, in less wall time than the grid.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTeacher, teacherDataset } from "../src/data/teacher.js";
import { fileURLToPath } from "node:url";
import type { Scores } from "../src/model/metrics.js";
import { chooseKernels } from "../src/node/kernels.js";
import { Rng } from "../src/tensor/rng.js";
import { table } from "./stats.js";

interface SkRun {
  hidden: number[] | null;
  seconds: number;
  params: number;
  test: { loss: number; accuracy?: number };
}
interface SkResult {
  best: SkRun;
  gridSeconds: number;
  linear: SkRun;
}
interface DatasetMeta {
  name: string;
  task: "regression" | "classification";
  target: string;
  rows: number;
  features: number;
  source: string;
}

/** A python3 that imports scikit-learn and pandas (TINYGROW_BENCH_PYTHON, python3, /usr/bin/python3), or null. */
export function findSklearnPython(): string | null {
  for (const candidate of [process.env.TINYGROW_BENCH_PYTHON, "python3", "/usr/bin/python3"]) {
    if (!candidate) continue;
    if (spawnSync(candidate, ["-c", "import sklearn, pandas"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return null;
}

export function python(args: string[]): string {
  return timedPython(args).stdout;
}

/** Runs python3 with `args`; `seconds`: from the process's start to its exit (imports, reading the files, the work). */
function timedPython(args: string[], env: Record<string, string> = {}): { stdout: string; seconds: number } {
  const py = findSklearnPython();
  if (py === null) throw new Error("no python3 with scikit-learn (set TINYGROW_BENCH_PYTHON)");
  const t0 = performance.now();
  const r = spawnSync(py, args, { encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`python ${args.join(" ")} failed: ${r.stderr.slice(-800)}`);
  return { stdout: r.stdout, seconds };
}

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

/** `tinygrow grow` as a user runs it, in its own process; `seconds`: from the process's start to its exit. */
function timedGrow(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, "grow", ...args, "--quiet"], { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`tinygrow grow ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.slice(-800)}`);
  return seconds;
}

function writeTeacherCsv(dir: string, tune: boolean): DatasetMeta {
  const { kernels } = chooseKernels("auto");
  const rng = new Rng(0);
  const teacher = buildTeacher(rng);
  const all = teacherDataset(kernels, teacher, 4000, rng);
  const d = all.x.cols;
  const header = [...Array.from({ length: d }, (_, i) => `x${i}`), "target"].join(",");
  const y = (all as { y: { data: Float32Array } }).y.data;
  const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => [...all.x.data.subarray((from + k) * d, (from + k + 1) * d), y[from + k]].join(","));
  writeFileSync(join(dir, "teacher_train.csv"), [header, ...rows(0, tune ? 2400 : 3000)].join("\n") + "\n");
  writeFileSync(join(dir, "teacher_test.csv"), [header, ...(tune ? rows(2400, 3000) : rows(3000, 4000))].join("\n") + "\n");
  const meta: DatasetMeta = { name: "teacher", task: "regression", target: "target", rows: 4000, features: d, source: "Douka et al.'s teacher–student task (src/data/teacher.ts, seed 0)" };
  // sklearn_bench.py fit looks the data set up in datasets.json.
  const list = JSON.parse(readFileSync(join(dir, "datasets.json"), "utf8")) as DatasetMeta[];
  writeFileSync(join(dir, "datasets.json"), JSON.stringify([...list, meta]));
  return meta;
}

const pct = (x: number | undefined) => (x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));

export async function benchTabular(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tinygrow-bench-tabular-"));
  try {
    const tune = process.env.TINYGROW_BENCH_TABULAR_TUNE === "1";
    const over = JSON.parse(process.env.TINYGROW_BENCH_TABULAR_CONFIG ?? "{}") as Record<string, unknown>;
    python(["bench/sklearn_bench.py", "export", dir, ...(tune ? ["--tune"] : [])]);
    const only = process.env.TINYGROW_BENCH_TABULAR?.split(",");
    const sets = [...(JSON.parse(readFileSync(join(dir, "datasets.json"), "utf8")) as DatasetMeta[]), writeTeacherCsv(dir, tune)].filter((s) => only === undefined || only.includes(s.name));
    const rows: string[][] = [];
    const verdicts: string[] = [];
    const configFile = join(dir, "settings.json");
    if (Object.keys(over).length > 0) writeFileSync(configFile, JSON.stringify(over));
    for (const ds of sets) {
      const out = join(dir, `run-${ds.name}`);
      const args = ["--train", join(dir, `${ds.name}_train.csv`), "--test", join(dir, `${ds.name}_test.csv`), "--target", ds.target, "--task", ds.task, "--out", out];
      if (ds.task === "regression") args.push("--standardize-targets");
      if (Object.keys(over).length > 0) args.push("--config", configFile);
      const growSeconds = timedGrow(args);
      // numpy's OpenBLAS with its default threads (one per core), and with one thread as
      // tinygrow uses: the faster of the two is the grid's time (on a busy machine threads
      // can cost numpy as much as they cost tinygrow; see docs/tabular-defaults.md).
      const gridArgs = ["bench/sklearn_bench.py", "fit", dir, ds.name, "grid"];
      const gridThreads = timedPython(gridArgs);
      const gridOne = timedPython(gridArgs, { OPENBLAS_NUM_THREADS: "1" });
      const grid = gridOne.seconds < gridThreads.seconds ? gridOne : gridThreads;
      const gridNote = `grid ${gridThreads.seconds.toFixed(1)}, 1 thread ${gridOne.seconds.toFixed(1)}`;
      const sk = { ...(JSON.parse(grid.stdout) as SkResult), linear: (JSON.parse(python(["bench/sklearn_bench.py", "fit", dir, ds.name, "linear"])) as SkResult).linear };
      const grown = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { parameters: number; scores: Scores };
      const log = readFileSync(join(out, "grown", "log.jsonl"), "utf8").trim().split("\n");
      const done = JSON.parse(log[log.length - 1]) as { accounting?: { wallSeconds: Record<string, number> } };
      // The fit: the whole growth run (search, training, evaluation, checkpoints, log), as sklearn's side sums fit() only.
      const fitSeconds = done.accounting?.wallSeconds.total ?? NaN;
      const params = grown.parameters;
      const cls = ds.task === "classification";
      const metric = (s: { loss: number; accuracy?: number }) => (cls ? `${pct(s.accuracy)} (${num(s.loss)})` : num(s.loss));
      rows.push([ds.name, "tinygrow grown", metric(grown.scores), String(params), `${growSeconds.toFixed(1)} (fit ${fitSeconds.toFixed(1)})`]);
      rows.push(["", `sklearn best MLP ${JSON.stringify(sk.best.hidden)}`, metric(sk.best.test), String(sk.best.params), `${gridNote} (fit ${sk.gridSeconds.toFixed(1)}; this member ${sk.best.seconds.toFixed(1)})`]);
      rows.push(["", cls ? "sklearn LogisticRegression" : "sklearn LinearRegression", metric(sk.linear.test), String(sk.linear.params), `(fit ${sk.linear.seconds.toFixed(2)})`]);
      const quality = cls ? (grown.scores.accuracy ?? 0) >= (sk.best.test.accuracy ?? 0) - 0.01 : grown.scores.loss <= 1.05 * sk.best.test.loss;
      const quant = cls ? `${((grown.scores.accuracy ?? 0) * 100 - (sk.best.test.accuracy ?? 0) * 100).toFixed(1)} points` : `${(grown.scores.loss / sk.best.test.loss).toFixed(2)}× MSE`;
      const time = `process time ${growSeconds < grid.seconds ? "less" : "more"} than the grid's faster run (${growSeconds.toFixed(1)} s vs ${grid.seconds.toFixed(1)} s), fit time ${fitSeconds < sk.gridSeconds ? "less" : "more"} (${fitSeconds.toFixed(1)} s vs ${sk.gridSeconds.toFixed(1)} s)`;
      verdicts.push(`${ds.name}: quality ${quality ? "met" : "missed"} (${quant}), params ${params < sk.best.params ? "fewer" : "more"} (${params} vs ${sk.best.params}), ${time}`);
    }
    const notes = sets.map((s) => `- ${s.name}: ${s.rows} rows, ${s.features} features, ${s.task}; ${s.source}`);
    return [
      table(["data set", "model", "test accuracy (log loss) | MSE", "parameters", "wall s"], rows),
      "",
      "wall s: each side as a user runs it, one process from its start to its exit: `tinygrow grow` (start-up, reading the files, preprocessing, the growth run, test scores, model, report and plots) against `python3 sklearn_bench.py fit … grid` (start-up and imports, reading the files, fitting the four MLPs, choosing one on validation, test scores), run with numpy's default OpenBLAS threads and with OPENBLAS_NUM_THREADS=1 (tinygrow grow's default); the faster run is compared, and its fit() times are the fit column. fit: tinygrow's growth run (search, training, evaluation, checkpoints and log) against the sum of the grid members' fit() times.",
      "",
      "Target (grown vs the best grid MLP: within 1 accuracy point or 1.05× MSE, fewer parameters, less time than the grid):",
      ...verdicts.map((v) => `- ${v}`),
      "",
      "Data:",
      ...notes,
      tune
        ? "- TUNING MODE: scores are on an inner 20% of the benchmark's training files (seed 1), not on the test files"
        : "- test split: 20% (stratified for classification, seed 0) in sklearn_bench.py export; both sides select on a 10% validation split of the training rows",
      ...(Object.keys(over).length > 0 ? [`- grow settings changed: ${JSON.stringify(over)}`] : []),
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
