/**
 * `tinygrow view` benchmarks (issue 12): how long the log of a 20-step MNIST-sized run takes
 * to open and render in Chromium (target < 1 s), and how long a new log line takes to reach
 * the page (target < 1 s). The log is synthetic but shaped like `tinygrow mnist --strategy
 * whole`'s (784 inputs, 10 classes, 100-neuron steps, 10 epochs per step, every candidate of
 * the whole search space logged, 667 in the last step). Needs Chromium (skipped with the
 * reason otherwise).
 *
 * "Open" is measured on the page's own clock: from navigation start (performance.timeOrigin)
 * to the "viewer:drawn" mark, which the page sets after the frame that follows its first draw
 * with the DAG, both curve charts and the candidate table of the step in the URL on screen
 * (web/viewer/main.ts). Each sample launches a new headless Chromium with an empty profile and
 * opens the page twice: "first open" (nothing cached) and "reopen" (a new tab; the hashed
 * assets/ files come from the browser's cache, as the server allows, the log does not). The
 * server is started and `ready` (its ELK worker started and the run's DAG laid out) before
 * the first navigation, as when a user runs `tinygrow view` and then opens its address; that
 * start is measured on its own, and so is a navigation right after the server starts (the
 * page then draws the DAG when its layout arrives).
 *
 * The page before this session's changes (bench/viewer-old-page.ts: commit OLD_VIEWER_COMMIT
 * built from git) is opened side by side with the current one in the same run, alternating,
 * against the same server code and log, so that the machine's load cancels in the ratio.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startViewServer, type RunningView } from "../src/node/view/server.js";
import { findChromium, startBrowser, type TestBrowser } from "../src/test-support/browser.js";
import { connectSse } from "../src/test-support/sse-client.js";
import { tempDir } from "../src/test-support/temp-dir.js";
import { Rng } from "../src/tensor/rng.js";
import { graphParameters, parseLogText, type LoggedGraph, type LogRecord } from "../src/view/run-log.js";
import { buildTimeline } from "../src/view/timeline.js";
import { median, table } from "./stats.js";
import { buildOldViewer, OLD_VIEWER_COMMIT } from "./viewer-old-page.js";

const STEPS = 20;
const EPOCHS = 10;

/** The records of a synthetic 20-step MNIST run (see the file comment). */
export function mnistLikeLog(seed = 0): LogRecord[] {
  const rng = new Rng(seed);
  const graph: LoggedGraph = { nodes: [{ name: "in", kind: "input", size: 784, activation: "identity" }, { name: "out", kind: "output", size: 10, activation: "identity" }], edges: [] };
  const clone = (): LoggedGraph => JSON.parse(JSON.stringify(graph)) as LoggedGraph;
  const splits = (base: number): Record<string, number> => ({ "train-opt": base * 0.9, "train-ls": base, "train-gr": base * 1.05, test: base * 1.08 });
  const accuracy = (base: number): Record<string, number> => Object.fromEntries(Object.entries(splits(base)).map(([k, v]) => [k, Math.max(0, 1 - v / 2.5)]));
  const timing = { wallSeconds: { search: 1, training: 2, evaluation: 0.5, total: 4 }, cpuSeconds: { search: 1, training: 2, total: 4 }, energyWh: { search: 0.01, training: 0.02, total: 0.04 }, energyMethod: "model" };
  const records: LogRecord[] = [{ kind: "init", step: 0, epoch: 0, stepEpoch: 0, action: "init", parameters: 0, losses: splits(2.3), accuracy: accuracy(2.3), graph: clone(), ...timing }];
  let epoch = 0;
  let loss = 2.3;
  for (let step = 1; step <= STEPS; step++) {
    const hidden = graph.nodes.filter((n) => n.kind === "hidden");
    const names = graph.nodes.map((n) => n.name);
    const candidates: { description: string; neurons: number }[] = [];
    for (const a of names) for (const b of names) if (a !== b && a !== "out" && b !== "in" && !graph.edges.some((e) => e.from === a && e.to === b)) candidates.push({ description: `edge ${a}->${b}`, neurons: 0 });
    for (const a of names) for (const b of names) if (a !== b && a !== "out" && b !== "in") candidates.push({ description: `node ${a}->[100]->${b}`, neurons: 100 });
    for (const h of hidden) candidates.push({ description: `widen ${h.name} +100`, neurons: 100 });
    const before = graphParameters(graph);
    const scored = candidates.map((c) => ({ ...c, gamma: rng.uniform(), lossLs: loss * (0.8 + 0.2 * rng.uniform()), lossGr: loss * (0.8 + 0.2 * rng.uniform()), bic: 1e4 * rng.uniform(), params: before + 1000, addedParams: 1000, skipped: null as string | null }));
    const chosen = step === 1 ? 0 : candidates.findIndex((c) => c.description.startsWith(rng.uniform() < 0.6 || hidden.length === 0 ? "node" : "widen"));
    const pick = scored[chosen].description;
    const m = /^(edge|node|widen) (\S+?)(?:->\[100\]->|->| \+100)(\S*)$/.exec(pick);
    if (m !== null && m[1] === "edge") graph.edges.push({ from: m[2], to: m[3], bias: true });
    else if (m !== null && m[1] === "node") {
      const name = `h${hidden.length + 1}`;
      graph.nodes.push({ name, kind: "hidden", size: 100, activation: "relu" });
      graph.edges.push({ from: m[2], to: name, bias: true }, { from: name, to: m[3], bias: false });
    } else if (m !== null) (graph.nodes.find((n) => n.name === m[2]) as { size: number }).size += 100;
    const parameters = graphParameters(graph);
    loss *= 0.8;
    const growth = { outcome: "grown", chosen: pick, chosenIndex: chosen, criterion: "loss-gr", gamma: 0.5, neurons: 100, paramsBefore: before, paramsAfter: parameters, bottlenecks: Object.fromEntries(names.filter((n) => n !== "in").map((n) => [n, rng.uniform()])), candidates: scored.map((c, i) => ({ ...c, score: c.lossGr, chosen: i === chosen })) };
    records.push({ kind: "growth", step, epoch, stepEpoch: 0, action: `grow: ${pick}`, growth, graph: clone(), parameters, losses: splits(loss), accuracy: accuracy(loss), ...timing });
    for (let e = 1; e <= EPOCHS; e++) {
      epoch++;
      loss *= 0.99;
      records.push({ kind: "epoch", step, epoch, stepEpoch: e, action: "train", parameters, losses: { train: loss, ...splits(loss) }, accuracy: accuracy(loss), ...timing });
    }
  }
  records.push({ kind: "done", step: STEPS, epoch, stepEpoch: EPOCHS, action: "done", parameters: graphParameters(graph), losses: splits(loss), ...timing });
  return records;
}

function writeRun(dir: string, records: readonly LogRecord[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ formatVersion: 1, startedAt: new Date().toISOString(), resumedAt: [], seed: 0, command: ["bench/main.js", "mnist"], config: {} }));
  writeFileSync(join(dir, "log.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;

export async function benchViewer({ repeats }: { repeats: number }): Promise<string> {
  const records = mnistLikeLog();
  const dir = join(tempDir("tinygrow-bench-view-"), "mnist");
  writeRun(dir, records);
  const bytes = readFileSync(join(dir, "log.jsonl")).length;
  const parse: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    buildTimeline(parseLogText(readFileSync(join(dir, "log.jsonl"), "utf8")).records);
    parse.push((performance.now() - t0) / 1000);
  }
  const header = ["measurement", "median", "max", "old/new", "target"];
  const rows: string[][] = [[`parse + timeline in Node (${records.length} records, ${(bytes / 1e6).toFixed(1)} MB)`, ms(median(parse)), ms(Math.max(...parse)), "", "–"]];
  const chromium = findChromium();
  if (chromium === null) return table(header, rows) + "\n(browser measurements skipped: no Chromium; apt-get install chromium)";
  const old = await buildOldViewer();
  const started = performance.now();
  const view = await startViewServer(dir, { port: 0, host: "127.0.0.1" });
  let oldView: RunningView | null = null;
  let browser: TestBrowser | null = null;
  try {
    await view.ready;
    rows.push(["server start until ready (ELK worker started, the DAG laid out)", ms((performance.now() - started) / 1000), "–", "", "–"]);
    oldView = "webRoot" in old ? await startViewServer(dir, { port: 0, host: "127.0.0.1", webRoot: old.webRoot }) : null;
    await oldView?.ready;
    // Old and new page alternate (which goes first too), each in a fresh browser: first open, then a reopen in a new tab.
    const opened = { old: { first: [] as Opened[], again: [] as Opened[] }, new: { first: [] as Opened[], again: [] as Opened[] } };
    for (let r = 0; r < repeats; r++) {
      const order = oldView === null ? (["new"] as const) : r % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const);
      for (const which of order) {
        const fresh = await startBrowser(chromium, "bench-viewer");
        try {
          const url = which === "old" ? (oldView as RunningView).url : view.url;
          opened[which].first.push(await openOnce(fresh, url));
          opened[which].again.push(await openOnce(fresh, url));
        } finally {
          await fresh.close();
        }
      }
    }
    const med = (list: Opened[], f: (o: Opened) => number): number => median(list.map(f)) / 1000;
    const col = (list: Opened[], f: (o: Opened) => number): [string, string] => [ms(med(list, f)), ms(Math.max(...list.map(f)) / 1000)];
    const vs = (key: "first" | "again", f: (o: Opened) => number): string => (opened.old[key].length === 0 ? "–" : `${(med(opened.old[key], f) / med(opened.new[key], f)).toFixed(2)}×`);
    const what = `step ${STEPS}: DAG, both charts, the best 50 of ${(records[records.length - 2 - EPOCHS].growth as { candidates: unknown[] }).candidates.length} candidates`;
    const drawn = (o: Opened): number => o.drawn;
    rows.push([`first open (empty browser cache): navigation start → first complete draw painted (${what})`, ...col(opened.new.first, drawn), vs("first", drawn), "< 1 s"]);
    rows.push(["… of which: the network, step and table painted, before the charts", ...col(opened.new.first, (o) => o.firstPaint), "", "–"]);
    rows.push(["… the page and its entry script loaded (navigation load event)", ...col(opened.new.first, (o) => o.loaded), vs("first", (o) => o.loaded), "–"]);
    rows.push(["… the same open as the harness sees it (goto → drawn mark seen, playwright polling included)", ...col(opened.new.first, (o) => o.harness), vs("first", (o) => o.harness), "–"]);
    rows.push(["reopen in a new tab (assets cached): navigation start → first complete draw painted", ...col(opened.new.again, drawn), vs("again", drawn), "< 1 s"]);
    if (oldView !== null) {
      rows.push([`old page (commit ${OLD_VIEWER_COMMIT}), same run: first open → first complete draw painted`, ...col(opened.old.first, drawn), "", "–"]);
      rows.push([`old page (commit ${OLD_VIEWER_COMMIT}): reopen in a new tab`, ...col(opened.old.again, drawn), "", "–"]);
    } else rows.push([`old page: skipped (${(old as { skipped: string }).skipped})`, "–", "–", "", "–"]);
    browser = await startBrowser(chromium, "bench-viewer");
    rows.push(...(await liveRows(browser, view, dir, records, repeats)));
  } catch (err) {
    await browser?.close();
    throw err;
  } finally {
    await view.close();
    await oldView?.close();
  }
  if (browser === null) return table(header, rows);
  try {
    // A navigation right after the server starts, before its ELK worker is warm.
    const t0 = performance.now();
    const cold = await startViewServer(dir, { port: 0, host: "127.0.0.1" });
    const o = await openOnce(browser, cold.url);
    await cold.close();
    rows.push(["cold: server start → first complete draw painted (one sample)", ms((o.navigatedAt - t0 + o.drawn) / 1000), "–", "", "–"]);
  } finally {
    await browser.close();
  }
  return table(header, rows);
}

/** Live updates on the current page: a log line until the page counts it (and the SSE client gets it); a growth line until its new node is drawn. */
async function liveRows(browser: TestBrowser, view: RunningView, dir: string, records: readonly LogRecord[], repeats: number): Promise<string[][]> {
  const page = await browser.newPage();
  await page.goto(view.url);
  await page.waitForSelector(`body[data-records="${records.length}"]`);
  const sse = await connectSse(new URL("../api/events", view.url).href);
  await sse.waitFor((e) => e.event === "records");
  const toPage: number[] = [];
  const toClient: number[] = [];
  for (let r = 0; r < Math.max(10, repeats); r++) {
    const count = records.length + r + 1;
    const t0 = performance.now();
    appendFileSync(join(dir, "log.jsonl"), JSON.stringify({ kind: "epoch", step: STEPS, epoch: 1000 + r, action: "train", losses: { train: 0.1 } }) + "\n");
    const got = sse.waitFor((e) => e.event === "records" && (e.data as { records: LogRecord[] }).records.some((x) => x.epoch === 1000 + r));
    await page.waitForSelector(`body[data-records="${count}"]`, { state: "attached" });
    toPage.push((performance.now() - t0) / 1000);
    toClient.push(((await got).at - t0) / 1000);
    await new Promise((res) => setTimeout(res, 37 * (r % 5)));
  }
  sse.close();
  // A growth step that adds a node: the server lays the new structure out and the page draws it.
  const toNode: number[] = [];
  const graph = records[records.length - 2 - EPOCHS].graph as LoggedGraph;
  for (let r = 0; r < Math.max(5, repeats); r++) {
    const name = `x${r}`;
    graph.nodes.push({ name, kind: "hidden", size: 10, activation: "relu" });
    graph.edges.push({ from: "in", to: name, bias: true }, { from: name, to: "out", bias: false });
    const t0 = performance.now();
    appendFileSync(join(dir, "log.jsonl"), JSON.stringify({ kind: "growth", step: STEPS + 1 + r, epoch: 2000 + r, action: `grow: node in->[10]->out`, graph, parameters: graphParameters(graph) }) + "\n");
    await page.waitForSelector(`#dag .node[data-node="${name}"][data-present="true"]`, { state: "attached" });
    toNode.push((performance.now() - t0) / 1000);
  }
  await page.close();
  return [
    ["live: growth line with a new node written → the node drawn (a new layout each time)", ms(median(toNode)), ms(Math.max(...toNode)), "", "< 1 s"],
    ["live: log line written → server-sent event received (poll every 200 ms)", ms(median(toClient)), ms(Math.max(...toClient)), "", "< 1 s"],
    ["live: log line written → page updated (record count and redraw)", ms(median(toPage)), ms(Math.max(...toPage)), "", "< 1 s"],
  ];
}

/** Opens the page at the last step in a new tab; times in ms (page clock, except `harness`). */
interface Opened {
  drawn: number;
  /** The network, step and table painted ("viewer:first-paint"; NaN on a page without that mark). */
  firstPaint: number;
  loaded: number;
  harness: number;
  navigatedAt: number;
}

async function openOnce(browser: TestBrowser, url: string): Promise<Opened> {
  const page = await browser.newPage();
  const t0 = performance.now();
  await page.goto(`${url}?step=${STEPS}`);
  await page.waitForFunction(() => performance.getEntriesByName("viewer:drawn").length > 0, undefined, { polling: 50 });
  const harness = performance.now() - t0;
  const got = await page.evaluate(() => {
    const nav = (performance.getEntriesByType as (type: string) => unknown[])("navigation")[0] as { loadEventEnd: number };
    return { loaded: nav.loadEventEnd, drawn: performance.getEntriesByName("viewer:drawn")[0].startTime, firstPaint: performance.getEntriesByName("viewer:first-paint")[0]?.startTime ?? NaN };
  });
  await page.close();
  return { ...got, harness, navigatedAt: t0 };
}
