/**
 * The time and energy accounting in Node: the core's Accountant (experiments/accounting.ts)
 * with the process's CPU time and peak RSS, the machine's cores and the RAPL counters of
 * the powercap sysfs tree. CPU time comes from process.cpuUsage(), which includes worker threads.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Accountant as CoreAccountant, type AccountantOptions, type RaplReading } from "../experiments/accounting.js";

export class Accountant extends CoreAccountant {
  constructor(options: AccountantOptions = {}) {
    super({
      cpuUsage: () => process.cpuUsage(),
      peakRssKB: () => process.resourceUsage().maxRSS,
      cores: availableParallelism(),
      readRapl: readRaplPackages,
      ...options,
    });
  }
}

/** Reads every package counter under `root`; returns why not when none is readable. */
function readRaplPackages(root: string): RaplReading | string {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => /^intel-rapl:\d+$/.test(n)).sort();
  } catch {
    return `${root} is not readable`;
  }
  if (names.length === 0) return `no intel-rapl package under ${root}`;
  const out: RaplReading = [];
  for (const name of names) {
    try {
      const energyUJ = Number(readFileSync(join(root, name, "energy_uj"), "utf8").trim());
      const maxRangeUJ = Number(readFileSync(join(root, name, "max_energy_range_uj"), "utf8").trim());
      if (!Number.isFinite(energyUJ) || !Number.isFinite(maxRangeUJ)) return `${join(root, name)}: counters are not numbers`;
      out.push({ energyUJ, maxRangeUJ });
    } catch (err) {
      return `${join(root, name, "energy_uj")} is not readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  }
  return out;
}
