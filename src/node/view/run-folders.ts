/**
 * Finds the runs of a folder for the viewer and the exporters, tolerant of every command's
 * layout: a run folder (manifest.json + log.jsonl) or a study folder (its own manifest.json,
 * runs in subfolders such as whole/seed-0, oracle/seed-0, grown/, baseline-784-300-10/).
 * What the folder holds decides, and the manifest's command name labels it; nothing depends
 * on a list of known commands.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { DataError } from "../../errors.js";
import { LOG_FILE } from "../../experiments/growth-run.js";
import { MANIFEST_FILE, MANIFEST_FORMAT_VERSION } from "../io/run-folder.js";

/** Subfolder depth searched for the runs of a study (strategy/seed-N is depth 2, a sweep's jobs/<job>/strategy/seed-N depth 4). */
const MAX_DEPTH = 5;

export interface RunEntry {
  /** Path relative to the opened folder, with "/" separators ("." for a single run). */
  id: string;
  dir: string;
  /** The manifest, or null when the run has none (a log alone still opens). */
  manifest: Record<string, unknown> | null;
  /** Why this run cannot be shown (a newer format, an unreadable manifest), or null. */
  problem: string | null;
}

export interface OpenedFolder {
  root: string;
  kind: "run" | "study";
  /** The command that wrote the folder ("compare", "mnist", …), from its manifest; "unknown" when it says nothing. */
  command: string;
  manifest: Record<string, unknown> | null;
  runs: RunEntry[];
}

/**
 * The command name of a manifest: the argument after the script in `command` (the argv the
 * run recorded), else `config.command` / `config.kind`, else "unknown".
 */
export function commandName(manifest: Record<string, unknown> | null): string {
  const argv = manifest?.command;
  if (Array.isArray(argv)) {
    const script = argv.findIndex((a) => typeof a === "string" && /(^|[/\\])(main\.[cm]?js|tinygrow)$/.test(a));
    const name = argv[script + 1];
    if (typeof name === "string" && !name.startsWith("-")) return name;
  }
  const config = manifest?.config as Record<string, unknown> | undefined;
  for (const key of ["command", "kind"]) if (typeof config?.[key] === "string") return config[key] as string;
  return "unknown";
}

/** The manifest of `dir` checked for a format this version reads; `problem` says why not. */
export function readManifestLoosely(dir: string): { manifest: Record<string, unknown> | null; problem: string | null } {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return { manifest: null, problem: null };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return { manifest: null, problem: `${path}: invalid JSON (${(err as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { manifest: null, problem: `${path}: expected a JSON object` };
  const manifest = value as Record<string, unknown>;
  const format = manifest.formatVersion;
  if (typeof format === "number" && format > MANIFEST_FORMAT_VERSION) {
    const by = typeof (manifest.versions as Record<string, unknown> | undefined)?.tinygrow === "string" ? ` by tinygrow ${(manifest.versions as Record<string, string>).tinygrow}` : "";
    return { manifest, problem: `${path}: written${by} in run format ${format}; this tinygrow reads format ${MANIFEST_FORMAT_VERSION} and older: upgrade tinygrow to open it` };
  }
  return { manifest, problem: null };
}

const isRunDir = (dir: string): boolean => existsSync(join(dir, LOG_FILE));

function findRuns(root: string, dir: string, depth: number, out: RunEntry[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const sub = join(dir, name);
    if (name.startsWith(".") || !statSync(sub, { throwIfNoEntry: false })?.isDirectory()) continue;
    if (isRunDir(sub)) out.push({ id: relative(root, sub).split(sep).join("/"), dir: sub, ...readManifestLoosely(sub) });
    else if (depth < MAX_DEPTH) findRuns(root, sub, depth + 1, out);
  }
}

/**
 * Opens `path` as a run or a study. DataError when it is neither, saying what was expected;
 * a single run written in a newer format is refused with the version it needs.
 */
export function openRunFolder(path: string): OpenedFolder {
  const root = resolve(path);
  const stat = statSync(root, { throwIfNoEntry: false });
  if (stat === undefined) throw new DataError(root, "no such folder; expected a run folder written by a tinygrow command (e.g. runs/compare-…)");
  if (!stat.isDirectory()) throw new DataError(root, "is a file; expected a run folder (manifest.json and log.jsonl) or a study folder holding run folders");
  const own = readManifestLoosely(root);
  if (isRunDir(root)) {
    if (own.problem !== null) throw new DataError(root, own.problem);
    return { root, kind: "run", command: commandName(own.manifest), manifest: own.manifest, runs: [{ id: ".", dir: root, ...own }] };
  }
  const runs: RunEntry[] = [];
  findRuns(root, root, 1, runs);
  if (runs.length === 0 && own.manifest !== null && own.problem === null && commandName(own.manifest) !== "unknown" && !existsSync(join(root, "model.json"))) {
    // A study that has just started: its runs appear as it writes them (rescanStudy).
    return { root, kind: "study", command: commandName(own.manifest), manifest: own.manifest, runs };
  }
  if (runs.length === 0) {
    const what = own.manifest !== null ? "has a manifest.json but no log.jsonl, neither here nor in its subfolders (the run has not written its first record yet?)" : "is not a tinygrow run";
    throw new DataError(root, `${what}: expected ${MANIFEST_FILE} and ${LOG_FILE} (a run), or subfolders holding them (a study such as compare or mnist)`);
  }
  if (own.problem !== null) throw new DataError(root, own.problem);
  const fromRuns = runs.map((r) => commandName(r.manifest)).find((c) => c !== "unknown");
  // A sweep folder has sweep.json instead of a manifest (node/sweep/folder.ts); its jobs are studies.
  const command = commandName(own.manifest) !== "unknown" ? commandName(own.manifest) : existsSync(join(root, "sweep.json")) ? "sweep" : (fromRuns ?? "unknown");
  return { root, kind: "study", command, manifest: own.manifest, runs };
}

/** New run folders that appeared in a study since it was opened (a study writes its runs one after the other). */
export function rescanStudy(opened: OpenedFolder): RunEntry[] {
  if (opened.kind === "run") return [];
  const runs: RunEntry[] = [];
  findRuns(opened.root, opened.root, 1, runs);
  const known = new Set(opened.runs.map((r) => r.id));
  return runs.filter((r) => !known.has(r.id));
}

/** A short title for the folder: "compare · cmp-2026-…". */
export function folderTitle(opened: OpenedFolder): string {
  return `${opened.command} · ${basename(opened.root)}`;
}
