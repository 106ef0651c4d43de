import { test } from "node:test";
import assert from "node:assert/strict";
import { readCsvTable } from "./csv-table.js";

const bytes = (s: string) => new TextEncoder().encode(s);

test("a dropped CSV through the core reader: labels make a classification, other numbers a regression", async () => {
  const c = await readCsvTable(bytes('a,"b, quoted",class\n1,2,0\n3,4.5,1\n\n5,6,2\n'), "x.csv");
  assert.equal(c.task, "classification");
  assert.deepEqual(c.table.features.map((f) => f.name), ["a", "b, quoted"]);
  assert.deepEqual(c.table.targets, [{ name: "class", kind: "categorical", categories: ["0", "1", "2"] }]);
  assert.deepEqual(Array.from(c.table.values), [1, 2, 0, 3, 4.5, 1, 5, 6, 2]);
  const s = await readCsvTable(bytes("x,species,y\n1,cat,yes\n2,dog,no\n"), "s.csv", { categorical: ["species"] });
  assert.equal(s.task, "classification");
  assert.deepEqual(s.table.features[1], { name: "species", kind: "categorical", categories: ["cat", "dog"] });
  const r = await readCsvTable(bytes("a\tb\ty\n1\t2\t0.5\n3\t4\t2\n"), "x.tsv");
  assert.equal(r.task, "regression");
  assert.deepEqual(r.table.targets, [{ name: "y", kind: "numeric" }]);
  const named = await readCsvTable(bytes("y,a,b\n0.25,1,2\n0.5,3,4\n"), "n.csv", { target: "y" });
  assert.equal(named.task, "regression");
  assert.deepEqual(named.table.features.map((f) => f.name), ["a", "b"]);
  assert.deepEqual(Array.from(named.table.values), [1, 2, 0.25, 3, 4, 0.5]);
  const counts = await readCsvTable(bytes("a,n\n1,3\n2,7\n"), "c.csv", { task: "regression" });
  assert.equal(counts.task, "regression");
  assert.deepEqual(Array.from(counts.table.values), [1, 3, 2, 7]);
  const asClasses = await readCsvTable(bytes("a,y\n1,0.5\n2,1.5\n"), "c.csv", { task: "classification" });
  assert.deepEqual(asClasses.table.targets[0], { name: "y", kind: "categorical", categories: ["0.5", "1.5"] });
});

test("bad CSV: the core reader's messages name the file, line and column", async () => {
  await assert.rejects(readCsvTable(bytes("a,b,y\n1,2,0\n3,oops,1\n"), "d.csv"), /d\.csv: line 3, column "b" \(2\): non-numeric value "oops" in a numeric column/);
  await assert.rejects(readCsvTable(bytes("a,b,y\n1,2\n"), "d.csv"), /d\.csv: line 2: ragged row: 2 field\(s\), the header has 3/);
  await assert.rejects(readCsvTable(bytes("a,y\n"), "d.csv"), /d\.csv: no data rows after the header/);
  await assert.rejects(readCsvTable(bytes(""), "d.csv"), /d\.csv: the file is empty/);
  await assert.rejects(readCsvTable(bytes("a,y\n1,2\n"), "d.csv", { target: "z" }), /target column "z" does not exist/);
  await assert.rejects(readCsvTable(bytes('a,y\n1,"2\n'), "d.csv"), /d\.csv: line \d+: .*quote/i);
});
