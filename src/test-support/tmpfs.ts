/**
 * Test-only: a small tmpfs (a full disk, a read-only file system) for the fault-injection
 * tests. Mounting needs root (CI runs as root); elsewhere `mountTmpfs` returns the reason to
 * skip, which the test prints.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

/** Mounts a tmpfs with `options` (e.g. "size=256k" or "ro,size=64k"), or returns why it cannot. */
export function mountTmpfs(options: string): Tmpfs | { skip: string } {
  if (process.platform !== "linux") return { skip: `tmpfs needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { skip: "mounting a tmpfs needs root (CI runs the tests as root)" };
  const dir = mkdtempSync(join(tmpdir(), "tinygrow-tmpfs-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs failed: ${(r.stderr || r.error?.message || "").trim()}` };
  }
  let mounted = true;
  const unmount = (): void => {
    if (!mounted) return;
    mounted = false;
    spawnSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", unmount);
  return { dir, unmount };
}
