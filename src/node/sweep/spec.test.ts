import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../errors.js";
import { expandGrid, jobId, parseSweepSpec } from "./spec.js";
import { paretoFront } from "./merge.js";
import { queueTarget, redactUrl, scrub } from "./redis.js";
import { QueueError } from "../../errors.js";

test("expandGrid: the Cartesian product in key order, cells without the replicate axis", () => {
  const spec = parseSweepSpec({ command: "teacher-student", options: { steps: 2 }, grid: { strategy: ["whole", "bic"], seeds: [0, 1, 2] } }, "s.json");
  const jobs = expandGrid(spec, "seeds");
  assert.equal(jobs.length, 6);
  assert.deepEqual(jobs.map((j) => j.id).slice(0, 4), ["strategy-whole_seeds-0", "strategy-whole_seeds-1", "strategy-whole_seeds-2", "strategy-bic_seeds-0"]);
  assert.deepEqual(jobs[4].options, { steps: 2, strategy: "bic", seeds: 1 });
  assert.equal(new Set(jobs.map((j) => j.cell)).size, 2);
  assert.equal(jobs[0].cell, JSON.stringify({ strategy: "whole" }));
  assert.equal(jobId({ seeds: [0, 1], "fit.mode": "a/b c" }), "seeds-0+1_fit.mode-a_b_c");
});

test("parseSweepSpec: an empty grid, an empty value list, unknown keys and duplicates are ConfigErrors naming the field", () => {
  const bad = (value: unknown, re: RegExp) => assert.throws(() => parseSweepSpec(value, "s.json"), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ command: "teacher-student", grid: {} }, /s\.json: grid: the grid is empty/);
  bad({ command: "teacher-student", grid: { seeds: [] } }, /s\.json: grid\.seeds: an empty list of values gives no jobs/);
  bad({ command: "teacher-student", grid: { seeds: [0] }, gird: 1 }, /s\.json: gird: .*"command", "options" and "grid"/);
  bad({ command: "teacher-student", options: { seeds: [0] }, grid: { seeds: [0] } }, /grid\.seeds: also given in "options"/);
  bad({ grid: { seeds: [0] } }, /s\.json: command/);
  assert.throws(() => expandGrid(parseSweepSpec({ command: "x", grid: { seeds: [1, 1] } }, "s.json"), "seeds"), /same job folder seeds-1/);
});

test("paretoFront: the points no other point beats on both axes", () => {
  const pts = [{ x: 10, y: 0.5 }, { x: 20, y: 0.3 }, { x: 15, y: 0.6 }, { x: 30, y: 0.3 }, { x: 5, y: 0.9 }];
  assert.deepEqual(paretoFront(pts, "lower"), [4, 0, 1]);
  assert.deepEqual(paretoFront([{ x: 1, y: 0.9 }, { x: 2, y: 0.95 }, { x: 3, y: 0.94 }], "higher"), [0, 1]);
});

test("queue URLs: passwords are redacted and scrubbed from messages; bad URLs are QueueErrors", () => {
  assert.equal(redactUrl("redis://user:s3cret@host:6379/2"), "redis://user:***@host:6379/2");
  assert.equal(redactUrl("rediss://:s3cret@host:6380"), "rediss://:***@host:6380");
  assert.equal(redactUrl("redis://host:6379"), "redis://host:6379");
  const t = queueTarget("redis://u:p%40ss@h:1");
  assert.equal(scrub(t, "WRONGPASS for p@ss at redis://u:p%40ss@h:1"), "WRONGPASS for *** at redis://u:***@h:1");
  assert.throws(() => queueTarget("http://h:1"), (e: unknown) => e instanceof QueueError && /unsupported scheme http:/.test(e.message));
  assert.throws(() => queueTarget("not a url"), /not a URL/);
  assert.throws(() => queueTarget("redis://h:1", "bad name!"), /queue name/);
  assert.throws(() => queueTarget("rediss://h:1", "q", "/nonexistent/ca.pem"), /cannot read the TLS CA file/);
});
