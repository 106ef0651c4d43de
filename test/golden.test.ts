/**
 * Golden vectors (test/golden/*.json, see PROVENANCE.md): every field of every case,
 * recomputed by tinygrow through the same code path as `tinygrow verify-golden`, must match
 * within 1e-9 relative in float64, on the portable kernels and (when the addon loads) the
 * native ones.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runVerifyGolden } from "../src/cli/commands/verify-golden.js";
import { DataError, NumericalError } from "../src/errors.js";
import { formatGoldenReport } from "../src/growth/golden.js";
import { verifyGoldenFile } from "../src/node/golden-file.js";
import { kernelSets } from "../src/growth/test-helpers.js";
import { tempDir } from "../src/test-support/temp-dir.js";

// Compiled to dist/test/golden.test.js; the cases live in the source tree.
const goldenDir = fileURLToPath(new URL("../../test/golden", import.meta.url));
const cases = readdirSync(goldenDir).filter((f) => f.endsWith(".json")).sort();
const portable = kernelSets()[0].kernels!;

test("the golden cases are present", () => {
  assert.deepEqual(cases, ["linear_ce_selu_hidden0.json", "linear_mse_relu_nobias.json", "linear_mse_selu_bias.json"]);
});

for (const set of kernelSets()) {
  for (const file of cases) {
    test(`golden ${file} matches within 1e-9 (${set.name} kernels)`, (t) => {
      if (set.kernels === null) return t.skip(set.skip ?? "unavailable");
      const report = verifyGoldenFile(join(goldenDir, file), { tolerance: 1e-9 }, set.kernels);
      const bad = report.fields.filter((f) => !f.ok);
      const detail = bad.map(
        (f) => `${f.field}: max abs ${f.maxAbs}, max rel ${f.maxRel}, first index [${f.firstIndexAbove?.join(", ") ?? "-"}]${f.note ? ` (${f.note})` : ""}`,
      );
      assert.equal(bad.length, 0, `fields above tolerance in ${file}:\n${detail.join("\n")}`);
      assert.ok(report.fields.length >= 48, `only ${report.fields.length} fields compared`);
      t.diagnostic(`${file}: worst max rel ${Math.max(...report.fields.map((f) => f.maxRel)).toExponential(2)}`);
    });
  }
}

// A golden case being edited by hand in a test (free-form JSON).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function tempCopy(file: string, edit: (json: Json) => void): string {
  const json = JSON.parse(readFileSync(join(goldenDir, file), "utf8")) as Json;
  edit(json);
  const path = join(tempDir("tinygrow-golden-"), file);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

test("verify-golden fails on a perturbed case, naming the field, differences and first index", () => {
  const path = tempCopy("linear_mse_selu_bias.json", (j) => {
    j.added_parameters.omega.data[1][0] *= 1 + 1e-6;
  });
  const lines: string[] = [];
  assert.throws(
    () => runVerifyGolden([path], 1e-9, portable, (l) => lines.push(l)),
    (err: unknown) => err instanceof NumericalError && /1 field\(s\) above tolerance 1e-9:\n {2}.*: added_parameters\.omega \(max rel /.test(err.message),
  );
  const row = lines.find((l) => l.includes("added_parameters.omega"));
  assert.match(row ?? "", /added_parameters\.omega\s+\S+e-\d+\s+\S+e-\d+\s+FAIL \(first index \[1, 0\]\)/);
  assert.match(lines[0], /FAIL at tolerance 1e-9/);
});

test("a mismatch in a derived list (line search history) is reported with its index", () => {
  const path = tempCopy("linear_ce_selu_hidden0.json", (j) => {
    j.line_search.history_loss[150] += 1e-3;
  });
  const report = verifyGoldenFile(path, {}, portable);
  const f = report.fields.find((x) => x.field === "line_search.history_loss")!;
  assert.equal(f.ok, false);
  assert.deepEqual(f.firstIndexAbove, [150]);
  assert.ok(formatGoldenReport(report).some((l) => /line_search\.history_loss .* FAIL \(first index \[150\]\)/.test(l)));
});

test("a malformed case is a DataError naming the file, the field and what was expected", () => {
  const path = tempCopy("linear_mse_relu_nobias.json", (j) => {
    j.inputs.X.data[3] = j.inputs.X.data[3].slice(0, 2);
    delete j.statistics.S;
  });
  assert.throws(
    () => verifyGoldenFile(path, {}, portable),
    (err: unknown) =>
      err instanceof DataError &&
      err.file === path &&
      err.message.includes("field inputs.X.data: expected 5 entries at [3] (shape [20, 5]), got 2") &&
      err.message.includes("field statistics.S: "),
  );
  const shapes = tempCopy("linear_mse_relu_nobias.json", (j) => {
    j.inputs.b1 = { shape: [2], data: [0, 0] };
  });
  assert.throws(() => verifyGoldenFile(shapes, {}, portable), /field inputs\.b1: expected null \(the layer has no bias\), got a vector/);
  const notJson = join(tempDir("tinygrow-golden-"), "x.json");
  writeFileSync(notJson, "{ nope");
  assert.throws(() => verifyGoldenFile(notJson, {}, portable), /x\.json: invalid JSON/);
});
