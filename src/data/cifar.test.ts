import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../errors.js";
import { CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, encodeCifarRecords, parseCifarBatch } from "./cifar.js";
import { tarMembers } from "./tar.js";
import { tarArchive } from "./tar-fixtures.js";

function records(n: number): Uint8Array {
  const pixels = new Uint8Array(n * CIFAR10_IMAGE_BYTES).map((_, i) => (i * 7) % 256);
  return encodeCifarRecords(Array.from({ length: n }, (_, i) => i % 10), pixels);
}

test("parseCifarBatch splits records into labels and NCHW pixels", () => {
  const bytes = records(12);
  const r = parseCifarBatch(bytes, "data_batch_1.bin");
  assert.equal(r.count, 12);
  assert.deepEqual(Array.from(r.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  assert.equal(r.pixels[CIFAR10_IMAGE_BYTES + 5], bytes[CIFAR10_RECORD_BYTES + 1 + 5]);
});

test("parseCifarBatch errors name the file, the record and the byte offset", () => {
  const bytes = records(3);
  assert.throws(() => parseCifarBatch(bytes.subarray(0, 2 * CIFAR10_RECORD_BYTES + 100), "test_batch.bin"),
    (e: unknown) => e instanceof DataError && e.file === "test_batch.bin" && /6246 bytes is not a whole number of 3073-byte CIFAR-10 records .*: 2 whole records and 100 bytes left over/.test(e.message));
  assert.throws(() => parseCifarBatch(new Uint8Array(0), "empty.bin"), (e: unknown) => e instanceof DataError && /0 bytes is not a whole number/.test(e.message));
  const bad = bytes.slice();
  bad[2 * CIFAR10_RECORD_BYTES] = 10;
  assert.throws(() => parseCifarBatch(bad, "data_batch_3.bin"), (e: unknown) => e instanceof DataError && e.message === "data_batch_3.bin (byte 6146): record 2: label 10, expected a class index 0..9");
  assert.throws(() => parseCifarBatch(bytes, "data_batch_2.bin", 10000), (e: unknown) => e instanceof DataError && /3 records, expected 10000/.test(e.message));
});

test("tarMembers reads regular files (ustar prefix included) and rejects a truncated archive", () => {
  const long = `cifar-10-batches-bin/${"r".repeat(90)}.html`; // > 100 characters: stored with the ustar prefix
  const tar = tarArchive([{ name: long, data: new TextEncoder().encode("hello") }, { name: "b.bin", data: new Uint8Array(700).fill(3) }]);
  const members = tarMembers(tar, "x.tar");
  assert.deepEqual(members.map((m) => [m.name, m.data.length]), [[long, 5], ["b.bin", 700]]);
  assert.equal(new TextDecoder().decode(members[0].data), "hello");
  assert.throws(() => tarMembers(tar.subarray(0, 1200), "x.tar"), (e: unknown) => e instanceof DataError && /tar header at byte 1024: only 176 of 512 bytes/.test(e.message));
  assert.throws(() => tarMembers(tar.subarray(0, 1700), "x.tar"), (e: unknown) => e instanceof DataError && /tar member b.bin: 700 bytes announced, only 164 left/.test(e.message));
});
