/**
 * Structural guards (zod's no-circular-imports test, tinygrad's line budgets): no import
 * cycles between source files, and the public entry point's exported names only change
 * on purpose (update EXPECTED_EXPORTS in the same commit).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const src = join(root, "src");

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** Relative imports of a file, resolved to .ts paths; `import type` is erased at run time and skipped. */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1]) continue;
    out.push(resolve(dirname(file), m[2].replace(/\.js$/, ".ts")));
  }
  return out;
}

test("no circular imports between source files", () => {
  const files = sourceFiles(src);
  const graph = new Map(files.map((f) => [f, imports(f)]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "visiting") {
      cycles.push([...stack.slice(stack.indexOf(f)), f].map((p) => relative(root, p)).join(" → "));
      return;
    }
    state.set(f, "visiting");
    stack.push(f);
    for (const g of graph.get(f) ?? []) if (graph.has(g)) visit(g);
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) visit(f);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join("\n")}`);
});

test("every relative import resolves to a source file", () => {
  const files = new Set(sourceFiles(src));
  const missing: string[] = [];
  for (const f of files) for (const g of imports(f)) if (!files.has(g)) missing.push(`${relative(root, f)} → ${relative(root, g)}`);
  assert.deepEqual(missing, []);
});

test("the public API surface only changes on purpose", async () => {
  // @ts-expect-error: a plain .mjs script without type declarations
  const { apiSurface } = (await import("../../scripts/api-surface.mjs")) as { apiSurface: (root: string) => Promise<unknown> };
  const expected = JSON.parse(readFileSync(join(root, "test", "public-api.json"), "utf8"));
  assert.deepEqual(await apiSurface(root), expected, "the exports of src/index.ts changed: if intended, run `node scripts/api-surface.mjs > test/public-api.json`");
});
