/**
 * Downloading dataset files: each file is streamed from the first mirror that answers into a
 * temporary file in the destination folder, hashed (MD5 and SHA-256) while it is written,
 * and renamed to its final name only once both sums match the published ones. A failed or
 * mismatching download leaves no file under the final name. 404s, other HTTP errors,
 * connection failures and stalled transfers fall through to the next mirror; a checksum
 * mismatch stops with a DataError naming the file and both sums.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DataError } from "../../errors.js";
import { fsyncDir, tempPathFor } from "../io/atomic.js";
import { checkFile, datasetSpec, type DatasetFile, type DatasetName } from "./mnist.js";

export type FetchEvent =
  | { kind: "start"; file: string; url: string; totalBytes: number | null }
  | { kind: "bytes"; file: string; bytes: number }
  | { kind: "mirror-failed"; file: string; url: string; reason: string }
  | { kind: "done"; file: string; path: string; source: string };

export interface FetchOptions {
  dataset: DatasetName;
  /** The folder the files go into (created if missing), e.g. fetchDir(...).dir. */
  dir: string;
  /** Base URLs to try in order instead of the dataset's own mirrors. */
  mirrors?: readonly string[];
  /** The files and checksums to fetch instead of the registry's (tests serve their own data). */
  files?: readonly DatasetFile[];
  /** Abort a transfer that receives nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  onEvent?: (event: FetchEvent) => void;
  /** Defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

export interface FetchedFile {
  name: string;
  path: string;
  md5: string;
  /** The URL it came from, or "already present" when a verified copy was there. */
  source: string;
}

/** Downloads every file of a dataset that is not already present and verified in `dir`. */
export async function fetchDataset(options: FetchOptions): Promise<FetchedFile[]> {
  const spec = datasetSpec(options.dataset);
  const mirrors = options.mirrors ?? spec.mirrors;
  try {
    mkdirSync(options.dir, { recursive: true });
  } catch (err) {
    throw new DataError(options.dir, `cannot create the data folder: ${(err as Error).message}`);
  }
  const out: FetchedFile[] = [];
  for (const file of options.files ?? spec.files) {
    const path = join(options.dir, file.name);
    const present = verifiedCopy(file, path);
    if (present) {
      out.push({ name: file.name, path, md5: present, source: "already present" });
      options.onEvent?.({ kind: "done", file: file.name, path, source: "already present" });
      continue;
    }
    const got = await downloadFile(file, mirrors, path, options);
    out.push({ name: file.name, path, md5: got.md5, source: got.url });
    options.onEvent?.({ kind: "done", file: file.name, path, source: got.url });
  }
  return out;
}

/** The MD5 of `path` if it exists and matches the published checksums, else null (a bad copy is replaced). */
function verifiedCopy(file: DatasetFile, path: string): string | null {
  let stored: Uint8Array;
  try {
    stored = readFileSync(path);
  } catch {
    return null;
  }
  const check = checkFile(file, path, stored);
  return check.ok ? check.md5 : null;
}

interface Downloaded {
  url: string;
  md5: string;
  sha256: string;
}

/** One file from the first mirror that delivers it; every mirror's failure is listed if none does. */
export async function downloadFile(file: Pick<DatasetFile, "name" | "md5" | "sha256">, mirrors: readonly string[], dest: string, options: Pick<FetchOptions, "idleTimeoutMs" | "onEvent" | "fetchImpl">): Promise<Downloaded> {
  const failures: string[] = [];
  for (const base of mirrors) {
    const url = new URL(file.name, base.endsWith("/") ? base : base + "/").href;
    let result: Downloaded | string;
    try {
      result = await downloadOnce(url, file, dest, options);
    } catch (err) {
      if (err instanceof DataError) throw err;
      result = describeFailure(err);
    }
    if (typeof result !== "string") return result;
    failures.push(`  ${url}: ${result}`);
    options.onEvent?.({ kind: "mirror-failed", file: file.name, url, reason: result });
  }
  throw new DataError(dest, `download failed from every mirror:\n${failures.join("\n")}\nif this machine is offline, copy the files into a folder and pass --data-dir DIR (or set TINYGROW_DATA_DIR)`);
}

/** A readable reason for a network failure (Node's fetch hides the errno in `cause`). */
function describeFailure(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "AbortError" || e.name === "TimeoutError") return `stalled: ${e.message}`;
  const cause = e.cause;
  // undici rejects a body cut short with "terminated"; the errno is in `cause`.
  if (e.message === "terminated") return `transfer interrupted (${cause?.message ?? "connection closed"})`;
  if (cause?.code) return `connection failed (${cause.code}${cause.message ? `: ${cause.message}` : ""})`;
  return `${e.message}${cause?.message ? ` (${cause.message})` : ""}`;
}

/**
 * Streams one URL into a temporary file beside `dest`, hashing as it writes. Returns a string
 * (the reason) when this mirror failed and the next should be tried; throws DataError on a
 * checksum mismatch. The temporary file is always removed unless it was renamed into place.
 */
async function downloadOnce(url: string, file: Pick<DatasetFile, "name" | "md5" | "sha256">, dest: string, options: Pick<FetchOptions, "idleTimeoutMs" | "onEvent" | "fetchImpl">): Promise<Downloaded | string> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const idle = options.idleTimeoutMs ?? 60_000;
  const controller = new AbortController();
  const stall = () => {
    const reason = new Error(`no data received for ${idle} ms`);
    reason.name = "TimeoutError";
    controller.abort(reason);
  };
  let timer = setTimeout(stall, idle);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(stall, idle);
  };
  const temp = tempPathFor(dest);
  let renamed = false;
  try {
    const res = await fetchImpl(url, { signal: controller.signal, redirect: "follow" });
    if (!res.ok || res.body === null) {
      await res.body?.cancel().catch(() => {});
      return `HTTP ${res.status} ${res.statusText}`.trim();
    }
    const length = Number(res.headers.get("content-length"));
    options.onEvent?.({ kind: "start", file: file.name, url, totalBytes: Number.isFinite(length) && length > 0 ? length : null });
    const md5 = createHash("md5");
    const sha256 = createHash("sha256");
    const handle = await open(temp, "wx", 0o644).catch((err: Error) => {
      throw new DataError(temp, `cannot write the download: ${err.message}`);
    });
    let received = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        poke();
        md5.update(chunk);
        sha256.update(chunk);
        let done = 0;
        while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
        received += chunk.length;
        options.onEvent?.({ kind: "bytes", file: file.name, bytes: chunk.length });
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (Number.isFinite(length) && length > 0 && received !== length) return `truncated transfer: received ${received} of ${length} bytes`;
    const got = { url, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
    if (got.md5 !== file.md5 || got.sha256 !== file.sha256) {
      const which = got.md5 !== file.md5 ? `md5 ${file.md5} (published), got md5 ${got.md5}` : `sha256 ${file.sha256}, got sha256 ${got.sha256}`;
      throw new DataError(file.name, `checksum mismatch for the download from ${url}: expected ${which}; the file was discarded`);
    }
    await rename(temp, dest);
    renamed = true;
    fsyncDir(join(dest, ".."));
    return got;
  } finally {
    clearTimeout(timer);
    if (!renamed) await unlink(temp).catch(() => {});
  }
}
