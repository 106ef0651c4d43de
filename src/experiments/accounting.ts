/**
 * Time and energy accounting for one run: wall time and CPU time per phase (growth search,
 * training, evaluation, …) and energy in Wh, cumulative over the run (also across resumes).
 *
 * Energy, method "model" (Green Algorithms: Lannelongue, Grealey & Inouye 2021, "Green
 * Algorithms: quantifying the carbon footprint of computation", Advanced Science 8(12),
 * 2100707; calculator at green-algorithms.org):
 *
 *   E [Wh] = t [h] × (nCores × powerPerCore [W] × usage + memory [GB] × 0.3725 [W/GB]) × PUE
 *
 * with usage = CPU time / (wall time × nCores), so nCores × usage × t is simply the CPU time:
 *
 *   E = PUE × (cpuSeconds × powerPerCore + wallSeconds × memoryGB × 0.3725) / 3600
 *
 * which is additive over phases. Constants: 12 W per core is the Green Algorithms default
 * TDP per core for an unknown CPU; 0.3725 W/GB is their memory power; PUE defaults to 1 (a
 * laptop or desktop, no data-centre overhead; Green Algorithms uses 1.67 for an average data
 * centre). Memory defaults to the process's peak resident set size at snapshot time.
 * CPU time, peak RSS, cores and RAPL come from probes passed in (node/accounting.ts: the process).
 *
 * Method "rapl": when the Intel RAPL package counters under /sys/class/powercap are
 * readable, the energy is their measured delta (summed over packages, wrap-around handled,
 * times PUE). RAPL measures the whole CPU package, other processes included. The model
 * estimate is always reported beside it (`modelEnergyWh`).
 */

/** A named phase; time outside every phase is reported as "untracked". */
export type Phase = "search" | "training" | "evaluation" | (string & {});

/** Green Algorithms default power per core for an unknown CPU, in W. */
export const DEFAULT_POWER_PER_CORE_W = 12;
/** Green Algorithms memory power, in W per GB. */
export const MEMORY_POWER_W_PER_GB = 0.3725;
/** Power usage effectiveness: 1 for a laptop or desktop. */
export const DEFAULT_PUE = 1;

export interface AccountantOptions {
  /** Monotonic clock in milliseconds (default performance.now). */
  clock?: () => number;
  /** Cumulative process CPU time in microseconds (default: the clock, one busy thread; Node: process.cpuUsage). */
  cpuUsage?: () => { user: number; system: number };
  /** Peak resident set size in kilobytes (default 0, unknown; Node: process.resourceUsage().maxRSS). */
  peakRssKB?: () => number;
  /** Cores counted by the model (default 1; Node: os.availableParallelism()). */
  cores?: number;
  powerPerCoreW?: number;
  /** Memory for the model in GB; default: the peak RSS at snapshot time. */
  memoryGB?: number;
  pue?: number;
  /** "auto" reads RAPL when readable (default); "off" always uses the model. */
  rapl?: "auto" | "off";
  /** Root of the powercap sysfs tree (default /sys/class/powercap; tests point it elsewhere). */
  powercapRoot?: string;
  /** Reads the RAPL package counters under a powercap root, or says why not (default: none on this platform; Node: sysfs). */
  readRapl?: (root: string) => RaplReading | string;
  /** A snapshot from an earlier session of the same run: its totals are carried forward. */
  resumeFrom?: AccountingSnapshot;
}

/** Plain-JSON accounting state; every per-phase record also has "untracked" and "total". */
export interface AccountingSnapshot {
  method: "rapl" | "model";
  wallSeconds: Record<string, number>;
  cpuSeconds: Record<string, number>;
  energyWh: Record<string, number>;
  /** The model estimate, reported even when method is "rapl". */
  modelEnergyWh: Record<string, number>;
  /** Mean CPU usage over the run: cpuSeconds.total / (wallSeconds.total × cores). */
  usage: number;
  peakRssMB: number;
  model: {
    cores: number;
    powerPerCoreW: number;
    memoryGB: number;
    memorySource: "peak-rss" | "configured";
    memoryPowerWPerGB: number;
    pue: number;
    source: string;
  };
  /** Why RAPL was not used (unreadable, or a read failed during the run). */
  raplNote?: string;
}

interface Totals {
  wall: number;
  cpu: number;
  raplJ: number;
}

const MODEL_SOURCE = "Green Algorithms (Lannelongue, Grealey & Inouye 2021, Advanced Science 8(12) 2100707)";

/**
 * Accumulates wall time, CPU time and energy per phase. Phases nest: time goes to the
 * innermost open phase. Phases are a stack, so async phases must not overlap concurrently
 * (run the search, then the training; not both at once from two promises).
 */
export class Accountant {
  private readonly clock: () => number;
  private readonly cpu: () => number;
  private readonly peakRssKB: () => number;
  private readonly opts: AccountantOptions;
  private readonly cores: number;
  private readonly totals = new Map<string, Totals>();
  private readonly stack: string[] = [];
  private readonly startWall: number;
  private readonly startCpu: number;
  private readonly startRapl: RaplReading | null;
  private lastWall: number;
  private lastCpu: number;
  private lastRapl: RaplReading | null;
  private raplNote: string | undefined;
  private readonly readRapl: (root: string) => RaplReading | string;

  constructor(options: AccountantOptions = {}) {
    this.opts = options;
    this.readRapl = options.readRapl ?? (() => "RAPL counters are not readable on this platform");
    this.clock = options.clock ?? (() => performance.now());
    const cpuUsage = options.cpuUsage ?? (() => ({ user: this.clock() * 1000, system: 0 }));
    this.cpu = () => {
      const u = cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    this.peakRssKB = options.peakRssKB ?? (() => 0);
    this.cores = options.cores ?? 1;
    this.startWall = this.lastWall = this.clock() / 1000;
    this.startCpu = this.lastCpu = this.cpu();
    const root = options.powercapRoot ?? "/sys/class/powercap";
    const probe = options.rapl === "off" ? null : this.readRapl(root);
    if (options.rapl === "off") this.raplNote = "RAPL disabled by option";
    else if (typeof probe === "string") this.raplNote = probe;
    else if (options.resumeFrom?.method === "model") this.raplNote = "the run began with the model estimate; kept for consistency";
    this.startRapl = this.lastRapl = probe !== null && typeof probe !== "string" ? probe : null;
    for (const [phase, wall] of Object.entries(options.resumeFrom?.wallSeconds ?? {})) {
      if (phase === "total" || phase === "untracked") continue;
      const prev = options.resumeFrom!;
      this.bucket(phase).wall += wall;
      this.bucket(phase).cpu += prev.cpuSeconds[phase] ?? 0;
      if (prev.method === "rapl") this.bucket(phase).raplJ += ((prev.energyWh[phase] ?? 0) * 3600) / (prev.model.pue || 1);
    }
  }

  /** Runs `fn` inside `phase` (sync or async); the phase ends when `fn` returns or settles. */
  phase<T>(phase: Phase, fn: () => T): T {
    const stop = this.start(phase);
    let result: T;
    try {
      result = fn();
    } catch (err) {
      stop();
      throw err;
    }
    if (result instanceof Promise) return result.finally(stop) as T;
    stop();
    return result;
  }

  /** Starts `phase`, pausing the enclosing one; returns the function that ends it (once). */
  start(phase: Phase): () => void {
    this.settle();
    this.stack.push(phase);
    const depth = this.stack.length;
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.settle();
      // Phases end in reverse order; an out-of-order stop also ends the phases above it.
      this.stack.length = Math.min(this.stack.length, depth - 1);
    };
  }

  /** The cumulative accounting so far, as plain JSON. */
  snapshot(): AccountingSnapshot {
    this.settle();
    const now = this.lastWall;
    const prev = this.opts.resumeFrom;
    const wallSeconds: Record<string, number> = {};
    const cpuSeconds: Record<string, number> = {};
    const rapl: Record<string, number> = {};
    for (const phase of ["search", "training", "evaluation", ...this.totals.keys()]) {
      const t = this.totals.get(phase) ?? { wall: 0, cpu: 0, raplJ: 0 };
      wallSeconds[phase] = t.wall;
      cpuSeconds[phase] = t.cpu;
      rapl[phase] = t.raplJ;
    }
    wallSeconds.total = (prev?.wallSeconds.total ?? 0) + (now - this.startWall);
    cpuSeconds.total = (prev?.cpuSeconds.total ?? 0) + (this.lastCpu - this.startCpu);
    const prevRaplJ = prev?.method === "rapl" ? ((prev.energyWh.total ?? 0) * 3600) / (prev.model.pue || 1) : 0;
    rapl.total = prevRaplJ + (this.startRapl && this.lastRapl ? raplDeltaJ(this.startRapl, this.lastRapl) : 0);
    const sum = (r: Record<string, number>) => Object.entries(r).reduce((s, [k, v]) => (k === "total" ? s : s + v), 0);
    wallSeconds.untracked = Math.max(0, wallSeconds.total - sum(wallSeconds));
    cpuSeconds.untracked = Math.max(0, cpuSeconds.total - sum(cpuSeconds));
    rapl.untracked = Math.max(0, rapl.total - sum(rapl));

    const peakRssMB = this.peakRssKB() / 1024;
    const memoryGB = this.opts.memoryGB ?? peakRssMB / 1024;
    const powerPerCoreW = this.opts.powerPerCoreW ?? DEFAULT_POWER_PER_CORE_W;
    const pue = this.opts.pue ?? DEFAULT_PUE;
    const modelEnergyWh: Record<string, number> = {};
    const raplEnergyWh: Record<string, number> = {};
    for (const phase of Object.keys(wallSeconds)) {
      modelEnergyWh[phase] = (pue * (cpuSeconds[phase] * powerPerCoreW + wallSeconds[phase] * memoryGB * MEMORY_POWER_W_PER_GB)) / 3600;
      raplEnergyWh[phase] = (pue * rapl[phase]) / 3600;
    }
    const method = this.lastRapl !== null && this.raplNote === undefined ? "rapl" : "model";
    const snap: AccountingSnapshot = {
      method,
      wallSeconds,
      cpuSeconds,
      energyWh: method === "rapl" ? raplEnergyWh : modelEnergyWh,
      modelEnergyWh,
      usage: wallSeconds.total > 0 ? cpuSeconds.total / (wallSeconds.total * this.cores) : 0,
      peakRssMB,
      model: {
        cores: this.cores,
        powerPerCoreW,
        memoryGB,
        memorySource: this.opts.memoryGB === undefined ? "peak-rss" : "configured",
        memoryPowerWPerGB: MEMORY_POWER_W_PER_GB,
        pue,
        source: MODEL_SOURCE,
      },
    };
    if (this.raplNote !== undefined) snap.raplNote = this.raplNote;
    return snap;
  }

  private bucket(phase: string): Totals {
    let t = this.totals.get(phase);
    if (!t) this.totals.set(phase, (t = { wall: 0, cpu: 0, raplJ: 0 }));
    return t;
  }

  /** Charges the time since the last boundary to the innermost open phase (if any). */
  private settle(): void {
    const wall = this.clock() / 1000;
    const cpu = this.cpu();
    let reading: RaplReading | null = null;
    if (this.lastRapl !== null && this.raplNote === undefined) {
      const r = this.readRapl(this.opts.powercapRoot ?? "/sys/class/powercap");
      if (typeof r === "string") this.raplNote = `a RAPL read failed during the run (${r}); energy falls back to the model`;
      else reading = r;
    }
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) {
      const t = this.bucket(top);
      t.wall += wall - this.lastWall;
      t.cpu += cpu - this.lastCpu;
      if (reading && this.lastRapl) t.raplJ += raplDeltaJ(this.lastRapl, reading);
    }
    this.lastWall = wall;
    this.lastCpu = cpu;
    if (reading) this.lastRapl = reading;
  }
}

/** Energy in joules between two readings, one counter per package, each may wrap once. */
function raplDeltaJ(from: RaplReading, to: RaplReading): number {
  let uj = 0;
  for (let i = 0; i < Math.min(from.length, to.length); i++) {
    const d = to[i].energyUJ - from[i].energyUJ;
    uj += d >= 0 ? d : d + to[i].maxRangeUJ;
  }
  return uj / 1e6;
}

/** One reading per RAPL package (intel-rapl:N), in microjoules. */
export type RaplReading = { energyUJ: number; maxRangeUJ: number }[];
