/**
 * `tinygrow export RUN_DIR --format gromotion --out DIR`: writes src/export/gromotion.ts's
 * files for a run, or for each run of a study (DIR/<run path with "/" as "-">/). The output
 * folder must not exist or be empty, so nothing is overwritten; every file is written
 * atomically.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { DataError } from "../../errors.js";
import { LOG_FILE } from "../../experiments/growth-run.js";
import { gromotionExport } from "../../export/gromotion.js";
import { parseLogText } from "../../view/run-log.js";
import { writeFileAtomic } from "../io/atomic.js";
import { openRunFolder } from "../view/run-folders.js";

export interface ExportedRun {
  id: string;
  dir: string;
  files: number;
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
    const id = run.id === "." ? basename(opened.root) : run.id.split("/").join("-");
    const files = gromotionExport({ runId: id, name: `${opened.command} ${run.id === "." ? basename(opened.root) : run.id}`, manifest: run.manifest, command: opened.command, records: parsed.records });
    const dir = opened.kind === "run" ? out : join(out, id);
    for (const [rel, value] of files) {
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, JSON.stringify(value, null, rel.startsWith("dags/") ? undefined : 2) + "\n", { overwrite: false });
    }
    exported.push({ id: run.id, dir, files: files.size });
  }
  return exported;
}
