/**
 * Conv golden vectors (test/golden-conv/*.json, see PROVENANCE.md): every field of every case,
 * recomputed through the same code path as `tinygrow verify-golden`, must match within 1e-9
 * relative in float64, on the portable kernels and (when the addon loads) the native ones.
 * Bad input: unknown schema version, malformed tensors, inconsistent shapes — typed errors
 * naming the file and field, and a non-zero exit code from the CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runVerifyGolden } from "../src/cli/commands/verify-golden.js";
import { DataError, NumericalError } from "../src/errors.js";
import { verifyGoldenFile } from "../src/node/golden-file.js";
import { kernelSets } from "../src/growth/test-helpers.js";
import { tempDir } from "../src/test-support/temp-dir.js";

const goldenDir = fileURLToPath(new URL("../../test/golden-conv/", import.meta.url));
const cases = readdirSync(goldenDir).filter((f) => f.endsWith(".json")).sort();
const portable = kernelSets()[0].kernels!;

test("the conv golden cases are present", () => {
  assert.deepEqual(cases, ["conv_full_mse_relu_nobias_stride2.json", "conv_full_mse_selu_bias.json", "conv_restricted_mse_selu_hidden0.json"]);
});

for (const set of kernelSets()) {
  for (const file of cases) {
    test(`conv golden ${file} matches within 1e-9 (${set.name} kernels)`, (t) => {
      if (set.kernels === null) return t.skip(set.skip ?? "unavailable");
      const report = verifyGoldenFile(join(goldenDir, file), { tolerance: 1e-9 }, set.kernels);
      const bad = report.fields.filter((f) => !f.ok);
      const detail = bad.map((f) => `${f.field}: max abs ${f.maxAbs}, max rel ${f.maxRel}, first index [${f.firstIndexAbove?.join(", ") ?? "-"}]${f.note ? ` (${f.note})` : ""}`);
      assert.equal(bad.length, 0, `fields above tolerance in ${file}:\n${detail.join("\n")}`);
      assert.ok(report.fields.length >= 55, `only ${report.fields.length} fields compared`);
      // Every numeric result of the file is recomputed (only PyTorch's own SVD signs are not).
      assert.deepEqual(report.skipped.map((s) => s.field), ["added_parameters.sign_flips_vs_torch_svd"]);
      t.diagnostic(`${file}: worst max rel ${Math.max(...report.fields.map((f) => f.maxRel)).toExponential(2)}`);
    });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function tempCopy(file: string, edit: (json: Json) => void): string {
  const json = JSON.parse(readFileSync(join(goldenDir, file), "utf8")) as Json;
  edit(json);
  const path = join(tempDir("tinygrow-golden-conv-"), file);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

test("a perturbed conv case fails naming the field and its first 4-d index", () => {
  const path = tempCopy("conv_full_mse_selu_bias.json", (j) => {
    j.added_parameters.omega.data[1][0][2][1] *= 1 + 1e-6;
  });
  const lines: string[] = [];
  assert.throws(
    () => runVerifyGolden([path], 1e-9, portable, (l) => lines.push(l)),
    (err: unknown) => err instanceof NumericalError && /added_parameters\.omega \(max rel/.test(err.message),
  );
  assert.match(lines.find((l) => /added_parameters\.omega\s/.test(l)) ?? "", /FAIL \(first index \[1, 0, 2, 1\]\)/);
});

test("an unknown schema version is a DataError naming the file, for conv and fully connected cases", () => {
  const conv = tempCopy("conv_full_mse_selu_bias.json", (j) => {
    j.schema_version = 2;
  });
  assert.throws(
    () => verifyGoldenFile(conv, {}, portable),
    (err: unknown) => err instanceof DataError && err.file === conv && /unknown schema_version 2 of a conv golden case: this tinygrow reads schema_version 1/.test(err.message),
  );
  const linearDir = fileURLToPath(new URL("../../test/golden/", import.meta.url));
  const linear = join(tempDir("tinygrow-golden-conv-"), "linear.json");
  const json = JSON.parse(readFileSync(join(linearDir, "linear_mse_selu_bias.json"), "utf8")) as Json;
  json.schema_version = "1.1";
  writeFileSync(linear, JSON.stringify(json));
  assert.throws(() => verifyGoldenFile(linear, {}, portable), /unknown schema_version "1\.1" of a fully connected golden case/);
  const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
  const r = spawnSync(process.execPath, [cli, "verify-golden", conv, "--kernels", "portable"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown schema_version 2/);
  assert.doesNotMatch(r.stdout, /OK at tolerance/);
});

test("a malformed conv case is a DataError naming the file, the field and what was expected", () => {
  const path = tempCopy("conv_full_mse_relu_nobias_stride2.json", (j) => {
    j.inputs.W2.data[0][1] = j.inputs.W2.data[0][1].slice(0, 2);
    j.config.conv2.stride = [2];
  });
  assert.throws(
    () => verifyGoldenFile(path, {}, portable),
    (err: unknown) => err instanceof DataError && err.file === path && /field inputs\.W2\.data: expected 3 entries at \[0\]\[1\]/.test(err.message) && /field config\.conv2\.stride/.test(err.message),
  );
  const bias = tempCopy("conv_full_mse_relu_nobias_stride2.json", (j) => {
    j.inputs.b1 = { shape: [2], data: [0, 0] };
  });
  assert.throws(() => verifyGoldenFile(bias, {}, portable), /field inputs\.b1: expected null \(the layer has no bias\), got a tensor/);
  const geometry = tempCopy("conv_full_mse_relu_nobias_stride2.json", (j) => {
    j.config.conv2.dilation = [9, 1];
  });
  assert.throws(() => verifyGoldenFile(geometry, {}, portable), /conv layer conv2.*dilated kernel span/);
});
