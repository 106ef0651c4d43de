// Serves the built web pages (dist/web: the playground, the kernel check, the viewer's page)
// on 127.0.0.1, for `npm run playground` and the browser tests. Static files only.
// Usage: node scripts/serve-web.mjs [--port N]   (default 5180; 0 for any free port)
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = resolve(fileURLToPath(new URL("../dist/web", import.meta.url)));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml", ".wasm": "application/wasm" };

/** Starts the server; resolves to { server, url }. */
export function serveWeb(port = 5180, dir = WEB_DIR) {
  const server = createServer((req, res) => {
    let file = normalize(join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    if (file !== dir && !file.startsWith(dir + sep)) return void res.writeHead(403).end("outside dist/web");
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) return void res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${req.url}`);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" }).end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--port");
  const port = i > 0 ? Number(process.argv[i + 1]) : 5180;
  if (!existsSync(join(WEB_DIR, "playground", "index.html"))) {
    console.error("serve-web: dist/web/playground is missing: run npm run build first");
    process.exit(1);
  }
  const { url } = await serveWeb(port).catch((err) => {
    console.error(`serve-web: cannot listen on 127.0.0.1:${port}: ${err.message} (choose another with --port N)`);
    process.exit(1);
  });
  console.log(`tinygrow playground: ${url}/playground/  (kernel check: ${url}/kernel-check/; Ctrl-C stops)`);
}
