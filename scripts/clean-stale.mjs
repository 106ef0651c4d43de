// Removes compiled files under dist/ whose TypeScript source no longer exists (a moved or
// deleted .ts file would otherwise leave its old .js, and its old tests, behind).
// Usage: node scripts/clean-stale.mjs   (run by `npm run build` before tsc)
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const dist = "dist";
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    const m = /^(.*?)(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/.exec(relative(dist, path));
    if (m && !existsSync(`${m[1]}.ts`)) rmSync(path);
  }
}
if (existsSync(dist)) walk(dist);
