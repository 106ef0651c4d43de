import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCsvDataset } from "./csv-dataset.js";

const bytes = (s: string) => new TextEncoder().encode(s);

test("a CSV with an integer last column is a classification set; a real-valued one a regression", () => {
  const c = parseCsvDataset(bytes("a,b,class\n1,2,0\n3,4.5,1\n\n5,6,2\n"), "x.csv");
  assert.equal(c.description, '3 classes in "class"');
  assert.deepEqual(Array.from(c.data.x.data), [1, 2, 3, 4.5, 5, 6]);
  assert.ok("labels" in c.data && Array.from(c.data.labels).join() === "0,1,2");
  const r = parseCsvDataset(bytes("a\tb\ty\n1\t2\t0.5\n"), "x.tsv");
  assert.equal(r.description, 'regression on "y"');
});

test("bad CSV: a non-numeric cell names its row and column, a ragged row its count", () => {
  assert.throws(() => parseCsvDataset(bytes("a,b,y\n1,2,0\n3,oops,1\n"), "d.csv"), /d\.csv: row 3, column 2 \("b"\): expected a number, got "oops"/);
  assert.throws(() => parseCsvDataset(bytes("a,b,y\n1,2\n"), "d.csv"), /d\.csv: row 2: expected 3 cells like the header, got 2/);
  assert.throws(() => parseCsvDataset(bytes("only\n1\n"), "d.csv"), /row 1 \(the header\): expected at least two columns/);
  assert.throws(() => parseCsvDataset(bytes("a,y\n"), "d.csv"), /no data rows after the header/);
});
