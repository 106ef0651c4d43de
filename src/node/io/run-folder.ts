/**
 * The run folder: one folder per run holding manifest.json, the JSON-lines log, checkpoints,
 * plots and the summary. Nothing already written there is lost or overwritten: a new run
 * refuses a folder that is not empty, and every file is written atomically (see atomic.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { arch, cpus, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DataError } from "../../errors.js";
import { writeFileAtomic } from "./atomic.js";
import { makeFolder } from "./make-folder.js";
import { acquireRunLock, type RunLock } from "./run-lock.js";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT_VERSION = 1;

/** What a run records at its start, so that it can be reproduced and audited. */
export interface RunManifestInput {
  /** The resolved configuration (as validated by io/config.ts). */
  config: unknown;
  seed: number;
  /** The kernels in use and why they were chosen (from chooseKernels), and the run's BLAS thread count (withBlasThreads). */
  kernels: { name: string; reason: string; blasThreads?: number };
  /** Software versions; `softwareVersions()` gives the usual set. */
  versions: Record<string, string>;
  /** How the data was split (sizes, seeds, file hashes: whatever the runner needs to redo it). */
  dataSplit: unknown;
  /** The command line that started the run, for the record. */
  command?: string[];
}

export interface RunManifest extends RunManifestInput {
  formatVersion: number;
  /** ISO 8601 time the run started. */
  startedAt: string;
  /** ISO 8601 times at which the run was resumed, oldest first. */
  resumedAt: string[];
}

const ManifestSchema = z.looseObject({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  startedAt: z.string(),
  resumedAt: z.array(z.string()),
  seed: z.number(),
  kernels: z.looseObject({ name: z.string(), reason: z.string() }),
  versions: z.record(z.string(), z.string()),
});

/** An open run folder. */
export interface RunFolder {
  /** Absolute path of the folder. */
  readonly dir: string;
  readonly manifest: RunManifest;
  /** Set when this process took over the lock of a crashed one (run-lock.ts): tell the user. */
  readonly lockTakeover: string | null;
  /** The path of a file inside the folder. */
  file(name: string): string;
  /** Gives up the folder's lock before the process ends (it is released at exit anyway). */
  release(): void;
}

/**
 * Creates the folder for a new run (parents included) and writes manifest.json.
 * Throws DataError naming the folder when it already holds anything, suggesting --resume
 * or another --out; the manifest itself is created without overwriting (atomic link).
 */
export function createRunFolder(dir: string, input: RunManifestInput, now: Date = new Date()): RunFolder {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new DataError(abs, "exists and is not a folder; choose another --out");
    const entries = readdirSync(abs);
    if (entries.length > 0) {
      const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? `, … (${entries.length} entries)` : "");
      const what = entries.includes(MANIFEST_FILE) ? "already holds a run" : "is not empty";
      throw new DataError(abs, `${what} (${shown}); resume it with --resume, or choose another --out`);
    }
  }
  makeFolder(abs, "run folder");
  const lock = acquireRunLock(abs);
  const manifest: RunManifest = { formatVersion: MANIFEST_FORMAT_VERSION, startedAt: now.toISOString(), resumedAt: [], ...input };
  writeFileAtomic(join(abs, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n", { overwrite: false });
  return folder(abs, manifest, lock);
}

/**
 * Opens the folder of an existing run to resume it: reads and checks manifest.json and
 * records the resume time in it (the manifest is rewritten atomically; nothing is removed).
 */
export function resumeRunFolder(dir: string, now: Date = new Date()): RunFolder {
  const abs = resolve(dir);
  readManifest(abs);
  const lock = acquireRunLock(abs);
  const manifest = readManifest(abs); // again: the previous holder may have rewritten it
  manifest.resumedAt.push(now.toISOString());
  writeFileAtomic(join(abs, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return folder(abs, manifest, lock);
}

/** Reads and checks `dir/manifest.json`; errors name the file and what was expected. */
export function readManifest(dir: string): RunManifest {
  const path = join(resolve(dir), MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new DataError(path, missing ? "no run to resume here (manifest.json is missing); start a new run without --resume" : (err as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError(path, `invalid JSON: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new DataError(path, `not a tinygrow run manifest (format ${MANIFEST_FORMAT_VERSION}): ${issues}`);
  }
  return parsed.data as unknown as RunManifest;
}

/**
 * Before a study reads its configuration back from `dir`: a folder made by another command
 * (`command` records its command line) is refused naming that command and how to resume it,
 * instead of failing on the other command's configuration fields.
 */
export function checkMadeBy(dir: string, manifest: RunManifest, commands: readonly string[]): void {
  const made = manifest.command?.[1];
  if (made === undefined || commands.includes(made)) return;
  throw new DataError(join(resolve(dir), MANIFEST_FILE), `this folder was made by \`tinygrow ${made}\`, not by ${commands.map((c) => `\`tinygrow ${c}\``).join(" or ")}; resume it with: tinygrow ${made} --resume ${dir}`);
}

/** Versions worth recording: tinygrow (from its package.json), Node, V8, OS, CPU. */
export function softwareVersions(): Record<string, string> {
  const cpu = cpus()[0];
  return {
    tinygrow: packageVersion() ?? "unknown",
    node: process.versions.node,
    v8: process.versions.v8,
    platform: `${platform()}-${arch()}`,
    cpu: cpu ? `${cpu.model} ×${cpus().length}` : "unknown",
  };
}

/** The version in the nearest package.json named "tinygrow" above this file. */
function packageVersion(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "tinygrow") return pkg.version;
      } catch {
        // not a readable package.json; keep looking upwards
      }
    }
    dir = dirname(dir);
  }
  return undefined;
}

function folder(dir: string, manifest: RunManifest, lock: RunLock): RunFolder {
  return { dir, manifest, lockTakeover: lock.takeover, file: (name) => join(dir, name), release: () => lock.release() };
}
