import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataError } from "../errors.js";
import { encodeIdx, parseIdx, parseIdxImages, parseIdxLabels } from "./idx.js";
import { readIdxImages, readIdxLabels } from "../node/data/idx-files.js";
import { tempDir } from "../test-support/temp-dir.js";

const images = encodeIdx([3, 2, 2], Uint8Array.from([0, 1, 2, 3, 10, 11, 12, 13, 255, 254, 253, 252]));
const labels = encodeIdx([3], Uint8Array.from([0, 9, 4]));

function throwsData(fn: () => unknown, file: string, pattern: RegExp, offset?: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.match(err.message, pattern);
    assert.ok(err.message.startsWith(file), err.message);
    if (offset !== undefined) assert.equal(err.offset, offset, err.message);
    return true;
  });
}

test("idx: encode and parse round-trip, raw and gzip files", () => {
  const dir = tempDir("tinygrow-idx-");
  writeFileSync(join(dir, "im"), images);
  writeFileSync(join(dir, "im.gz"), gzipSync(images));
  writeFileSync(join(dir, "lb.gz"), gzipSync(labels));
  for (const name of ["im", "im.gz"]) {
    const got = readIdxImages(join(dir, name));
    assert.deepEqual([got.count, got.rows, got.cols], [3, 2, 2]);
    assert.deepEqual(Array.from(got.pixels.subarray(8)), [255, 254, 253, 252]);
  }
  assert.deepEqual(Array.from(readIdxLabels(join(dir, "lb.gz"), 10)), [0, 9, 4]);
  assert.deepEqual(parseIdx(labels, "x").dims, [3]);
});

test("idx: wrong magic numbers say what was expected", () => {
  const bad = images.slice();
  bad[0] = 0x1f;
  throwsData(() => parseIdxImages(bad, "a.idx"), "a.idx", /not an IDX file: expected magic 0x00000803 \(images/, 0);
  throwsData(() => parseIdxImages(labels, "l.idx"), "l.idx", /expected magic 0x00000803 .*got 0x00000801 \(labels\)/, 3);
  throwsData(() => parseIdxLabels(images, "i.idx"), "i.idx", /expected magic 0x00000801 .*got 0x00000803 \(images\)/, 3);
  const float = images.slice();
  float[2] = 0x0d;
  throwsData(() => parseIdxImages(float, "f.idx"), "f.idx", /expected element type 0x08 \(unsigned byte\).*got 0x0d \(float32\)/, 2);
});

test("idx: truncated headers and data give the byte offset where the file ended", () => {
  throwsData(() => parseIdxImages(images.subarray(0, 3), "h.idx"), "h.idx", /truncated header/, 3);
  throwsData(() => parseIdxImages(images.subarray(0, 10), "d.idx"), "d.idx", /truncated header: expected 3 dimension sizes \(16 header bytes\), the file ends after 10/, 10);
  throwsData(
    () => parseIdxImages(images.subarray(0, images.length - 5), "t.idx"),
    "t.idx",
    /truncated: dimensions 3×2×2 need 12 data bytes \(28 in all\), but the data ends after 7/,
    23,
  );
  const long = new Uint8Array(images.length + 2);
  long.set(images);
  throwsData(() => parseIdxImages(long, "g.idx"), "g.idx", /2 unexpected bytes after the 3×2×2 data/, 28);
  throwsData(() => parseIdxImages(encodeIdx([2, 0, 5], new Uint8Array(0)), "z.idx"), "z.idx", /at least 1×1 pixels, got 0×5/);
});

test("idx: corrupt or truncated gzip names the file", () => {
  const dir = tempDir("tinygrow-idx-");
  const gz = gzipSync(images);
  writeFileSync(join(dir, "cut.gz"), gz.subarray(0, gz.length - 6));
  const garbled = Buffer.from(gz);
  garbled.fill(0xff, 10, 20);
  writeFileSync(join(dir, "bad.gz"), garbled);
  throwsData(() => readIdxImages(join(dir, "cut.gz")), join(dir, "cut.gz"), /corrupt gzip data/);
  throwsData(() => readIdxImages(join(dir, "bad.gz")), join(dir, "bad.gz"), /corrupt gzip data/);
  throwsData(() => readIdxImages(join(dir, "absent.gz")), join(dir, "absent.gz"), /cannot read file/);
});

test("idx: a label out of range names its index and offset", () => {
  const bad = encodeIdx([4], Uint8Array.from([1, 2, 10, 3]));
  throwsData(() => parseIdxLabels(bad, "l.idx", 10), "l.idx", /label 10 at index 2 is out of range: expected 0\.\.9 \(10 classes\)/, 10);
  assert.equal(parseIdxLabels(bad, "l.idx").length, 4);
  assert.throws(() => encodeIdx([2, 2], new Uint8Array(3)), /expected 4 bytes/);
});
