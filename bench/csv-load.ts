/**
 * CSV loading speed and memory (issue 14 item 5): a generated CSV of `rows` × 50 numeric
 * columns (default 1,000,000; values with 6 significant digits, ~0.5 GB) read into a float32
 * matrix by tinygrow (node/table-file.ts: csv-parse streamed into the core TableBuilder),
 * numpy.loadtxt and pandas.read_csv, each in its own process (peak RSS = the process's
 * maximum resident set), alternating, `repeats` times; medians.
 * Target: tinygrow's peak memory at most 3× the float32 matrix (rows × 50 × 4 bytes).
 *
 *   node dist/bench/csv-load.js FILE     (the tinygrow child: prints one JSON line)
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTableFile } from "../src/node/table-file.js";
import { Rng } from "../src/tensor/rng.js";
import { median, table } from "./stats.js";
import { findSklearnPython } from "./tabular.js";

const COLS = 50;

/** Writes the benchmark file once (kept in the temp folder for later runs). */
export function generatedCsv(rows: number): string {
  const path = join(tmpdir(), `tinygrow-bench-${rows}x${COLS}.csv`);
  if (existsSync(path)) return path;
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  const rng = new Rng(0);
  writeSync(fd, Array.from({ length: COLS }, (_, j) => `c${j}`).join(",") + "\n");
  const block: string[] = [];
  for (let i = 0; i < rows; i++) {
    const fields = new Array<string>(COLS);
    for (let j = 0; j < COLS; j++) fields[j] = rng.normal().toPrecision(6);
    block.push(fields.join(","));
    if (block.length === 10000 || i === rows - 1) {
      writeSync(fd, block.join("\n") + "\n");
      block.length = 0;
    }
  }
  closeSync(fd);
  spawnSync("mv", [tmp, path]);
  return path;
}

interface LoadResult {
  rows: number;
  seconds: number;
  maxRssMB: number;
}

function child(cmd: string, args: string[]): LoadResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as LoadResult;
}

export async function benchCsvLoad(ctx: { repeats: number }, rows = Number(process.env.TINYGROW_BENCH_CSV_ROWS ?? 1_000_000)): Promise<string> {
  const file = generatedCsv(rows);
  const mb = statSync(file).size / 1e6;
  const py = findSklearnPython();
  const self = fileURLToPath(import.meta.url);
  const sides: [string, () => LoadResult][] = [["tinygrow (csv-parse)", () => child(process.execPath, [self, file])]];
  if (py !== null) {
    sides.push(["numpy.loadtxt", () => child(py, ["bench/sklearn_bench.py", "load", file, "numpy"])]);
    sides.push(["pandas.read_csv", () => child(py, ["bench/sklearn_bench.py", "load", file, "pandas"])]);
  }
  const results: LoadResult[][] = sides.map(() => []);
  const repeats = Math.min(ctx.repeats, 3);
  for (let r = 0; r < repeats; r++) sides.forEach(([, run], i) => results[i].push(run()));
  const matrixMB = (rows * COLS * 4) / 1e6;
  const ours = median(results[0].map((x) => x.seconds));
  const out = sides.map(([name], i) => {
    const s = median(results[i].map((x) => x.seconds));
    const rss = median(results[i].map((x) => x.maxRssMB));
    return [name, s.toFixed(1), (mb / s).toFixed(1), (s / ours).toFixed(2), rss.toFixed(0), (rss / matrixMB).toFixed(2)];
  });
  return [
    `${rows.toLocaleString("en-US")} rows × ${COLS} columns, ${mb.toFixed(0)} MB of CSV → a ${matrixMB.toFixed(0)} MB float32 matrix; ${repeats} repeat(s), medians`,
    "",
    table(["reader", "seconds", "MB/s", "time / tinygrow", "peak RSS MB", "peak RSS / matrix"], out),
    "",
    `Target: tinygrow's peak RSS ≤ 3× the matrix: ${Number(out[0][5]) <= 3 ? "met" : "missed"} (${out[0][5]}×).${py === null ? " (numpy/pandas: no python3 with them)" : ""}`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const t = await readTableFile(process.argv[2], { targets: [], classification: false, requireTargets: false });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ rows: t.rows, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}
