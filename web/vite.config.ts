/**
 * The web pages, built by Vite into dist/web (during `npm ci` through `prepare`, and by
 * `npm run build`). Multi-page: every folder of web/ holding an index.html is a page
 * (web/viewer/ is served by `tinygrow view`; other pages are added by adding a folder). Pages
 * may import the platform-free core from src/ (its ".js" import specifiers resolve to the
 * ".ts" sources). Nothing is fetched at build or run time: every dependency is bundled, so
 * the pages work offline.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** Page name → its index.html, for every web/<page>/index.html. */
function pages(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const html = join(root, entry.name, "index.html");
    if (entry.isDirectory() && existsSync(html)) found[entry.name] = html;
  }
  return found;
}

export default defineConfig({
  root,
  // Relative asset URLs: the pages work under any path the server mounts them on.
  base: "./",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: join(root, "..", "dist", "web"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // vega + vega-lite + elkjs make one large chunk; it is loaded from localhost.
    chunkSizeWarningLimit: 6000,
    rolldownOptions: { input: pages() },
  },
  server: { host: "127.0.0.1", fs: { allow: [join(root, "..")] } },
});
