/** Golden TINY cases read from JSON files (the verification itself is growth/golden.ts, on parsed JSON). */
import { readFileSync } from "node:fs";
import { DataError } from "../errors.js";
import { verifyGoldenCase, type GoldenReport, type VerifyGoldenOptions } from "../growth/golden.js";
import type { Kernels } from "../kernels/kernels.js";

/** Reads a JSON file and verifies it; unreadable or invalid JSON is a DataError naming the file. */
export function verifyGoldenFile(file: string, options: VerifyGoldenOptions, kernels: Kernels): GoldenReport {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, `invalid JSON: ${(err as Error).message}`);
  }
  return verifyGoldenCase(json, file, options, kernels);
}
