/**
 * `tinygrow export RUN_DIR --format gromotion --out DIR`: writes src/export/gromotion.ts's
 * files for a run, or for each run of a study (DIR/<run path with "/" as "-">/), and for
 * each network of a log that holds several (grow-cnn's units: DIR/<unit>/, or
 * DIR/<run>-<unit>/ in a study). The output folder must not exist or be empty, so nothing is
 * overwritten; every file is written atomically.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { DataError } from "../../errors.js";
import { growCnnUnitEnded } from "../../experiments/grow-cnn-config.js";
import { LOG_FILE } from "../../experiments/growth-run.js";
import { gromotionExport, gromotionRuns, type GromotionFiles } from "../../export/gromotion.js";
import { asGraph, parseLogText } from "../../view/run-log.js";
import { writeFileAtomic } from "../io/atomic.js";
import { openRunFolder } from "../view/run-folders.js";

export interface ExportedRun {
  /** The run's path in the opened folder ("." for a single run); for a unit of a grow-cnn log its name ("<path> · <unit>" in a study). */
  id: string;
  dir: string;
  files: number;
}

/** A folder name from a unit's name: "grown, retrained (FS)" → "grown-retrained-fs". */
export const unitSlug = (unit: string): string => unit.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "unit";

function writeFiles(dir: string, files: GromotionFiles): void {
  for (const [rel, value] of files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, JSON.stringify(value, null, rel.startsWith("dags/") ? undefined : 2) + "\n", { overwrite: false });
  }
}

export function exportGromotion(runDir: string, outDir: string): ExportedRun[] {
  const opened = openRunFolder(runDir);
  const out = resolve(outDir);
  if (existsSync(out) && readdirSync(out).length > 0) throw new DataError(out, "the output folder is not empty; choose another --out");
  const exported: ExportedRun[] = [];
  for (const run of opened.runs) {
    if (run.problem !== null) throw new DataError(run.dir, run.problem);
    const logPath = join(run.dir, LOG_FILE);
    const parsed = parseLogText(readFileSync(logPath, "utf8"));
    if (parsed.bad.length > 0) throw new DataError(logPath, `line ${parsed.bad[0].line}: ${parsed.bad[0].error}`);
    const runName = run.id === "." ? basename(opened.root) : run.id;
    const networks = gromotionRuns(parsed.records);
    networks.forEach(({ unit, records }) => {
      const id = [...(run.id === "." ? [] : [run.id.split("/").join("-")]), ...(unit === null ? [] : [unitSlug(unit)])].join("-") || basename(opened.root);
      const finished = unit === null ? undefined : growCnnUnitEnded(run.manifest?.config, records, existsSync(join(run.dir, "report.md")));
      const files = gromotionExport({ runId: id, name: `${opened.command} ${runName}${unit === null ? "" : ` · ${unit}`}`, manifest: run.manifest, command: opened.command, records, finished });
      if (!records.some((r) => asGraph(r.graph) !== null)) throw new DataError(logPath, `${unit === null ? "" : `unit "${unit}": `}no record carries the network's structure (graph), so there is nothing to export as gromotion DAG steps; the run was written before its command logged graphs (docs/run-log.md)`);
      const dir = opened.kind === "run" && unit === null ? out : join(out, id);
      writeFiles(dir, files);
      exported.push({ id: unit === null ? run.id : run.id === "." ? unit : `${run.id} · ${unit}`, dir, files: files.size });
    });
  }
  return exported;
}
