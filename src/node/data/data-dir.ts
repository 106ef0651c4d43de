/**
 * Where dataset files are looked up and downloaded to.
 *
 * A data root holds one folder per dataset (`<root>/mnist/`, `<root>/fashion-mnist/`), because
 * MNIST and Fashion-MNIST use the same four file names. Folders are searched in this order,
 * and the first one holding all the files a dataset needs is used:
 *
 *   1. `--data-dir DIR` (the flag wins over the environment): DIR/<dataset>, then DIR itself
 *      (so a folder that directly holds the four files, like shared/data/mnist, works);
 *   2. otherwise `$TINYGROW_DATA_DIR`, searched the same way;
 *   3. the download cache: `$XDG_CACHE_HOME/tinygrow/<dataset>`, else `~/.cache/tinygrow/<dataset>`;
 *   4. system folders known for the dataset (Debian's dataset-fashion-mnist package installs
 *      /usr/share/datasets/fashion-mnist).
 *
 * `tinygrow data fetch` writes to <root>/<dataset>, where root is the first of --data-dir,
 * $TINYGROW_DATA_DIR and the cache. A file may be stored gzip-compressed (`name.gz`, as
 * published) or decompressed (`name`). Nothing here reads the environment: the CLI passes it in.
 */
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DataError } from "../../errors.js";

/** The environment variables that matter here (the CLI passes process.env). */
export interface DataDirEnv {
  TINYGROW_DATA_DIR?: string;
  XDG_CACHE_HOME?: string;
  HOME?: string;
}

export type SearchSource = "--data-dir" | "TINYGROW_DATA_DIR" | "cache" | "system" | "option";

export interface SearchDir {
  dir: string;
  source: SearchSource;
}

export interface SearchOptions {
  dataset: string;
  /** The value of --data-dir, if given. */
  flag?: string;
  env?: DataDirEnv;
  /** Folders where a system package installs this dataset. */
  systemDirs?: readonly string[];
}

/** `$XDG_CACHE_HOME/tinygrow`, else `$HOME/.cache/tinygrow` (an empty or relative XDG value is ignored, per the XDG spec). */
export function defaultCacheRoot(env: DataDirEnv = {}): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && xdg.startsWith("/")) return join(xdg, "tinygrow");
  return join(env.HOME || homedir(), ".cache", "tinygrow");
}

/** The root `tinygrow data fetch` writes to, and where it came from. */
export function dataRoot(options: { flag?: string; env?: DataDirEnv }): SearchDir {
  const env = options.env ?? {};
  if (options.flag) return { dir: resolve(options.flag), source: "--data-dir" };
  if (env.TINYGROW_DATA_DIR) return { dir: resolve(env.TINYGROW_DATA_DIR), source: "TINYGROW_DATA_DIR" };
  return { dir: defaultCacheRoot(env), source: "cache" };
}

/** The folder a dataset is downloaded into. */
export function fetchDir(options: { dataset: string; flag?: string; env?: DataDirEnv }): SearchDir {
  const root = dataRoot(options);
  return { dir: join(root.dir, options.dataset), source: root.source };
}

/** The folders searched for a dataset, in order, without duplicates. */
export function searchDirs(options: SearchOptions): SearchDir[] {
  const env = options.env ?? {};
  const out: SearchDir[] = [];
  const add = (dir: string, source: SearchSource) => {
    const abs = resolve(dir);
    if (!out.some((d) => d.dir === abs)) out.push({ dir: abs, source });
  };
  const explicit = options.flag ? { dir: options.flag, source: "--data-dir" as const } : env.TINYGROW_DATA_DIR ? { dir: env.TINYGROW_DATA_DIR, source: "TINYGROW_DATA_DIR" as const } : null;
  if (explicit) {
    add(join(explicit.dir, options.dataset), explicit.source);
    add(explicit.dir, explicit.source);
  }
  add(join(defaultCacheRoot(env), options.dataset), "cache");
  for (const dir of options.systemDirs ?? []) add(dir, "system");
  return out;
}

/** Folders for a library caller's own data folder: `dir/<dataset>`, then `dir`. */
export function dirsFor(dataset: string, dir: string): SearchDir[] {
  return [
    { dir: resolve(dir, dataset), source: "option" },
    { dir: resolve(dir), source: "option" },
  ];
}

export interface LocatedFiles {
  dir: SearchDir;
  /** Path of each requested file, in the order asked: `name` or, failing that, its decompressed form. */
  paths: string[];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `name` (e.g. `x.gz`) or its decompressed form (`x`) inside `dir`, or null. */
export function findFile(dir: string, name: string): string | null {
  const candidates = name.endsWith(".gz") ? [name, name.slice(0, -3)] : [name, name + ".gz"];
  for (const c of candidates) {
    const path = join(dir, c);
    if (isFile(path)) return path;
  }
  return null;
}

/**
 * The first folder holding every one of `names` (and not refused by `reject`, which returns
 * why a folder is skipped, e.g. it holds another dataset's files). Otherwise a DataError that lists, for each
 * folder searched, which files are missing there, and how to get them (`hint`).
 */
export function locateFiles(
  names: readonly string[],
  dirs: readonly SearchDir[],
  label: string,
  hint: string,
  reject?: (paths: readonly string[]) => string | null,
): LocatedFiles {
  const report: string[] = [];
  for (const d of dirs) {
    const paths = names.map((n) => findFile(d.dir, n));
    if (paths.every((p) => p !== null)) {
      const why = reject?.(paths as string[]) ?? null;
      if (why === null) return { dir: d, paths: paths as string[] };
      report.push(`  ${d.dir} [${d.source}]: skipped, ${why}`);
      continue;
    }
    const missing = names.filter((_, i) => paths[i] === null);
    const where = existsSync(d.dir) ? "" : " (folder does not exist)";
    report.push(`  ${d.dir} [${d.source}]${where}: missing ${missing.length === names.length ? "all files" : missing.join(", ")}`);
  }
  throw new DataError(label, `files not found (${names.join(", ")}); searched:\n${report.join("\n")}\n${hint}`);
}
