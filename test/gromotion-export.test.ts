/**
 * `tinygrow export --format gromotion`: a recorded run exported and checked against the JSON
 * schema written from gromotion's ingester (test/gromotion/), and against the log it came from:
 * a teacher–student study (one export per run), a grow-cnn study (one per unit, convolutional
 * DAG) and a grow-mlp run (rows logged after their training).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { exportDagParameters, gromotionNodeId, growthHistoryEntry, type GromoDagParameters } from "../src/export/gromotion-dag.js";
import { pyReprString, pyReprTuple } from "../src/export/python-repr.js";
import { unitSlug } from "../src/node/export/gromotion-folder.js";
import { CLI, recordGrowCnn, recordGrowMlp, recordStudy } from "../src/test-support/recorded-run.js";
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

test("export --format gromotion of a grow-cnn study: one export per unit, its CNN as GroMo's convolutional DAG", { timeout: 90_000 }, () => {
  const run = recordGrowCnn();
  const out = join(tempDir("tinygrow-gromotion-cnn-"), "export");
  const r = spawnSync(process.execPath, [CLI, "export", run, "--format", "gromotion", "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const records = parseLogText(readFileSync(join(run, "log.jsonl"), "utf8")).records;
  const units = [...new Set(records.map((x) => x.unit as string))];
  // The units may have trained side by side (--workers), so their records interleave: any order.
  assert.ok(units.length >= 2 && units.includes("grown"), `units: ${units.join(", ")}`);
  assert.deepEqual(readdirSync(out).sort(), units.map(unitSlug).sort());
  for (const unit of units) {
    const dir = join(out, unitSlug(unit));
    const mine = records.filter((x) => x.unit === unit);
    const epochs = mine.filter((x) => x.type === "epoch");
    const growth = mine.filter((x) => x.type === "growth");
    const runJson = readJson(join(dir, "run.json")) as { name: string; summary: { finished: boolean } };
    valid("run", runJson);
    assert.match(runJson.name, new RegExp(unit.replace(/[()]/g, "\\$&")));
    assert.equal(runJson.summary.finished, true, "report.md is written: every unit finished");
    const metrics = readJson(join(dir, "metrics.json")) as Record<string, [number, number][]>;
    valid("metrics", metrics);
    valid("metricAxes", readJson(join(dir, "metric_axes.json")));
    // Every epoch of the unit once on the epoch axis (the first one is the unit's step 0), and counted in growth/epochs.
    assert.deepEqual(metrics["training/train loss"], epochs.map((e) => [(e.epoch as number) - 1, e.trainLoss]));
    assert.deepEqual(metrics["training/val accuracy"].map(([, y]) => y), epochs.map((e) => e.validationAccuracy));
    assert.equal(metrics["growth/epochs"].reduce((s, [, n]) => s + n, 0), epochs.length);
    // Step 0 is the first epoch's network, step s the s-th growth's.
    const stepGraphs = [epochs[0], ...growth].map((x) => x.graph as LoggedGraph);
    assert.deepEqual(metrics["complexity/nb of parameters"], [epochs[0], ...growth].map((x, s) => [s, x.parameters]));
    assert.deepEqual(readdirSync(join(dir, "dags", "dag1")).sort(), stepGraphs.map((_, s) => `step_${String(s).padStart(4, "0")}.json`));
    stepGraphs.forEach((graph, s) => {
      const dag = readJson(join(dir, "dags", "dag1", `step_${String(s).padStart(4, "0")}.json`)) as GromoDagParameters;
      valid("dagStep", dag);
      assert.equal(graphParameters(graph), [epochs[0], ...growth][s].parameters);
      const blocks = graph.nodes.filter((n) => n.kind === "hidden");
      assert.deepEqual(blocks.map((b) => dag.node_attributes[`${b.name}@dag1`]), blocks.map((b) => ({ type: "convolution", size: b.size, shape: b.shape, kernel_size: dag.node_attributes[`${b.name}@dag1`].kernel_size, activation: "relu", use_layer_norm: false })));
      assert.deepEqual(dag.node_attributes["start@dag1"].shape, [8, 8], "the 8×8 images");
      assert.equal(dag.node_attributes["end@dag1"].type, "linear");
      assert.equal(dag.node_attributes["end@dag1"].size, 10);
      const head = dag.edge_attributes[pyReprTuple([`${blocks[blocks.length - 1].name}@dag1`, "end@dag1"])];
      assert.deepEqual(head, { type: "linear", use_bias: true, kernel_size: null });
      const convs = dag.edges.slice(0, -1).map((e) => dag.edge_attributes[pyReprTuple(e)]);
      assert.deepEqual(convs, blocks.map(() => ({ type: "convolution", use_bias: true, kernel_size: [3, 3] })));
    });
    // The starting CNN already has its blocks: step 0 marks them added, so that gromotion (which starts every DAG
    // as start → end and puts a first snapshot holding more at the first growth_history step) shows it at step 0.
    const history = readJson(join(dir, "growth_history", "dag1.json")) as Record<string, Record<string, number>>;
    valid("growthHistory", history);
    assert.deepEqual(Object.keys(history).map(Number), [0, ...growth.map((_, i) => i + 1)]);
    for (const n of stepGraphs[0].nodes) assert.equal(history["0"][gromotionNodeId(stepGraphs[0], n.name)], n.kind === "hidden" ? 2 : 0);
    if (growth.length > 0) {
      // A block that grew channels: its in- and out-edges are 2 (GroMo: increased in dimension).
      const [before, after] = [stepGraphs[0], stepGraphs[1]];
      const widened = after.nodes.filter((n) => n.kind === "hidden" && n.size > (before.nodes.find((b) => b.name === n.name)?.size ?? 0)).map((n) => n.name);
      assert.ok(widened.length > 0);
      for (const e of after.edges) assert.equal(history["1"][pyReprTuple([gromotionNodeId(after, e.from), gromotionNodeId(after, e.to)])], widened.includes(e.from) || widened.includes(e.to) ? 2 : 0);
    }
  }
});

test("export --format gromotion of a grow-mlp run: each row's losses on the epoch axis at its last epoch, its epochs in growth/epochs", { timeout: 60_000 }, () => {
  const run = recordGrowMlp(2);
  const out = join(tempDir("tinygrow-gromotion-mlp-"), "export");
  const r = spawnSync(process.execPath, [CLI, "export", run, "--format", "gromotion", "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const rows = parseLogText(readFileSync(join(run, "log.jsonl"), "utf8")).records.filter((x) => x.kind === "init" || x.kind === "growth");
  const metrics = readJson(join(out, "metrics.json")) as Record<string, [number, number][]>;
  valid("metrics", metrics);
  assert.deepEqual(metrics["training/train loss"], rows.map((x) => [(x.epoch as number) - 1, x.losses?.train]));
  assert.deepEqual(metrics["growth/epochs"], rows.map((x, s) => [s, (x.epoch as number) - (s === 0 ? 0 : (rows[s - 1].epoch as number))]));
  assert.equal(metrics["growth/train loss"], undefined, "grow-mlp logs a row after its training, not right after the growth");
  for (const x of rows) valid("dagStep", readJson(join(out, "dags", "dag1", `step_${String(x.step).padStart(4, "0")}.json`)));
});

test("export --format gromotion refuses a log without the network's structure, naming what it cannot export", () => {
  const run = tempDir("tinygrow-gromotion-nograph-");
  writeFileSync(join(run, "log.jsonl"), '{"kind":"init","step":0,"epoch":0,"losses":{"train":1}}\n{"kind":"epoch","step":0,"epoch":1,"losses":{"train":0.5}}\n');
  const r = spawnSync(process.execPath, [CLI, "export", run, "--format", "gromotion", "--out", join(run, "out")], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /log\.jsonl.*no record carries the network's structure \(graph\)/);
});
