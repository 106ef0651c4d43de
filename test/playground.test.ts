/**
 * The playground and the kernel check page in a real Chromium (src/test-support/browser.ts:
 * skipped with a printed reason without Chromium, a failure with TINYGROW_REQUIRE_BROWSER=1).
 * The built pages (dist/web, `npm run build`) are served from 127.0.0.1. Screenshots go to
 * dist/test-output/playground/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { openBrowser, type TestBrowser } from "../src/test-support/browser.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const webDir = join(root, "dist", "web");

async function serve(): Promise<{ server: Server; url: string }> {
  // @ts-expect-error: a plain .mjs script without type declarations
  const { serveWeb } = (await import("../../scripts/serve-web.mjs")) as { serveWeb: (port: number) => Promise<{ server: Server; url: string }> };
  return serveWeb(0);
}

interface Snapshot {
  state: string;
  kernels: string | null;
  records: { kind: string; step: number; parameters: number; losses: Record<string, number> }[];
}

const snapshot = (page: Page) => page.evaluate(() => (window as unknown as { playground: Snapshot }).playground) as Promise<Snapshot>;

async function setKnobs(page: Page, knobs: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(knobs)) await page.fill(`#${id}`, value);
}

async function withPage(t: import("node:test").TestContext, body: (browser: TestBrowser, page: Page, url: string) => Promise<void>): Promise<void> {
  assert.ok(existsSync(join(webDir, "playground", "index.html")), "dist/web/playground is missing: run npm run build");
  const browser = await openBrowser(t, "playground");
  if (browser === null) return;
  const { server, url } = await serve();
  try {
    const page = await browser.newPage();
    await body(browser, page, url);
    assert.deepEqual(browser.errors, [], "console or page errors");
  } finally {
    await browser.close();
    server.close();
  }
}

test("the playground grows a network from the empty graph on the wasm kernels, live, and stops and continues", { timeout: 300_000 }, async (t) => {
  await withPage(t, async (browser, page, url) => {
    await page.goto(`${url}/playground/index.html`);
    await page.selectOption("#task", "moons");
    await page.selectOption("#strategy", "restricted");
    await setKnobs(page, { samples: "3000", noise: "0.1", steps: "4", neurons: "4", epochs: "30", lr: "0.003", batch: "32", seed: "0" });
    await page.click("#start");
    await page.waitForFunction(() => document.body.dataset.state === "running");
    // Live: the DAG and a step row appear while the worker runs; the page stays responsive.
    await page.waitForFunction(() => document.querySelectorAll("#steps-table tbody tr").length >= 1, null, { timeout: 120_000 });
    await page.click("#stop");
    const stopped = await snapshot(page);
    assert.equal(stopped.state, "stopped");
    await browser.screenshot(page, "playground-stopped");
    await page.click("#continue");
    await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", null, { timeout: 240_000 });
    const done = await snapshot(page);
    assert.equal(done.state, "done", await page.textContent("#error").then(String));
    assert.equal(done.kernels, "wasm");
    const growth = done.records.filter((r) => r.kind === "growth");
    assert.deepEqual(growth.map((r) => r.step), [1, 2, 3, 4], "every step once, in order, across the stop");
    // Beyond the first edge: a linear model 2 → 2 has 6 parameters.
    const params = Math.max(...done.records.map((r) => r.parameters));
    assert.ok(params > 6, `parameters ${params}`);
    const train = done.records.filter((r) => r.kind === "epoch").map((r) => r.losses.train);
    assert.equal(train.length, 120, "4 steps × 30 epochs, none lost or repeated by the stop");
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(mean(train.slice(-5)) < 0.5 * mean(train.slice(0, 5)), `training loss ${mean(train.slice(0, 5))} → ${mean(train.slice(-5))}`);
    assert.match((await page.textContent("#dag")) ?? "", /parameters/);
    assert.ok((await page.$("#curves svg")) !== null, "loss curves drawn");
    assert.equal(await page.textContent("#notice"), "");
    const download = page.waitForEvent("download");
    await page.click("#download");
    assert.equal((await download).suggestedFilename(), "model.json");
    await browser.screenshot(page, "playground-done");
  });
});

test("bad input: a file that is neither CSV nor IDX, a CSV with a non-numeric cell", { timeout: 120_000 }, async (t) => {
  await withPage(t, async (browser, page, url) => {
    await page.goto(`${url}/playground/index.html`);
    await page.setInputFiles("#files", { name: "photo.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]) });
    await page.waitForFunction(() => (document.getElementById("error")?.textContent ?? "") !== "");
    assert.match((await page.textContent("#error")) ?? "", /photo\.png: expected a CSV file \(\.csv, \.tsv\) or an MNIST IDX file .* got a file starting with 89 50 4e 47/);
    await page.setInputFiles("#files", { name: "data.csv", mimeType: "text/csv", buffer: Buffer.from("x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n") });
    await page.waitForFunction(() => document.getElementById("dropped")?.textContent?.startsWith("CSV: data.csv") === true);
    assert.equal(await page.inputValue("#task"), "csv");
    await page.click("#start");
    await page.waitForFunction(() => document.body.dataset.state === "error");
    assert.match((await page.textContent("#error")) ?? "", /data\.csv: row 3, column 2 \("x2"\): expected a number, got "abc"/);
    await browser.screenshot(page, "playground-bad-csv");
  });
});

test("the WebAssembly kernels pass the parity subset inside Chromium", { timeout: 120_000 }, async (t) => {
  await withPage(t, async (browser, page, url) => {
    await page.goto(`${url}/kernel-check/index.html`);
    await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { kernelCheck: unknown }).kernelCheck)) as { loaded: boolean; reason?: string; checks: { name: string; ok: boolean; error: number }[] };
    assert.ok(result.loaded, result.reason);
    assert.ok(result.checks.length > 25);
    assert.deepEqual(result.checks.filter((c) => !c.ok), []);
    await browser.screenshot(page, "kernel-check");
  });
});
