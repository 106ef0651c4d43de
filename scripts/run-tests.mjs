// Runs the compiled test files (dist/**/*.test.js) with Node's built-in test runner.
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: dist/src dist/test)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(path, out) {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    if (path.endsWith(".test.js")) out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) collect(join(path, name), out);
}

const roots = process.argv.slice(2);
const files = [];
for (const root of roots.length ? roots : ["dist/src", "dist/test"]) collect(root, files);
if (files.length === 0) {
  console.error("run-tests: no compiled test files found (did `npm run build` run?)");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
