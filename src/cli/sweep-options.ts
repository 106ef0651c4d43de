/**
 * From a sweep job's options (names as in the command's --help, camelCase or kebab-case) to
 * the command line of the job, checked against the command's real commander options: an
 * unknown option names itself and the command, and every job's line is parsed and its
 * configuration resolved before anything runs, so a bad value fails the sweep at once.
 */
import type { Command, Option } from "commander";
import { ConfigError, type ConfigIssue } from "../errors.js";
import type { OptionValue, SweepJob } from "../node/sweep/spec.js";

/** Options the sweep sets itself. */
const RESERVED: Record<string, string> = {
  out: "each job's folder is set by the sweep (jobs/<job>/ under the sweep folder)",
  resume: "resume the whole sweep with `tinygrow sweep --resume DIR`",
  quiet: "jobs always run quietly (the sweep shows the progress)",
  help: "not an option of a job",
};

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

/** The option of `cmd` that spec key `key` names, by attribute (trainSamples, oracle) or long flag (train-samples, no-oracle). */
function findOption(cmd: Command, key: string): { option: Option; negatedKey: boolean } | null {
  for (const option of cmd.options) {
    const long = (option.long ?? "").replace(/^--/, "");
    if (long === key || long === kebab(key)) return { option, negatedKey: option.negate };
    if (option.attributeName() === key || kebab(option.attributeName()) === key) return { option, negatedKey: false };
  }
  return null;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[b.length];
}

/** The flags of one option value, or an issue. */
function optionArgs(cmd: Command, key: string, value: OptionValue, source: string): string[] | ConfigIssue {
  if (key in RESERVED || kebab(key) in RESERVED) return { source, path: key, message: `cannot be set in a sweep: ${RESERVED[key] ?? RESERVED[kebab(key)]}` };
  const found = findOption(cmd, key);
  if (found === null) {
    const known = cmd.options.map((o) => (o.long ?? "").replace(/^--(no-)?/, "")).filter((n) => !(n in RESERVED));
    const near = [...new Set(known)].filter((n) => editDistance(n, kebab(key)) <= 2);
    const hint = near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : "";
    return { source, path: key, message: `unknown option of \`tinygrow ${cmd.name()}\`${hint} (its options: ${[...new Set(known)].join(", ")})` };
  }
  const { option, negatedKey } = found;
  const long = option.long as string;
  if (option.negate || option.isBoolean()) {
    if (typeof value !== "boolean") return { source, path: key, message: `expected true or false (the flag ${long})` };
    // The option's value that the key asks for: "oracle": false and "no-oracle": true both
    // mean --no-oracle; "standardize": true means --standardize.
    const wanted = negatedKey ? !value : value;
    if (option.negate) return wanted ? [] : [long];
    return wanted ? [long] : [];
  }
  if (typeof value === "boolean") return { source, path: key, message: `expected a value for ${long} ${option.flags.replace(/^\S+\s*/, "")}, not ${value}` };
  return [long, Array.isArray(value) ? value.map(String).join(",") : String(value)];
}

/** The command-line arguments of a job (after the command name); throws one ConfigError for every bad option. */
export function jobArgs(cmd: Command, options: Record<string, OptionValue>, sourceOf: (key: string) => string): string[] {
  const args: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(options)) {
    const res = optionArgs(cmd, key, value, sourceOf(key));
    if (Array.isArray(res)) args.push(...res);
    else issues.push(res);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return args;
}

/**
 * Parses every job's arguments with a fresh copy of the program, the command's action
 * replaced by `check` (which resolves the configuration and throws its ConfigError), so
 * values are validated exactly as `tinygrow <command>` would.
 */
export async function checkJobs(
  freshProgram: () => Command,
  command: string,
  jobs: readonly { job: SweepJob; args: string[] }[],
  check: (options: Record<string, unknown>) => void,
): Promise<void> {
  for (const { job, args } of jobs) {
    const program = freshProgram();
    const cmd = program.commands.find((c) => c.name() === command) as Command;
    let parsedOptions: Record<string, unknown> | null = null;
    cmd.action((opts: Record<string, unknown>) => {
      parsedOptions = opts;
    });
    let usage = "";
    program.configureOutput({ writeErr: (s) => (usage += s), writeOut: () => {} });
    try {
      await program.parseAsync(["node", "tinygrow", command, ...args]);
    } catch {
      throw new ConfigError([{ source: `job ${job.id}`, path: "", message: `tinygrow ${command} ${args.join(" ")}: ${usage.trim().split("\n")[0]}` }]);
    }
    try {
      check(parsedOptions ?? {});
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(err.issues.map((i) => ({ ...i, source: `job ${job.id}: ${i.source}` })));
      throw err;
    }
  }
}
