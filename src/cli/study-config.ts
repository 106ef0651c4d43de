/**
 * The configuration of a study command (teacher-student, compare, mnist): schema defaults <
 * [base] < --config < TINYGROW_KERNELS < flags; or, with --resume DIR, the configuration
 * saved in DIR/manifest.json, where only `--workers` may change (anything else given is a
 * ConfigError naming the flag).
 */
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors.js";
import { resolveConfig, suppliedBy, type ConfigLayer } from "../io/config.js";
import { readConfigFile } from "../node/io/config-file.js";

export interface StudyConfigSources {
  /** The parsed command-line options (must include `resume`, `out`, `config`, `workers` when given). */
  options: Record<string, unknown>;
  /** The flags as a config layer (flagsLayer of the options). */
  flags: ConfigLayer;
  /** A layer under the config file (e.g. compare's strategies). */
  base?: ConfigLayer;
  env: NodeJS.ProcessEnv;
  /** Reads the configuration saved by an earlier run in `dir`. */
  readSaved(dir: string): unknown;
  /** "study" or "experiment", for the messages. */
  noun: string;
}

export function resolveStudyConfig<S extends z.ZodType>(schema: S, src: StudyConfigSources): Readonly<z.output<S>> {
  if (typeof src.options.resume === "string") return resumed(schema, src, src.options.resume);
  return resolveConfig(schema, newStudyLayers(src));
}

/** The layers of a new study, lowest first: [base] < --config < TINYGROW_KERNELS < flags. */
function newStudyLayers(src: StudyConfigSources): ConfigLayer[] {
  const stack: ConfigLayer[] = src.base === undefined ? [] : [src.base];
  if (typeof src.options.config === "string") stack.push(readConfigFile(src.options.config));
  const kernels = src.env.TINYGROW_KERNELS;
  if (kernels !== undefined && kernels !== "") stack.push({ source: "TINYGROW_KERNELS", values: { kernels } });
  stack.push(src.flags);
  return stack;
}

/**
 * Runs the study; a ConfigError it raises once the data is read (e.g. a validation split that
 * leaves nothing of the images found) names each field's flag, file or layer instead of the
 * stage that checked it, as the configuration's own errors do: `--validation-samples:
 * data.validationSamples: …`. Issues no layer supplied keep their source.
 */
export async function withConfigSources<T>(run: () => Promise<T>, src: StudyConfigSources): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ConfigError) || typeof src.options.resume === "string") throw err;
    const layers = newStudyLayers(src);
    throw new ConfigError(err.issues.map((issue) => ({ ...issue, source: suppliedBy(layers, issue.path) ?? issue.source })));
  }
}

function resumed<S extends z.ZodType>(schema: S, src: StudyConfigSources, dir: string): Readonly<z.output<S>> {
  const { options: opts, flags } = src;
  const issues: ConfigIssue[] = [];
  if (typeof opts.out === "string") issues.push({ source: "--out", path: "out", message: `give either --out (a new ${src.noun}) or --resume (an existing one), not both` });
  if (typeof opts.config === "string") issues.push({ source: "--config", path: "(file)", message: `cannot be used with --resume: the configuration is read from ${dir}/manifest.json` });
  for (const [path, source] of Object.entries(flags.pathSources ?? {})) {
    if (path !== "workers") issues.push({ source, path, message: `cannot be changed on --resume: the configuration is read from ${dir}/manifest.json` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return resolveConfig(schema, [
    { source: `${dir}/manifest.json`, values: src.readSaved(dir) as Record<string, unknown> },
    { source: "flags", values: opts.workers === undefined ? {} : { workers: opts.workers }, pathSources: { workers: "--workers" } },
  ]);
}
