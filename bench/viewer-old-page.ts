/**
 * The viewer page as an older commit built it, for the viewer benchmark's side-by-side run
 * (old page against the current one, same server, same log, same browser, alternating): the
 * commit's web/ and src/ are taken from git (`git archive`), only its viewer page is built
 * with Vite into a temporary folder, and `tinygrow view --` serves it through `webRoot`. The
 * server protocol (docs/run-log.md, src/view/protocol.ts) is the current one; the old page
 * must speak it, which the commit named below does.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../src/test-support/temp-dir.js";

/** The page as session 3 left it (vega charts drawn with the network and the table, vega in the entry chunk). */
export const OLD_VIEWER_COMMIT = "88ee31b";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Builds the viewer page of `commit`; returns its web root, or the reason it cannot (no git, no such commit). */
export async function buildOldViewer(commit = OLD_VIEWER_COMMIT): Promise<{ webRoot: string } | { skipped: string }> {
  const tar = spawnSync("git", ["-C", REPO, "archive", "--format=tar", commit, "web", "src"], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) return { skipped: `git archive ${commit} failed (${tar.error?.message ?? tar.stderr.toString().trim()}): the old page needs the repository's history` };
  const root = tempDir("tinygrow-bench-old-viewer-");
  const untar = spawnSync("tar", ["-x", "-C", root], { input: tar.stdout });
  if (untar.status !== 0) return { skipped: `tar -x failed: ${untar.stderr.toString().trim()}` };
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  // Only the viewer: the config builds every web/<page>/index.html.
  for (const entry of readdirSync(join(root, "web"), { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== "viewer" && existsSync(join(root, "web", entry.name, "index.html"))) rmSync(join(root, "web", entry.name), { recursive: true });
  }
  const webRoot = join(root, "dist", "web");
  const { build } = await import("vite");
  await build({ configFile: join(root, "web", "vite.config.ts"), logLevel: "error", build: { outDir: webRoot, sourcemap: false } });
  return existsSync(join(webRoot, "viewer", "index.html")) ? { webRoot } : { skipped: `the build of ${commit}'s viewer wrote no viewer/index.html` };
}
