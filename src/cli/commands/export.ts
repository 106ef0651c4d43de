/**
 * `tinygrow export RUN_DIR --format F --out PATH`: a run in another tool's format. One row
 * of EXPORT_FORMATS per format; each says what it writes and does it. (gromotion: the
 * export-folder layout of GroMo's viewer, see src/export/gromotion.ts.)
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { exportGromotion } from "../../node/export/gromotion-folder.js";

export interface ExportFormat {
  /** One line for --help. */
  description: string;
  /** Exports `source` to `out`; returns the lines to print. */
  run(source: string, out: string): Promise<string[]> | string[];
}

export const EXPORT_FORMATS: Record<string, ExportFormat> = {
  gromotion: {
    description: "GroMo's viewer (growingnet/gromotion): run.json, metrics.json, metric_axes.json, dags/dag1/step_NNNN.json, growth_history/dag1.json; a folder per run of a study",
    run(source, out) {
      return exportGromotion(source, out).map((r) => `${r.id === "." ? "run" : r.id}: ${r.files} files in ${r.dir}`);
    },
  },
};

function formatArg(value: string): string {
  if (!(value in EXPORT_FORMATS)) throw new InvalidArgumentError(`expected one of ${Object.keys(EXPORT_FORMATS).join(", ")}.`);
  return value;
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("write a run in another tool's format")
    .argument("<run-dir>", "a run folder, or a study folder (every run is exported)")
    .requiredOption("--format <name>", `output format: ${Object.keys(EXPORT_FORMATS).join(", ")}`, formatArg)
    .requiredOption("--out <path>", "where to write (a folder that must not exist or be empty, for gromotion)")
    .addHelpText("after", "\nFormats:\n" + Object.entries(EXPORT_FORMATS).map(([name, f]) => `  ${name}: ${f.description}`).join("\n"))
    .action(async (source: string, options: { format: string; out: string }) => {
      for (const line of await EXPORT_FORMATS[options.format].run(source, options.out)) process.stdout.write(line + "\n");
    });
}
