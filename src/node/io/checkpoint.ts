/**
 * Checkpoints: one file, `checkpoint.tgck`, holding whatever the runner needs to resume
 * (model, optimizer state, RNG state, data split, log position) as JSON behind a header:
 *
 *   TINYGROW-CHECKPOINT <format version> bytes=<body length> sha256=<body hash>\n<JSON body>
 *
 * Typed arrays are stored bit-exactly as base64 of their little-endian bytes with a dtype
 * tag ({"$typed":"float32","base64":…}); non-finite numbers and -0 as {"$num":"NaN"} etc.,
 * so every number round-trips exactly. The keys "$typed" and "$num" are reserved.
 *
 * Writing is atomic: the new file is written and fsynced under a temporary name; the
 * current checkpoint is kept as `checkpoint.prev.tgck`; then the new one is renamed into
 * place. At every moment a complete checkpoint exists.
 */
import { existsSync, linkSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type { z } from "zod";
import { DataError } from "../../errors.js";
import { fsyncDir, tempPathFor, writeFileAtomic } from "./atomic.js";
import { faultPoint } from "../fault-points.js";

export const CHECKPOINT_MAGIC = "TINYGROW-CHECKPOINT";
export const CHECKPOINT_FORMAT_VERSION = 1;
export const CHECKPOINT_FILE = "checkpoint.tgck";
export const PREVIOUS_CHECKPOINT_FILE = "checkpoint.prev.tgck";

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;
type Dtype = keyof typeof DTYPES;

function dtypeOf(v: unknown): Dtype | null {
  for (const [name, ctor] of Object.entries(DTYPES)) if (v instanceof ctor) return name as Dtype;
  return null;
}

function checkLittleEndian(): void {
  if (endianness() !== "LE") throw new DataError("checkpoint", "typed arrays are stored little-endian; this host is big-endian");
}

/** The checkpoint file's text: header line + JSON body. */
export function encodeCheckpoint(payload: unknown): Buffer {
  checkLittleEndian();
  const body = Buffer.from(
    JSON.stringify(payload, (_key, value: unknown) => {
      if (typeof value === "number") {
        if (Number.isNaN(value)) return { $num: "NaN" };
        if (value === Infinity) return { $num: "Infinity" };
        if (value === -Infinity) return { $num: "-Infinity" };
        if (Object.is(value, -0)) return { $num: "-0" };
        return value;
      }
      const dtype = dtypeOf(value);
      if (dtype === null) return value;
      const arr = value as ArrayBufferView;
      return { $typed: dtype, base64: Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).toString("base64") };
    }),
    "utf8",
  );
  const hash = createHash("sha256").update(body).digest("hex");
  return Buffer.concat([Buffer.from(`${CHECKPOINT_MAGIC} ${CHECKPOINT_FORMAT_VERSION} bytes=${body.length} sha256=${hash}\n`), body]);
}

/** Parses a checkpoint file's bytes; `file` names it in errors. */
export function decodeCheckpoint(buf: Buffer, file: string): unknown {
  checkLittleEndian();
  const nl = buf.indexOf(10);
  const header = buf.toString("utf8", 0, nl === -1 ? Math.min(buf.length, 120) : nl);
  const m = /^(\S+) (\d+) bytes=(\d+) sha256=([0-9a-f]{64})$/.exec(header);
  if (!header.startsWith(CHECKPOINT_MAGIC) || (m && m[1] !== CHECKPOINT_MAGIC)) {
    throw new DataError(file, `not a tinygrow checkpoint: expected the header "${CHECKPOINT_MAGIC} <version> …", got ${JSON.stringify(header.slice(0, 40))}`, 0);
  }
  if (nl === -1) throw new DataError(file, `truncated checkpoint: the header line is incomplete (the file has only ${buf.length} bytes)`, 0);
  if (!m) throw new DataError(file, `malformed checkpoint header ${JSON.stringify(header)}: expected "${CHECKPOINT_MAGIC} <version> bytes=<n> sha256=<hex>"`, 0);
  const version = Number(m[2]);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new DataError(file, `checkpoint format version ${version} is not supported: this tinygrow reads version ${CHECKPOINT_FORMAT_VERSION}`, 0);
  }
  const body = buf.subarray(nl + 1);
  const expected = Number(m[3]);
  if (body.length !== expected) {
    throw new DataError(file, `truncated or extended checkpoint: header says ${expected} body bytes, file has ${body.length}`, nl + 1);
  }
  if (createHash("sha256").update(body).digest("hex") !== m[4]) {
    throw new DataError(file, "corrupt checkpoint: the body's sha256 does not match the header", nl + 1);
  }
  try {
    return JSON.parse(body.toString("utf8"), (_key, value: unknown) => reviveValue(value));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(file, `corrupt checkpoint body: ${(err as Error).message}`, nl + 1);
  }
}

function reviveValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const v = value as { $num?: unknown; $typed?: unknown; base64?: unknown };
  if (typeof v.$num === "string") {
    const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };
    if (!(v.$num in special)) throw new Error(`unknown special number ${JSON.stringify(v.$num)}`);
    return special[v.$num];
  }
  if (typeof v.$typed === "string") {
    const ctor = DTYPES[v.$typed as Dtype];
    if (!ctor || typeof v.base64 !== "string") throw new Error(`bad typed array (dtype ${JSON.stringify(v.$typed)})`);
    const bytes = Buffer.from(v.base64, "base64");
    if (bytes.length % ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`${v.$typed} array of ${bytes.length} bytes is not a whole number of elements`);
    const out = new ctor(bytes.length / ctor.BYTES_PER_ELEMENT);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  return value;
}

/**
 * Writes `payload` as the checkpoint of the run folder `dir`, atomically, keeping the
 * previous checkpoint as checkpoint.prev.tgck. Returns the path written.
 */
export function writeCheckpoint(dir: string, payload: unknown): string {
  const path = join(dir, CHECKPOINT_FILE);
  const prev = join(dir, PREVIOUS_CHECKPOINT_FILE);
  const staged = tempPathFor(path);
  writeFileAtomic(staged, encodeCheckpoint(payload), { overwrite: false });
  faultPoint("checkpoint-staged");
  try {
    if (existsSync(path)) {
      // Hard-link the current file to a temporary name, then rename it over the old backup:
      // checkpoint.tgck stays in place until the final rename replaces it.
      const prevTemp = tempPathFor(prev);
      linkSync(path, prevTemp);
      renameSync(prevTemp, prev);
    }
    renameSync(staged, path);
    fsyncDir(dir);
    faultPoint("checkpoint");
  } catch (err) {
    try {
      unlinkSync(staged);
    } catch {
      // already moved
    }
    throw new DataError(path, `cannot write checkpoint: ${(err as Error).message}`);
  }
  return path;
}

export interface ReadCheckpointOptions<T> {
  /** Validates the payload; issues are reported with their path inside the checkpoint. */
  schema?: z.ZodType<T>;
  /** When the current checkpoint is missing or unreadable, read checkpoint.prev.tgck. */
  fallbackToPrevious?: boolean;
}

/**
 * Reads the checkpoint of `dir`. Errors (DataError) name the file and what was expected.
 * With `fallbackToPrevious`, a missing or damaged current checkpoint gives the previous one,
 * and `fallback` says why (for the user); when both fail, the error names both.
 */
export function readCheckpoint<T = unknown>(dir: string, options: ReadCheckpointOptions<T> = {}): { payload: T; file: string; fallback: string | null } {
  const path = join(dir, CHECKPOINT_FILE);
  try {
    return { payload: readOne(path, options.schema), file: path, fallback: null };
  } catch (err) {
    const prev = join(dir, PREVIOUS_CHECKPOINT_FILE);
    if (!options.fallbackToPrevious || !existsSync(prev)) throw err;
    const why = (err as Error).message;
    try {
      return { payload: readOne(prev, options.schema), file: prev, fallback: `the newest checkpoint is unusable (${why}); continuing from the previous one, ${PREVIOUS_CHECKPOINT_FILE}` };
    } catch (prevErr) {
      throw new DataError(dir, `no usable checkpoint: ${why}; and ${(prevErr as Error).message}. The log is kept; without a checkpoint the run cannot continue (start it again in a new folder)`);
    }
  }
}

function readOne<T>(path: string, schema: z.ZodType<T> | undefined): T {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new DataError(path, missing ? "no checkpoint here" : `cannot read checkpoint: ${(err as Error).message}`);
  }
  const value = decodeCheckpoint(buf, path);
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new DataError(path, `checkpoint payload does not match what this run expects: ${issues}`);
}
