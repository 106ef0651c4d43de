import assert from "node:assert/strict";
import { test } from "node:test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataError } from "../../errors.js";
import { CIFAR10_IMAGE_BYTES, encodeCifarRecords } from "../../data/cifar.js";
import { tarArchive } from "../../data/tar-fixtures.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { CIFAR10, fetchCifar10, loadCifar10 } from "./cifar.js";
import { searchDirs } from "./data-dir.js";

const NAMES = [...CIFAR10.files.train, ...CIFAR10.files.test];

/** A generated batch file of `n` records, file index f: labels (f + i) % 10, pixels from f and i. */
function batch(f: number, n: number): Uint8Array {
  const pixels = new Uint8Array(n * CIFAR10_IMAGE_BYTES).map((_, k) => (k + 31 * f) % 251);
  return encodeCifarRecords(Array.from({ length: n }, (_, i) => (f + i) % 10), pixels);
}

function writeBatches(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  NAMES.forEach((name, f) => writeFileSync(join(dir, name), batch(f, n)));
}

test("loadCifar10: the lookup order of MNIST, the archive's own subfolder, NCHW images in [0, 1], limits across files", () => {
  const root = tempDir("tinygrow-cifar-");
  writeBatches(join(root, "cifar10", "cifar-10-batches-bin"), 4);
  const dirs = searchDirs({ dataset: "cifar10", flag: root, env: { HOME: root } });
  const train = loadCifar10({ split: "train", dirs });
  assert.equal(train.x.rows, 20);
  assert.equal(train.x.cols, 3072);
  assert.equal(train.dir.source, "--data-dir");
  assert.deepEqual(Array.from(train.labels.subarray(0, 6)), [0, 1, 2, 3, 1, 2]);
  assert.equal(train.x.get(4, 7), Math.fround(((7 + 31) % 251) / 255), "image 0 of data_batch_2.bin");
  const test10 = loadCifar10({ split: "test", dataDir: root, limit: 3 });
  assert.equal(test10.x.rows, 3);
  assert.deepEqual(Array.from(test10.labels), [5, 6, 7]);
  assert.throws(() => loadCifar10({ split: "test", dataDir: root, limit: 5 }), (e: unknown) => e instanceof DataError && /asked for 5 images, but the cifar10 test split has only 4/.test(e.message));
});

test("loadCifar10: a missing file lists the folders searched; a bad label or length names the file and record", () => {
  const root = tempDir("tinygrow-cifar-");
  assert.throws(() => loadCifar10({ split: "train", dataDir: root }), (e: unknown) => e instanceof DataError && /files not found \(data_batch_1.bin, data_batch_2.bin/.test(e.message) && /missing all files/.test(e.message) && /tinygrow data fetch cifar10/.test(e.message));
  writeBatches(root, 2);
  const bad = batch(5, 2);
  bad[3073] = 11;
  writeFileSync(join(root, "test_batch.bin"), bad);
  assert.throws(() => loadCifar10({ split: "test", dataDir: root }), (e: unknown) => e instanceof DataError && e.file.endsWith("test_batch.bin") && /record 1: label 11, expected a class index 0..9/.test(e.message));
  writeFileSync(join(root, "test_batch.bin"), batch(5, 2).subarray(0, 5000));
  assert.throws(() => loadCifar10({ split: "test", dataDir: root }), (e: unknown) => e instanceof DataError && /5000 bytes is not a whole number of 3073-byte/.test(e.message));
});

async function serveArchive(body: Uint8Array): Promise<{ base: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === "/kriz/cifar-10-binary.tar.gz") {
      res.writeHead(200, { "content-length": String(body.length) });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/kriz/`, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

test("fetchCifar10: downloads the archive, checks its checksums, extracts and validates the six files atomically, removes the archive", async () => {
  const members = NAMES.map((name, f) => ({ name: `cifar-10-batches-bin/${name}`, data: batch(f, 3) }));
  members.push({ name: "cifar-10-batches-bin/batches.meta.txt", data: new TextEncoder().encode("airplane\n") });
  const gz = gzipSync(tarArchive(members));
  const archive = { name: "cifar-10-binary.tar.gz", md5: createHash("md5").update(gz).digest("hex"), sha256: createHash("sha256").update(gz).digest("hex") };
  const server = await serveArchive(gz);
  try {
    const dir = join(tempDir("tinygrow-cifar-fetch-"), "cifar10");
    const got = await fetchCifar10({ dir, mirrors: [server.base], archive, recordsPerFile: 3 });
    assert.equal(got.source, `${server.base}cifar-10-binary.tar.gz`);
    assert.deepEqual(readdirSync(dir).sort(), [...NAMES].sort(), "only the six batch files remain");
    assert.equal(loadCifar10({ split: "train", dataDir: dir }).x.rows, 15);
    const again = await fetchCifar10({ dir, mirrors: [server.base], archive, recordsPerFile: 3 });
    assert.equal(again.source, "already present");
    // A wrong checksum: nothing is written under a final name.
    const other = join(tempDir("tinygrow-cifar-fetch-"), "cifar10");
    await assert.rejects(fetchCifar10({ dir: other, mirrors: [server.base], archive: { ...archive, md5: "0".repeat(32) }, recordsPerFile: 3 }), (e: unknown) => e instanceof DataError && /checksum mismatch/.test(e.message));
    assert.deepEqual(existsSync(other) ? readdirSync(other) : [], []);
    // An archive whose files hold a bad label: refused, nothing left behind.
    const broken = members.map((m) => ({ ...m, data: m.data.slice() }));
    broken[2].data[0] = 12;
    const gz2 = gzipSync(tarArchive(broken));
    const server2 = await serveArchive(gz2);
    try {
      const third = join(tempDir("tinygrow-cifar-fetch-"), "cifar10");
      const a2 = { name: archive.name, md5: createHash("md5").update(gz2).digest("hex"), sha256: createHash("sha256").update(gz2).digest("hex") };
      await assert.rejects(fetchCifar10({ dir: third, mirrors: [server2.base], archive: a2, recordsPerFile: 3 }), (e: unknown) => e instanceof DataError && /data_batch_3.bin \(byte 0\): record 0: label 12/.test(e.message));
      assert.ok(!readdirSync(third).includes("cifar-10-binary.tar.gz"), "the archive is removed");
    } finally {
      await server2.close();
    }
  } finally {
    await server.close();
  }
});
