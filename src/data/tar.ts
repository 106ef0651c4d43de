/**
 * Regular files out of a (decompressed) ustar/GNU tar archive, by name: enough for a
 * published dataset archive whose checksum was verified first (CIFAR-10's). Headers are
 * 512-byte blocks (name at 0..100, octal size at 124..136, type flag at 156, ustar prefix at
 * 345..500), contents padded to 512 bytes, two zero blocks at the end. Other member types
 * (directories, links, pax headers) are skipped.
 */
import { DataError } from "../errors.js";

export interface TarMember {
  /** Path inside the archive, e.g. "cifar-10-batches-bin/data_batch_1.bin". */
  name: string;
  /** A view into the archive. */
  data: Uint8Array;
}

function text(bytes: Uint8Array, from: number, to: number): string {
  let end = from;
  while (end < to && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(from, end));
}

/** The regular files of `archive` (DataError naming `file` on a truncated or malformed header). */
export function tarMembers(archive: Uint8Array, file: string): TarMember[] {
  const out: TarMember[] = [];
  let at = 0;
  while (at < archive.length) {
    const header = archive.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    if (header.length < 512) throw new DataError(file, `tar header at byte ${at}: only ${header.length} of 512 bytes (truncated archive)`, at);
    const sizeText = text(header, 124, 136).trim();
    if (!/^[0-7]+$/.test(sizeText)) throw new DataError(file, `tar header at byte ${at}: size field ${JSON.stringify(sizeText)} is not octal`, at);
    const size = parseInt(sizeText, 8);
    const type = String.fromCharCode(header[156]);
    const magic = text(header, 257, 263);
    const prefix = magic.startsWith("ustar") ? text(header, 345, 500) : "";
    const name = (prefix ? prefix + "/" : "") + text(header, 0, 100);
    const start = at + 512;
    if (start + size > archive.length) throw new DataError(file, `tar member ${name}: ${size} bytes announced, only ${archive.length - start} left (truncated archive)`, at);
    if (type === "0" || type === "\0") out.push({ name, data: archive.subarray(start, start + size) });
    at = start + Math.ceil(size / 512) * 512;
  }
  return out;
}
