/**
 * `tinygrow compare`: the teacher–student study for several strategies (default all three)
 * on the same seeds, teachers and data, into one folder with a subfolder per strategy and
 * seed, then one report comparing them (Fig. 5a/5b, parameters, summary table).
 */
import type { Command } from "commander";
import { TeacherStudentConfigSchema } from "../../experiments/config.js";
import { configDefaults, type ConfigLayer } from "../../io/config.js";
import { listArg } from "../parsers.js";
import { addStudyOptions, runStudyCommand, studyConfig } from "./teacher-student.js";

export function registerCompare(program: Command): void {
  const d = configDefaults(TeacherStudentConfigSchema);
  const cmd = program
    .command("compare")
    .description("run the teacher-student study for several growth strategies on the same seeds and data, and compare them in one report")
    .option("--strategies <list>", `growth strategies, comma-separated (default: ${d.strategies.join(",")})`, listArg);
  addStudyOptions(cmd).action(async (options: Record<string, unknown>) => {
    const extra: ConfigLayer | null = options.strategies === undefined ? null : { source: "flags", values: { strategies: options.strategies }, pathSources: { strategies: "--strategies" } };
    await runStudyCommand("compare", studyConfig(options, { extra }), options);
  });
}
