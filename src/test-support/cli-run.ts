/**
 * Test-only: running the compiled CLI in a child process, optionally with a fault armed
 * (TINYGROW_FAULT, see node/fault-points.ts), and reporting how it ended.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { YIELD_EVERY_MS } from "../cli/interrupt.js";

export const CLI_MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));

export interface CliResult {
  status: number | null;
  /** The signal that ended the process (e.g. "SIGKILL" from an armed fault), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI child: the caller's, without TINYGROW_KERNELS/TINYGROW_FAULT unless given in `env`. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, TINYGROW_KERNELS: "", TINYGROW_FAULT: "", ...env };
}

/** Runs `tinygrow ...args` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], { encoding: "utf8", env: cliEnv(env) });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `tinygrow ...args` without blocking (for concurrent runs); resolves when it exits. */
export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: cliEnv(env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** A CLI child started with a `:stop` fault armed, once it has frozen itself there (SIGSTOP). */
export interface StoppedCli {
  pid: number;
  /** Resolves when the child exits. */
  done: Promise<CliResult>;
}

/** Starts `tinygrow ...args` with TINYGROW_FAULT=`fault` (a `:stop` spec) and waits until the child is stopped. */
export async function startStopped(args: string[], fault: string, env: Record<string, string> = {}): Promise<StoppedCli> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: cliEnv({ ...env, TINYGROW_FAULT: fault }) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })));
  let exited = false;
  void done.then(() => (exited = true));
  const pid = child.pid as number;
  // Waits on the child's state, not on time: it freezes itself at the armed point.
  while (!exited && processState(pid) !== "T") await new Promise((r) => setTimeout(r, 20));
  if (exited) throw new Error(`the child exited before reaching ${fault}: ${(await done).stderr}`);
  return { pid, done };
}

/**
 * Sends `signal` to a child frozen by a `:stop` fault, then lets it go on. It stays frozen longer
 * than the CLI's yield interval first (cli/interrupt.ts YIELD_EVERY_MS: safe points give the event
 * loop a turn at most that often), so its next safe point is sure to take the turn in which the
 * handler runs, however little of the run is left: the test does not depend on machine speed.
 */
export async function signalStopped(run: StoppedCli, signal: NodeJS.Signals): Promise<void> {
  await new Promise((r) => setTimeout(r, YIELD_EVERY_MS + 50));
  process.kill(run.pid, signal);
  process.kill(run.pid, "SIGCONT");
}

/** The state letter of /proc/<pid>/stat (R, S, T = stopped, Z = zombie …), or null when it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}
