/**
 * A run in gromotion's export-folder layout (growingnet/gromotion, backend/ingest: the
 * `folder` source and its normaliser), so that GroMo's viewer can replay tinygrow runs:
 *
 *   run.json                          {run_id, name, project, created_at, dataset, config, summary}
 *   metrics.json                      {metric_key: [[x, y], …]}
 *   metric_axes.json                  {metric_key: "epoch" | "growth_step"}
 *   dags/dag1/step_NNNN.json          GrowingDAG.export_dag_parameters() after step NNNN (gromotion-dag.ts)
 *   growth_history/dag1.json          {step: {key: 0|1|2}}  (2 added, 1 weights updated, 0 untouched)
 *
 * The mapping (README, "Export for gromotion", says the same):
 *  - steps: gromotion's growth step s is tinygrow's step s (0 = the starting model, s = after
 *    the s-th growth step). A snapshot is written for every step: the ingester reads a
 *    snapshot's step as the last step its state was current and re-keys it one past the
 *    previous stamp (align_snapshots_to_growth), which is the identity for consecutive stamps;
 *  - metrics on the epoch axis come from the log's training points (trainingPoints), at
 *    x = epoch − 1 (GroMo counts epochs from 0): "training/<split> loss" and
 *    "training/<split> accuracy" (a fraction), with splits train (the epoch's running mean),
 *    train-opt, train-ls, train-gr, val (tinygrow's validation), test; on the growth-step
 *    axis, x = step: "complexity/nb of parameters", "growth/epochs" (epochs trained in the
 *    step, from which the ingester rebuilds each step's epoch range), "growth/neurons
 *    added", "growth/gamma" and "growth/<split> loss" (right after the step, before training);
 *  - growth history for every step that changed the network: new edges and the edges of a
 *    widened node 2 (GroMo: "added or increased in dimension"), the existing in-edges of the
 *    nodes whose δW* update moved them 1 (none when growth.applyDelta is off), every other
 *    edge 0; new nodes 2, other nodes 0;
 *  - a log of several networks (grow-cnn's units: the grown CNN, each fixed baseline, the FS
 *    retrain) is one export per unit (gromotionRuns): gromotion's DAGs of one run are parts
 *    of one network sharing its timeline and metrics, which the units are not.
 * Platform-free: a map from relative path to JSON value; src/node/export/ writes it.
 */
import { asGraph, type LogRecord, type LoggedGraph } from "../view/run-log.js";
import { buildTimeline } from "../view/timeline.js";
import { isUnitRecord, UnitSplitter } from "../view/unit-logs.js";
import { exportDagParameters, GROMOTION_DAG, growthHistoryEntry } from "./gromotion-dag.js";

export interface GromotionInput {
  runId: string;
  name: string;
  /** The run's manifest.json (null when it has none). */
  manifest: Record<string, unknown> | null;
  /** The command that wrote the run ("compare", "mnist", …). */
  command: string;
  records: readonly LogRecord[];
  /** Whether the run finished, when the log cannot say (a grow-cnn unit writes no "done" record); default: it has a "done" record. */
  finished?: boolean;
}

/** Export-folder files by relative path. */
export type GromotionFiles = Map<string, unknown>;

/** The networks of a log: the log itself, or each unit of a grow-cnn log (`unit` its name) with its records in the viewer's fields. */
export function gromotionRuns(records: readonly LogRecord[]): { unit: string | null; records: LogRecord[] }[] {
  if (!records.some(isUnitRecord)) return [{ unit: null, records: [...records] }];
  return [...new UnitSplitter().push(records)].map(([unit, list]) => ({ unit, records: list }));
}

/** One point of the training curve: the record, its step, and the epochs it stands for (since the previous point). */
interface TrainingPoint {
  record: LogRecord;
  step: number;
  epochs: number;
}

/**
 * The log's training curve: its epoch records, and step records written after training —
 * a starting network already trained (`init` with epoch ≥ 1: grow-cnn's units, grow-mlp)
 * and, in a log without epoch records (grow-mlp), every step record with losses (a row is
 * logged after its training). Each stands for the epochs since the previous point.
 */
export function trainingPoints(records: readonly LogRecord[]): TrainingPoint[] {
  const hasEpochRecords = records.some((r) => r.kind === "epoch");
  const measured = (r: LogRecord): boolean => r.losses !== undefined || r.accuracy !== undefined;
  const points: TrainingPoint[] = [];
  let step = 0;
  let epoch = 0;
  for (const r of records) {
    if (typeof r.step === "number") step = r.step;
    if (typeof r.epoch !== "number") continue;
    const isPoint = r.kind === "epoch" || (measured(r) && r.epoch >= 1 && (r.kind === "init" || (!hasEpochRecords && r.kind === "growth")));
    if (!isPoint) continue;
    points.push({ record: r, step, epochs: Math.max(0, r.epoch - epoch) });
    epoch = Math.max(epoch, r.epoch);
  }
  return points;
}

const SPLIT_KEY: Record<string, string> = { validation: "val" };
const splitKey = (split: string): string => SPLIT_KEY[split] ?? split;

function applyDeltaOf(manifest: Record<string, unknown> | null): boolean {
  const config = (manifest?.config ?? {}) as Record<string, unknown>;
  const run = (config.run ?? config) as Record<string, unknown>;
  const growth = (run.growth ?? {}) as Record<string, unknown>;
  // growth-run's growth.applyDelta; grow-cnn's growth.updateDelta.
  return growth.applyDelta !== false && growth.updateDelta !== false;
}

export function gromotionExport(input: GromotionInput): GromotionFiles {
  const timeline = buildTimeline(input.records);
  const metrics = new Map<string, [number, number][]>();
  const axes: Record<string, "epoch" | "growth_step"> = {};
  const add = (key: string, axis: "epoch" | "growth_step", x: number, y: number | null | undefined): void => {
    if (typeof y !== "number" || !Number.isFinite(y)) return;
    axes[key] = axis;
    metrics.set(key, [...(metrics.get(key) ?? []), [x, y]]);
  };
  const training = trainingPoints(input.records);
  const epochsPerStep = new Map<number, number>();
  for (const { record: r, step, epochs } of training) {
    epochsPerStep.set(step, (epochsPerStep.get(step) ?? 0) + epochs);
    for (const [split, v] of Object.entries(r.losses ?? {})) add(`training/${splitKey(split)} loss`, "epoch", (r.epoch as number) - 1, v);
    for (const [split, v] of Object.entries(r.accuracy ?? {})) add(`training/${splitKey(split)} accuracy`, "epoch", (r.epoch as number) - 1, v);
  }
  const isTraining = new Set(training.map((p) => p.record));
  const files: GromotionFiles = new Map();
  const history: Record<string, Record<string, number>> = {};
  let previous: LoggedGraph | null = null;
  for (const step of timeline.steps) {
    const record = input.records[step.record];
    add("complexity/nb of parameters", "growth_step", step.step, step.parameters);
    add("growth/epochs", "growth_step", step.step, epochsPerStep.get(step.step) ?? 0);
    if (step.growth !== null) {
      add("growth/neurons added", "growth_step", step.step, step.growth.neurons ?? 0);
      add("growth/gamma", "growth_step", step.step, step.growth.gamma);
    }
    if (!isTraining.has(record)) for (const [split, v] of Object.entries(record.losses ?? {})) add(`growth/${splitKey(split)} loss`, "growth_step", step.step, v);
    const graph = asGraph(record.graph);
    if (graph !== null) {
      files.set(`dags/${GROMOTION_DAG}/step_${String(step.step).padStart(4, "0")}.json`, exportDagParameters(graph));
      const entry = growthHistoryEntry(step, previous, applyDeltaOf(input.manifest));
      if (entry !== null) history[String(step.step)] = entry;
      previous = graph;
    }
  }
  const last = input.records[input.records.length - 1];
  const config = input.manifest?.config ?? {};
  const dataset = typeof (config as Record<string, unknown>).dataset === "string" ? (config as Record<string, string>).dataset : input.command === "teacher-student" || input.command === "compare" ? "teacher-student (synthetic)" : input.command;
  files.set("run.json", {
    run_id: input.runId,
    name: input.name,
    project: "tinygrow",
    created_at: typeof input.manifest?.startedAt === "string" ? input.manifest.startedAt : null,
    dataset,
    config,
    summary: { command: input.command, finished: input.finished ?? timeline.finished, steps: timeline.steps.length === 0 ? 0 : timeline.steps[timeline.steps.length - 1].step, parameters: last?.parameters ?? null, losses: last?.losses ?? {}, accuracy: last?.accuracy ?? {} },
  });
  files.set("metrics.json", Object.fromEntries(metrics));
  files.set("metric_axes.json", axes);
  if (Object.keys(history).length > 0) files.set(`growth_history/${GROMOTION_DAG}.json`, history);
  return files;
}
