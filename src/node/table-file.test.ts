import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse";
import { readCsvInto, type CsvParseFactory } from "../data/csv.js";
import { encodeNpyHeader } from "../data/npy.js";
import { TableBuilder } from "../data/table.js";
import { tempDir } from "../test-support/temp-dir.js";
import { readTableFile } from "./table-file.js";

const dir = tempDir("tinygrow-table-");
let n = 0;
function file(text: string, ext = "csv"): string {
  const p = join(dir, `t${n++}.${ext}`);
  writeFileSync(p, text);
  return p;
}

const reg = { targets: ["y"], classification: false };
const cls = { targets: ["label"], classification: true };

test("CSV: RFC 4180 quoting (commas, doubled quotes, line breaks inside quotes), BOM, blank lines", async () => {
  const p = file('\ufeffa,"b, with comma",label\n1,2,"x ""quoted"""\n\n3,"4","multi\nline"\n5,6,"x ""quoted"""\n');
  const t = await readTableFile(p, cls);
  assert.deepEqual(t.features.map((c) => c.name), ["a", "b, with comma"]);
  assert.deepEqual(t.targets[0], { name: "label", kind: "categorical", categories: ["multi\nline", 'x "quoted"'] });
  assert.deepEqual(Array.from(t.values ?? []), [1, 2, 1, 3, 4, 0, 5, 6, 1]);
});

test("TSV by extension; --features selects and orders columns; numeric class labels sort numerically", async () => {
  const p = file("c\tb\ta\tlabel\n1\t2\t3\t10\n4\t5\t6\t9\n7\t8\t9\t10\n", "tsv");
  const t = await readTableFile(p, { ...cls, features: ["a", "c"] });
  assert.deepEqual(t.features.map((c) => c.name), ["a", "c"]);
  assert.deepEqual((t.targets[0] as { categories: string[] }).categories, ["9", "10"]);
  assert.deepEqual(Array.from(t.values ?? []), [3, 1, 1, 6, 4, 0, 9, 7, 1]);
});

test("categorical columns: vocabulary sorted, values stored as indices; unknown category at apply time names line and column", async () => {
  const p = file("colour,x,y\nred,1,2\nblue,2,3\nred,3,4\n");
  const t = await readTableFile(p, { ...reg, categorical: ["colour"] });
  assert.deepEqual(t.features[0], { name: "colour", kind: "categorical", categories: ["blue", "red"] });
  assert.deepEqual(Array.from(t.values ?? []), [1, 1, 2, 0, 2, 3, 1, 3, 4]);
  const q = file("colour,x,y\nred,1,2\ngreen,2,3\n");
  await assert.rejects(readTableFile(q, { ...reg, schema: { features: t.features, targets: t.targets } }), new RegExp(`${q}: line 3, column "colour" \\(1\\): category "green" that the training data never had \\(known: "blue", "red"\\)`));
});

test("rows stream in chunks across chunk boundaries, in order", async () => {
  const rows = Array.from({ length: 1000 }, (_, i) => `${i},${2 * i}`).join("\n");
  const p = file(`x,y\n${rows}\n`);
  const seen: number[] = [];
  const t = await readTableFile(p, { ...reg, chunkRows: 7, onChunks: (chunks) => chunks.forEach((c) => seen.push(...Array.from(c.values.subarray(0, c.rows * 2)))) });
  assert.equal(t.rows, 1000);
  assert.equal(t.values, null);
  assert.deepEqual(seen.slice(0, 4), [0, 0, 1, 2]);
  assert.equal(seen.length, 2000);
  assert.deepEqual(seen.slice(-2), [999, 1998]);
});

test("the core reader accepts text split anywhere (inside a quoted field too)", async () => {
  const text = 'a,b\n"1",2\n"3\nx",4\n';
  async function* chunks() {
    for (const ch of text) yield ch;
  }
  const b = new TableBuilder({ file: "mem", targets: ["a"], classification: true });
  await readCsvInto(parse as unknown as CsvParseFactory, chunks(), b, ",");
  assert.deepEqual(b.finish().targets[0], { name: "a", kind: "categorical", categories: ["1", "3\nx"] });
  // "3\nx" is not a number: the error names the (last) line of the record.
  await assert.rejects(
    (async () => {
      const b2 = new TableBuilder({ file: "mem", targets: ["b"], classification: false });
      await readCsvInto(parse as unknown as CsvParseFactory, chunks(), b2, ",");
    })(),
    /mem: line 4, column "a" \(1\): non-numeric value "3\nx"/,
  );
});

test("missing values: error names line and column; drop skips the row; mean keeps NaN for the fill", async () => {
  const p = file("x,z,y\n1,2,3\n,5,6\n7,NA,9\n");
  await assert.rejects(readTableFile(p, reg), new RegExp(`${p}: line 3, column "x" \\(1\\): missing value \\(use --missing drop or --missing mean\\)`));
  const d = await readTableFile(p, { ...reg, missing: "drop" });
  assert.equal(d.rows, 1);
  assert.equal(d.dropped, 2);
  const m = await readTableFile(p, { ...reg, missing: "mean" });
  assert.equal(m.rows, 3);
  assert.ok(Number.isNaN((m.values as Float32Array)[3]));
  const q = file("x,y\n1,\n2,3\n");
  await assert.rejects(readTableFile(q, { ...reg, missing: "mean" }), /line 2, column "y" \(2\): missing value \(drop such rows with --missing drop\)/);
});

test("bad input: each error names the file, the line and the column", async () => {
  const nonNumeric = file("x,y\n1,2\nabc,3\n");
  await assert.rejects(readTableFile(nonNumeric, reg), new RegExp(`${nonNumeric}: line 3, column "x" \\(1\\): non-numeric value "abc" in a numeric column \\(expected a number; to one-hot encode this column use --categorical x\\)`));
  const ragged = file("x,z,y\n1,2,3\n4,5\n");
  await assert.rejects(readTableFile(ragged, reg), new RegExp(`${ragged}: line 3: ragged row: 2 field\\(s\\), the header has 3`));
  const empty = file("");
  await assert.rejects(readTableFile(empty, reg), new RegExp(`${empty}: the file is empty`));
  const headerOnly = file("x,y\n");
  await assert.rejects(readTableFile(headerOnly, reg), /no data rows after the header/);
  const noTarget = file("x,z\n1,2\n");
  await assert.rejects(readTableFile(noTarget, reg), /line 1: target column "y" does not exist \(columns: "x", "z"\)/);
  const single = file("x,label\n1,a\n2,a\n");
  await assert.rejects(readTableFile(single, cls), /column "label": a single class \("a"\) in 2 rows: classification needs at least two/);
  const dup = file("x,x,y\n1,2,3\n");
  await assert.rejects(readTableFile(dup, reg), /line 1: column name "x" appears twice \(columns 1 and 2\)/);
  const quote = file('x,y\n"1,2\n');
  await assert.rejects(readTableFile(quote, reg), new RegExp(`${quote}: line \\d+: .*(quote|Quote)`));
  await assert.rejects(readTableFile(join(dir, "absent.csv"), reg), /absent.csv: no such file/);
  const train = await readTableFile(file("x,label\n1,a\n2,b\n"), cls);
  const test2 = file("x,label\n1,a\n2,c\n");
  await assert.rejects(readTableFile(test2, { ...cls, schema: { features: train.features, targets: train.targets } }), new RegExp(`${test2}: line 3, column "label" \\(2\\): class "c" that the training data never had \\(known: "a", "b"\\)`));
});

test(".npy features + targets: dtypes, 1-D targets, class labels, shape errors (Fortran order: npy-fortran.test.ts)", async () => {
  const npy = (descr: string, shape: number[], data: ArrayBufferView, name: string): string => {
    const p = join(dir, name);
    const h = encodeNpyHeader(shape, descr);
    const b = new Uint8Array(h.length + data.byteLength);
    b.set(h);
    b.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h.length);
    writeFileSync(p, b);
    return p;
  };
  const x = npy("<f8", [3, 2], new Float64Array([1, 2, 3, 4, 5, 6]), "x.npy");
  const y = npy("<i8", [3], new BigInt64Array([1n, 0n, 1n]), "y.npy");
  const t = await readTableFile(x, { targets: [], classification: true, targetsFile: y });
  assert.deepEqual(t.features.map((c) => c.name), ["x0", "x1"]);
  assert.deepEqual(t.targets[0], { name: "y", kind: "categorical", categories: ["0", "1"] });
  assert.deepEqual(Array.from(t.values ?? []), [1, 2, 1, 3, 4, 0, 5, 6, 1]);
  const x32 = npy("<f4", [2, 2], new Float32Array([1, 2, 3, 4]), "x32.npy");
  const yShort = npy("<f4", [3], new Float32Array([1, 2, 3]), "y3.npy");
  await assert.rejects(readTableFile(x32, { targets: [], classification: false, targetsFile: yShort }), /y3.npy: 3 rows of targets for 2 rows of features/);
  const bad = file("not numpy", "npy");
  await assert.rejects(readTableFile(bad, { targets: [], classification: false, targetsFile: yShort }), /not a NumPy .npy file/);
  const cplx = npy("<c8", [1, 1], new Float32Array([1, 0]), "c.npy");
  await assert.rejects(readTableFile(cplx, { targets: [], classification: false, targetsFile: yShort }), /unsupported .npy dtype "<c8"/);
  const truncated = join(dir, "tr.npy");
  writeFileSync(truncated, Buffer.concat([Buffer.from(encodeNpyHeader([4, 2])), Buffer.alloc(8)]));
  await assert.rejects(readTableFile(truncated, { targets: [], classification: false, targetsFile: yShort }), /truncated: the header promises 4×2 values/);
});
