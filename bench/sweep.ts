/**
 * Sweep benchmark: the same 6-seed × 3-strategy teacher–student grid run three ways, one
 * after the other in this run — one job at a time (`--jobs 1`), the local pool (`--jobs 2`),
 * and the BullMQ queue served by 2 local `tinygrow worker` processes (a redis-server started
 * here on a free port, or TINYGROW_REDIS_URL) — with the wall times, their ratios, and the
 * queue's per-job overhead: (worker-side time − job process time) and the gap between a
 * worker finishing a job and taking the next, medians over the jobs.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, table } from "./stats.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

export const SWEEP_SPEC = {
  command: "teacher-student",
  options: { steps: 5, epochs: 20, oracle: false, retrain: false, workers: 0 },
  grid: { strategy: ["whole", "restricted", "bic"], seeds: [0, 1, 2, 3, 4, 5] },
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function run(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench sweep: tinygrow ${args.join(" ")} failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

async function startRedis(): Promise<{ url: string; stop(): void } | string> {
  if (process.env.TINYGROW_REDIS_URL) return { url: process.env.TINYGROW_REDIS_URL, stop: () => {} };
  if (spawnSync("redis-server", ["--version"]).status !== 0) return "redis-server not found (apt-get install redis-server) and TINYGROW_REDIS_URL not set";
  const port = await freePort();
  const server = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (let i = 0; i < 50 && spawnSync("redis-cli", ["-p", String(port), "ping"]).stdout?.toString().trim() !== "PONG"; i++) await new Promise((r) => setTimeout(r, 100));
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill() };
}

interface DoneEvent {
  event: string;
  ms?: number;
  worker?: string;
  queue?: { added: number; processed: number; finished: number };
}

function queueOverheads(dir: string): { workerMs: number; gapMs: number } {
  const events = readFileSync(join(dir, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as DoneEvent).filter((e) => e.event === "done" && e.queue !== undefined);
  const workerSide = events.map((e) => (e.queue as { finished: number; processed: number }).finished - (e.queue as { processed: number }).processed - (e.ms ?? 0));
  const gaps: number[] = [];
  const byWorker = new Map<string, DoneEvent[]>();
  for (const e of events) byWorker.set(e.worker ?? "?", [...(byWorker.get(e.worker ?? "?") ?? []), e]);
  for (const list of byWorker.values()) {
    list.sort((a, b) => (a.queue?.processed ?? 0) - (b.queue?.processed ?? 0));
    for (let i = 1; i < list.length; i++) gaps.push((list[i].queue?.processed ?? 0) - (list[i - 1].queue?.finished ?? 0));
  }
  return { workerMs: median(workerSide), gapMs: median(gaps) };
}

export async function benchSweep(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tinygrow-bench-sweep-"));
  const spec = join(dir, "spec.json");
  writeFileSync(spec, JSON.stringify(SWEEP_SPEC));
  const jobs = SWEEP_SPEC.grid.strategy.length * SWEEP_SPEC.grid.seeds.length;
  const lines = [`grid: ${JSON.stringify(SWEEP_SPEC.grid)}, options ${JSON.stringify(SWEEP_SPEC.options)} (${jobs} jobs); load average at start ${loadavg().map((x) => x.toFixed(1)).join(", ")}`];
  const workers: ChildProcess[] = [];
  try {
    const serial = run(["sweep", spec, "--out", join(dir, "serial"), "--jobs", "1"]);
    const pool = run(["sweep", spec, "--out", join(dir, "jobs2"), "--jobs", "2"]);
    const rows = [
      ["--jobs 1", serial.toFixed(1), "1.00", "–"],
      ["--jobs 2", pool.toFixed(1), (serial / pool).toFixed(2), "–"],
    ];
    const redis = await startRedis();
    if (typeof redis === "string") lines.push(`queue: not measured — ${redis}`);
    else {
      try {
        const name = `bench-${process.pid}`;
        for (let i = 0; i < 2; i++) workers.push(spawn(process.execPath, [MAIN, "worker", "--queue", redis.url, "--queue-name", name, "--work-dir", join(dir, `w${i}`)], { stdio: "ignore" }));
        const queued = run(["sweep", spec, "--out", join(dir, "queue"), "--queue", redis.url, "--queue-name", name]);
        const o = queueOverheads(join(dir, "queue"));
        const perJob = ((queued - pool) * 1000 * 2) / jobs;
        rows.push(["queue, 2 workers", queued.toFixed(1), (serial / queued).toFixed(2), `${perJob.toFixed(0)} ms vs --jobs 2; worker-side ${o.workerMs.toFixed(0)} ms, next-job gap ${o.gapMs.toFixed(0)} ms`]);
      } finally {
        for (const w of workers) w.kill("SIGTERM");
        redis.stop();
      }
    }
    lines.push("", table(["mode", "wall (s)", "speed-up vs --jobs 1", "queue overhead per job (medians)"], rows));
    lines.push(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(", ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join("\n");
}
