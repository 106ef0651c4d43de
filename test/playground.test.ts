/**
 * The playground and the kernel check page in a real Chromium (src/test-support/browser.ts:
 * skipped with a printed reason without Chromium, a failure with TINYGROW_REQUIRE_BROWSER=1).
 * The built pages (dist/web, `npm run build`) are served from 127.0.0.1 by `npm run
 * playground`'s server, and once by `tinygrow view`'s. Screenshots and the downloaded models
 * go to dist/test-output/playground/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { openBrowser, testOutputDir, type TestBrowser } from "../src/test-support/browser.js";
import { encodeIdx } from "../src/data/idx.js";
import { modelFromText } from "../src/model/model-file.js";
import { startViewServer } from "../src/node/view/server.js";
import { tempDir } from "../src/test-support/temp-dir.js";
import type { TabularModel } from "../src/model/tabular-model.js";
import { Rng } from "../src/tensor/rng.js";

type Ort = typeof import("onnxruntime-node");

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const webDir = join(root, "dist", "web");

/** `npm run playground`'s server (scripts/serve-web.mjs) on a free port. */
async function serve(): Promise<{ close: () => void; url: string }> {
  // @ts-expect-error: a plain .mjs script without type declarations
  const { serveWeb } = (await import("../../scripts/serve-web.mjs")) as { serveWeb: (port: number) => Promise<{ server: Server; url: string }> };
  const { server, url } = await serveWeb(0);
  return { close: () => server.close(), url };
}

/** `tinygrow view`'s server (on a run folder with an empty log), which serves the playground too. */
async function serveView(): Promise<{ close: () => void; url: string }> {
  const dir = tempDir("tinygrow-playground-view-");
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ config: { kind: "grow-mlp" } }));
  writeFileSync(join(dir, "log.jsonl"), "");
  const view = await startViewServer(dir, { port: 0, host: "127.0.0.1" });
  return { close: () => void view.close(), url: new URL("..", view.url).href.replace(/\/$/, "") };
}

interface Snapshot {
  state: string;
  kernels: string | null;
  records: { kind: string; step: number; parameters: number; losses: Record<string, number> }[];
}

const snapshot = (page: Page) => page.evaluate(() => (window as unknown as { playground: Snapshot }).playground) as Promise<Snapshot>;

/** Clicks `button` and returns the downloaded file (also kept in the test output folder). */
async function download(page: Page, button: string, keepAs: string): Promise<{ name: string; bytes: Buffer }> {
  const event = page.waitForEvent("download");
  await page.click(button);
  const file = await event;
  const bytes = readFileSync(await file.path());
  writeFileSync(join(testOutputDir("playground"), keepAs), bytes);
  return { name: file.suggestedFilename(), bytes };
}

/** onnxruntime-node, or null after printing why (a failure with TINYGROW_REQUIRE_ONNXRUNTIME=1). */
function loadOrt(): Ort | null {
  try {
    return createRequire(import.meta.url)("onnxruntime-node") as Ort;
  } catch (err) {
    const reason = `onnxruntime-node cannot be loaded: ${(err as Error).message.split("\n")[0]}`;
    if (process.env.TINYGROW_REQUIRE_ONNXRUNTIME === "1") throw new Error(reason);
    console.log(`# skipped the ONNX run: ${reason}`);
    return null;
  }
}

/**
 * Downloads model.json and model.onnx from the page; the ONNX graph run in onnxruntime-node
 * on `rows` raw input rows must give the outputs of tinygrow's forward of model.json
 * (preprocessing included) within 1e-5. Returns the model.
 */
async function checkDownloads(page: Page, raw: Float32Array, rows: number, prefix: string): Promise<TabularModel> {
  const json = await download(page, "#download", `${prefix}-model.json`);
  assert.equal(json.name, "model.json");
  const model = modelFromText(json.bytes.toString("utf8"), "model.json");
  const grown = (await page.evaluate(() => (window as unknown as { playground: { modelJson: string } }).playground.modelJson)) as string;
  assert.equal(JSON.stringify(JSON.parse(json.bytes.toString("utf8")).network), grown, "model.json holds the grown network");
  const onnx = await download(page, "#download-onnx", `${prefix}-model.onnx`);
  assert.equal(onnx.name, "model.onnx");
  const ort = loadOrt();
  if (ort === null) return model;
  const cols = model.features.columns.length;
  const session = await ort.InferenceSession.create(new Uint8Array(onnx.bytes));
  const out = await session.run({ input: new ort.Tensor("float32", raw, [rows, cols]) });
  const expected = model.outputs(raw, cols, rows);
  const got = (model.task === "classification" ? out.logits : out.prediction).data as Float32Array;
  assert.equal(got.length, expected.length);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])), `output ${i}: onnx ${got[i]}, tinygrow ${expected[i]}`);
  }
  return model;
}

async function setKnobs(page: Page, knobs: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(knobs)) await page.fill(`#${id}`, value);
}

async function withPage(t: import("node:test").TestContext, body: (browser: TestBrowser, page: Page, url: string) => Promise<void>, options: { chromiumArgs?: string[]; server?: () => Promise<{ close: () => void; url: string }> } = {}): Promise<void> {
  assert.ok(existsSync(join(webDir, "playground", "index.html")), "dist/web/playground is missing: run npm run build");
  const browser = await openBrowser(t, "playground", process.env, options.chromiumArgs ?? []);
  if (browser === null) return;
  const server = await (options.server ?? serve)();
  const url = server.url;
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
    // Live: a step row appears while the worker runs, and the page answers at once: Stop is
    // clicked in the same poll that sees the row (a small run may finish in a second or two).
    const live = await page.waitForFunction(
      () => {
        if (document.querySelectorAll("#steps-table tbody tr").length < 1) return false;
        const state = document.body.dataset.state;
        if (state === "running") document.getElementById("stop")?.click();
        return { state, error: document.getElementById("error")?.textContent };
      },
      null,
      { timeout: 120_000, polling: 10 },
    );
    assert.deepEqual(await live.jsonValue(), { state: "running", error: "" });
    const stopped = await snapshot(page);
    assert.equal(stopped.state, "stopped");
    assert.ok(stopped.records.filter((r) => r.kind === "growth").length < 4, "stopped before the last step");
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
    const rng = new Rng(5);
    const points = Float32Array.from({ length: 16 }, () => rng.normal());
    const model = await checkDownloads(page, points, 8, "moons");
    assert.deepEqual(model.featureNames, ["x1", "x2"]);
    assert.equal(model.network.parameterCount(), params);
    await browser.screenshot(page, "playground-done");
  });
});

test("bad input (the page served by tinygrow view): a file that is neither CSV nor IDX, a CSV with a non-numeric cell", { timeout: 120_000 }, async (t) => {
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
    // The core CSV reader's message (the one `tinygrow grow --train` prints).
    assert.match((await page.textContent("#error")) ?? "", /data\.csv: line 3, column "x2" \(2\): non-numeric value "abc" in a numeric column/);
    await browser.screenshot(page, "playground-bad-csv");
  }, { server: serveView });
});

test("a dropped CSV with a categorical column grows, and its ONNX download computes what tinygrow computes", { timeout: 180_000 }, async (t) => {
  await withPage(t, async (browser, page, url) => {
    await page.goto(`${url}/playground/index.html`);
    const rng = new Rng(2);
    const colours = ["red", "green", "blue"];
    const lines = ["colour,x,y,label"];
    for (let i = 0; i < 300; i++) {
      const x = rng.normal() * 3 + 10;
      const y = rng.normal();
      const c = colours[i % 3];
      lines.push(`${c},${x.toFixed(3)},${y.toFixed(3)},${(x - 10) * y + (c === "red" ? 1 : 0) > 0.5 ? "hi" : "lo"}`);
    }
    await page.setInputFiles("#files", { name: "table.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n")) });
    await page.waitForFunction(() => document.getElementById("dropped")?.textContent?.startsWith("CSV: table.csv") === true);
    await page.fill("#csv-categorical", "colour");
    await setKnobs(page, { steps: "2", neurons: "4", epochs: "5", lr: "0.01", batch: "16", seed: "1" });
    await page.click("#start");
    await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", null, { timeout: 150_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), "done", (await page.textContent("#error")) ?? "");
    assert.match((await page.textContent("#status")) ?? "", /table\.csv: 300 rows, 3 feature columns, 2 classes in "label"/);
    // Raw rows as the ONNX input takes them: the category's index (blue 0, green 1, red 2), then the numbers unscaled.
    const raw = Float32Array.from([2, 13.5, 0.5, 0, 7.25, -1, 1, 10, 2, 2, 4, -0.25]);
    const model = await checkDownloads(page, raw, 4, "csv");
    assert.deepEqual(model.features.columns[0], { name: "colour", kind: "categorical", categories: ["blue", "green", "red"] });
    assert.equal(model.features.scaling, "standardize");
    assert.deepEqual(model.label?.classes, ["hi", "lo"]);
    await browser.screenshot(page, "playground-csv-done");
  });
});

test("dropped MNIST IDX files (images gzip-compressed, labels raw) grow, and the ONNX download takes raw pixels", { timeout: 180_000 }, async (t) => {
  await withPage(t, async (browser, page, url) => {
    await page.goto(`${url}/playground/index.html`);
    const rng = new Rng(4);
    const n = 200;
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    // 8×8 "digits": a bright pixel at the label's position plus noise.
    const pixels = Uint8Array.from({ length: n * 64 }, (_, j) => (j % 64 === labels[Math.floor(j / 64)] * 6 ? 255 : Math.floor(rng.uniform() * 60)));
    await page.setInputFiles("#files", [
      { name: "images.idx.gz", mimeType: "application/gzip", buffer: gzipSync(encodeIdx([n, 8, 8], pixels)) },
      { name: "labels.idx", mimeType: "application/octet-stream", buffer: Buffer.from(encodeIdx([n], labels)) },
    ]);
    await page.waitForFunction(() => document.getElementById("dropped")?.textContent?.includes("labels: labels.idx") === true);
    assert.equal(await page.inputValue("#task"), "mnist");
    await setKnobs(page, { samples: "160", steps: "1", neurons: "4", epochs: "3", lr: "0.01", batch: "16" });
    await page.click("#start");
    await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", null, { timeout: 150_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), "done", (await page.textContent("#error")) ?? "");
    assert.match((await page.textContent("#status")) ?? "", /images\.idx\.gz: 200 of 200 images of 8×8, 10 classes/);
    const raw = Float32Array.from(pixels.subarray(0, 3 * 64));
    const model = await checkDownloads(page, raw, 3, "mnist");
    assert.equal(model.features.columns.length, 64);
    assert.equal(model.features.scale[0], 1 / 255);
  });
});

test("a browser without WebAssembly (V8 --jitless) grows on the portable kernels and says so on the page", { timeout: 240_000 }, async (t) => {
  // Chromium 156 has no switch for SIMD alone; V8's --jitless removes WebAssembly altogether,
  // which takes the same fallback path (wasmUnsupportedReason, then auto → portable).
  await withPage(
    t,
    async (browser, page, url) => {
      await page.goto(`${url}/playground/index.html`);
      assert.equal(await page.evaluate(() => typeof WebAssembly), "undefined");
      await setKnobs(page, { samples: "200", steps: "1", neurons: "2", epochs: "2", batch: "32" });
      await page.click("#start");
      await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", null, { timeout: 200_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.state), "done", (await page.textContent("#error")) ?? "");
      assert.equal((await snapshot(page)).kernels, "portable");
      assert.match((await page.textContent("#notice")) ?? "", /^Notice: portable kernels: WebAssembly kernels unavailable \(this JavaScript engine has no WebAssembly\)/);
      await browser.screenshot(page, "playground-no-wasm");
    },
    { chromiumArgs: ["--js-flags=--jitless"] },
  );
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
