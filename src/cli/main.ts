#!/usr/bin/env node
/**
 * The tinygrow command line. This is the only module that reads process.argv; each
 * subcommand lives in commands/<name>.ts and registers itself on the program.
 */
import { Command } from "commander";
import { InterruptedError, TinygrowError } from "../errors.js";
import { exitCodeFor, installSignalHandlers, resumeCommand, showCursor } from "./interrupt.js";
import { armFault } from "../node/fault-points.js";
import { registerDemo } from "./commands/demo.js";
import { registerVerifyGolden } from "./commands/verify-golden.js";
import { registerData } from "./commands/data.js";
import { registerTeacherStudent } from "./commands/teacher-student.js";
import { registerCompare } from "./commands/compare.js";
import { registerGrowMlp } from "./commands/grow-mlp.js";
import { registerMnist } from "./commands/mnist.js";
import { registerView } from "./commands/view.js";
import { registerGrow } from "./commands/grow.js";
import { registerPredict } from "./commands/predict.js";
import { registerExport } from "./commands/export.js";
import { registerSweep } from "./commands/sweep.js";
import { registerWorker } from "./commands/worker.js";
import { exitWithParent } from "../node/exit-with-parent.js";
import { registerGrowCnn } from "./commands/grow-cnn.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("tinygrow")
    .description("Grow neural networks during training (TINY expressivity bottlenecks, DAG growth).")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    // Set before the subcommands are added: they inherit it, so a usage error anywhere
    // comes back to main() instead of calling process.exit.
    .exitOverride();
  registerDemo(program);
  registerVerifyGolden(program);
  registerData(program);
  registerTeacherStudent(program);
  registerCompare(program);
  registerGrowMlp(program);
  registerMnist(program);
  registerView(program);
  registerGrow(program);
  registerPredict(program);
  registerExport(program);
  registerSweep(program, buildProgram);
  registerWorker(program);
  registerGrowCnn(program);
  return program;
}

/** Runs the CLI; typed errors become a one-paragraph message and exit code 1 (2 for usage). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
