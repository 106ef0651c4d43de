/**
 * `tinygrow export --format gromotion`: a recorded run exported and checked against the JSON
 * schema written from gromotion's ingester (test/gromotion/), and against the log it came from.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { exportDagParameters, growthHistoryEntry } from "../src/export/gromotion.js";
import { pyReprString, pyReprTuple } from "../src/export/python-repr.js";
import { CLI, recordStudy } from "../src/test-support/recorded-run.js";
import { tempDir } from "../src/test-support/temp-dir.js";
import { graphParameters, parseLogText, type LoggedGraph } from "../src/view/run-log.js";
import { buildTimeline } from "../src/view/timeline.js";

const schema = JSON.parse(readFileSync(new URL("../../test/gromotion/export-folder.schema.json", import.meta.url), "utf8")) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addSchema(schema);
function valid(def: string, value: unknown): void {
  const check = ajv.getSchema(`tinygrow:gromotion-export-folder#/$defs/${def}`);
  assert.ok(check !== undefined, def);
  assert.ok(check(value), `${def}: ${ajv.errorsText(check.errors)}`);
}
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
const recorded = recordStudy({ steps: 4, epochs: 20 });

test("python repr of strings and tuples, as GroMo's str(edge) writes them", () => {
  assert.equal(pyReprTuple(["start@dag1", "1@dag1"]), "('start@dag1', '1@dag1')");
  assert.equal(pyReprString("it's"), `"it's"`);
  assert.equal(pyReprString(`a'b"c`), `'a\\'b"c'`);
  assert.equal(pyReprString("tab\there\\"), "'tab\\there\\\\'");
  assert.equal(pyReprString("\u0001é"), "'\\x01é'");
  assert.equal(pyReprTuple(["x"]), "('x',)");
});

test("growth history: a widened node's edges are 2, the moved in-edges of its successors 1", () => {
  const before: LoggedGraph = { nodes: [{ name: "in", kind: "input", size: 3 }, { name: "out", kind: "output", size: 1 }, { name: "h1", kind: "hidden", size: 4 }], edges: [{ from: "in", to: "out", bias: true }, { from: "in", to: "h1", bias: true }, { from: "h1", to: "out", bias: false }] };
  const after: LoggedGraph = { ...before, nodes: [before.nodes[0], before.nodes[1], { name: "h1", kind: "hidden", size: 9 }] };
  const [, step] = buildTimeline([{ kind: "init", step: 0, graph: before }, { kind: "growth", step: 1, graph: after }]).steps;
  assert.deepEqual(growthHistoryEntry(step, before, true), { "('start@dag1', 'end@dag1')": 1, "('start@dag1', '1@dag1')": 2, "('1@dag1', 'end@dag1')": 2, "start@dag1": 0, "end@dag1": 0, "1@dag1": 0 });
  assert.equal(growthHistoryEntry(step, before, false)?.["('start@dag1', 'end@dag1')"], 0);
  valid("dagStep", exportDagParameters(after));
});

test("export --format gromotion: the files gromotion's ingester reads, matching the log", { timeout: 90_000 }, () => {
  const { study, run } = recorded;
  const out = join(tempDir("tinygrow-gromotion-"), "export");
  const r = spawnSync(process.execPath, [CLI, "export", study, "--format", "gromotion", "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const dir = join(out, "whole-seed-3");
  assert.match(r.stdout, /whole\/seed-3: \d+ files in .*whole-seed-3/);
  valid("run", readJson(join(dir, "run.json")));
  const metrics = readJson(join(dir, "metrics.json")) as Record<string, [number, number][]>;
  const axes = readJson(join(dir, "metric_axes.json")) as Record<string, string>;
  valid("metrics", metrics);
  valid("metricAxes", axes);
  assert.deepEqual(Object.keys(axes).sort(), Object.keys(metrics).sort());
  const history = readJson(join(dir, "growth_history", "dag1.json"));
  valid("growthHistory", history);

  const records = parseLogText(readFileSync(join(run, "log.jsonl"), "utf8")).records;
  const steps = records.filter((x) => x.kind === "init" || x.kind === "growth");
  const files = readdirSync(join(dir, "dags", "dag1")).sort();
  assert.deepEqual(files, steps.map((s) => `step_${String(s.step).padStart(4, "0")}.json`));
  for (const s of steps) {
    const dag = readJson(join(dir, "dags", "dag1", `step_${String(s.step).padStart(4, "0")}.json`)) as { edges: [string, string][]; node_attributes: Record<string, { size: number }>; edge_attributes: Record<string, unknown> };
    valid("dagStep", dag);
    const graph = s.graph as LoggedGraph;
    assert.equal(dag.edges.length, graph.edges.length);
    assert.deepEqual(Object.keys(dag.edge_attributes).sort(), dag.edges.map((e) => pyReprTuple(e)).sort());
    assert.deepEqual(Object.values(dag.node_attributes).map((n) => n.size).sort(), graph.nodes.map((n) => n.size).sort());
    assert.ok(dag.node_attributes["start@dag1"] !== undefined && dag.node_attributes["end@dag1"] !== undefined);
    assert.equal(graphParameters(graph), s.parameters);
  }
  // Parameters per growth step and the epoch records, on their axes.
  assert.deepEqual(metrics["complexity/nb of parameters"], steps.map((s) => [s.step, s.parameters]));
  const epochs = records.filter((x) => x.kind === "epoch");
  assert.deepEqual(metrics["training/test loss"].map(([x]) => x), epochs.filter((e) => e.losses?.test !== undefined).map((e) => (e.epoch as number) - 1));
  assert.equal(metrics["growth/epochs"].reduce((sum, [, n]) => sum + n, 0), epochs.length);
  assert.equal(axes["training/test loss"], "epoch");
  assert.equal(axes["complexity/nb of parameters"], "growth_step");
});

test("export refuses an output folder that is not empty, and an unknown format", () => {
  const out = tempDir("tinygrow-gromotion-full-");
  writeFileSync(join(out, "keep.txt"), "x");
  const r = spawnSync(process.execPath, [CLI, "export", recorded.run, "--format", "gromotion", "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the output folder is not empty; choose another --out/);
  assert.equal(readFileSync(join(out, "keep.txt"), "utf8"), "x");
  const bad = spawnSync(process.execPath, [CLI, "export", out, "--format", "tfjs", "--out", join(out, "x")], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /expected one of (.*, )?gromotion/);
});
