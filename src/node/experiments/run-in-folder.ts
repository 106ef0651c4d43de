/**
 * One run of a study in its own folder — a grown network or a baseline — shared by the
 * teacher–student and MNIST studies: skip it when already finished, otherwise create or
 * resume the folder, run the grow-and-train loop, write its plots, and log one line.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CandidatePool } from "../pool.js";
import { MANIFEST_FILE, softwareVersions } from "../io/run-folder.js";
import type { RunKernels } from "../../kernels/select.js";
import { Rng } from "../../tensor/rng.js";
import type { AccountantOptions } from "../../experiments/accounting.js";
import type { GrowthRunConfig } from "../../experiments/config.js";
import { growthRunUnits, runGrowth, type GrowthRunResult, type GrowthTask, type Progress, type StopRequest } from "../../experiments/growth-run.js";
import { growthRunDone, openGrowthRun, readGrowthCheckpointFile } from "./open-growth-run.js";
import { writeRunArtifacts } from "./report.js";

/** What every run of a study shares. */
export interface StudyEnv {
  /** The study folder; each run lives in a subfolder. */
  out: string;
  choice: RunKernels;
  pool: CandidatePool | null;
  io: { log(line: string): void };
  /** The study's progress bar; each run ticks it with its own name. */
  progress: Progress;
  command?: string[];
  /** Asked at every safe point whether to stop there (see StopRequest). */
  stop?: StopRequest;
}

export interface FolderRun {
  /** Subfolder of the study folder. */
  dir: string;
  /** Shown in progress and log lines. */
  name: string;
  config: GrowthRunConfig;
  /** Built only when the run has to execute (loading a grown model to retrain may fail). */
  task: () => GrowthTask;
  /** Recorded in the manifest beside the run configuration; compared on resume through `config`. */
  manifestConfig: Record<string, unknown>;
  seed: number;
  trainingSeed: number;
  accounting: AccountantOptions;
  /** Label of the loss axis in the run's plots. */
  lossLabel?: string;
  /** The end of the run's log line (after the name), e.g. "4701 parameters, test loss 0.0131". */
  describe(result: GrowthRunResult, dir: string): string;
}

/**
 * Before a study folder is resumed (and its manifest records the resume): the checkpoint of
 * every run begun in it must be readable (DataError naming the run's files otherwise).
 */
export function checkRunsResumable(out: string, dirs: readonly string[]): void {
  for (const d of dirs) {
    const dir = join(out, d);
    if (existsSync(join(dir, MANIFEST_FILE))) readGrowthCheckpointFile(dir);
  }
}

export async function runInFolder(run: FolderRun, env: StudyEnv): Promise<void> {
  const dir = join(env.out, run.dir);
  const { name, config } = run;
  const plots = run.lossLabel === undefined ? {} : { lossLabel: run.lossLabel };
  const exists = existsSync(join(dir, MANIFEST_FILE));
  if (exists && growthRunDone(dir)) {
    env.progress.tick(growthRunUnits(config), `${name}: already finished`);
    await writeRunArtifacts(dir, name, plots);
    env.io.log(`${name}: already finished, kept`);
    return;
  }
  const task = run.task();
  const opened = openGrowthRun({
    dir,
    resume: exists,
    manifest: {
      config: { ...run.manifestConfig, run: config },
      seed: run.seed,
      kernels: { name: env.choice.name, reason: env.choice.reason, blasThreads: env.choice.blasThreads },
      versions: softwareVersions(),
      dataSplit: task.dataSplit,
      command: env.command,
    },
    accountant: { ...run.accounting },
    expect: { config, dataSplit: task.dataSplit },
  });
  if (opened.checkpointFallback !== null) env.io.log(`${name}: ${opened.checkpointFallback}`);
  if (opened.logResume !== null && opened.logResume.discardedTo !== null) {
    env.io.log(`${name}: ${opened.logResume.discardedRecords} log record(s) after the checkpoint moved to ${opened.logResume.discardedTo}`);
  }
  const progress: Progress = { tick: (n, info) => env.progress.tick(n, `${name}: ${info ?? ""}`) };
  try {
    const result = await runGrowth(task, config, {
      kernels: env.choice.kernels,
      rng: new Rng(run.trainingSeed),
      accountant: opened.accountant,
      log: opened.log,
      progress,
      store: opened.store,
      pool: env.pool,
      ...(env.stop === undefined ? {} : { stop: env.stop }),
      resume: opened.checkpoint,
    });
    await writeRunArtifacts(dir, name, plots);
    const resumed = result.resumedFrom === null ? "" : ` (resumed at step ${result.resumedFrom.step}, epoch ${result.resumedFrom.epoch})`;
    env.io.log(`${name}: ${run.describe(result, dir)}${resumed}`);
  } finally {
    opened.log.close();
    // The study folder's lock covers its runs; a crashed study's run lock is taken over silently.
    opened.runFolder.release();
  }
}

/** "search 4.3 s, training 3.0 s, 0.0210 Wh": the accounted cost of a run (search + training). */
export function describeCost(result: GrowthRunResult): string {
  const a = result.accounting;
  return `search ${(a.wallSeconds.search ?? 0).toFixed(1)} s, training ${(a.wallSeconds.training ?? 0).toFixed(1)} s, ${((a.energyWh.search ?? 0) + (a.energyWh.training ?? 0)).toPrecision(3)} Wh`;
}
