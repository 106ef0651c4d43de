/**
 * `tinygrow teacher-student`: the paper's teacher–student study (Fig. 5) for one strategy,
 * over several seeds, with the oracle and retrained baselines and the report; and the
 * options it shares with `tinygrow compare` (which runs several strategies).
 * Options: schema defaults < --config FILE < flags; `--resume DIR` reads the configuration
 * back from DIR/manifest.json (only --workers and --quiet may be given with it).
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { STRATEGY_NAMES, TeacherStudentConfigSchema, type TeacherStudentConfig } from "../../experiments/config.js";
import { readStudyConfig, runTeacherStudentStudy } from "../../node/experiments/teacher-student.js";
import { defaultWorkers } from "../../node/pool.js";
import { configDefaults, flagsLayer, type ConfigLayer } from "../../io/config.js";
import { addCriteriaOptions, CRITERIA_FLAG_PATHS } from "../criteria-options.js";
import { floatArg, intArg, intListArg } from "../parsers.js";
import { defaultOut, runStudyInTerminal, stdoutLine, type WriteLine } from "../study-runner.js";
import { resolveStudyConfig } from "../study-config.js";

/** Option name (commander camelCase) → dotted config path, for the options both commands share. */
const FLAG_PATHS: Record<string, string> = {
  ...CRITERIA_FLAG_PATHS,
  seeds: "seeds",
  steps: "growth.steps",
  epochs: "training.epochsPerStep",
  neurons: "growth.neuronsPerStep",
  trainSamples: "data.trainSamples",
  testSamples: "data.testSamples",
  splitSizes: "data.splitSizes",
  validationSamples: "data.validationSamples",
  lr: "training.lr",
  momentum: "training.momentum",
  batchSize: "training.batchSize",
  checkpointEvery: "checkpoint.everyEpochs",
  evaluateEvery: "evaluation.everyEpochs",
  workers: "workers",
  blasThreads: "blasThreads",
  kernels: "kernels",
  oracle: "baselines.oracle",
  retrain: "baselines.retrain",
};

/** Options that may accompany --resume (they do not change the results). */

const def = (v: unknown): string => ` (default: ${Array.isArray(v) ? v.join(",") : String(v)})`;

/** Adds the study options (everything but the strategy choice) to `cmd`, with the schema's defaults in the help. */
export function addStudyOptions(cmd: Command): Command {
  const d = configDefaults(TeacherStudentConfigSchema);
  return addCriteriaOptions(cmd
    .option("--steps <n>", "growth steps" + def(d.growth.steps), intArg)
    .option("--epochs <n>", "epochs of inter-training after each growth step" + def(d.training.epochsPerStep), intArg)
    .option("--seeds <list>", "seeds, comma-separated; each has its own teacher, data and split" + def(d.seeds), intListArg)
    .option("--neurons <n>", "neurons added per growth step" + def(d.growth.neuronsPerStep), intArg)
    .option("--train-samples <n>", "training samples (split into validation, train-opt, train-ls, train-gr)" + def(d.data.trainSamples), intArg)
    .option("--test-samples <n>", "test samples" + def(d.data.testSamples), intArg)
    .option("--validation-samples <n>", "training samples carved out as the validation split (defaults are chosen on it; never used by growth; default: one sixth of --train-samples)", intArg))
    .option("--split-sizes <a,b,c>", "sizes of train-opt, train-ls, train-gr (default: three equal parts of what validation leaves)", intListArg)
    .option("--lr <x>", "SGD learning rate" + def(d.training.lr), floatArg)
    .option("--momentum <x>", "SGD momentum" + def(d.training.momentum), floatArg)
    .option("--batch-size <n>", "mini-batch size" + def(d.training.batchSize), intArg)
    .option("--checkpoint-every <n>", "a checkpoint every n epochs (and after every growth step)" + def(d.checkpoint.everyEpochs), intArg)
    .option("--evaluate-every <n>", "evaluate every split and test every n epochs (always after a growth step and at the end of its training; the results do not depend on it, the curves do)" + def(d.evaluation.everyEpochs), intArg)
    .option("--no-oracle", "skip the oracle baseline (the teacher's architecture trained from scratch)")
    .option("--no-retrain", "skip retraining each final grown structure from scratch")
    .option("--workers <n>", "worker threads evaluating growth candidates, 0 for none (one per core on 2 or more cores, else 0, unless given)" + def(d.workers ?? defaultWorkers()), intArg)
    .option("--blas-threads <n>", "OpenBLAS threads of the run (candidates always use 1); kept on --resume, results depend on it (one per core unless given)" + def(d.blasThreads ?? availableParallelism()), intArg)
    .option("--kernels <name>", "kernel set: auto, native, wasm or portable (env TINYGROW_KERNELS)" + def(d.kernels))
    .option("--config <file>", "JSON config file (flags override it; see src/experiments/config.ts)")
    .option("--out <dir>", "study folder, must not exist or be empty (default: runs/<command>-<date>-<time>)")
    .option("--resume <dir>", "continue the interrupted study in <dir> (its configuration is kept)")
    .option("--quiet", "no progress bars");
}

/** The configuration of a study command: defaults < --config < TINYGROW_KERNELS < flags, or the resumed study's. */
export function studyConfig(options: Record<string, unknown>, layers: { base?: ConfigLayer; extra?: ConfigLayer | null } = {}): TeacherStudentConfig {
  const extra = layers.extra ?? null;
  const opts = { ...options };
  // --no-oracle / --no-retrain default to true in commander: only a given "no" is a setting.
  for (const k of ["oracle", "retrain"]) if (opts[k] === true) delete opts[k];
  const flags = flagsLayer(opts, FLAG_PATHS);
  if (extra !== null) {
    flags.values = { ...flags.values, ...extra.values };
    flags.pathSources = { ...flags.pathSources, ...extra.pathSources };
  }
  return resolveStudyConfig(TeacherStudentConfigSchema, { options: opts, flags, base: layers.base, env: process.env, readSaved: readStudyConfig, noun: "study" });
}

/** Runs a study command: the resolved configuration into --out (or --resume), printing the report's path. */
export async function runStudyCommand(command: string, config: TeacherStudentConfig, options: Record<string, unknown>, write: WriteLine = stdoutLine): Promise<string> {
  const resume = typeof options.resume === "string";
  const out = resolve(resume ? (options.resume as string) : typeof options.out === "string" ? options.out : defaultOut(command));
  return runStudyInTerminal(options.quiet === true, write, (io) => runTeacherStudentStudy(config, { out, resume, command: process.argv.slice(1) }, io), { command, out });
}


export function registerTeacherStudent(program: Command): void {
  const d = configDefaults(TeacherStudentConfigSchema);
  const cmd = program
    .command("teacher-student")
    .description("the paper's teacher-student study (Fig. 5) for one growth strategy over several seeds, with baselines and a report")
    .option("--strategy <name>", `growth strategy: ${STRATEGY_NAMES.join(", ")}` + def(d.growth.strategy));
  addStudyOptions(cmd).action(async (options: Record<string, unknown>) => {
    const config = studyConfig(options, teacherStudentLayers(options));
    await runStudyCommand("teacher-student", config, options);
  });
}

/** One strategy: --strategy, else the config file's list, else growth.strategy's default. */
export function teacherStudentLayers(options: Record<string, unknown>): { base: ConfigLayer; extra: ConfigLayer | null } {
  const base = { source: "defaults", values: { strategies: [configDefaults(TeacherStudentConfigSchema).growth.strategy] } };
  const given = options.strategy;
  return { base, extra: typeof given === "string" ? { source: "flags", values: { strategies: [given] }, pathSources: { strategies: "--strategy" } } : null };
}
