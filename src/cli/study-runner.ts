/**
 * Running a study command (teacher-student, compare, mnist) in the terminal: progress bars
 * on stderr, one line per finished run on stdout (held back while a live bar is drawn, so
 * the two do not garble each other), and at the end the time and where the report is.
 */
import type { StudyIo } from "../node/experiments/teacher-student.js";
import { invocation, stopRequest } from "./interrupt.js";
import { createProgress } from "./progress.js";

export type WriteLine = (line: string) => void;

export const stdoutLine: WriteLine = (line) => process.stdout.write(line + "\n");

/**
 * Runs `study` with progress on stderr and its lines on stdout; `resume` (the command and the
 * study folder) makes SIGINT/SIGTERM stop it at a safe point with the --resume command printed.
 */
export async function runStudyInTerminal(
  quiet: boolean,
  write: WriteLine,
  study: (io: StudyIo) => Promise<{ summary: string; report: string }>,
  resume?: { command: string; out: string },
): Promise<string> {
  const hold = !quiet && process.stderr.isTTY === true && process.stdout.isTTY === true;
  const held: string[] = [];
  const io: StudyIo = {
    log: (line) => (hold ? held.push(line) : write(line)),
    progress: quiet ? null : (label, total) => createProgress({ label, total }),
  };
  if (resume !== undefined) {
    io.stop = stopRequest(`${invocation()} ${resume.command} --resume ${shellWord(resume.out)}`);
  }
  const t0 = performance.now();
  let res;
  try {
    res = await study(io);
  } finally {
    for (const line of held) write(line);
  }
  write(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  write(`summary: ${res.summary}`);
  write(`report: ${res.report}`);
  return res.report;
}

/** runs/<command>-YYYYMMDD-HHMMSS (local time). */
export function defaultOut(command: string, now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `runs/${command}-${stamp}`;
}

/** `word` as one shell word in a printed command (JSON quotes when it holds spaces, quotes or $). */
export function shellWord(word: string): string {
  return /[\s"'$]/.test(word) ? JSON.stringify(word) : word;
}
