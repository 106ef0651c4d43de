/**
 * Configuration: schema defaults, then a JSON config file, then command-line flags, merged
 * in that order and validated once with a zod schema. Defaults live only in the schema;
 * every issue is reported at once with where the bad value came from
 * (`run.json: training.epochs`, `--epochs`, or `defaults`).
 */
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors.js";

export interface ConfigLayer {
  /** Where these values came from: a file path, "flags", "options". */
  source: string;
  /** A nested object of values (a partial configuration). */
  values: Record<string, unknown>;
  /** Finer sources per dotted path (e.g. "training.epochs" → "--epochs"). */
  pathSources?: Record<string, string>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/**
 * The dotted prefix of `path` that this layer supplies: the full path, or a shorter prefix
 * whose value is a leaf (which replaced the whole subtree); null when the layer is silent.
 */
function suppliedPrefix(values: unknown, path: readonly PropertyKey[]): string | null {
  let cur = values;
  for (let depth = 0; depth < path.length; depth++) {
    if (!isPlainObject(cur)) return depth === 0 ? null : path.slice(0, depth).join(".");
    const next = cur[String(path[depth])];
    if (next === undefined) return null;
    cur = next;
  }
  return path.join(".");
}

function sourceOf(layers: readonly ConfigLayer[], path: readonly PropertyKey[]): string {
  for (let i = layers.length - 1; i >= 0; i--) {
    const prefix = suppliedPrefix(layers[i].values, path);
    if (prefix !== null) return layers[i].pathSources?.[prefix] ?? layers[i].source;
  }
  return "defaults";
}

/** Merges the layers (later wins) and validates; throws one ConfigError listing every issue. */
export function resolveConfig<S extends z.ZodType>(schema: S, layers: readonly ConfigLayer[]): Readonly<z.output<S>> {
  const merged = layers.reduce<Record<string, unknown>>((acc, layer) => deepMerge(acc, layer.values), {});
  const result = schema.safeParse(merged);
  if (result.success) return Object.freeze(result.data);
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    // An unknown key is reported on its parent object; name the key itself.
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = keys.length === 1 ? [...issue.path, keys[0]] : issue.path;
    return { source: sourceOf(layers, path), path: path.map(String).join("."), message: issue.message };
  });
  throw new ConfigError(issues);
}

/** The configuration produced by the defaults alone (for --help texts). */
export function configDefaults<S extends z.ZodType>(schema: S): z.output<S> {
  return schema.parse({});
}

/** Parses the text of a JSON config file (read by node/io/config-file.ts); syntax errors name the source, line and column. */
export function parseConfigText(text: string, path: string): ConfigLayer {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = "";
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      where = ` at line ${line}, column ${Number(pos[1]) - before.lastIndexOf("\n")}`;
    }
    throw new ConfigError([{ source: path, path: "", message: `invalid JSON${where}: ${message}` }]);
  }
  if (!isPlainObject(values)) throw new ConfigError([{ source: path, path: "", message: "expected a JSON object at the top level" }]);
  return { source: path, values };
}

/**
 * Turns parsed command-line options into a layer: `map` sends each option name to its
 * dotted config path; options left undefined (not given) are omitted.
 */
export function flagsLayer(options: Record<string, unknown>, map: Record<string, string>): ConfigLayer {
  const values: Record<string, unknown> = {};
  const pathSources: Record<string, string> = {};
  for (const [option, path] of Object.entries(map)) {
    const v = options[option];
    if (v === undefined) continue;
    const keys = path.split(".");
    let cur = values;
    for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
    cur[keys[keys.length - 1]] = v;
    pathSources[path] = "--" + option.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
  }
  return { source: "flags", values, pathSources };
}
