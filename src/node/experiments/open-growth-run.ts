/**
 * Growth runs in a run folder on disk: creating or reopening the folder, its log and its
 * checkpoint for the growth loop of experiments/growth-run.ts, which sees them through the
 * GrowthRunStore and RecordLog ports.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { DataError } from "../../errors.js";
import { modelFromJson } from "../../dag/serialize.js";
import type { AccountantOptions } from "../../experiments/accounting.js";
import type { GrowthRunConfig } from "../../experiments/config.js";
import { LOG_FILE, MODEL_FILE, type GrowthRunStore, type StepRecord } from "../../experiments/growth-run.js";
import { checkResumable, CheckpointSchema, type GrowthCheckpoint } from "../../experiments/growth-checkpoint.js";
import { Accountant } from "../accounting.js";
import { writeFileAtomic } from "../io/atomic.js";
import { CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from "../io/checkpoint.js";
import { JsonlWriter, readJsonl, type JsonlResume } from "../io/results.js";
import { createRunFolder, resumeRunFolder, type RunFolder, type RunManifestInput } from "../io/run-folder.js";

export interface OpenGrowthRunOptions {
  dir: string;
  /** Continue the run in `dir` instead of creating it. */
  resume: boolean;
  /** What manifest.json records (new runs only). */
  manifest: RunManifestInput;
  accountant?: Omit<AccountantOptions, "resumeFrom">;
  /** On resume, checked against the checkpoint before anything in the folder is touched. */
  expect?: { config: GrowthRunConfig; dataSplit?: unknown };
}

export interface OpenedGrowthRun {
  runFolder: RunFolder;
  /** The run folder as the growth loop's store (checkpoints, model.json, the log's records). */
  store: GrowthRunStore;
  log: JsonlWriter;
  accountant: Accountant;
  checkpoint: GrowthCheckpoint | null;
  /** What reopening the log found and did (resume only). */
  logResume: JsonlResume | null;
  /** Why the previous checkpoint was resumed from instead of the newest (resume only), or null. */
  checkpointFallback: string | null;
}

/**
 * Creates the run folder (refusing one that is not empty) or reopens it to resume: reads the
 * checkpoint (or its previous copy), cuts the log back to the checkpoint's record count and
 * carries the accounting forward. Without a checkpoint (stopped before the first one) the
 * run restarts and every earlier log line goes to the side file.
 */
export function openGrowthRun(options: OpenGrowthRunOptions): OpenedGrowthRun {
  if (!options.resume) {
    const runFolder = createRunFolder(options.dir, options.manifest);
    const log = JsonlWriter.create(runFolder.file(LOG_FILE), { syncEach: false });
    return { runFolder, store: folderStore(runFolder, log), log, accountant: new Accountant(options.accountant), checkpoint: null, logResume: null, checkpointFallback: null };
  }
  const read = readGrowthCheckpointFile(options.dir);
  const checkpoint = read?.payload ?? null;
  if (checkpoint !== null) {
    const file = join(options.dir, CHECKPOINT_FILE);
    modelFromJson(checkpoint.model);
    if (options.expect !== undefined) checkResumable(checkpoint, options.expect.config, options.expect.dataSplit, file);
  }
  const runFolder = resumeRunFolder(options.dir);
  const logPath = runFolder.file(LOG_FILE);
  let log: JsonlWriter;
  let logResume: JsonlResume | null = null;
  if (existsSync(logPath)) {
    const r = JsonlWriter.resume(logPath, { keepRecords: checkpoint?.logRecords ?? 0, syncEach: false });
    log = r.writer;
    logResume = r.resumed;
  } else if (checkpoint === null) {
    log = JsonlWriter.create(logPath, { syncEach: false });
  } else {
    throw new DataError(logPath, `the log is missing but the checkpoint says ${checkpoint.logRecords} records were written`);
  }
  const accountant = new Accountant({ ...options.accountant, resumeFrom: checkpoint?.accounting });
  return { runFolder, store: folderStore(runFolder, log), log, accountant, checkpoint, logResume, checkpointFallback: read?.fallback ?? null };
}

/** The checkpoint of run folder `dir` (its previous copy when the current one is damaged), or null when there is none. */
export function readGrowthCheckpoint(dir: string): GrowthCheckpoint | null {
  return readGrowthCheckpointFile(dir)?.payload ?? null;
}

/** readGrowthCheckpoint, with `fallback` saying why the previous copy was read (null when the newest was). */
export function readGrowthCheckpointFile(dir: string): { payload: GrowthCheckpoint; fallback: string | null } | null {
  if (!existsSync(join(dir, CHECKPOINT_FILE)) && !existsSync(join(dir, PREVIOUS_CHECKPOINT_FILE))) return null;
  const schema = CheckpointSchema as unknown as z.ZodType<GrowthCheckpoint>;
  return readCheckpoint<GrowthCheckpoint>(dir, { schema, fallbackToPrevious: true });
}

/** Whether the run in `dir` has finished (its checkpoint says so). */
export function growthRunDone(dir: string): boolean {
  return readGrowthCheckpoint(dir)?.position.done === true;
}

/** The records of a run's log (a torn last line is ignored). */
export function readGrowthLog(dir: string): StepRecord[] {
  return readJsonl<StepRecord>(join(dir, LOG_FILE)).records;
}

/** The run folder as the growth loop's store; the log's records are made durable before a checkpoint counts them. */
function folderStore(runFolder: RunFolder, log: JsonlWriter): GrowthRunStore {
  return {
    where: runFolder.dir,
    writeCheckpoint: (checkpoint) => {
      log.sync();
      writeCheckpoint(runFolder.dir, checkpoint);
    },
    writeModel: (json) => writeFileAtomic(runFolder.file(MODEL_FILE), json),
    readRecords: () => readGrowthLog(runFolder.dir),
  };
}
