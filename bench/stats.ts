/** Timing helpers for the benchmarks: calibrated inner loops, medians over repeats. */

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * Seconds per call of `fn`: the inner loop is doubled until one repeat lasts `minSeconds`,
 * then `repeats` repeats are timed and the median per-call time returned.
 */
export function timePerCall(fn: () => void, repeats: number, minSeconds = 0.05): { seconds: number; all: number[] } {
  fn();
  let iters = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < iters; i++) fn();
    if (now() - t0 >= minSeconds) break;
    iters *= 2;
  }
  const all: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = now();
    for (let i = 0; i < iters; i++) fn();
    all.push((now() - t0) / iters);
  }
  return { seconds: median(all), all };
}

/** Seconds of `fn` run `repeats` times (each once), median. */
export function timeRuns(fn: () => void, repeats: number): { seconds: number; all: number[] } {
  const all: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = now();
    fn();
    all.push(now() - t0);
  }
  return { seconds: median(all), all };
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "–";
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(2)} s`;
}

/** A fixed-width text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
