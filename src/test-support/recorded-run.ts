/**
 * Test helper: small recorded runs written by the real CLI (teacher-student, one seed, a few
 * growth steps), for the viewer's and the exporters' tests.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeTinyMnist } from "../node/data/idx-fixtures.js";
import { tempDir } from "./temp-dir.js";

export const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const ENV = { ...process.env, TINYGROW_KERNELS: "" };

/** Arguments of a study that grows a few nodes in a couple of seconds. */
export function tinyStudyArgs(options: { steps?: number; epochs?: number; strategy?: string } = {}): string[] {
  return ["--strategy", options.strategy ?? "whole", "--steps", String(options.steps ?? 4), "--epochs", String(options.epochs ?? 15), "--seeds", "3", "--train-samples", "1500", "--test-samples", "100", "--neurons", "10", "--workers", "0", "--quiet", "--no-oracle", "--no-retrain"];
}

/** Runs `tinygrow teacher-student` to the end; returns the study folder and its run folder. */
export function recordStudy(options: { steps?: number; epochs?: number } = {}): { study: string; run: string } {
  const study = join(tempDir("tinygrow-recorded-"), "study");
  const r = spawnSync(process.execPath, [CLI, "teacher-student", ...tinyStudyArgs(options), "--out", study], { encoding: "utf8", env: ENV });
  if (r.status !== 0) throw new Error(`recording a run failed (${r.status}): ${r.stderr}`);
  return { study, run: join(study, "whole", "seed-3") };
}

/** Starts a study in the background; resolves when it exits. */
export function startStudy(study: string, options: { steps?: number; epochs?: number } = {}): { exited: Promise<number | null>; kill(): void } {
  const child = spawn(process.execPath, [CLI, "teacher-student", ...tinyStudyArgs(options), "--out", study], { stdio: "ignore", env: ENV });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { exited, kill: () => child.kill("SIGKILL") };
}

/** Runs `tinygrow grow-mlp` (teacher regression, 20-0-0-4, portable kernels) for `steps` steps; returns its run folder. */
export function recordGrowMlp(steps = 3): string {
  const out = join(tempDir("tinygrow-recorded-mlp-"), "grow-mlp");
  const args = ["grow-mlp", "--steps", String(steps), "--epochs-between", "2", "--samples", "300", "--test-samples", "50", "--kernels", "portable", "--quiet", "--out", out];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: ENV });
  if (r.status !== 0) throw new Error(`recording a grow-mlp run failed (${r.status}): ${r.stderr}`);
  return out;
}

/** Runs `tinygrow grow-cnn` on tiny generated 8×8 IDX files (the grown CNN from widths 2-2, two steps, one fixed baseline); returns its run folder. */
export function recordGrowCnn(): string {
  const data = tempDir("tinygrow-recorded-cnn-data-");
  writeTinyMnist(data, { train: 160, test: 40, rows: 8, cols: 8 });
  const out = join(tempDir("tinygrow-recorded-cnn-"), "grow-cnn");
  const args = ["grow-cnn", "--data-dir", data, "--no-verify", "--kernels", "portable", "--validation", "40", "--widths", "2,2", "--steps", "2", "--channels", "2", "--initial-epochs", "1", "--epochs-per-step", "1", "--final-epochs", "0", "--baselines", "2,4", "--statistics-images", "48", "--line-search-images", "48", "--line-search-points", "5", "--batch-size", "16", "--out", out, "--quiet"];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: ENV });
  if (r.status !== 0) throw new Error(`recording a grow-cnn run failed (${r.status}): ${r.stderr}`);
  return out;
}
