import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { DataError } from "../../errors.js";
import { CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { tempDir } from "../../test-support/temp-dir.js";

function payload(step: number) {
  const w = new Float32Array([0.1, -0, NaN, Infinity, 1e-45, 3.4028234663852886e38, step]);
  const odd = new Float64Array([Math.PI, -0, -Infinity, 5e-324, Number.MAX_VALUE]);
  return {
    step,
    weights: w,
    stats: odd,
    order: new Int32Array([3, -1, 2147483647]),
    rng: { s: new Uint32Array([1, 2, 0xffffffff, 4]), spareNormal: -0 },
    loss: NaN,
    logPosition: 12,
    nested: [{ bias: new Float32Array(0) }],
  };
}

function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

test("typed arrays and special numbers round-trip bit-exactly", () => {
  const dir = tempDir("tg-ckpt-");
  const p = payload(1);
  writeCheckpoint(dir, p);
  const { payload: q, file } = readCheckpoint<ReturnType<typeof payload>>(dir);
  assert.equal(file, join(dir, CHECKPOINT_FILE));
  assert.ok(q.weights instanceof Float32Array && sameBits(q.weights, p.weights));
  assert.ok(q.stats instanceof Float64Array && sameBits(q.stats, p.stats));
  assert.ok(q.order instanceof Int32Array && sameBits(q.order, p.order));
  assert.ok(q.rng.s instanceof Uint32Array && sameBits(q.rng.s, p.rng.s));
  assert.ok(Object.is(q.rng.spareNormal, -0));
  assert.ok(Number.isNaN(q.loss));
  assert.equal(q.nested[0].bias.length, 0);
  // the typed data is not written as decimals
  assert.doesNotMatch(readFileSync(file, "utf8"), /3\.14159/);
});

test("the previous checkpoint is kept and used as a fallback", () => {
  const dir = tempDir("tg-ckpt-");
  writeCheckpoint(dir, { step: 1 });
  writeCheckpoint(dir, { step: 2 });
  assert.deepEqual(readdirSync(dir).sort(), [CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE].sort());
  assert.deepEqual(readCheckpoint(dir).payload, { step: 2 });
  const full = readFileSync(join(dir, CHECKPOINT_FILE));
  writeFileSync(join(dir, CHECKPOINT_FILE), full.subarray(0, full.length - 2));
  assert.throws(() => readCheckpoint(dir), /truncated or extended checkpoint: header says 10 body bytes, file has 8/);
  writeFileSync(join(dir, CHECKPOINT_FILE), full.subarray(0, 30));
  assert.throws(() => readCheckpoint(dir), /truncated checkpoint: the header line is incomplete \(the file has only 30 bytes\)/);
  const back = readCheckpoint(dir, { fallbackToPrevious: true });
  assert.deepEqual({ payload: back.payload, file: back.file }, { payload: { step: 1 }, file: join(dir, PREVIOUS_CHECKPOINT_FILE) });
  assert.match(back.fallback ?? "", /^the newest checkpoint is unusable \(.*checkpoint\.tgck \(byte 0\): truncated checkpoint: .*\); continuing from the previous one, checkpoint\.prev\.tgck$/);
  writeFileSync(join(dir, PREVIOUS_CHECKPOINT_FILE), "garbage");
  assert.throws(() => readCheckpoint(dir, { fallbackToPrevious: true }), /no usable checkpoint: .*checkpoint\.tgck.*truncated checkpoint.*; and .*checkpoint\.prev\.tgck.*not a tinygrow checkpoint/);
});

test("corrupt, foreign and wrong-version files are clear errors naming the file", () => {
  const dir = tempDir("tg-ckpt-");
  const file = join(dir, CHECKPOINT_FILE);
  assert.throws(() => readCheckpoint(dir), (err: unknown) => err instanceof DataError && err.file === file && /no checkpoint here/.test(err.message));
  writeCheckpoint(dir, { step: 1, w: new Float32Array([1, 2]) });
  const good = readFileSync(file);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3] ^= 1;
  writeFileSync(file, flipped);
  assert.throws(() => readCheckpoint(dir), /corrupt checkpoint: the body's sha256 does not match/);
  writeFileSync(file, '{"step": 1}');
  assert.throws(() => readCheckpoint(dir), /not a tinygrow checkpoint: expected the header "TINYGROW-CHECKPOINT <version> …"/);
  writeFileSync(file, good.toString("latin1").replace("TINYGROW-CHECKPOINT 1 ", "TINYGROW-CHECKPOINT 2 "), "latin1");
  assert.throws(() => readCheckpoint(dir), /format version 2 is not supported: this tinygrow reads version 1/);
});

test("a schema checks the payload and names the bad path", () => {
  const dir = tempDir("tg-ckpt-");
  writeCheckpoint(dir, { step: "one", w: new Float32Array([1]) });
  const Schema = z.object({ step: z.number(), w: z.instanceof(Float32Array) });
  assert.throws(() => readCheckpoint(dir, { schema: Schema }), /does not match what this run expects: step: /);
  writeCheckpoint(dir, { step: 1, w: new Float32Array([1]) });
  assert.equal(readCheckpoint(dir, { schema: Schema }).payload.step, 1);
});
