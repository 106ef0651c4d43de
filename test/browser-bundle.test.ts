/**
 * The platform line (STYLE habit 13): the browser entry is bundled for a browser with Vite
 * and its module graph must contain no Node built-in (`node:*`, fs, path, worker_threads,
 * …). A Node-bound import anywhere under the core fails here, naming the importer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "vite";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function isBuiltin(id: string): boolean {
  return id.startsWith("node:") || builtins.has(id) || builtins.has(id.split("/")[0]);
}

/** Records every import of a Node built-in (importer → id) and every module bundled. */
function graphRecorder(found: string[], modules: Set<string>): Plugin {
  return {
    name: "record-node-builtins",
    enforce: "pre",
    resolveId(id, importer) {
      if (isBuiltin(id)) {
        found.push(`${importer === undefined ? "(entry)" : relative(root, importer)} → ${id}`);
        return { id, external: true };
      }
      return null;
    },
    load(id) {
      modules.add(id);
      return null;
    },
  };
}

test("the browser entry bundles with no Node built-in in its module graph", async () => {
  const found: string[] = [];
  const modules = new Set<string>();
  await build({
    configFile: false,
    logLevel: "silent",
    root,
    plugins: [graphRecorder(found, modules)],
    build: {
      write: false,
      minify: false,
      lib: { entry: join(root, "dist", "src", "browser", "index.js"), formats: ["es"], fileName: "tinygrow-browser" },
    },
  });
  assert.deepEqual(found, [], `Node built-ins reached from the browser entry:\n${found.join("\n")}`);
  const ours = [...modules].filter((m) => m.includes(`${join("dist", "src")}/`)).map((m) => relative(join(root, "dist", "src"), m));
  // The graph really is the core: the growth loop, DAG, growth math and portable kernels are in it, no adapter of Node.
  for (const part of ["experiments/growth-run.js", "dag/step.js", "growth/new-neurons.js", "kernels/portable/gemm.js", "browser/memory-store.js"]) {
    assert.ok(ours.includes(part), `${part} missing from the bundle (${ours.length} modules)`);
  }
  assert.deepEqual(ours.filter((m) => m.startsWith("node/") || m.startsWith("cli/")), []);
});

test("the recorder catches a Node built-in (the guard can fail)", async () => {
  const found: string[] = [];
  await build({
    configFile: false,
    logLevel: "silent",
    root,
    plugins: [graphRecorder(found, new Set())],
    build: { write: false, lib: { entry: join(root, "dist", "src", "node", "kernels.js"), formats: ["es"], fileName: "x" } },
  });
  assert.ok(found.some((f) => f.endsWith("→ node:fs")), found.join("\n"));
});

/** Core source files: everything under src/ except the adapters (node, browser), the CLI and test helpers. */
function coreFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const rel = relative(join(root, "src"), path);
    if (statSync(path).isDirectory()) {
      if (!["node", "cli", "test-support"].includes(rel)) coreFiles(path, out);
    } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && name !== "test-helpers.ts" && rel !== "index.ts") out.push(path);
  }
  return out;
}

test("no core file imports a Node built-in or reads process (also those the browser entry does not reach)", () => {
  const bad: string[] = [];
  const re = /^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|\bprocess\.\w+/gm;
  for (const file of coreFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[1] === undefined || isBuiltin(m[1])) bad.push(`${relative(root, file)}: ${m[0].trim().slice(0, 80)}`);
    }
  }
  assert.deepEqual(bad, []);
});
