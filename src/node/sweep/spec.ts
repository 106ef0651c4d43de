/**
 * A sweep specification (SPEC.json) and its expansion into jobs.
 *
 *   {
 *     "command": "teacher-student",
 *     "options": { "steps": 5, "epochs": 20, "workers": 0 },
 *     "grid": { "strategy": ["whole", "restricted", "bic"], "seeds": [0, 1, 2, 3, 4, 5] }
 *   }
 *
 * `options` are the command's own options (its --help), given to every job; `grid` lists the
 * values of the options that vary. The jobs are the Cartesian product of the grid, in the
 * order its keys are written (the first key varies slowest). A job's *cell* is its grid
 * point without the command's replicate axis (the seed), so the merged report gives mean ±
 * std over seeds per cell.
 */
import { z } from "zod";
import { ConfigError } from "../../errors.js";
import { readConfigFile } from "../io/config-file.js";

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
/** An option value: a scalar, or a list for list options (`"seeds": [0, 1]` is `--seeds 0,1`). */
export const OptionValueSchema = z.union([Scalar, z.array(z.union([z.string(), z.number()])).min(1)]);
export type OptionValue = z.infer<typeof OptionValueSchema>;

export const SweepSpecSchema = z.strictObject({
  /** The study command every job runs (`tinygrow <command> --help` lists its options). */
  command: z.string().min(1),
  /** Options shared by every job. */
  options: z.record(z.string(), OptionValueSchema).default({}),
  /** Options that vary: each a non-empty list of values. */
  grid: z.record(z.string(), z.array(OptionValueSchema).min(1, "an empty list of values gives no jobs")),
});
export type SweepSpec = z.infer<typeof SweepSpecSchema>;

/** One job: a point of the grid. */
export interface SweepJob {
  /** Folder name under jobs/, from the grid values (e.g. "strategy-whole_seeds-0"). */
  id: string;
  /** The grid values of this job, in grid order. */
  point: Record<string, OptionValue>;
  /** The point without the replicate axis (its grid cell), as a stable key. */
  cell: string;
  /** Options of this job: the shared options, then the grid values. */
  options: Record<string, OptionValue>;
}

/** Reads and validates SPEC.json; errors name the file and the field. */
export function readSweepSpec(file: string): SweepSpec {
  const layer = readConfigFile(file);
  return parseSweepSpec(layer.values, file);
}

export function parseSweepSpec(value: unknown, source: string): SweepSpec {
  const parsed = SweepSpecSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const keys = i.code === "unrecognized_keys" ? i.keys : [];
        const path = [...i.path, ...(keys.length === 1 ? keys : [])].map(String).join(".");
        const message = i.code === "unrecognized_keys" ? `${i.message} (a spec has "command", "options" and "grid")` : i.message;
        return { source, path, message };
      }),
    );
  }
  const spec = parsed.data;
  if (Object.keys(spec.grid).length === 0) {
    throw new ConfigError([{ source, path: "grid", message: 'the grid is empty: give at least one option with a list of values, e.g. "grid": { "seeds": [0, 1, 2] }' }]);
  }
  const both = Object.keys(spec.grid).filter((k) => k in spec.options);
  if (both.length > 0) throw new ConfigError(both.map((k) => ({ source, path: `grid.${k}`, message: `also given in "options": give it in one place` })));
  return spec;
}

/** The jobs of a spec: the Cartesian product of the grid; `replicate` names the seed axis. */
export function expandGrid(spec: SweepSpec, replicate: string | null): SweepJob[] {
  const axes = Object.entries(spec.grid);
  let points: Record<string, OptionValue>[] = [{}];
  for (const [name, values] of axes) points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  const jobs = points.map((point) => {
    const cellPoint = Object.fromEntries(Object.entries(point).filter(([k]) => k !== replicate));
    return { id: jobId(point), point, cell: JSON.stringify(cellPoint), options: { ...spec.options, ...point } };
  });
  const seen = new Map<string, SweepJob>();
  for (const job of jobs) {
    const other = seen.get(job.id);
    if (other !== undefined) throw new ConfigError([{ source: "grid", path: "", message: `two grid points give the same job folder ${job.id}: ${JSON.stringify(other.point)} and ${JSON.stringify(job.point)} (repeated values?)` }]);
    seen.set(job.id, job);
  }
  return jobs;
}

/** "strategy-whole_seeds-0": readable, and safe as a folder name and a queue job id. */
export function jobId(point: Record<string, OptionValue>): string {
  const text = (v: OptionValue): string => (Array.isArray(v) ? v.map(String).join("+") : String(v));
  return Object.entries(point)
    .map(([k, v]) => `${k}-${text(v)}`.replace(/[^A-Za-z0-9.+=-]/g, "_"))
    .join("_");
}
