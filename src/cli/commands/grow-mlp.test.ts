import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DataError, ConfigError } from "../../errors.js";
import { configDefaults, flagsLayer, resolveConfig } from "../../io/config.js";
import { buildProgram, main } from "../main.js";
import { GrowMlpConfigSchema, runGrowMlp } from "./grow-mlp.js";
import { tempDir } from "../../test-support/temp-dir.js";

const tiny = {
  kernels: "portable",
  data: { samples: 256, testSamples: 64, lineSearchSamples: 64, inputs: 5, teacherHidden: [4], outputs: 2 },
  model: { hidden: [0, 1] },
  training: { steps: 3, epochsBetween: 1, batchSize: 32 },
  growth: { statisticsSamples: 200 },
};

test("grow-mlp defaults: synthetic task, two zero-width hidden layers, no δ update", () => {
  const d = configDefaults(GrowMlpConfigSchema);
  assert.equal(d.dataset, "synthetic");
  assert.deepEqual(d.model.hidden, [0, 0]);
  assert.equal(d.growth.update, "none");
  assert.equal(d.growth.naturalRidge, 1e-3);
  assert.equal(d.growth.maxNeuronsPerStep, null);
});

test("grow-mlp runs end to end on tiny settings: a row per step, then a summary", () => {
  const cfg = resolveConfig(GrowMlpConfigSchema, [{ source: "test", values: tiny }]);
  const lines: string[] = [];
  const result = runGrowMlp(cfg, { progress: false, log: (l) => lines.push(l) });
  assert.equal(result.rows.length, 4);
  assert.match(lines[0], /^kernels: portable kernels/);
  const header = lines.find((l) => /step\s+bn h1\s+bn h2\s+layer\s+\+k\s+γ\s+ls before\s+ls after\s+train\s+test\s+widths\s+params/.test(l));
  assert.ok(header, lines.join("\n"));
  const rows = lines.filter((l) => /^\s+\d+\s/.test(l));
  assert.equal(rows.length, 4, lines.join("\n"));
  assert.match(rows[1], /^\s+1\s+\S+\s+\S+\s+h[12]\s+\d+\s/);
  assert.match(lines[lines.length - 1], /^grew 5-0-1-2 → 5-\d+-\d+-2 \(\+\d+ neurons in 3 steps\): test loss .* parameters, [\d.]+ s \(portable kernels\)$/);
  const last = result.rows[3];
  assert.equal(last.sizes.join("-"), /→ (\S+)/.exec(lines[lines.length - 1])?.[1]);
});

test("grow-mlp --validation-samples: a held-out split in the table, rows and summary; none by default", () => {
  const base = resolveConfig(GrowMlpConfigSchema, [{ source: "test", values: tiny }]);
  assert.equal(base.data.validationSamples, 0);
  const cfg = resolveConfig(GrowMlpConfigSchema, [{ source: "test", values: { ...tiny, data: { ...tiny.data, validationSamples: 48 } } }]);
  const lines: string[] = [];
  const result = runGrowMlp(cfg, { progress: false, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /^task: .*256 train \/ 64 line-search \/ 48 validation \/ 64 test/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /ls after\s+train\s+val\s+test\s+widths/.test(l)), lines.join("\n"));
  for (const row of result.rows) {
    assert.ok(row.validation !== undefined && Number.isFinite(row.validation.loss) && row.validation.loss > 0);
    assert.notEqual(row.validation.loss, row.test.loss);
  }
  assert.match(lines[lines.length - 1], /: validation loss \S+ → \S+, test loss /);
  const without = runGrowMlp(base, { progress: false, log: () => {} });
  assert.ok(without.rows.every((r) => r.validation === undefined));
  assert.ok(Number.isFinite(without.rows[3].test.loss));
  assert.ok(lines.some((l) => /^task: .*256 train \/ 64 line-search/.test(l)));
});

test("grow-mlp --help documents every option", async () => {
  const cmd = (await buildProgram()).commands.find((c) => c.name() === "grow-mlp");
  assert.ok(cmd);
  const help = cmd.helpInformation();
  const flags = [
    "--dataset",
    "--data-dir",
    "--hidden",
    "--activation",
    "--steps",
    "--epochs-between",
    "--neurons",
    "--update",
    "--natural-ridge",
    "--stat-samples",
    "--statistical-threshold",
    "--significance",
    "--significance-level",
    "--numerical-threshold",
    "--optimizer",
    "--lr",
    "--momentum",
    "--batch-size",
    "--samples",
    "--test-samples",
    "--line-search-samples",
    "--validation-samples",
    "--seed",
    "--kernels",
    "--config",
    "--out",
    "--resume",
    "--quiet",
  ];
  for (const f of flags) assert.ok(help.includes(f + " "), `${f} missing from:\n${help}`);
  // every registered option is in the list above (nothing undocumented in this test)
  assert.deepEqual(cmd.options.map((o) => o.long).sort(), [...flags].sort());
  assert.match(help, /natural, gradient, none/);
  assert.match(help, /--natural-ridge <x>\s+relative ridge λ of δW\*/);
  assert.match(help, /synthetic, mnist, fashion-mnist/);
});

test("--natural-ridge reaches growth.naturalRidge; a negative value names the flag", () => {
  const cfg = resolveConfig(GrowMlpConfigSchema, [flagsLayer({ naturalRidge: 0.05 }, { naturalRidge: "growth.naturalRidge" })]);
  assert.equal(cfg.growth.naturalRidge, 0.05);
  assert.throws(
    () => resolveConfig(GrowMlpConfigSchema, [flagsLayer({ naturalRidge: -1 }, { naturalRidge: "growth.naturalRidge" })]),
    (e: unknown) => e instanceof ConfigError && /--natural-ridge: growth\.naturalRidge: .*>=0/.test(e.message),
  );
});

test("bad grow-mlp options give clear errors naming the flag", () => {
  assert.throws(
    () => resolveConfig(GrowMlpConfigSchema, [flagsLayer({ neurons: 0, update: "newton", hidden: [-1] }, { neurons: "growth.maxNeuronsPerStep", update: "growth.update", hidden: "model.hidden" })]),
    (e: unknown) =>
      e instanceof ConfigError &&
      /--neurons: growth\.maxNeuronsPerStep: .*>=1/.test(e.message) &&
      /--update: growth\.update/.test(e.message) &&
      /--hidden: model\.hidden\.0/.test(e.message),
  );
});

test("the CLI exits 1 with the message on a bad option value", async () => {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(["node", "tinygrow", "grow-mlp", "--neurons", "0", "--kernels", "portable"]);
  } finally {
    process.stderr.write = original;
  }
  assert.equal(code, 1);
  assert.match(written.join(""), /tinygrow: invalid configuration:\n {2}--neurons: growth\.maxNeuronsPerStep: .*>=1/);
});

test("a malformed number is a usage error naming the option (real process)", () => {
  const cli = fileURLToPath(new URL("../main.js", import.meta.url));
  const r = spawnSync(process.execPath, [cli, "grow-mlp", "--steps", "two"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--steps <n>.*expected an integer/);
});

test("MNIST without its files is a DataError saying how to get them", () => {
  const dir = tempDir("tinygrow-grow-mlp-");
  try {
    const cfg = resolveConfig(GrowMlpConfigSchema, [{ source: "test", values: { ...tiny, dataset: "mnist", dataDir: dir } }]);
    assert.throws(
      () => runGrowMlp(cfg, { progress: false, log: () => {}, env: { HOME: dir } }),
      (e: unknown) => e instanceof DataError && /train-images-idx3-ubyte/.test(e.message) && /tinygrow data fetch mnist/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
