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

/** The source (flag, file, "defaults") of the layer that supplied the dotted `path`; null when none did. */
export function suppliedBy(layers: readonly ConfigLayer[], path: string): string | null {
  const keys = path.split(".");
  return layers.some((layer) => suppliedPrefix(layer.values, keys) !== null) ? sourceOf(layers, keys) : null;
}

/** Merges the layers (later wins) and validates; throws one ConfigError listing every issue. */
export function resolveConfig<S extends z.ZodType>(schema: S, layers: readonly ConfigLayer[]): Readonly<z.output<S>> {
  const merged = layers.reduce<Record<string, unknown>>((acc, layer) => deepMerge(acc, layer.values), {});
  const result = schema.safeParse(merged);
  if (result.success) return Object.freeze(result.data);
  const issues: ConfigIssue[] = result.error.issues.flatMap((issue) => {
    // Unknown keys are reported together on their parent object; each key gets its own
    // issue, with the source of the layer that supplied it (keys may come from different layers).
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return { source: sourceOf(layers, path), path: path.map(String).join("."), message: `unknown key ${JSON.stringify(key)}` };
      });
    }
    return [{ source: sourceOf(layers, issue.path), path: issue.path.map(String).join("."), message: issue.message }];
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
    const offset = jsonErrorOffset(text, message);
    const before = text.slice(0, offset);
    const where = ` at line ${before.split("\n").length}, column ${offset - before.lastIndexOf("\n")}`;
    throw new ConfigError([{ source: path, path: "", message: `invalid JSON${where}: ${message}` }]);
  }
  if (!isPlainObject(values)) throw new ConfigError([{ source: path, path: "", message: "expected a JSON object at the top level" }]);
  return { source: path, values };
}

/**
 * Where JSON.parse gave up, as an offset into `text`. V8's messages differ between Node
 * versions and do not always say ("Unexpected end of JSON input"; Node 22's `Unexpected token
 * '}', "…" is not valid JSON`), so without a position the offset is found from the text: the
 * longest prefix that is still the start of a valid document (it parses, or fails only
 * because it ends), by bisection.
 */
function jsonErrorOffset(text: string, message: string): number {
  const pos = /position (\d+)/.exec(message);
  if (pos) return Number(pos[1]);
  const startsValid = (prefix: string): boolean => {
    try {
      JSON.parse(prefix);
      return true;
    } catch (e) {
      const m = (e as Error).message;
      const at = /position (\d+)/.exec(m);
      return /end of JSON input|Unterminated/.test(m) || (at !== null && Number(at[1]) >= prefix.length);
    }
  };
  let lo = 0; // text.slice(0, lo) starts a valid document
  let hi = text.length + 1; // text.slice(0, hi) does not (hi > length: the whole text failed)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (startsValid(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return lo;
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
