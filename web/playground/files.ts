/**
 * Dropped files: a CSV/TSV table, or the two MNIST IDX files (images, magic 0x00000803;
 * labels, magic 0x00000801), each raw or gzip-compressed (detected by its magic and
 * decompressed with the browser's DecompressionStream). Anything else is refused with what
 * was expected.
 */
import type { NamedBytes } from "../../src/browser/playground-task.js";
import { isGzip } from "../../src/data/idx.js";

export type Dropped = { kind: "csv"; csv: NamedBytes } | { kind: "mnist"; images?: NamedBytes; labels?: NamedBytes };

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** "images", "labels" from an IDX header (unsigned bytes, rank 3 or 1), or null. */
function idxKind(bytes: Uint8Array): "images" | "labels" | null {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) return null;
  return bytes[3] === 3 ? "images" : bytes[3] === 1 ? "labels" : null;
}

/** Sorts the dropped files into a CSV or an IDX pair; throws an Error naming a file that is neither. */
export async function readDropped(files: readonly File[], previous: Dropped | null): Promise<Dropped> {
  let out: Dropped | null = previous?.kind === "mnist" ? { ...previous } : null;
  for (const file of files) {
    let bytes: Uint8Array = new Uint8Array(await file.arrayBuffer());
    if (/\.(csv|tsv|tab)$/i.test(file.name)) {
      out = { kind: "csv", csv: { name: file.name, bytes } };
      continue;
    }
    if (isGzip(bytes)) {
      try {
        bytes = await gunzip(bytes);
      } catch (err) {
        throw new Error(`${file.name}: corrupt gzip data (${(err as Error).message})`);
      }
    }
    const kind = idxKind(bytes);
    if (kind === null) {
      const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new Error(`${file.name}: expected a CSV file (.csv, .tsv) or an MNIST IDX file (images: magic 00 00 08 03, labels: 00 00 08 01; raw or .gz), got a file starting with ${head || "nothing"}`);
    }
    if (out === null || out.kind !== "mnist") out = { kind: "mnist" };
    out[kind] = { name: file.name, bytes };
  }
  if (out === null) throw new Error("no file was dropped");
  return out;
}

export function describeDropped(d: Dropped): string {
  if (d.kind === "csv") return `CSV: ${d.csv.name} (${d.csv.bytes.length.toLocaleString("en-US")} bytes)`;
  const part = (what: string, f?: NamedBytes) => (f === undefined ? `${what}: (drop the ${what} file too)` : `${what}: ${f.name}`);
  return `MNIST IDX — ${part("images", d.images)}; ${part("labels", d.labels)}`;
}
