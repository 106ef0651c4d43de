/**
 * What `tinygrow view`'s server sends the page over server-sent events (GET /api/events):
 *   event "folder":  FolderInfo, whenever the list of runs or a run's state changes;
 *   event "records": RecordsEvent, every complete log line (all of them on connection);
 *   event "layout":  LayoutEvent, a run's DAG positions whenever its structure changes.
 */
import type { DagLayout } from "./dag-layout.js";
import type { LogRecord } from "./run-log.js";
import type { RunStatus } from "./status.js";

export interface RunInfo {
  /** Path relative to the opened folder ("." for a single run). */
  id: string;
  /** The command that wrote the run (from its manifest). */
  command: string;
  /** The id without a final "seed-N" (strategy, "oracle", "baselines/784-300-10", "grown"), or the command for a single run. */
  group: string;
  seed: number | null;
  /** The manifest's config.kind ("growth", "oracle", "retrain", …) when it has one. */
  kind: string | null;
  status: RunStatus;
  /** Why the run cannot be shown (e.g. written by a newer tinygrow), or null. */
  problem: string | null;
  /** Log lines that could not be read ("line N: why"). */
  problems: string[];
}

export interface FolderInfo {
  title: string;
  root: string;
  kind: "run" | "study";
  command: string;
  runs: RunInfo[];
}

export interface RecordsEvent {
  run: string;
  /** Drop what was received for this run before (the log was cut back, or the connection is new). */
  reset: boolean;
  records: LogRecord[];
}

export interface LayoutEvent {
  run: string;
  layout: DagLayout;
}
