/**
 * `tinygrow view` in a real browser (Debian's Chromium through playwright-core): a recorded
 * run shows the right network at step k, the keys and the URL move between steps, and the
 * page follows a run that the test starts while its lines arrive. Screenshots go to
 * dist/test-output/viewer/. Skipped with a printed reason without Chromium (required in CI).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startViewServer } from "../src/node/view/server.js";
import { openBrowser } from "../src/test-support/browser.js";
import { recordGrowCnn, recordGrowMlp, recordStudy, startStudy } from "../src/test-support/recorded-run.js";
import { tempDir } from "../src/test-support/temp-dir.js";
import { graphParameters, parseLogText, type LoggedGraph } from "../src/view/run-log.js";

const LOCAL = { port: 0, host: "127.0.0.1", pollMs: 100 };

test("the page shows the network, parameters and candidates of step k of a recorded run", { timeout: 90_000 }, async (t) => {
  const browser = await openBrowser(t, "viewer");
  if (browser === null) return;
  t.after(() => browser.close());
  const { study, run } = recordStudy({ steps: 4, epochs: 20 });
  const records = parseLogText(readFileSync(join(run, "log.jsonl"), "utf8")).records;
  const growth = records.filter((r) => r.kind === "growth");
  // The step with the most hidden nodes: the most there is to get wrong.
  const hidden = (g: LoggedGraph): number => g.nodes.filter((n) => n.kind === "hidden").length;
  const k = growth.reduce((best, r) => (hidden(r.graph as LoggedGraph) > hidden(best.graph as LoggedGraph) ? r : best)).step as number;
  const atK = growth.find((r) => r.step === k)!;
  const graph = atK.graph as LoggedGraph;
  assert.ok(hidden(graph) >= 1, `the recorded run grew no hidden node (${JSON.stringify(graph)})`);
  assert.equal(graphParameters(graph), atK.parameters);

  const view = await startViewServer(study, LOCAL);
  t.after(() => view.close());
  const page = await browser.newPage();
  await page.goto(`${view.url}?run=whole/seed-3&step=${k}`);
  await page.waitForSelector(`#step-label[data-step="${k}"]`);
  await page.waitForSelector("#dag svg");
  const summary = page.locator("#dag-summary");
  assert.equal(await summary.getAttribute("data-nodes"), String(graph.nodes.length));
  assert.equal(await summary.getAttribute("data-params"), String(atK.parameters));
  assert.equal(await page.locator('#dag .node[data-present="true"]').count(), graph.nodes.length);
  for (const n of graph.nodes) assert.equal(await page.locator(`#dag .node[data-node="${n.name}"]`).getAttribute("data-width"), String(n.size));
  assert.equal(await page.locator('#dag .edge[data-present="true"]').count(), graph.edges.length);
  assert.equal(await page.locator("#candidate-table tbody tr").count(), atK.growth?.candidates?.length);
  const chosen = await page.locator("#candidate-table tr.chosen").getAttribute("data-candidate");
  assert.equal(chosen, atK.growth?.chosen);
  await page.waitForSelector("#loss-chart canvas");
  await browser.screenshot(page, `recorded-step-${k}`);

  // Keys and the URL: ← goes one step back; the address links to it.
  await page.keyboard.press("ArrowLeft");
  await page.waitForSelector(`#step-label[data-step="${k - 1}"]`);
  assert.match(page.url(), new RegExp(`step=${k - 1}`));
  await page.keyboard.press("Home");
  await page.waitForSelector('#step-label[data-step="0"]');
  assert.equal(await summary.getAttribute("data-params"), "0");
  assert.deepEqual(browser.errors, []);
});

test("a grow-mlp run shows its chain of layers, widths, parameters and layer candidates at step k", { timeout: 90_000 }, async (t) => {
  const browser = await openBrowser(t, "viewer");
  if (browser === null) return;
  t.after(() => browser.close());
  const run = recordGrowMlp(3);
  const records = parseLogText(readFileSync(join(run, "log.jsonl"), "utf8")).records;
  const k = 2;
  const atK = records.find((r) => r.kind === "growth" && r.step === k)!;
  const graph = atK.graph as LoggedGraph;
  assert.deepEqual(graph.nodes.map((n) => n.size), atK.sizes, "the logged chain has the row's widths");
  assert.equal(graphParameters(graph), atK.parameters);
  const view = await startViewServer(run, LOCAL);
  t.after(() => view.close());
  const page = await browser.newPage();
  await page.goto(`${view.url}?step=${k}`);
  await page.waitForSelector(`#step-label[data-step="${k}"]`);
  await page.waitForSelector("#dag svg");
  const summary = page.locator("#dag-summary");
  assert.equal(await summary.getAttribute("data-nodes"), String(graph.nodes.length));
  assert.equal(await summary.getAttribute("data-params"), String(atK.parameters));
  for (const n of graph.nodes) assert.equal(await page.locator(`#dag .node[data-node="${n.name}"]`).getAttribute("data-width"), String(n.size));
  assert.equal(await page.locator('#dag .edge[data-present="true"]').count(), graph.nodes.length - 1, "a chain: one edge per layer");
  assert.equal(await page.locator("#candidate-table tbody tr").count(), atK.growth?.candidates?.length);
  assert.equal(await page.locator("#candidate-table tr.chosen").getAttribute("data-candidate"), atK.growth?.chosen);
  await page.waitForSelector("#loss-chart canvas");
  await page.waitForSelector('#status[data-state="finished"]');
  await browser.screenshot(page, `grow-mlp-step-${k}`);
  assert.deepEqual(browser.errors, []);
});

test("a grow-cnn study shows each unit as a run: the grown CNN's chain of blocks, channels and parameters at step k", { timeout: 90_000 }, async (t) => {
  const browser = await openBrowser(t, "viewer");
  if (browser === null) return;
  t.after(() => browser.close());
  const run = recordGrowCnn();
  const records = parseLogText(readFileSync(join(run, "log.jsonl"), "utf8")).records;
  const k = 1;
  const atK = records.find((r) => r.type === "growth" && r.unit === "grown" && r.step === k)!;
  const graph = atK.graph as LoggedGraph;
  assert.deepEqual(graph.nodes.slice(1, -1).map((n) => n.size), (atK.result as { widths: number[] }).widths, "the logged chain has the step's channels");
  assert.equal(graphParameters(graph), atK.parameters, "the edges' parameter counts add up to the network's");
  const view = await startViewServer(run, LOCAL);
  t.after(() => view.close());
  const page = await browser.newPage();
  await page.goto(`${view.url}?run=grown&step=${k}`);
  await page.waitForSelector(`#step-label[data-step="${k}"]`);
  await page.waitForSelector("#dag svg");
  const units = [...new Set(records.map((r) => r.unit as string))];
  assert.deepEqual(await page.locator("#runs button").evaluateAll((bs) => bs.map((b) => b.getAttribute("data-run"))), units);
  const summary = page.locator("#dag-summary");
  assert.equal(await summary.getAttribute("data-nodes"), String(graph.nodes.length));
  assert.equal(await summary.getAttribute("data-params"), String(atK.parameters));
  for (const n of graph.nodes) assert.equal(await page.locator(`#dag .node[data-node="${n.name}"]`).getAttribute("data-width"), String(n.size));
  await page.waitForSelector("#accuracy-chart canvas");
  await page.waitForSelector('#status[data-state="finished"]');
  await browser.screenshot(page, `grow-cnn-step-${k}`);
  assert.deepEqual(browser.errors, []);
});

test("the live view follows a run the test starts: the page changes as lines arrive", { timeout: 120_000 }, async (t) => {
  const browser = await openBrowser(t, "viewer");
  if (browser === null) return;
  t.after(() => browser.close());
  const study = join(tempDir("tinygrow-live-"), "study");
  const running = startStudy(study, { steps: 4, epochs: 60 });
  t.after(() => running.kill());
  const deadline = Date.now() + 30_000;
  while (!existsSync(join(study, "manifest.json")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const view = await startViewServer(study, LOCAL);
  t.after(() => view.close());
  const page = await browser.newPage();
  await page.goto(view.url);
  const seen: number[] = [];
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (!exited) {
    const n = Number((await page.locator("body").getAttribute("data-records")) ?? "0");
    if (seen.length === 0 || n !== seen[seen.length - 1]) seen.push(n);
    if (seen.length === 3) await browser.screenshot(page, "live-during-run");
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await running.exited, 0);
  const total = parseLogText(readFileSync(join(study, "whole", "seed-3", "log.jsonl"), "utf8")).records.length;
  await page.waitForSelector(`body[data-records="${total}"]`, { timeout: 10_000 });
  await page.waitForSelector('#status[data-state="finished"]', { timeout: 10_000 });
  const growing = seen.filter((n) => n > 0 && n < total);
  assert.ok(growing.length >= 2, `the page should show the run part-way at least twice; it showed ${seen.join(" → ")} of ${total} records`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `record counts went ${seen.join(" → ")}`);
  await browser.screenshot(page, "live-finished");
  assert.deepEqual(browser.errors, []);
});
