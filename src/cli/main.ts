#!/usr/bin/env node
/**
 * The tinygrow command line. This is the only module that reads process.argv; each
 * subcommand lives in commands/<name>.ts and registers itself on the program.
 */
import { Command } from "commander";
import { InterruptedError, TinygrowError } from "../errors.js";
import { exitCodeFor, installSignalHandlers, resumeCommand, showCursor } from "./interrupt.js";
import { armFault } from "../node/fault-points.js";
import { exitWithParent } from "../node/exit-with-parent.js";

type Register = (program: Command, freshProgram: () => Command) => void;

/**
 * Every subcommand, in --help order, with the module that registers it. A module is loaded
 * only when its command runs (or for the full listing): each pulls in its own dependencies
 * (vega, elkjs, BullMQ, the ONNX schema …), and loading all of them cost about as much as
 * growing a network on a small table. `sweep` runs the other commands, so it loads them all.
 */
const COMMANDS: { names: string[]; needsAll?: true; load: () => Promise<Register> }[] = [
  { names: ["demo"], load: async () => (await import("./commands/demo.js")).registerDemo },
  { names: ["verify-golden"], load: async () => (await import("./commands/verify-golden.js")).registerVerifyGolden },
  { names: ["data"], load: async () => { const m = await import("./commands/data.js"); return (p) => m.registerData(p); } },
  { names: ["teacher-student"], load: async () => (await import("./commands/teacher-student.js")).registerTeacherStudent },
  { names: ["compare"], load: async () => (await import("./commands/compare.js")).registerCompare },
  { names: ["grow-mlp"], load: async () => (await import("./commands/grow-mlp.js")).registerGrowMlp },
  { names: ["mnist"], load: async () => (await import("./commands/mnist.js")).registerMnist },
  { names: ["view"], load: async () => (await import("./commands/view.js")).registerView },
  { names: ["grow"], load: async () => (await import("./commands/grow.js")).registerGrow },
  { names: ["predict", "evaluate"], load: async () => (await import("./commands/predict.js")).registerPredict },
  { names: ["export"], load: async () => (await import("./commands/export.js")).registerExport },
  { names: ["sweep"], needsAll: true, load: async () => (await import("./commands/sweep.js")).registerSweep },
  { names: ["worker"], load: async () => (await import("./commands/worker.js")).registerWorker },
  { names: ["grow-cnn"], load: async () => (await import("./commands/grow-cnn.js")).registerGrowCnn },
];

function programOf(registers: readonly Register[]): Command {
  const program = new Command();
  program
    .name("tinygrow")
    .description("Grow neural networks during training (TINY expressivity bottlenecks, DAG growth).")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    // Set before the subcommands are added: they inherit it, so a usage error anywhere
    // comes back to main() instead of calling process.exit.
    .exitOverride();
  for (const register of registers) register(program, () => programOf(registers));
  return program;
}

/**
 * The program with the subcommand `command` only (every subcommand when it is undefined,
 * not a subcommand, or `sweep`): the other commands' modules are not loaded.
 */
export async function buildProgram(command?: string): Promise<Command> {
  const one = COMMANDS.find((c) => command !== undefined && c.names.includes(command));
  const chosen = one !== undefined && one.needsAll !== true ? [one] : COMMANDS;
  return programOf(await Promise.all(chosen.map((c) => c.load())));
}

/** Runs the CLI; typed errors become a one-paragraph message and exit code 1 (2 for usage). */
export async function main(argv: string[]): Promise<number> {
  // The subcommand: the first argument that is not an option (the program has no global options but --help/--version).
  const program = await buildProgram(argv.slice(2).find((a) => !a.startsWith("-")));
  try {
    // Fault injection for the test suites (see node/fault-points.ts).
    const fault = process.env.TINYGROW_FAULT;
    if (fault !== undefined && fault !== "") armFault(fault);
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === "string" && e.code.startsWith("commander.")) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? 0 : 2;
    }
    if (err instanceof InterruptedError) {
      showCursor();
      const resume = resumeCommand();
      process.stderr.write(`tinygrow: ${err.message}${resume === null ? "" : `; continue with:\n  ${resume}`}\n`);
      return exitCodeFor(err.reason);
    }
    if (err instanceof TinygrowError || err instanceof RangeError) {
      process.stderr.write(`tinygrow: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

import { pathToFileURL } from "node:url";
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // A sweep job's process ends with the worker or coordinator that started it (node/sweep/job-process.ts).
  const parent = Number(process.env.TINYGROW_PARENT_PID);
  if (Number.isInteger(parent) && parent > 0) exitWithParent(parent);
  // `tinygrow … | head`: a closed pipe ends the program quietly instead of a stack trace.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  installSignalHandlers();
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
