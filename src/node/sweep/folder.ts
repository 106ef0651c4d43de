/**
 * The sweep folder:
 *
 *   sweep.json          the spec, the expanded jobs (with their command lines), the tinygrow
 *                       version and the queue (its URL without password); read back by --resume
 *   jobs/<job>/         one normal study folder per job (what `tinygrow <command> --out` writes)
 *   logs/<job>.log      the terminal output of every attempt of the job
 *   events.jsonl        one line per job event (started, done, failed, retried), for the record
 *   results.json, summary.md, report.md, plots/   the merged report (merge.ts)
 *
 * A job is finished when its study wrote its report (JOB_DONE_FILE), started when it has a
 * manifest (so it resumes from its last checkpoint), new otherwise.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { z } from "zod";
import { DataError } from "../../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { MANIFEST_FILE } from "../io/run-folder.js";
import { JOB_DONE_FILE } from "./results.js";
import { OptionValueSchema, SweepSpecSchema } from "./spec.js";

export const SWEEP_FILE = "sweep.json";
export const SWEEP_FORMAT_VERSION = 1;

const JobRecordSchema = z.object({
  id: z.string(),
  point: z.record(z.string(), OptionValueSchema),
  cell: z.string(),
  /** The job's command line after `tinygrow <command>`, without --out/--resume. */
  args: z.array(z.string()),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

const SweepManifestSchema = z.object({
  formatVersion: z.literal(SWEEP_FORMAT_VERSION),
  /** Random id: names the sweep's jobs on a shared queue and tells workers which folder is which. */
  sweepId: z.string(),
  tinygrow: z.string(),
  createdAt: z.string(),
  resumedAt: z.array(z.string()),
  specFile: z.string().nullable(),
  spec: SweepSpecSchema,
  replicate: z.string(),
  jobs: z.array(JobRecordSchema),
});
export type SweepManifest = z.infer<typeof SweepManifestSchema>;

export type JobState = "done" | "started" | "new";

export const jobDir = (sweepDir: string, id: string): string => join(sweepDir, "jobs", id);
export const jobLogFile = (sweepDir: string, id: string): string => join(sweepDir, "logs", `${id}.log`);

export function jobState(dir: string): JobState {
  if (existsSync(join(dir, JOB_DONE_FILE))) return "done";
  return existsSync(join(dir, MANIFEST_FILE)) ? "started" : "new";
}

export function newSweepId(): string {
  return randomBytes(6).toString("hex");
}

/** Creates the sweep folder (refusing one that holds anything) and writes sweep.json. */
export function createSweepFolder(dir: string, manifest: Omit<SweepManifest, "formatVersion" | "createdAt" | "resumedAt">): SweepManifest {
  const abs = resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    const what = existsSync(join(abs, SWEEP_FILE)) ? "already holds a sweep; continue it with `tinygrow sweep --resume " + dir + "`" : "is not empty; choose another --out";
    throw new DataError(abs, what);
  }
  try {
    mkdirSync(join(abs, "jobs"), { recursive: true });
    mkdirSync(join(abs, "logs"), { recursive: true });
  } catch (err) {
    throw new DataError(abs, `cannot create the sweep folder: ${(err as Error).message}`);
  }
  const full: SweepManifest = { formatVersion: SWEEP_FORMAT_VERSION, createdAt: new Date().toISOString(), resumedAt: [], ...manifest };
  writeFileAtomic(join(abs, SWEEP_FILE), JSON.stringify(full, null, 2) + "\n", { overwrite: false });
  return full;
}

/** Reads sweep.json; errors name the file. */
export function readSweepManifest(dir: string): SweepManifest {
  const path = join(resolve(dir), SWEEP_FILE);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new DataError(path, missing ? "no sweep here (sweep.json is missing)" : `cannot read: ${(err as Error).message}`);
  }
  const parsed = SweepManifestSchema.safeParse(value);
  if (!parsed.success) throw new DataError(path, `not a tinygrow sweep (format ${SWEEP_FORMAT_VERSION}): ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** Records a resume in sweep.json. */
export function markResumed(dir: string, manifest: SweepManifest): void {
  manifest.resumedAt.push(new Date().toISOString());
  writeFileAtomic(join(resolve(dir), SWEEP_FILE), JSON.stringify(manifest, null, 2) + "\n");
}

export interface JobEvent {
  job: string;
  event: "started" | "done" | "failed" | "retry" | "stalled";
  attempt?: number;
  worker?: string;
  error?: string;
  /** Milliseconds the job's process ran (done). */
  ms?: number;
  /** Queue jobs: when it was added, taken by a worker and finished there (ms since the epoch, BullMQ's clocks). */
  queue?: { added: number; processed: number; finished: number };
}

/** Appends one event to events.jsonl (for the record; the job folders are the truth). */
export function appendEvent(dir: string, event: JobEvent): void {
  appendFileSync(join(dir, "events.jsonl"), JSON.stringify({ time: new Date().toISOString(), ...event }) + "\n");
}
