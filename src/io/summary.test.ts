import { test } from "node:test";
import assert from "node:assert/strict";
import { DataError } from "../errors.js";
import { formatMeanStd, formatNumber, markdownTable, meanStd, meanStdAcross, strategySummaryTable } from "./summary.js";

test("meanStd uses the sample standard deviation; one value has none", () => {
  assert.deepEqual(meanStd([1, 2, 3, 4]), { mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  assert.deepEqual(meanStd([7]), { mean: 7, std: null, n: 1 });
  assert.throws(() => meanStd([], "loss"), /loss: no values to average/);
  assert.throws(() => meanStd([1, NaN], "loss"), (e: unknown) => e instanceof DataError && /loss\[1\] is NaN/.test(e.message));
});

test("numbers keep a few significant digits", () => {
  assert.equal(formatNumber(1479.4), "1479");
  assert.equal(formatNumber(0.012345), "0.0123");
  assert.equal(formatNumber(1.2), "1.20");
  assert.equal(formatNumber(0.00012345), "1.23e-4");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(-42.42), "-42.4");
  assert.equal(formatMeanStd([1, 2, 3]), "2.00 ± 1.0");
  assert.equal(formatMeanStd([5]), "5.00 ± –");
});

test("meanStdAcross averages curves point-wise and checks their lengths", () => {
  assert.deepEqual(meanStdAcross([[1, 2], [3, 2]]), { mean: [2, 2], std: [Math.SQRT2, 0] });
  assert.deepEqual(meanStdAcross([[1, 2]]).std, [0, 0]);
  assert.throws(() => meanStdAcross([[1, 2], [3]], "loss curves"), /loss curves: run 1 has 1 values, run 0 has 2/);
});

test("markdownTable aligns, pads and escapes", () => {
  const t = markdownTable([{ header: "name" }, { header: "value", align: "right" }], [["a|b", "1"], ["c", "123.5"]]);
  assert.equal(t, ["| name | value |", "| ---- | ----: |", "| a\\|b |     1 |", "| c    | 123.5 |", ""].join("\n"));
  assert.throws(() => markdownTable([{ header: "x" }], [["1", "2"]]), /row 0 has 2 cells, expected 1 \(x\)/);
});

test("strategy table reports every column and the ratio to the oracle", () => {
  const t = strategySummaryTable(
    [
      { strategy: "greedy", finalTestLoss: [0.01, 0.02], parameters: [1400, 1500], searchSeconds: [10, 12], trainingSeconds: [30, 34], energyWh: [3, 5] },
      { strategy: "BIC", finalTestLoss: [0.03], parameters: [723], searchSeconds: [9], trainingSeconds: [20], energyWh: [2] },
    ],
    2,
  );
  const lines = t.trim().split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0], /\| strategy \| runs \| final test loss \| parameters \| search time \(s\) \| training time \(s\) \| energy \(Wh\) \| energy \/ oracle \|/);
  assert.match(lines[2], /greedy .*0\.0150 ± 0\.0071 .*1450 ± 71 .*4\.00 ± 1\.4 .*2\.00 ± 0\.71 \|$/);
  assert.match(lines[3], /BIC .*723 ± – .*1\.00 ± – \|$/);
  assert.throws(
    () => strategySummaryTable([{ strategy: "x", finalTestLoss: [1, 2], parameters: [1], searchSeconds: [1, 1], trainingSeconds: [1, 1], energyWh: [1, 1] }]),
    /x: parameters has 1 values but finalTestLoss has 2/,
  );
});
