/**
 * The model file (model.json, `tinygrow export --format json`): a versioned JSON document.
 * Schema (version 1; see docs/model-format.md):
 *
 *   { "format": "tinygrow-model", "version": 1,
 *     "task": "regression" | "classification",
 *     "features": { "columns": [{ "name", "kind": "numeric" } | { "name", "kind": "categorical", "categories": [..] }],
 *                   "fill": [number|null per column], "scaling": "standardize"|"min-max"|"none",
 *                   "shift": [..], "scale": [..] },            // per encoded column: x' = (x − shift) · scale
 *     "targets": { "columns": [..], "shift": [..], "scale": [..] },   // regression: y = y' / scale + shift
 *     "label": { "column", "classes": [..] },                          // classification: output c = classes[c]
 *     "network": <tinygrow-dag document, dag/serialize.ts>,
 *     "info": { … } }
 *
 * A bare network document ("format": "tinygrow-dag", a study's model.json) is also read:
 * a regression model on numeric columns x0…x(d−1) with no preprocessing.
 */
import { z } from "zod";
import { DataError } from "../errors.js";
import { DAG_FORMAT, modelFromJson, modelToJson, type DagModelJson } from "../dag/serialize.js";
import { SCALINGS } from "../data/preprocess.js";
import { TabularModel } from "./tabular-model.js";

export const MODEL_FORMAT = "tinygrow-model";
export const MODEL_FORMAT_VERSION = 1;

const ColumnSchema = z.union([
  z.strictObject({ name: z.string().min(1), kind: z.literal("numeric") }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("categorical"), categories: z.array(z.string()).min(1) }),
]);

const ModelDocumentSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_FORMAT_VERSION),
  task: z.enum(["regression", "classification"]),
  features: z.strictObject({
    columns: z.array(ColumnSchema).min(1),
    fill: z.array(z.number().nullable()),
    scaling: z.enum(SCALINGS),
    shift: z.array(z.number()),
    scale: z.array(z.number()),
  }),
  targets: z.strictObject({ columns: z.array(z.string()).min(1), shift: z.array(z.number()), scale: z.array(z.number()) }).optional(),
  label: z.strictObject({ column: z.string(), classes: z.array(z.string()).min(2) }).optional(),
  network: z.looseObject({ format: z.string(), version: z.number() }),
  info: z.record(z.string(), z.unknown()).optional(),
});

export type ModelDocument = z.output<typeof ModelDocumentSchema>;

export function modelToDocument(model: TabularModel): ModelDocument {
  const doc: ModelDocument = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    task: model.task,
    features: { ...model.features, columns: model.features.columns.map((c) => ({ ...c })) },
    network: modelToJson(model.network) as unknown as ModelDocument["network"],
    info: model.info,
  };
  if (model.targets !== null) doc.targets = model.targets;
  if (model.label !== null) doc.label = model.label;
  return doc;
}

/** Parses model text (DataError naming `file`: not JSON, another format, a newer version, a malformed field). */
export function modelFromText(text: string, file: string): TabularModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, `not a tinygrow model: not valid JSON (${(err as Error).message})`);
  }
  return modelFromDocument(json, file);
}

export function modelFromDocument(json: unknown, file: string): TabularModel {
  const head = (typeof json === "object" && json !== null ? json : {}) as { format?: unknown; version?: unknown };
  if (head.format === DAG_FORMAT) return fromBareNetwork(json as DagModelJson, file);
  if (head.format !== MODEL_FORMAT) {
    throw new DataError(file, `not a tinygrow model: format is ${JSON.stringify(head.format ?? null)}, expected "${MODEL_FORMAT}" (or a "${DAG_FORMAT}" network)`);
  }
  if (typeof head.version !== "number" || head.version !== MODEL_FORMAT_VERSION) {
    const newer = typeof head.version === "number" && head.version > MODEL_FORMAT_VERSION;
    throw new DataError(file, `model format version ${JSON.stringify(head.version ?? null)} is ${newer ? "newer than this tinygrow supports" : "not supported"}: this tinygrow reads version ${MODEL_FORMAT_VERSION}${newer ? " (upgrade tinygrow)" : ""}`);
  }
  const parsed = ModelDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(file, `malformed model: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const d = parsed.data;
  if (d.task === "regression" && d.targets === undefined) throw new DataError(file, "malformed model: a regression model needs \"targets\"");
  if (d.task === "classification" && d.label === undefined) throw new DataError(file, "malformed model: a classification model needs \"label\"");
  try {
    return new TabularModel({ task: d.task, features: d.features, targets: d.targets, label: d.label, network: modelFromJson(d.network as unknown as DagModelJson), info: d.info });
  } catch (err) {
    throw new DataError(file, `malformed model: ${(err as Error).message}`);
  }
}

function fromBareNetwork(json: DagModelJson, file: string): TabularModel {
  let network;
  try {
    network = modelFromJson(json);
  } catch (err) {
    throw new DataError(file, `malformed network: ${(err as Error).message}`);
  }
  const d = network.inputSize;
  const columns = Array.from({ length: d }, (_, i) => ({ name: `x${i}`, kind: "numeric" as const }));
  const o = network.outputSize;
  return new TabularModel({
    task: "regression",
    features: { columns, fill: columns.map(() => null), scaling: "none", shift: columns.map(() => 0), scale: columns.map(() => 1) },
    targets: { columns: Array.from({ length: o }, (_, i) => (o === 1 ? "y" : `y${i}`)), shift: new Array<number>(o).fill(0), scale: new Array<number>(o).fill(1) },
    network,
    info: { source: "bare tinygrow-dag network" },
  });
}
