/**
 * Named fault-injection points, for the fault-injection suite (test/fault-injection.test.ts)
 * and the kill-and-resume tests: a point is a place where a crash must leave the run folder
 * resumable (a log record just made durable, a checkpoint staged but not yet renamed into
 * place, …). The CLI arms at most one point from TINYGROW_FAULT="<point>:<n>[:stop]": the
 * n-th time the process passes that point it sends itself SIGKILL (or, with `:stop`, SIGSTOP:
 * it freezes there, holding its locks, until SIGCONT), so a test stops a run at an exact
 * place instead of racing a timer. Unarmed (always, outside tests) a point costs one
 * comparison.
 */
import { ConfigError } from "../errors.js";

export const FAULT_POINTS = [
  /** A log record was written (results.ts; fsynced per record, or before the next checkpoint for growth runs). */
  "log-record",
  /** A checkpoint was written to its temporary name, not yet renamed into place (checkpoint.ts). */
  "checkpoint-staged",
  /** A checkpoint was renamed into place (checkpoint.ts). */
  "checkpoint",
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

let armed: { point: FaultPoint; remaining: number; signal: "SIGKILL" | "SIGSTOP" } | null = null;

/** Arms `spec` ("<point>:<n>[:stop]", n ≥ 1) for this process; `source` names where it came from in errors. */
export function armFault(spec: string, source = "TINYGROW_FAULT"): void {
  const m = /^([a-z-]+):([1-9]\d*)(:stop)?$/.exec(spec.trim());
  const point = m?.[1] as FaultPoint | undefined;
  if (m === null || point === undefined || !FAULT_POINTS.includes(point)) {
    throw new ConfigError([{ source, path: "", message: `expected "<point>:<n>[:stop]" with point one of ${FAULT_POINTS.join(", ")} and n ≥ 1, got ${JSON.stringify(spec)}` }]);
  }
  armed = { point, remaining: Number(m[2]), signal: m[3] === undefined ? "SIGKILL" : "SIGSTOP" };
}

/** Marks that the process passed `point`; SIGKILLs (or SIGSTOPs) it when that is the armed point's n-th pass. */
export function faultPoint(point: FaultPoint): void {
  if (armed === null || armed.point !== point) return;
  if (--armed.remaining === 0) process.kill(process.pid, armed.signal);
}
