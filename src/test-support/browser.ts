/**
 * Test-only: a real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
 * shared by every browser test (the viewer, the playground). Playwright's own browser
 * downloads are never used: the executable is the system one.
 *
 * `openBrowser(t)` returns null after `t.skip(reason)` with a printed reason when Chromium
 * is absent, and throws instead when TINYGROW_REQUIRE_BROWSER=1 (CI installs chromium and
 * sets it). Each browser gets a fresh profile (user data dir) that is removed on close.
 * Page errors and console errors are collected, so a test can assert there were none, and
 * `screenshot` saves PNGs under the test's output folder (dist/test-output/<suite>/).
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { tempDir } from "./temp-dir.js";

/** Where Chromium is looked for: TINYGROW_CHROMIUM, then Debian's and other usual paths. */
export const CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The flags of a quiet, offline, sandbox-free headless run (CI runs as root in a container). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env.TINYGROW_CHROMIUM;
  if (given !== undefined && given !== "") return existsSync(given) ? given : null;
  return CHROMIUM_PATHS.find((p) => existsSync(p)) ?? null;
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new page whose errors (uncaught exceptions, console.error) are collected in `errors`. */
  newPage(): Promise<Page>;
  /** "pageerror: …" / "console.error: …" lines from every page of this browser. */
  readonly errors: string[];
  /** Saves a full-page PNG as <output folder>/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** The output folder of a browser test suite: dist/test-output/<suite>/ (kept after the run). */
export function testOutputDir(suite: string): string {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const dir = join(repo, "dist", "test-output", suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Launches Chromium for test `t`, or skips it (printing why) when Chromium is missing.
 * With TINYGROW_REQUIRE_BROWSER=1 a missing or failing Chromium is an error.
 */
export async function openBrowser(t: TestContext, suite: string, env: NodeJS.ProcessEnv = process.env, extraArgs: readonly string[] = []): Promise<TestBrowser | null> {
  const required = env.TINYGROW_REQUIRE_BROWSER === "1";
  const executablePath = findChromium(env);
  if (executablePath === null) {
    const reason = `no Chromium found (looked for ${env.TINYGROW_CHROMIUM || CHROMIUM_PATHS.join(", ")}); install it with apt-get install chromium`;
    if (required) throw new Error(`TINYGROW_REQUIRE_BROWSER=1 but ${reason}`);
    console.log(`# skipped: ${reason}`);
    t.skip(reason);
    return null;
  }
  try {
    return await startBrowser(executablePath, suite, extraArgs);
  } catch (err) {
    const reason = `Chromium at ${executablePath} did not start: ${(err as Error).message.split("\n")[0]}`;
    if (required) throw new Error(reason);
    console.log(`# skipped: ${reason}`);
    t.skip(reason);
    return null;
  }
}

/** Launches Chromium at `executablePath` with a fresh profile and CHROMIUM_ARGS plus `extraArgs` (also used by the benchmarks). */
export async function startBrowser(executablePath: string, suite: string, extraArgs: readonly string[] = []): Promise<TestBrowser> {
  const profile = tempDir("tinygrow-chromium-");
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const out = testOutputDir(suite);
  const watch = (page: Page): void => {
    page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(`console.error: ${msg.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    async screenshot(page, name) {
      const path = join(out, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => context.close(),
  };
}
