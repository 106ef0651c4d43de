import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { JsonlWriter, readJsonl, type StepRecord } from "./results.js";
import { tempDir } from "../../test-support/temp-dir.js";

const rec = (step: number): StepRecord => ({ step, action: "train", parameters: 10 * step, losses: { "train-gr": 1 / (step + 1), test: 2 } });

test("records are appended one per line and read back", () => {
  const path = join(tempDir("tg-log-"), "log.jsonl");
  const w = JsonlWriter.create(path);
  for (let i = 0; i < 3; i++) w.append(rec(i));
  w.close();
  assert.equal(readFileSync(path, "utf8").split("\n").length, 4);
  const { records, torn } = readJsonl<StepRecord>(path);
  assert.deepEqual(records, [rec(0), rec(1), rec(2)]);
  assert.equal(torn, null);
  assert.throws(() => JsonlWriter.create(path), /log already exists; resume the run with --resume/);
  assert.throws(() => w.append(rec(3)), /log is closed/);
});

test("a log synced only before checkpoints (syncEach false) shows every record to readers at once; resume keeps the mode", () => {
  const path = join(tempDir("tg-log-"), "log.jsonl");
  const w = JsonlWriter.create(path, { syncEach: false });
  w.append(rec(0));
  w.append(rec(1));
  // A live reader (the viewer) and a killed process's resume see both records without a sync.
  assert.deepEqual(readJsonl<StepRecord>(path).records, [rec(0), rec(1)]);
  w.sync();
  w.close();
  const { writer } = JsonlWriter.resume(path, { keepRecords: 1, syncEach: false });
  writer.append(rec(5));
  writer.close();
  assert.deepEqual(readJsonl<StepRecord>(path).records, [rec(0), rec(5)]);
});

test("a torn last line is reported, then moved aside and cut off on resume", () => {
  const path = join(tempDir("tg-log-"), "log.jsonl");
  const w = JsonlWriter.create(path);
  w.append(rec(0));
  w.append(rec(1));
  w.close();
  appendFileSync(path, '{"step":2,"act');
  const read = readJsonl(path);
  assert.equal(read.records.length, 2);
  assert.deepEqual(read.torn, { line: 3, offset: read.bytes, text: '{"step":2,"act' });
  const { writer, resumed } = JsonlWriter.resume(path);
  assert.equal(resumed.records, 2);
  assert.deepEqual(resumed.lastRecord, rec(1));
  assert.equal(readFileSync(resumed.discardedTo!, "utf8"), '{"step":2,"act');
  writer.append(rec(2));
  writer.close();
  assert.deepEqual(readJsonl(path).records, [rec(0), rec(1), rec(2)]);
  assert.equal(writer.records, 3);
});

test("resuming at a checkpoint's log position moves later records to a side file", () => {
  const path = join(tempDir("tg-log-"), "log.jsonl");
  const w = JsonlWriter.create(path);
  for (let i = 0; i < 5; i++) w.append(rec(i));
  w.close();
  const { writer, resumed } = JsonlWriter.resume(path, { keepRecords: 3 });
  writer.close();
  assert.equal(resumed.discardedRecords, 2);
  assert.deepEqual(readJsonl(path).records, [rec(0), rec(1), rec(2)]);
  assert.deepEqual(readJsonl(resumed.discardedTo!).records, [rec(3), rec(4)]);
  assert.throws(() => JsonlWriter.resume(path, { keepRecords: 9 }), /cannot resume at record 9: the log holds 3 complete records/);
});

test("resuming an interleaved log keeps the records keepIf accepts, in order, and moves the others (and a torn line) to a side file", () => {
  const path = join(tempDir("tg-log-"), "log.jsonl");
  // Two writers' records interleaved (a, b, a, b, …), a blank line, and a torn last line.
  const lines = [0, 1, 2, 3, 4, 5].map((i) => JSON.stringify({ unit: i % 2 === 0 ? "a" : "b", i }));
  writeFileSync(path, `${lines[0]}\n${lines[1]}\n\n${lines.slice(2).join("\n")}\n{"unit":"a","i":`);
  // a checkpointed 1 record, b 2: keep a0, b1, b3; drop a2, a4, b5 and the torn line.
  const counts: Record<string, number> = { a: 1, b: 2 };
  const seen: Record<string, number> = { a: 0, b: 0 };
  const { writer, resumed } = JsonlWriter.resume(path, { keepIf: (r) => ++seen[String(r.unit)] <= counts[String(r.unit)] });
  writer.append({ unit: "a", i: 6 });
  writer.close();
  assert.equal(resumed.records, 3);
  assert.equal(resumed.discardedRecords, 3);
  assert.deepEqual(resumed.lastRecord, { unit: "b", i: 3 });
  assert.deepEqual(readJsonl(path).records.map((r) => (r as { i: number }).i), [0, 1, 3, 6]);
  assert.equal(readJsonl(path).torn, null);
  const side = readFileSync(resumed.discardedTo!, "utf8");
  assert.deepEqual(readJsonl(resumed.discardedTo!).records.map((r) => (r as { i: number }).i), [2, 4, 5]);
  assert.ok(side.endsWith('{"unit":"a","i":'), "the torn line is kept in the side file");
  // Kept records that are a prefix: the file is cut, as with keepRecords.
  const prefix = join(tempDir("tg-log-"), "log.jsonl");
  writeFileSync(prefix, lines.join("\n") + "\n");
  const cut = JsonlWriter.resume(prefix, { keepIf: (_, index) => index < 2 });
  cut.writer.close();
  assert.deepEqual(readJsonl(prefix).records.map((r) => (r as { i: number }).i), [0, 1]);
  assert.equal(readJsonl(cut.resumed.discardedTo!).records.length, 4);
});

test("a malformed complete line is an error naming the file, line and offset", () => {
  const path = join(tempDir("tg-log-"), "log.jsonl");
  writeFileSync(path, '{"step":0}\nnot json\n');
  assert.throws(
    () => readJsonl(path),
    (err: unknown) => err instanceof DataError && err.file === path && err.offset === 11 && /line 2: invalid JSON/.test(err.message),
  );
  assert.throws(() => readJsonl(path + ".missing"), /cannot read log/);
});
