import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../../test-support/temp-dir.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: { ...process.env, TINYGROW_KERNELS: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("compare runs the strategies on the same seeds into one folder and prints where the report is", () => {
  const out = join(tempDir("tinygrow-compare-"), "study");
  const args = ["compare", "--strategies", "whole,bic", "--seeds", "0,1", "--steps", "2", "--epochs", "2", "--train-samples", "120", "--test-samples", "40", "--neurons", "3"];
  const r = cli([...args, "--kernels", "portable", "--workers", "1", "--quiet", "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`report: ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/report\\.md\\n$`));
  for (const dir of ["whole/seed-0", "whole/seed-1", "bic/seed-0", "bic/seed-1", "oracle/seed-0", "retrained-bic/seed-1"]) assert.ok(existsSync(join(out, dir, "model.json")), dir);
  assert.ok(!existsSync(join(out, "restricted")));
  const table = readFileSync(join(out, "summary.md"), "utf8").split("## Baselines")[0];
  assert.deepEqual(table.split("\n").filter((l) => /^\| (whole|restricted|bic) /.test(l)).map((l) => l.split("|")[1].trim()), ["whole", "bic"]);
  // The teacher and data of a seed are shared: both strategies start from the same init loss.
  const first = (dir: string) => JSON.parse(readFileSync(join(out, dir, "log.jsonl"), "utf8").split("\n")[0]).losses;
  assert.deepEqual(first("whole/seed-1"), first("bic/seed-1"));
});

test("compare --help lists the strategies and shared options with their defaults", () => {
  const r = cli(["compare", "--help"]);
  assert.equal(r.status, 0);
  const text = r.stdout.replace(/\s+/g, " ");
  assert.match(text, /--strategies <list> .*\(default: whole,restricted,bic\)/);
  assert.match(text, /--workers <n> .*\(default: \d+\)/);
  assert.match(text, /--resume <dir>/);
});
