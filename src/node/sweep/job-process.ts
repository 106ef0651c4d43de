/**
 * One attempt of a sweep job: `tinygrow <command> <args> --out DIR` (or `--resume DIR` when
 * the folder holds a started run, so a retried job continues from its last checkpoint) in
 * a child process, its output appended to the job's log file. The child is told its
 * parent's pid (TINYGROW_PARENT_PID) and ends itself if the parent dies (cli/main.ts), so a
 * killed worker or coordinator leaves no orphan writing into the job's folder.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { jobState } from "./folder.js";

/** The CLI's entry script (dist/src/cli/main.js). */
export const CLI_SCRIPT = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

export interface JobAttempt {
  command: string;
  args: readonly string[];
  /** The job's study folder. */
  dir: string;
  /** Where the attempt's output is appended. */
  logFile: string;
  /** Environment of the child (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface AttemptResult {
  ok: boolean;
  ms: number;
  /** On failure: the last lines of the output (the error), or how the process ended. */
  error: string | null;
  /** The child's pid (tests kill workers mid-job). */
  pid: number;
}

/** Runs one attempt; resolves when the child ends (never rejects). `onStart` gets the child's pid. */
export function runJobAttempt(attempt: JobAttempt, onStart: (pid: number) => void = () => {}): Promise<AttemptResult> {
  const resume = jobState(attempt.dir) === "started";
  const argv = [CLI_SCRIPT, attempt.command, ...attempt.args, resume ? "--resume" : "--out", attempt.dir, "--quiet"];
  // On --resume the configuration is read from the job's manifest: the options would be refused.
  if (resume) argv.splice(2, attempt.args.length);
  mkdirSync(dirname(attempt.logFile), { recursive: true });
  const log = openSync(attempt.logFile, "a");
  writeSync(log, `\n$ tinygrow ${argv.slice(1).join(" ")}    (${new Date().toISOString()})\n`);
  const t0 = performance.now();
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    writeSync(log, chunk);
    tail.push(...chunk.toString("utf8").split("\n").filter((l) => l.trim() !== ""));
    if (tail.length > 20) tail.splice(0, tail.length - 20);
  };
  return new Promise((resolveAttempt) => {
    const child = spawn(process.execPath, argv, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...(attempt.env ?? process.env), TINYGROW_PARENT_PID: String(process.pid) },
    });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    onStart(child.pid ?? -1);
    let finished = false;
    const finish = (ok: boolean, error: string | null): void => {
      if (finished) return;
      finished = true;
      closeSync(log);
      resolveAttempt({ ok, ms: performance.now() - t0, error, pid: child.pid ?? -1 });
    };
    child.on("error", (err) => finish(false, `cannot start ${process.execPath}: ${err.message}`));
    child.on("close", (code, signal) => {
      if (code === 0) return finish(true, null);
      const how = signal === null ? `exit code ${code}` : `killed by ${signal}`;
      const last = tail.filter((l) => !l.startsWith("$ ")).slice(-3).join(" | ");
      finish(false, last === "" ? `the job ended with ${how}` : `${last} (${how})`);
    });
  });
}
