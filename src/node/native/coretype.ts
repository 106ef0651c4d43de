/**
 * OpenBLAS core selection. Debian's OpenBLAS is built with DYNAMIC_ARCH and picks its
 * kernels from the CPU model number; a CPU newer than the library (seen here: Xeon model
 * 207 with OpenBLAS 0.3.21) falls back to "Prescott" (SSE3) kernels, about 10x slower
 * than the AVX-512 ones the CPU supports. OpenBLAS honours OPENBLAS_CORETYPE at load
 * time, so before the addon (and with it libopenblas) is loaded we choose the core from
 * the CPU's feature flags, unless the user already set it.
 */
import { readFileSync } from "node:fs";

/** The OpenBLAS core name for a set of /proc/cpuinfo flags, or null to let OpenBLAS decide. */
export function coreTypeForFlags(flags: ReadonlySet<string>): string | null {
  const has = (...names: string[]) => names.every((n) => flags.has(n));
  if (has("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd")) return "SkylakeX";
  if (has("avx2", "fma")) return "Haswell";
  return null;
}

function cpuFlags(): Set<string> {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const line = /^flags\s*:(.*)$/m.exec(text);
    return new Set(line ? line[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/**
 * Sets OPENBLAS_CORETYPE from the CPU flags when it is unset (x86-64 Linux only).
 * Returns the value in force afterwards (or null) for the kernel description.
 */
export function ensureOpenBlasCoreType(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.OPENBLAS_CORETYPE) return env.OPENBLAS_CORETYPE;
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  const core = coreTypeForFlags(cpuFlags());
  if (core !== null) env.OPENBLAS_CORETYPE = core;
  return core;
}
