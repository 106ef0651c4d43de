/**
 * Test-only: reading a run's JSON-lines log for the kill-and-resume tests, which compare
 * logs of two runs of the same seed (timing and energy fields differ between them).
 */
import { existsSync, readFileSync } from "node:fs";
import { TIMING_FIELDS } from "../experiments/growth-run.js";
import { readJsonl } from "../node/io/results.js";

/** The log's records without the fields that differ between two runs of the same seed. */
export function recordsWithoutTiming(file: string): Record<string, unknown>[] {
  return readJsonl<Record<string, unknown>>(file).records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(TIMING_FIELDS as readonly string[]).includes(k))));
}

/** Complete lines written so far (0 while the file does not exist). */
export function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, "utf8").split("\n").length - 1;
}
