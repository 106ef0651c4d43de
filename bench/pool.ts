/**
 * Candidate pool benchmark: one growth step evaluated serially and by a CandidatePool of 2
 * workers, alternating repeat by repeat on clones of the same model (medians and the ratio
 * of medians), at the two sizes the pool is meant for:
 *
 *  (a) `pool-teacher`, teacher–student (bench/dag.ts `teacherProblem`, seed 0: 1,000 samples
 *      per split): the whole-space step after 10 growth steps of a real run (10 neurons per
 *      step, 20 epochs of SGD lr 0.01 / momentum 0.9 / batch 64 between steps);
 *  (b) `pool-mnist`, MNIST (60,000 training images in three parts of 20,000, found like
 *      `tinygrow mnist` finds them, ../shared/data/mnist first): the whole-space step with 100
 *      neurons per step after 3 growth steps (1 epoch of SGD between steps).
 *
 * Growing the model a case starts from is not timed and takes long on MNIST: `pool-prepare`
 * grows both and keeps them in .tinygrow-cache/bench/ (run it niced, outside the bench lock),
 * and the timed sections read them from there (growing one when it is missing), so a locked
 * run times only the steps. The row says where its model came from.
 *
 * Both modes run with the study's thread contract (OpenBLAS at one thread per core for the
 * statistics, one thread while candidates are evaluated, serially or in the workers). Each
 * row also gives the serial step's CPU seconds (against its wall seconds: on a loaded machine
 * a step that does not get its core shows it) and the load average at the start and end.
 *
 * Peak memory is a separate section (`pool-memory`): peak RSS is per process, so it spawns
 * `tinygrow mnist` twice (serial, then --workers 2) and reads each run's accounted peak.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kernels } from "../src/kernels/kernels.js";
import { Rng } from "../src/tensor/rng.js";
import { DagModel } from "../src/dag/model.js";
import { modelFromJson, modelToJson, type DagModelJson } from "../src/dag/serialize.js";
import { growthStep, type GrowthOptions, type GrowthSplits, type GrowthStepResult } from "../src/dag/step.js";
import { trainModel, type InterTrainOptions } from "../src/dag/train.js";
import type { Dataset } from "../src/data/batches.js";
import { concatIndices, splitThreeWays, subsetDataset } from "../src/data/splits.js";
import { loadMnist } from "../src/node/data/mnist.js";
import { searchDirs } from "../src/node/data/data-dir.js";
import { CandidatePool } from "../src/node/pool.js";
import { teacherProblem } from "./dag.js";
import { fmtSeconds, median, table } from "./stats.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const SHARED_MNIST = fileURLToPath(new URL("../../../shared/data/mnist", import.meta.url));
const CACHE = fileURLToPath(new URL("../../.tinygrow-cache/bench", import.meta.url));

interface Case {
  name: string;
  splits: GrowthSplits;
  model: DagModel;
  growth: GrowthOptions;
  /**
   * One untimed serial and pooled step first. A study's workers live for all its steps, so
   * their JIT is warm after the first step; a cold worker is measurably slower on steps
   * of many small candidates (teacher–student), not on steps made of large BLAS calls (MNIST).
   */
  warmUp: boolean;
}

const load = (): string => loadavg()[0].toFixed(1);

/** ../shared/data/mnist when it is there (a checkout beside the shared folder), else the usual lookup (TINYGROW_DATA_DIR, the cache). */
const mnistFlag = (): { flag?: string } => (existsSync(SHARED_MNIST) ? { flag: SHARED_MNIST } : {});

/** `steps` growth steps from the empty graph with `inter` training between them: the model a run has at that point. */
async function grownModel(kernels: Kernels, splits: GrowthSplits, outputs: number, interTrain: Dataset, growth: GrowthOptions, steps: number, inter: InterTrainOptions): Promise<DagModel> {
  const model = DagModel.empty(splits.trainOpt.x.cols, outputs);
  const rng = new Rng(17);
  for (let step = 0; step < steps; step++) {
    await growthStep(model, splits, { ...growth, seed: step }, { kernels });
    trainModel(model, interTrain, inter, rng, kernels);
  }
  return model;
}

/** A case's data and how its starting model is grown (`grow`), before the model exists. */
interface Setup {
  /** The cache file's name: pool-<key>.json. */
  key: string;
  name: string;
  splits: GrowthSplits;
  /** The growth options of every step; the timed step uses seed `steps`. */
  growth: GrowthOptions;
  steps: number;
  warmUp: boolean;
  /** At most this many repeats (an MNIST step is long; a teacher–student one is short and noisy). */
  maxRepeats: number;
  grow(kernels: Kernels): Promise<DagModel>;
}

function teacherSetup(problem: ReturnType<typeof teacherProblem>, steps: number): Setup {
  const growth: GrowthOptions = { strategy: "whole", neuronsPerStep: 10 };
  const inter = { epochs: 20, lr: 0.01, momentum: 0.9, batchSize: 64 };
  const grow = (k: Kernels) => grownModel(k, problem.splits, problem.teacher.outputSize, problem.inter, growth, steps, inter);
  return { key: `teacher-${steps}`, name: `teacher–student, whole, after ${steps} steps`, splits: problem.splits, growth, steps, warmUp: true, maxRepeats: 11, grow };
}

/** The teacher–student steps timed: after 10 steps (the target's), and after 3 (a small step). */
const teacherSetups = (kernels: Kernels): Setup[] => {
  const problem = teacherProblem(kernels, 0);
  return [teacherSetup(problem, 3), teacherSetup(problem, 10)];
};

function mnistSetup(): Setup | string {
  const dirs = searchDirs({ dataset: "mnist", ...mnistFlag(), env: process.env });
  let train;
  try {
    train = loadMnist({ dirs, split: "train" });
  } catch (err) {
    return `MNIST not measured: ${(err as Error).message.split("\n")[0]}`;
  }
  const s = splitThreeWays(train.x.rows, 1);
  const data: Dataset = { x: train.x, labels: train.labels };
  const splits = { trainOpt: subsetDataset(data, s.trainOpt), trainLs: subsetDataset(data, s.trainLs), trainGr: subsetDataset(data, s.trainGr) };
  const growth: GrowthOptions = { strategy: "whole", neuronsPerStep: 100, loss: "softmax-cross-entropy" };
  const inter = subsetDataset(data, concatIndices(s.trainOpt, s.trainLs));
  const interOptions: InterTrainOptions = { epochs: 1, lr: 0.01, momentum: 0.9, batchSize: 64, loss: "softmax-cross-entropy" };
  return { key: "mnist", name: "MNIST, whole, 100 neurons, after 3 steps", splits, growth, steps: 3, warmUp: false, maxRepeats: 5, grow: (k) => grownModel(k, splits, 10, inter, growth, 3, interOptions) };
}

interface CachedModel {
  /** What the model was grown with (a cache of other settings is not used). */
  settings: string;
  grownAt: string;
  commit: string;
  model: DagModelJson;
}

const cacheFile = (setup: Setup): string => join(CACHE, `pool-${setup.key}.json`);
const settingsOf = (setup: Setup): string => JSON.stringify({ name: setup.name, growth: setup.growth, steps: setup.steps, trainOpt: setup.splits.trainOpt.x.rows });

function gitCommit(): string {
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", cwd: fileURLToPath(new URL("../..", import.meta.url)) });
  return r.status === 0 ? r.stdout.trim() : "unknown";
}

/** Grows the case's model and keeps it in the cache (written whole, then renamed). */
async function prepare(kernels: Kernels, setup: Setup): Promise<{ model: DagModel; source: string }> {
  const model = await setup.grow(kernels);
  const cached: CachedModel = { settings: settingsOf(setup), grownAt: new Date().toISOString(), commit: gitCommit(), model: modelToJson(model) };
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(`${cacheFile(setup)}.tmp`, JSON.stringify(cached));
  renameSync(`${cacheFile(setup)}.tmp`, cacheFile(setup));
  return { model, source: `grown now (commit ${cached.commit})` };
}

/** The case's model from the cache when it was grown with the same settings, else null. */
function cachedModel(setup: Setup): { model: DagModel; source: string } | null {
  if (!existsSync(cacheFile(setup))) return null;
  const cached = JSON.parse(readFileSync(cacheFile(setup), "utf8")) as CachedModel;
  return cached.settings === settingsOf(setup) ? { model: modelFromJson(cached.model), source: `cache (grown ${cached.grownAt} at commit ${cached.commit})` } : null;
}

/** The case's starting model: from the cache, else grown now. */
async function startingModel(kernels: Kernels, setup: Setup): Promise<{ model: DagModel; source: string }> {
  return cachedModel(setup) ?? prepare(kernels, setup);
}

/** Serial and pooled step times on clones of the case's model, alternating; medians. */
async function timeCase(kernels: Kernels, pool: CandidatePool, c: Case, repeats: number): Promise<{ row: string[]; parts: string[] }> {
  const serial: number[] = [];
  const pooled: number[] = [];
  const cpu: number[] = [];
  // Where the time goes, per mode: the statistics (main thread, both modes), the candidates'
  // own fit + evaluation seconds summed (in the workers when pooled) and the longest one.
  const parts = { serial: [] as GrowthStepResult[], pooled: [] as GrowthStepResult[] };
  let candidates = 0;
  if (c.warmUp) for (const runner of [null, pool]) await growthStep(c.model.clone(), c.splits, c.growth, { kernels, runner });
  const loadBefore = load();
  for (let r = 0; r < repeats; r++) {
    for (const runner of [null, pool]) {
      const m = c.model.clone();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await growthStep(m, c.splits, c.growth, { kernels, runner });
      const seconds = (performance.now() - t0) / 1000;
      candidates = res.candidates.length;
      if (runner === null) {
        serial.push(seconds);
        const u = process.cpuUsage(c0);
        cpu.push((u.user + u.system) / 1e6);
        parts.serial.push(res);
      } else {
        pooled.push(seconds);
        parts.pooled.push(res);
      }
    }
  }
  const s = median(serial);
  const p = median(pooled);
  const all = (v: number[]) => v.map((x) => x.toFixed(2)).join(" ");
  const own = (r: GrowthStepResult) => r.candidates.map((x) => x.fitSeconds + x.evalSeconds);
  const breakdown = (mode: string, rs: GrowthStepResult[]) =>
    `${mode}: statistics ${median(rs.map((r) => r.statisticsSeconds)).toFixed(2)} s, candidates Σ ${median(rs.map((r) => own(r).reduce((a, b) => a + b, 0))).toFixed(2)} s, longest ${median(rs.map((r) => Math.max(...own(r)))).toFixed(2)} s (medians)`;
  return {
    row: [c.name, String(candidates), `${fmtSeconds(s)} (${all(serial)})`, `${fmtSeconds(p)} (${all(pooled)})`, (s / p).toFixed(2), fmtSeconds(median(cpu)), `${loadBefore} → ${load()}`],
    parts: [breakdown("serial", parts.serial), breakdown("2 workers", parts.pooled)],
  };
}

type BenchCtx = { repeats: number; sets: { name: string; kernels: Kernels }[] };

const nativeSet = (ctx: BenchCtx) => ctx.sets.find((s) => s.name === "native") ?? ctx.sets[0];

/** Section `pool-teacher` / `pool-mnist`: each case's step, serial vs 2 workers. */
async function benchPoolCases(ctx: BenchCtx, setups: Setup[] | string): Promise<string> {
  if (typeof setups === "string") return setups;
  const set = nativeSet(ctx);
  const { kernels } = set;
  const pool = new CandidatePool(2, set.name === "native" ? "native" : "portable");
  const rows: string[][] = [];
  const notes: string[] = [];
  try {
    for (const setup of setups) {
      const { model, source } = await startingModel(kernels, setup);
      const repeats = Math.max(3, Math.min(ctx.repeats, setup.maxRepeats));
      const timed = await timeCase(kernels, pool, { name: setup.name, splits: setup.splits, model, growth: { ...setup.growth, seed: setup.steps }, warmUp: setup.warmUp }, repeats);
      rows.push(timed.row);
      notes.push(`${setup.name}: ${setup.warmUp ? "one untimed step per mode first (warm workers, as in a study), then " : ""}${repeats} alternating repeats; model from ${source}`, ...timed.parts.map((p) => `  ${p}`));
    }
  } finally {
    await pool.close();
  }
  return [
    `kernels: ${set.name}, OpenBLAS threads ${kernels.numThreads()} outside candidate evaluation; all repeats listed, medians`,
    "",
    table(["step", "candidates", "serial s (all)", "2 workers s (all)", "speed-up", "serial CPU s", "load"], rows),
    "",
    ...notes,
  ].join("\n");
}

export const benchPoolTeacher = (ctx: BenchCtx): Promise<string> => benchPoolCases(ctx, teacherSetups(nativeSet(ctx).kernels));
export const benchPoolMnist = (ctx: BenchCtx): Promise<string> => {
  const setup = mnistSetup();
  return benchPoolCases(ctx, typeof setup === "string" ? setup : [setup]);
};

/** Section `pool-prepare` (not timed): grows the cases' starting models that the cache lacks (or has for other settings). */
export async function benchPoolPrepare(ctx: BenchCtx): Promise<string> {
  const { kernels } = nativeSet(ctx);
  const lines: string[] = [];
  const mnist = mnistSetup();
  for (const setup of [...teacherSetups(kernels), mnist]) {
    if (typeof setup === "string") {
      lines.push(setup);
      continue;
    }
    const kept = cachedModel(setup);
    if (kept !== null) {
      lines.push(`${setup.name}: ${kept.model.parameterCount()} parameters, kept from the ${kept.source}`);
      continue;
    }
    const t0 = performance.now();
    const { model } = await prepare(kernels, setup);
    lines.push(`${setup.name}: ${model.parameterCount()} parameters, grown in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${cacheFile(setup)}`);
  }
  return lines.join("\n");
}

/** The MNIST command whose peak memory is compared (serial vs 2 workers). */
export const MEMORY_ARGS = ["mnist", "--strategy", "whole", "--neurons", "100", "--steps", "2", "--epochs", "1", "--no-fixed", "--no-retrain", "--max-parameters", "100000", "--evaluate-every", "10", "--quiet"];

/** Peak RSS (MB) of `tinygrow mnist … --workers N`, as its run accounted it (the whole process, worker threads included). */
function mnistPeak(workers: number, dir: string): { mb: number; seconds: number } {
  const out = join(dir, `w${workers}`);
  const t0 = performance.now();
  const flag = mnistFlag().flag;
  const r = spawnSync(process.execPath, [MAIN, ...MEMORY_ARGS, ...(flag === undefined ? [] : ["--data-dir", flag]), "--workers", String(workers), "--out", out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench pool-memory: tinygrow mnist --workers ${workers} failed: ${r.stderr}`);
  const seconds = (performance.now() - t0) / 1000;
  const log = readFileSync(join(out, "grown", "log.jsonl"), "utf8").trim().split("\n");
  const done = JSON.parse(log[log.length - 1]) as { accounting: { peakRssMB: number } };
  return { mb: done.accounting.peakRssMB, seconds };
}

export function benchPoolMemory(): string {
  const dir = mkdtempSync(join(tmpdir(), "tinygrow-bench-pool-"));
  try {
    const loadBefore = load();
    const serial = mnistPeak(0, dir);
    const pooled = mnistPeak(2, dir);
    return [
      `tinygrow ${MEMORY_ARGS.join(" ")}${mnistFlag().flag === undefined ? "" : ` --data-dir ${SHARED_MNIST}`} --workers 0|2 (one after the other); load ${loadBefore} → ${load()}`,
      "",
      table(
        ["workers", "peak RSS MB", "× serial", "wall s"],
        [
          ["0", serial.mb.toFixed(0), "1.00", serial.seconds.toFixed(1)],
          ["2", pooled.mb.toFixed(0), (pooled.mb / serial.mb).toFixed(2), pooled.seconds.toFixed(1)],
        ],
      ),
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
