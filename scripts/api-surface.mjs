// Prints tinygrow's public surface (the names exported by dist/src/index.js and by each
// namespace it re-exports) as JSON. test/structure.test.ts compares it with
// test/public-api.json; after an intended change: node scripts/api-surface.mjs > test/public-api.json
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

export async function apiSurface(root = process.cwd()) {
  const m = await import(pathToFileURL(resolve(root, "dist/src/index.js")).href);
  const surface = { ".": [] };
  for (const key of Object.keys(m).sort()) {
    const value = m[key];
    if (typeof value === "object" && value !== null && value[Symbol.toStringTag] === "Module") surface[key] = Object.keys(value).sort();
    else surface["."].push(key);
  }
  return surface;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await apiSurface(), null, 2));
}
