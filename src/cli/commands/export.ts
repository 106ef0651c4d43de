/**
 * `tinygrow export SOURCE --format F --out PATH`: a run or model in another format. One row
 * of EXPORT_FORMATS per format; each says what it writes and does it.
 *   onnx       the whole model, preprocessing included, as a standard ONNX graph (export/onnx.ts)
 *   json       the versioned model document (model/model-file.ts; docs/model-format.md)
 *   gromotion  the export-folder layout of GroMo's viewer (src/export/gromotion.ts)
 * Files are written to a temporary name and renamed: never half-written.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { exportOnnx, ONNX_DEFAULT_OPSET, ONNX_OPSETS } from "../../export/onnx.js";
import { writeFileAtomic } from "../../node/io/atomic.js";
import { modelToDocument } from "../../model/model-file.js";
import type { TabularModel } from "../../model/tabular-model.js";
import { exportGromotion } from "../../node/export/gromotion-folder.js";
import { loadModel } from "../../node/load-model.js";
import { intArg } from "../parsers.js";

export interface ExportOptions {
  /** ONNX opset (onnx only). */
  opset?: number;
}

export interface ExportFormat {
  /** One line for --help. */
  description: string;
  /** Exports `source` to `out`; returns the lines to print. */
  run(source: string, out: string, options: ExportOptions): Promise<string[]> | string[];
}

/** A model format: load the model (run folder or model.json), write one file atomically. */
function modelFormat(description: string, write: (model: TabularModel, options: ExportOptions) => Uint8Array | string): ExportFormat {
  return {
    description,
    run(source, out, options) {
      const model = loadModel(source);
      writeFileAtomic(out, write(model, options));
      return [`${source} → ${out} (${model.task}, ${model.network.parameterCount()} parameters, input: ${model.features.columns.length} feature columns ${model.featureNames.join(", ")})`];
    },
  };
}

export const EXPORT_FORMATS: Record<string, ExportFormat> = {
  onnx: modelFormat(
    `ONNX (opset ${ONNX_DEFAULT_OPSET} by default, --opset ${ONNX_OPSETS[0]}–${ONNX_OPSETS[ONNX_OPSETS.length - 1]}) of a model (run folder of grow/grow-mlp, or a model.json), preprocessing and (classification) softmax included`,
    (model, options) => exportOnnx(model, { opset: options.opset }),
  ),
  json: modelFormat("the versioned tinygrow model document (model.json, docs/model-format.md)", (model) => JSON.stringify(modelToDocument(model)) + "\n"),
  gromotion: {
    description: "GroMo's viewer (growingnet/gromotion): run.json, metrics.json, metric_axes.json, dags/dag1/step_NNNN.json, growth_history/dag1.json; a folder per run of a study and per unit of a grow-cnn log",
    run(source, out) {
      return exportGromotion(source, out).map((r) => `${r.id === "." ? "run" : r.id}: ${r.files} files in ${r.dir}`);
    },
  },
};

function formatArg(value: string): string {
  if (!(value in EXPORT_FORMATS)) throw new InvalidArgumentError(`expected one of ${Object.keys(EXPORT_FORMATS).join(", ")}.`);
  return value;
}

function opsetArg(value: string): number {
  const n = intArg(value);
  if (!(ONNX_OPSETS as readonly number[]).includes(n)) throw new InvalidArgumentError(`expected ${ONNX_OPSETS[0]}–${ONNX_OPSETS[ONNX_OPSETS.length - 1]}.`);
  return n;
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("write a run or a model in another format (ONNX, the model document, gromotion)")
    .argument("<source>", "a run folder, a study folder (gromotion: every run is exported) or a model.json")
    .requiredOption("--format <name>", `output format: ${Object.keys(EXPORT_FORMATS).join(", ")}`, formatArg)
    .requiredOption("--out <path>", "where to write (a file for onnx/json; a folder that must not exist or be empty, for gromotion)")
    .option("--opset <n>", `ONNX opset (default: ${ONNX_DEFAULT_OPSET}; GELU is written with Erf below 20)`, opsetArg)
    .option("--quiet", "no summary line")
    .addHelpText(
      "after",
      "\nFormats:\n" +
        Object.entries(EXPORT_FORMATS).map(([name, f]) => `  ${name}: ${f.description}`).join("\n") +
        '\n\nThe ONNX graph takes one input "input" (N, features): the raw feature columns in the model\'s order (a categorical column as the index of its category in model.json); it outputs "prediction" (regression) or "logits" and "probabilities" (classification).',
    )
    .action(async (source: string, options: { format: string; out: string; opset?: number; quiet?: boolean }) => {
      const lines = await EXPORT_FORMATS[options.format].run(source, options.out, { opset: options.opset });
      if (options.quiet !== true) for (const line of lines) process.stdout.write(`${options.format}: ${line}\n`);
    });
}
