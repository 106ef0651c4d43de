/**
 * A finished job's folder as one string, for workers that do not share the sweep folder:
 * every file but the checkpoints (which only matter to resume), gzipped JSON of
 * { relative path: base64 }, sent back as the queue job's return value.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { DataError } from "../../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { LOCK_FILE } from "../io/run-lock.js";

const skip = (name: string): boolean => name.endsWith(".tgck") || name.endsWith(".tmp") || name.startsWith(LOCK_FILE);

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (!skip(name)) out.push(path);
  }
  return out;
}

export function packBundle(dir: string): string {
  const entries = Object.fromEntries(files(dir).map((f) => [relative(dir, f).split(sep).join("/"), readFileSync(f).toString("base64")]));
  return gzipSync(JSON.stringify(entries)).toString("base64");
}

/** Writes the bundle's files under `dir` (atomically each); refuses paths that leave it. */
export function unpackBundle(bundle: string, dir: string): number {
  const entries = JSON.parse(gunzipSync(Buffer.from(bundle, "base64")).toString("utf8")) as Record<string, string>;
  for (const [rel, data] of Object.entries(entries)) {
    const path = join(dir, ...rel.split("/"));
    if (relative(dir, path).startsWith("..") || rel.startsWith("/")) throw new DataError(dir, `a result bundle holds the path ${rel}, outside the job folder`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, Buffer.from(data, "base64"));
  }
  return Object.keys(entries).length;
}
