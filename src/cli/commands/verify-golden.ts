/**
 * `tinygrow verify-golden FILE... [--tolerance 1e-9] [--kernels auto|native|wasm|portable]`:
 * recomputes every field of each golden case from its inputs with tinygrow's growth code
 * (src/growth/golden.ts, the same path as test/golden.test.ts), prints a table per file
 * (field, max abs diff, max rel diff, status) and fails (exit 1) when any field is above
 * the tolerance. Fully connected cases (test/golden/README.md) and conv cases
 * (test/golden-conv/README.md) are told apart by their config; an unknown schema_version or a
 * malformed case is a DataError naming the file and the field.
 */
import type { Command } from "commander";
import { NumericalError } from "../../errors.js";
import type { Kernels } from "../../kernels/kernels.js";
import { parseKernelRequest } from "../../kernels/select.js";
import { chooseKernels } from "../../node/kernels.js";
import { DEFAULT_GOLDEN_TOLERANCE, formatGoldenReport, type GoldenReport } from "../../growth/golden.js";
import { verifyGoldenFile } from "../../node/golden-file.js";
import { positiveFloatArg } from "../parsers.js";

export interface VerifyGoldenRun {
  reports: GoldenReport[];
  ok: boolean;
}

/** Verifies each file, writing the tables through `write`; throws NumericalError listing the failing fields. */
export function runVerifyGolden(files: readonly string[], tolerance: number, kernels: Kernels, write: (line: string) => void): VerifyGoldenRun {
  const reports: GoldenReport[] = [];
  for (const file of files) {
    const report = verifyGoldenFile(file, { tolerance }, kernels);
    for (const line of formatGoldenReport(report)) write(line);
    reports.push(report);
  }
  const failures = reports.flatMap((r) =>
    r.fields.filter((f) => !f.ok).map((f) => `${r.file}: ${f.field} (max rel ${f.maxRel.toExponential(2)}${f.note ? `, ${f.note}` : ""})`),
  );
  if (failures.length > 0) {
    throw new NumericalError("verify-golden", `${failures.length} field(s) above tolerance ${tolerance}:\n  ${failures.join("\n  ")}`);
  }
  return { reports, ok: true };
}

export function registerVerifyGolden(program: Command): void {
  program
    .command("verify-golden")
    .description("recompute golden TINY growth cases (fully connected or conv, schema_version 1) and compare every field")
    .argument("<files...>", "golden case JSON files")
    .option("--tolerance <rel>", `relative tolerance per field, > 0 (default ${DEFAULT_GOLDEN_TOLERANCE})`, positiveFloatArg)
    .option("--kernels <which>", "auto | native | portable (default auto)")
    .action((files: string[], opts: { tolerance?: number; kernels?: string }) => {
      const choice = chooseKernels(parseKernelRequest(opts.kernels, "--kernels"));
      process.stdout.write(`kernels: ${choice.reason}\n`);
      runVerifyGolden(files, opts.tolerance ?? DEFAULT_GOLDEN_TOLERANCE, choice.kernels, (line) => process.stdout.write(line + "\n"));
    });
}
