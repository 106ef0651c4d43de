/**
 * `tinygrow compare`: the teacher–student study for several strategies (default all three)
 * on the same seeds, teachers and data, into one folder with a subfolder per strategy and
 * seed, then one report comparing them (Fig. 5a/5b, parameters, summary table).
 */
import type { Command } from "commander";
import { STRATEGY_NAMES, TeacherStudentConfigSchema } from "../../experiments/config.js";
import { configDefaults, type ConfigLayer } from "../../io/config.js";
import { floatListArg, listArg } from "../parsers.js";
import { addStudyOptions, runStudyCommand, studyConfig } from "./teacher-student.js";

export function registerCompare(program: Command): void {
  const d = configDefaults(TeacherStudentConfigSchema);
  const cmd = program
    .command("compare")
    .description("run the teacher-student study for several growth strategies on the same seeds and data, and compare them in one report")
    .option("--strategies <list>", `growth strategies, comma-separated: ${STRATEGY_NAMES.join(", ")} (default: ${d.strategies.join(",")})`, listArg)
    .option("--alphas <list>", "α sweep of strategy penalized, comma-separated (e.g. 0,1e-6,1e-5): one series per α and the Pareto front (parameters vs test loss) in the report", floatListArg);
  addStudyOptions(cmd).action(async (options: Record<string, unknown>) => {
    const values: Record<string, unknown> = {};
    const pathSources: Record<string, string> = {};
    if (options.strategies !== undefined) [values.strategies, pathSources.strategies] = [options.strategies, "--strategies"];
    if (options.alphas !== undefined) [values.alphas, pathSources.alphas] = [options.alphas, "--alphas"];
    const extra: ConfigLayer | null = Object.keys(values).length === 0 ? null : { source: "flags", values, pathSources };
    await runStudyCommand("compare", studyConfig(options, { extra }), options);
  });
}
