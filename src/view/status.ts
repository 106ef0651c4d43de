/**
 * A run's state as the viewer shows it, from what its log says and how long ago it last
 * changed. A run has finished when it wrote its "done" record and failed when it wrote an
 * "error" record; otherwise it is running while records keep coming, and counts as
 * interrupted once none came for `staleSeconds` (a killed run, or one that is still in a
 * long growth step: the text says so).
 */
export type RunState = "finished" | "failed" | "running" | "interrupted";

export interface RunStatus {
  state: RunState;
  text: string;
}

export const STALE_SECONDS = 60;

export function runStatus(input: { finished: boolean; error: string | null; records: number; tornBytes: number; idleSeconds: number; staleSeconds?: number }): RunStatus {
  const torn = input.tornBytes > 0 ? `; its last line is incomplete (${input.tornBytes} bytes), shown up to the last complete record` : "";
  if (input.finished) return { state: "finished", text: `finished (${input.records} records)` };
  if (input.error !== null) return { state: "failed", text: `failed: ${input.error}` };
  if (input.idleSeconds < (input.staleSeconds ?? STALE_SECONDS)) return { state: "running", text: `running (${input.records} records, following live)` };
  const idle = input.idleSeconds < 3600 ? `${Math.round(input.idleSeconds)} s` : `${(input.idleSeconds / 3600).toFixed(1)} h`;
  return { state: "interrupted", text: `interrupted or paused: no "done" record and no new record for ${idle}${torn}; continue it with --resume` };
}
