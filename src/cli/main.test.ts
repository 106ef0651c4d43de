import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { buildProgram } from "./main.js";

const ALL = ["demo", "verify-golden", "data", "teacher-student", "compare", "grow-mlp", "mnist", "view", "grow", "predict", "evaluate", "export", "sweep", "worker", "grow-cnn"];
const names = async (command?: string): Promise<string[]> => (await buildProgram(command)).commands.map((c) => c.name());

test("the program registers only the command given (every command for none, an unknown one, and sweep, which runs the others)", async () => {
  assert.deepEqual(await names("grow"), ["grow"]);
  assert.deepEqual(await names("evaluate"), ["predict", "evaluate"]);
  assert.deepEqual(await names(), ALL);
  assert.deepEqual(await names("gorw"), ALL);
  assert.deepEqual(await names("sweep"), ALL);
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  const help = spawnSync(process.execPath, [main, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const c of ALL) assert.match(help.stdout, new RegExp(`^  ${c}\\b`, "m"), `--help lists ${c}`);
  const typo = spawnSync(process.execPath, [main, "gorw"], { encoding: "utf8" });
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown command 'gorw'[\s\S]*Did you mean grow\?/);
});
