import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { DataError } from "../../errors.js";
import { writeTinyMnist } from "../data/idx-fixtures.js";
import type { FolderInfo, LayoutEvent, RecordsEvent } from "../../view/protocol.js";
import { layoutKey } from "../../view/dag-layout.js";
import type { LoggedGraph } from "../../view/run-log.js";
import { buildTimeline, edgeId, unionGraph } from "../../view/timeline.js";
import { connectSse } from "../../test-support/sse-client.js";
import { CLI, recordStudy } from "../../test-support/recorded-run.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { openRunFolder } from "./run-folders.js";
import { startViewServer, ViewError } from "./server.js";

const recorded = recordStudy({ steps: 2, epochs: 5 });
const tmp = (): string => tempDir("tinygrow-view-");
const LOCAL = { port: 0, host: "127.0.0.1", pollMs: 50 };

function copyRun(): string {
  const dir = join(tmp(), "run");
  cpSync(recorded.run, dir, { recursive: true });
  return dir;
}

test("a study folder opens with its runs and the command that wrote it; a run folder alone too", () => {
  const study = openRunFolder(recorded.study);
  assert.equal(study.kind, "study");
  assert.equal(study.command, "teacher-student");
  assert.deepEqual(study.runs.map((r) => r.id), ["whole/seed-3"]);
  const run = openRunFolder(recorded.run);
  assert.equal(run.kind, "run");
  assert.equal(run.runs[0].id, ".");
});

test("a sweep folder opens with every job's runs (jobs/<job>/<strategy>/seed-N, four levels down)", () => {
  const sweep = join(tmp(), "sweep");
  for (const job of ["j0-lr=0.1", "j1-lr=0.2"]) cpSync(recorded.study, join(sweep, "jobs", job), { recursive: true });
  writeFileSync(join(sweep, "sweep.json"), "{}");
  const opened = openRunFolder(sweep);
  assert.equal(opened.kind, "study");
  assert.equal(opened.command, "sweep");
  assert.deepEqual(opened.runs.map((r) => r.id), ["jobs/j0-lr=0.1/whole/seed-3", "jobs/j1-lr=0.2/whole/seed-3"]);
});

test("a folder that is not a run says what was expected", () => {
  const empty = tmp();
  assert.throws(() => openRunFolder(empty), (e: unknown) => e instanceof DataError && /is not a tinygrow run: expected manifest\.json and log\.jsonl \(a run\), or subfolders holding them/.test(e.message));
  assert.throws(() => openRunFolder(join(empty, "missing")), /no such folder; expected a run folder/);
  const file = join(empty, "f.txt");
  writeFileSync(file, "x");
  assert.throws(() => openRunFolder(file), /is a file; expected a run folder/);
});

test("a run written by a newer version is refused with the version it needs", () => {
  const dir = copyRun();
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, formatVersion: 7, versions: { tinygrow: "9.0.0" } }));
  assert.throws(() => openRunFolder(dir), /written by tinygrow 9\.0\.0 in run format 7; this tinygrow reads format 1 and older: upgrade tinygrow/);
});

test("the events stream sends every record, then new lines as they are written", async (t) => {
  const dir = copyRun();
  const log = join(dir, "log.jsonl");
  const lines = readFileSync(log, "utf8").trimEnd().split("\n");
  const view = await startViewServer(dir, LOCAL);
  t.after(() => view.close());
  const sse = await connectSse(new URL("../api/events", view.url).href);
  t.after(() => sse.close());
  const first = (await sse.waitFor((e) => e.event === "records")).data as RecordsEvent;
  assert.equal(first.reset, true);
  assert.equal(first.records.length, lines.length);
  const folder = (await sse.waitFor((e) => e.event === "folder")).data as FolderInfo;
  assert.equal(folder.runs[0].status.state, "finished");
  assert.equal(folder.command, "teacher-student");
  appendFileSync(log, JSON.stringify({ kind: "epoch", step: 9, epoch: 99, action: "train", losses: { train: 0.5 } }) + "\n");
  const next = (await sse.waitFor((e) => e.event === "records" && (e.data as RecordsEvent).records.some((r) => r.epoch === 99))).data as RecordsEvent;
  assert.equal(next.reset, false);
  assert.equal(next.records.length, 1);
});

test("a truncated last line: the complete records are shown and the run is marked interrupted", async (t) => {
  const dir = copyRun();
  const log = join(dir, "log.jsonl");
  const text = readFileSync(log, "utf8");
  const lines = text.trimEnd().split("\n");
  // Drop the "done" record and cut the last remaining line in half, as a SIGKILL mid-write would.
  const kept = lines.slice(0, -2).join("\n") + "\n" + lines[lines.length - 2].slice(0, 40);
  writeFileSync(log, kept);
  const old = new Date(Date.now() - 3600_000);
  utimesSync(log, old, old);
  const view = await startViewServer(dir, LOCAL);
  t.after(() => view.close());
  const sse = await connectSse(new URL("../api/events", view.url).href);
  t.after(() => sse.close());
  const records = (await sse.waitFor((e) => e.event === "records")).data as RecordsEvent;
  assert.equal(records.records.length, lines.length - 2);
  const folder = (await sse.waitFor((e) => e.event === "folder")).data as FolderInfo;
  assert.equal(folder.runs[0].status.state, "interrupted");
  assert.match(folder.runs[0].status.text, /last line is incomplete \(40 bytes\), shown up to the last complete record; continue it with --resume/);
});

test("a port in use is reported with a suggestion of --port", async (t) => {
  const first = await startViewServer(recorded.run, LOCAL);
  t.after(() => first.close());
  const port = Number(new URL(first.url).port);
  await assert.rejects(startViewServer(recorded.run, { ...LOCAL, port }), (e: unknown) => e instanceof ViewError && e.message.includes(`port ${port} on 127.0.0.1 is already in use`) && e.message.includes(`--port ${port + 1}`));
});

test("the page and its assets are served; paths outside the page folder are not", async (t) => {
  const view = await startViewServer(recorded.run, LOCAL);
  t.after(() => view.close());
  const page = await fetch(view.url);
  assert.equal(page.status, 200);
  const html = await page.text();
  const script = /src="([^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script !== undefined, html);
  assert.equal((await fetch(new URL(script, view.url))).status, 200);
  for (const path of ["/%2e%2e/%2e%2e/package.json", "/..%2f..%2f..%2fpackage.json", "/viewer/..%2f..%2f..%2fpackage.json"]) {
    const res = await fetch(new URL(path, view.url));
    assert.notEqual(res.status, 200, path);
    assert.doesNotMatch(await res.text(), /"name": "tinygrow"/);
  }
});

test("tinygrow view on a folder that is not a run exits 1 with the message", () => {
  const dir = tmp();
  mkdirSync(join(dir, "x"));
  copyFileSync(join(recorded.run, "manifest.json"), join(dir, "x", "manifest.json"));
  const r = spawnSync(process.execPath, [CLI, "view", dir, "--port", "0"], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is not a tinygrow run: expected manifest\.json and log\.jsonl/);
});

test("the server lays the DAG out (the union of the steps) and sends it again when a line adds a node", async (t) => {
  const dir = copyRun();
  const log = join(dir, "log.jsonl");
  const records = readFileSync(log, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const union = unionGraph(buildTimeline(records).steps);
  const view = await startViewServer(dir, LOCAL);
  t.after(() => view.close());
  await view.ready;
  const sse = await connectSse(new URL("../api/events", view.url).href);
  t.after(() => sse.close());
  const first = (await sse.waitFor((e) => e.event === "layout")).data as LayoutEvent;
  assert.equal(first.run, ".");
  assert.equal(first.layout.key, layoutKey(union));
  assert.deepEqual(first.layout.nodes.map((n) => n.id).sort(), union.nodes.map((n) => n.name).sort());
  assert.deepEqual(first.layout.edges.map((e) => e.id).sort(), union.edges.map((e) => edgeId(e.from, e.to)).sort());
  for (const e of first.layout.edges) assert.ok(e.points.length >= 2, `edge ${e.id} has no path`);
  // Layered left to right: every edge goes from a node to one further right.
  const x = new Map(first.layout.nodes.map((n) => [n.id, n.x]));
  for (const e of union.edges) assert.ok((x.get(e.from) as number) < (x.get(e.to) as number), `edge ${edgeId(e.from, e.to)} goes right to left`);
  const last = records.filter((r) => r.graph !== undefined).at(-1)?.graph as LoggedGraph;
  const grown: LoggedGraph = { nodes: [...last.nodes, { name: "extra", kind: "hidden", size: 3, activation: "relu" }], edges: [...last.edges, { from: "in", to: "extra", bias: true }, { from: "extra", to: "out", bias: false }] };
  appendFileSync(log, JSON.stringify({ kind: "growth", step: 99, epoch: 999, action: "grow", graph: grown }) + "\n");
  const next = (await sse.waitFor((e) => e.event === "layout" && (e.data as LayoutEvent).layout.nodes.some((n) => n.id === "extra"))).data as LayoutEvent;
  assert.equal(next.layout.nodes.length, union.nodes.length + 1);
});

test("a grow-cnn log whose units trained side by side: a unit is finished once its epochs reach the study's total, not when another unit starts", async (t) => {
  const data = tmp();
  writeTinyMnist(data, { train: 80, test: 20, rows: 8, cols: 8 });
  const dir = join(tmp(), "run");
  const r = spawnSync(process.execPath, [CLI, "grow-cnn", "--data-dir", data, "--no-verify", "--kernels", "portable", "--validation", "20", "--widths", "2,2", "--steps", "1", "--channels", "1", "--initial-epochs", "1", "--epochs-per-step", "1", "--final-epochs", "0", "--baselines", "2,2", "--no-retrain", "--statistics-images", "16", "--line-search-images", "16", "--line-search-points", "3", "--batch-size", "16", "--workers", "1", "--out", dir, "--quiet"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  // As if side by side and still going: the grown unit started first and is at its first epoch, the baseline (started after it) has ended; no report yet.
  const lines = readFileSync(join(dir, "log.jsonl"), "utf8").trimEnd().split("\n");
  const of = (unit: string): string[] => lines.filter((l) => (JSON.parse(l) as { unit: string }).unit === unit);
  const [grown, fixed] = [of("grown"), of("fixed 2-2")];
  assert.equal(fixed.length, 2);
  writeFileSync(join(dir, "log.jsonl"), [grown[0], ...fixed].join("\n") + "\n");
  rmSync(join(dir, "report.md"));
  const view = await startViewServer(dir, LOCAL);
  t.after(() => view.close());
  const sse = await connectSse(new URL("../api/events", view.url).href);
  t.after(() => sse.close());
  const folder = (await sse.waitFor((e) => e.event === "folder" && (e.data as FolderInfo).runs.length === 2)).data as FolderInfo;
  const state = (unit: string): string | undefined => folder.runs.find((x) => x.id === unit)?.status.state;
  assert.equal(state("grown"), "running");
  assert.equal(state("fixed 2-2"), "finished");
});
