/**
 * SIGINT and SIGTERM in the CLI. A study (or any run given `stopRequest()`) stops at its next
 * safe point: after the current epoch or growth step, with a checkpoint written there
 * (growth-run.ts); main() then prints where it stopped and the exact --resume command, and
 * exits 130 (SIGINT) or 143 (SIGTERM). A second signal, or a signal while no run is
 * listening, stops at once: the terminal's cursor is shown again, and the last checkpoint is
 * valid as after any crash (every write is atomic). Locks are released by their exit hook.
 */
import type { StopRequest } from "../experiments/growth-run.js";

const EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** Safe points give the event loop a turn (where signal handlers run) at most this often. */
export const YIELD_EVERY_MS = 200;

let received: NodeJS.Signals | null = null;
let listening = false;
let resumeHint: string | null = null;
// -∞: the first safe point of a process always gives the event loop a turn (a signal may be waiting since start-up).
let lastYield = -Infinity;

/** The exit code for a stop by `signal` (128 + its number). */
export function exitCodeFor(signal: string): number {
  return EXIT_CODES[signal] ?? 1;
}

/** Installs the handlers (once per process). */
export function installSignalHandlers(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (received === null && listening) {
        received = signal;
        process.stderr.write(`\ntinygrow: ${signal}: stopping after the current epoch or growth step (a checkpoint is written there); ${signal === "SIGINT" ? "press Ctrl-C again" : "send it again"} to stop at once\n`);
        return;
      }
      showCursor();
      process.stderr.write(`\ntinygrow: ${signal}: stopped at once; the last checkpoint is kept${resumeHint === null ? "" : `; continue with:\n  ${resumeHint}`}\n`);
      process.exit(exitCodeFor(signal));
    });
  }
}

/** The stop request of the run about to start; `resume` is the command that continues it. */
export function stopRequest(resume: string): StopRequest {
  listening = true;
  resumeHint = resume;
  return {
    poll() {
      if (received !== null) return received;
      const now = performance.now();
      if (now - lastYield < YIELD_EVERY_MS) return null;
      lastYield = now;
      // Two immediates: called from a poll-phase callback, one immediate runs in the check
      // phase before the loop polls again, where a signal that arrived meanwhile is read; the
      // second runs after that poll.
      return new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(received))));
    },
  };
}

/** The --resume command of the run being stopped (for main's message), if one was registered. */
export function resumeCommand(): string | null {
  return resumeHint;
}

/** Shows the terminal cursor again (a progress bar hides it). */
export function showCursor(): void {
  if (process.stderr.isTTY) process.stderr.write("\x1b[?25h");
}

/** How the CLI is invoked, for printed commands: `tinygrow` from the package's bin, else `node <script>`. */
export function invocation(): string {
  const script = process.argv[1] ?? "tinygrow";
  return /(^|\/)tinygrow$/.test(script) ? "tinygrow" : `node ${script}`;
}
