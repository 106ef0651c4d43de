/**
 * `tinygrow data fetch|info`: download MNIST / Fashion-MNIST / CIFAR-10 into the cache with
 * verified checksums, and show where the files are found.
 */
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { DataError } from "../../errors.js";
import { fetchDir, searchDirs, type DataDirEnv, locateFiles } from "../../node/data/data-dir.js";
import { fetchDataset, type FetchEvent } from "../../node/data/fetch.js";
import { checkFile, DATASET_NAMES, DATASETS, datasetSpec, fetchHint, rejectForeign, type DatasetName } from "../../node/data/mnist.js";
import { CIFAR10, CIFAR10_FETCH_HINT, checkCifarFile, cifarDirs, fetchCifar10 } from "../../node/data/cifar.js";
import { createProgress, type Progress } from "../progress.js";

/** The datasets this command knows: the IDX ones and CIFAR-10. */
type AnyDataset = DatasetName | "cifar10";
const ALL_DATASETS: readonly AnyDataset[] = [...DATASET_NAMES, "cifar10"];

export interface DataCommandDeps {
  env?: DataDirEnv;
  out?: (line: string) => void;
  fetchImpl?: typeof fetch;
  /** Progress bars (default: on, drawn on stderr). */
  progress?: boolean;
}

const LOOKUP_HELP = `
Where data is looked up (the first folder holding all the files wins):
  1. --data-dir DIR: DIR/<dataset>, then DIR itself (a folder holding the four files)
  2. otherwise $TINYGROW_DATA_DIR, searched the same way (the flag wins over the variable)
  3. the cache: $XDG_CACHE_HOME/tinygrow/<dataset>, else ~/.cache/tinygrow/<dataset>
  4. system folders: /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
MNIST-style files may be gzip-compressed as published (name.gz) or decompressed (name).
CIFAR-10: the six .bin files of the binary version (data_batch_1..5.bin, test_batch.bin), in a
folder above or in its cifar-10-batches-bin/ subfolder.`;

function datasetArgument(required: boolean): string {
  return required ? "<dataset>" : "[dataset]";
}

function parseDataset(value: string): AnyDataset {
  return value === "cifar10" ? "cifar10" : datasetSpec(value).name;
}

export function registerData(program: Command, deps: DataCommandDeps = {}): void {
  const env = (): DataDirEnv => deps.env ?? process.env;
  const out = deps.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const data = program.command("data").description("download and inspect the MNIST / Fashion-MNIST data files").addHelpText("after", LOOKUP_HELP);

  data
    .command("fetch")
    .description(`download a dataset (${ALL_DATASETS.join(" | ")}) from its public mirrors and verify every file's checksum`)
    .argument(datasetArgument(true), `one of: ${ALL_DATASETS.join(", ")}`, parseDataset)
    .option("--data-dir <dir>", "data root to download into: files go to DIR/<dataset>/ (default: $TINYGROW_DATA_DIR, else the cache)")
    .addOption(new Option("--mirror <url...>", "base URL(s) to try instead of the published mirrors, in order"))
    .option("--quiet", "no progress output")
    .addHelpText(
      "after",
      `
Mirrors, tried in order (a 404 or connection error falls through to the next):
${DATASET_NAMES.map((n) => `  ${n}: ${DATASETS[n].mirrors.join("  ")}`).join("\n")}
  cifar10: ${CIFAR10.mirrors.join("  ")} (${CIFAR10.archive.name}, md5 ${CIFAR10.archive.md5}; the six .bin files
    are extracted and checked, 10,000 records and labels 0..9 each, then the archive is removed)
Each file is streamed to a temporary file, checked against its published MD5 (and SHA-256),
and only then renamed to its final name; a mismatch is an error and leaves nothing behind.
Files already present with the right checksums are kept.`,
    )
    .action(async (dataset: AnyDataset, opts: { dataDir?: string; mirror?: string[]; quiet?: boolean }) => {
      const target = fetchDir({ dataset, flag: opts.dataDir, env: env() });
      out(`fetching ${dataset} into ${target.dir} [${target.source}]`);
      const showProgress = !opts.quiet && deps.progress !== false;
      const bars = new Map<string, Progress>();
      const onEvent = (e: FetchEvent) => {
        if (e.kind === "start") {
          bars.set(e.file, createProgress({ label: e.file, total: e.totalBytes ?? 0, enabled: showProgress }));
        } else if (e.kind === "bytes") {
          bars.get(e.file)?.tick(e.bytes);
        } else if (e.kind === "mirror-failed") {
          bars.get(e.file)?.stop();
          bars.delete(e.file);
          if (!opts.quiet) out(`  ${e.url}: ${e.reason}; trying the next mirror`);
        } else {
          bars.get(e.file)?.stop();
          if (!opts.quiet) out(`  ${e.file}: ${e.source === "already present" ? "already present, checksum verified" : `downloaded from ${e.source}, checksum verified`}`);
        }
      };
      try {
        if (dataset === "cifar10") {
          const got = await fetchCifar10({ dir: target.dir, mirrors: opts.mirror, onEvent, fetchImpl: deps.fetchImpl });
          if (got.source === "already present" && !opts.quiet) out("  the six batch files are already present and valid");
          out(`cifar10: ${got.paths.length} files verified in ${target.dir}`);
        } else {
          const files = await fetchDataset({ dataset, dir: target.dir, mirrors: opts.mirror, onEvent, fetchImpl: deps.fetchImpl });
          out(`${dataset}: ${files.length} files verified in ${target.dir}`);
        }
      } finally {
        for (const bar of bars.values()) bar.stop();
      }
    });

  data
    .command("info")
    .description("show where each dataset's files are found and check them against the published checksums")
    .argument(datasetArgument(false), `one of: ${ALL_DATASETS.join(", ")} (default: all)`, parseDataset)
    .option("--data-dir <dir>", "data root or folder to look in first")
    .addHelpText("after", "\nExits with status 1 when a named dataset is missing or any file found fails its checksum.")
    .action((dataset: AnyDataset | undefined, opts: { dataDir?: string }) => {
      const names = dataset ? [dataset] : ALL_DATASETS;
      const problems: string[] = [];
      for (const name of names) {
        const problem = name === "cifar10" ? describeCifar(opts.dataDir, env(), out) : describeDataset(name, opts.dataDir, env(), out);
        if (problem && (dataset || problem.kind === "corrupt")) problems.push(problem.message);
      }
      if (problems.length > 0) throw new DataError(names.length === 1 ? names[0] : "data", problems.join("\n"));
    });
}

/** Prints one dataset's location and checksums; returns what is wrong, if anything. */
function describeDataset(name: DatasetName, flag: string | undefined, env: DataDirEnv, out: (line: string) => void): { kind: "missing" | "corrupt"; message: string } | null {
  const spec = DATASETS[name];
  const dirs = searchDirs({ dataset: name, flag, env, systemDirs: spec.systemDirs });
  out(`${name} (${spec.title})`);
  let located;
  try {
    located = locateFiles(
      spec.files.map((f) => f.name),
      dirs,
      name,
      fetchHint(name),
      rejectForeign(spec, spec.files),
    );
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    out(`  ${err.detail.replace(/\n/g, "\n  ")}`);
    return { kind: "missing", message: `not found (${fetchHint(name)})` };
  }
  out(`  found in ${located.dir.dir} [${located.dir.source}]`);
  const bad: string[] = [];
  spec.files.forEach((f, i) => {
    const path = located.paths[i];
    let stored: Uint8Array;
    try {
      stored = readFileSync(path);
    } catch (err) {
      bad.push(`${path}: cannot read file: ${(err as Error).message}`);
      return;
    }
    const check = checkFile(f, path, stored);
    out(`    ${path}  ${stored.length} bytes  md5 ${check.md5}  ${check.ok ? "OK" : "FAILED"}: ${check.how}`);
    if (!check.ok) bad.push(`${path}: ${check.how}`);
  });
  return bad.length > 0 ? { kind: "corrupt", message: bad.join("\n") } : null;
}

/** CIFAR-10's location and the check of its six batch files (size, records, labels). */
function describeCifar(flag: string | undefined, env: DataDirEnv, out: (line: string) => void): { kind: "missing" | "corrupt"; message: string } | null {
  const names = [...CIFAR10.files.train, ...CIFAR10.files.test];
  out(`cifar10 (${CIFAR10.title})`);
  let located;
  try {
    located = locateFiles(names, cifarDirs(searchDirs({ dataset: "cifar10", flag, env })), "cifar10", CIFAR10_FETCH_HINT);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    out(`  ${err.detail.replace(/\n/g, "\n  ")}`);
    return { kind: "missing", message: `not found (${CIFAR10_FETCH_HINT})` };
  }
  out(`  found in ${located.dir.dir} [${located.dir.source}]`);
  const bad: string[] = [];
  for (const path of located.paths) {
    const why = checkCifarFile(path);
    out(`    ${path}  ${why === null ? "OK: 10,000 records, labels 0..9" : `FAILED: ${why}`}`);
    if (why !== null) bad.push(`${path}: ${why}`);
  }
  return bad.length > 0 ? { kind: "corrupt", message: bad.join("\n") } : null;
}
