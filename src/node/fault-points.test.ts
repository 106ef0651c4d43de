import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError } from "../errors.js";
import { armFault } from "./fault-points.js";

test("armFault refuses a malformed spec, naming its source and the points", () => {
  for (const bad of ["log-record", "log-record:0", "nowhere:3", "log-record:-1", "log-record:2:pause", ""]) {
    assert.throws(() => armFault(bad, "TINYGROW_FAULT"), (e: unknown) => e instanceof ConfigError && /TINYGROW_FAULT: \(root\): expected "<point>:<n>\[:stop\]" with point one of log-record, checkpoint-staged, checkpoint and n ≥ 1/.test(e.message), bad);
  }
});

test("an armed point SIGKILLs the process on its n-th pass, not before", () => {
  const url = new URL("./fault-points.js", import.meta.url).href;
  const code = `const { armFault, faultPoint } = await import(${JSON.stringify(url)});
    armFault("checkpoint:3"); faultPoint("log-record"); faultPoint("checkpoint"); faultPoint("checkpoint"); process.stdout.write("two passed;"); faultPoint("checkpoint"); process.stdout.write("not reached");`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.signal, "SIGKILL");
  assert.equal(r.stdout, "two passed;");
});
