// Builds the native kernels (build/Release/tinygrow.node) with node-gyp. Run by the
// package's `install` script during `npm ci`; also usable directly: node scripts/build-native.mjs
//
// A failed build is not fatal: tinygrow then runs on its portable TypeScript kernels, and
// this script says loudly what failed and how to fix it, then exits 0. With
// TINYGROW_REQUIRE_NATIVE=1 (CI jobs that test the native kernels) or --require it exits 1.
//
// Nothing is downloaded: node-gyp is npm's bundled copy, and the Node headers are the
// installed ones (npm's nodedir, or the include/node folder beside this Node binary).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const requireNative = process.env.TINYGROW_REQUIRE_NATIVE === "1" || process.argv.includes("--require");

/** The node-gyp command: npm's bundled node-gyp, else the one beside this Node's npm, else npx (no download). */
function nodeGypCommand() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  for (const script of candidates) {
    if (script && existsSync(script)) return { command: process.execPath, args: [script] };
  }
  return { command: process.platform === "win32" ? "npx.cmd" : "npx", args: ["--no", "node-gyp"] };
}

/** Installed headers matching this Node (so node-gyp does not try to download them), if any. */
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefixes = [process.config.variables.node_prefix, resolve(dirname(process.execPath), "..")];
  const dir = prefixes.find((p) => p && existsSync(join(p, "include", "node", "common.gypi")));
  return dir ? [`--nodedir=${dir}`] : [];
}

/** A one-line diagnosis from node-gyp's output. */
function diagnose(output, spawnError) {
  if (spawnError) return `could not run node-gyp (${spawnError.message})`;
  if (/cblas\.h: No such file/.test(output)) return "the OpenBLAS headers (cblas.h) were not found";
  if (/cannot find -lopenblas/.test(output)) return "the OpenBLAS library (libopenblas) was not found";
  if (/napi\.h: No such file|node_api\.h: No such file/.test(output)) return "the Node-API headers were not found";
  if (/not found: (make|g\+\+|c\+\+|cc)\b|Can't find Python|find Python/i.test(output)) return "the C++ toolchain (make, g++, python3) is incomplete";
  if (/network|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(output)) return "node-gyp needed Node headers it could not download (no matching headers installed)";
  if (/error:/.test(output)) return "the C++ compilation failed (see the compiler errors above)";
  return "node-gyp rebuild failed (see its output above)";
}

const { command, args } = nodeGypCommand();
const result = spawnSync(command, [...args, "rebuild", ...nodeDirArgs()], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;

if (result.status === 0) {
  console.log("tinygrow: built the native kernels (build/Release/tinygrow.node)");
  process.exit(0);
}

process.stderr.write(output);
const rule = "=".repeat(78);
console.error(
  [
    "",
    rule,
    "tinygrow: the native kernels (OpenBLAS/LAPACK addon) were NOT built.",
    `  what failed: ${diagnose(output, result.error)}`,
    "  to fix (Debian/Ubuntu):",
    "    apt-get install -y libopenblas-dev g++ make python3",
    "    npm run build:native",
    requireNative
      ? "  the native kernels are required here (TINYGROW_REQUIRE_NATIVE=1 or --require), so this is an error."
      : "  tinygrow still works: it falls back to its portable TypeScript kernels (slower).",
    rule,
    "",
  ].join("\n"),
);
process.exit(requireNative ? 1 : 0);
