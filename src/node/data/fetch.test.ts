import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { fetchDataset, type FetchEvent } from "./fetch.js";
import { tinyMnistFiles } from "./idx-fixtures.js";
import { tempDir } from "../../test-support/temp-dir.js";

type Route = (path: string) => { status: number; body?: Uint8Array; stall?: boolean; cut?: boolean };

/** A server on 127.0.0.1 (ephemeral port) answering each request through `route`. */
async function serve(route: Route): Promise<{ base: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.push(path);
    const r = route(path);
    if (r.stall) {
      res.writeHead(200, { "content-length": "1000" });
      res.write(new Uint8Array(10));
      return; // never ends: the client's idle timeout must fire
    }
    if (r.cut) {
      res.writeHead(200, { "content-length": String((r.body?.length ?? 0) + 100) });
      res.write(r.body ?? new Uint8Array(0));
      setTimeout(() => res.socket?.destroy(), 50); // after the headers and some data arrived
      return;
    }
    res.writeHead(r.status, { "content-type": "application/octet-stream" });
    res.end(r.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const tiny = tinyMnistFiles();
const files = tiny.map((t) => t.file);
const byName = new Map(tiny.map((t) => [t.file.name, t.bytes]));

function serveFiles(prefix: string): Route {
  return (path) => {
    const body = path.startsWith(prefix) ? byName.get(path.slice(prefix.length)) : undefined;
    return body ? { status: 200, body } : { status: 404 };
  };
}

function fetchDir(): string {
  return tempDir("tinygrow-fetch-");
}

test("fetch: downloads every file, verifies it, and keeps verified copies on the next run", async () => {
  const server = await serve(serveFiles("/mnist/"));
  try {
    const dir = join(fetchDir(), "nested", "mnist");
    const events: FetchEvent[] = [];
    const got = await fetchDataset({ dataset: "mnist", dir, files, mirrors: [server.base + "mnist/"], onEvent: (e) => events.push(e) });
    assert.equal(got.length, 4);
    for (const t of tiny) assert.ok(readFileSync(join(dir, t.file.name)).equals(t.bytes), t.file.name);
    assert.deepEqual(readdirSync(dir).sort(), files.map((f) => f.name).sort(), "no temporary files left");
    assert.equal(events.filter((e) => e.kind === "start").length, 4);
    const bytes = events.reduce((s, e) => s + (e.kind === "bytes" ? e.bytes : 0), 0);
    assert.equal(bytes, tiny.reduce((s, t) => s + t.bytes.length, 0));
    const again = await fetchDataset({ dataset: "mnist", dir, files, mirrors: [server.base + "mnist/"] });
    assert.deepEqual(again.map((f) => f.source), ["already present", "already present", "already present", "already present"]);
    assert.equal(server.requests.length, 4, "nothing downloaded twice");
  } finally {
    await server.close();
  }
});

test("fetch: a 404 falls through to the next mirror", async () => {
  const server = await serve(serveFiles("/good/"));
  try {
    const dir = fetchDir();
    const failed: string[] = [];
    const got = await fetchDataset({
      dataset: "mnist",
      dir,
      files,
      mirrors: [server.base + "gone/", server.base + "good"],
      onEvent: (e) => {
        if (e.kind === "mirror-failed") failed.push(e.reason);
      },
    });
    assert.deepEqual(failed, ["HTTP 404 Not Found", "HTTP 404 Not Found", "HTTP 404 Not Found", "HTTP 404 Not Found"]);
    assert.ok(got.every((f) => f.source.startsWith(server.base + "good/")));
  } finally {
    await server.close();
  }
});

test("fetch: a checksum mismatch names the file and both sums and leaves nothing behind", async () => {
  const wrong = Uint8Array.from([1, 2, 3, 4]);
  const server = await serve(() => ({ status: 200, body: wrong }));
  try {
    const dir = fetchDir();
    await assert.rejects(
      fetchDataset({ dataset: "mnist", dir, files, mirrors: [server.base] }),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.equal(err.file, files[0].name);
        assert.match(err.message, new RegExp(`expected md5 ${files[0].md5} \\(published\\), got md5 08d6c05a21512a79a1dfeb9d2a8f262f`));
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), [], "no file under the final name, no temporary file");
  } finally {
    await server.close();
  }
});

test("fetch: connection errors, stalls and cut transfers are reported per mirror", async () => {
  const closed = await serve(() => ({ status: 200 }));
  const deadBase = closed.base;
  await closed.close(); // nothing listens on this port any more
  const stall = await serve(() => ({ status: 200, stall: true }));
  const cut = await serve((path) => ({ status: 200, body: byName.get(path.slice(1))?.subarray(0, 10), cut: true }));
  try {
    const dir = fetchDir();
    await assert.rejects(
      fetchDataset({ dataset: "mnist", dir, files, mirrors: [deadBase, stall.base, cut.base], idleTimeoutMs: 200 }),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.equal(err.file, join(dir, files[0].name));
        assert.match(err.message, /download failed from every mirror/);
        assert.match(err.message, new RegExp(`${deadBase}train-images-idx3-ubyte\\.gz: connection failed \\(ECONNREFUSED`));
        assert.match(err.message, /stalled: no data received for 200 ms/);
        assert.match(err.message, new RegExp(`${cut.base}train-images-idx3-ubyte\\.gz: (transfer interrupted|truncated)`));
        assert.match(err.message, /offline.*--data-dir DIR/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), []);
    assert.ok(!existsSync(join(dir, files[0].name)));
  } finally {
    await stall.close();
    await cut.close();
  }
});
