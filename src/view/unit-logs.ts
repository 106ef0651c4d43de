/**
 * Logs that hold several networks: `tinygrow grow-cnn` writes one log for its study's units
 * (the grown CNN, the fixed baselines, the retrained FS network), records
 * `{type: "epoch" | "growth", unit, …}` in its own fields (node/experiments/grow-cnn.ts). The
 * viewer shows every unit as a run of its own, in the fields of docs/run-log.md; this is the
 * translation, fed the records as they arrive (it keeps each unit's growth step count).
 */
import type { LogRecord, LoggedCandidate } from "./run-log.js";

/** Whether `record` is a unit record (grow-cnn's log), whose log the viewer splits by unit. */
export const isUnitRecord = (record: LogRecord): boolean => typeof record.unit === "string" && (record.type === "epoch" || record.type === "growth");

interface CnnCandidate {
  block: number;
  consumer?: string;
  k: number;
  score: number;
  bottleneck?: number;
}

interface CnnApplied {
  candidate: CnnCandidate;
  gamma: number;
  lossBefore: number;
  lossAfter: number;
}

export class UnitSplitter {
  private readonly steps = new Map<string, number>();

  /** The records of every unit among `records`, translated, in log order. */
  push(records: readonly LogRecord[]): Map<string, LogRecord[]> {
    const out = new Map<string, LogRecord[]>();
    for (const r of records) {
      if (!isUnitRecord(r)) continue;
      const unit = r.unit as string;
      const list = out.get(unit) ?? [];
      list.push(this.translate(unit, r));
      out.set(unit, list);
    }
    return out;
  }

  private translate(unit: string, r: LogRecord): LogRecord {
    const common = { epoch: r.epoch, parameters: r.parameters, graph: r.graph };
    if (r.type === "epoch") {
      const first = !this.steps.has(unit);
      if (first) this.steps.set(unit, 0);
      const accuracy = { validation: r.validationAccuracy, test: r.testAccuracy } as Record<string, number | null>;
      const action = first ? "train (the starting network)" : "train";
      // A unit's first record is its starting point (step 0) for the viewer.
      return { ...common, kind: first ? "init" : "epoch", step: this.steps.get(unit), action, losses: { train: r.trainLoss as number }, accuracy };
    }
    const step = typeof r.step === "number" ? r.step : (this.steps.get(unit) ?? 0) + 1;
    this.steps.set(unit, step);
    const result = (r.result ?? {}) as { candidates?: CnnCandidate[]; applied?: CnnApplied[] };
    const applied = result.applied ?? [];
    const name = (c: CnnCandidate): string => `c${c.block + 1} +${c.k}${c.consumer === "head" ? " (→ head)" : ""}`;
    const grown = applied.find(() => true) ?? null;
    const candidates: LoggedCandidate[] = (result.candidates ?? []).map((c) => {
      const a = applied.find((x) => x.candidate.block === c.block);
      return { description: name(c), neurons: c.k, gamma: a?.gamma ?? null, lossLs: a?.lossAfter ?? null, score: -c.score, chosen: a !== undefined, skipped: null };
    });
    return {
      ...common,
      kind: "growth",
      step,
      action: applied.length === 0 ? "grow: none" : `grow: ${applied.map((a) => name(a.candidate)).join(", ")}`,
      growth: {
        outcome: applied.length === 0 ? "no pair could grow" : "grown",
        chosen: grown === null ? null : name(grown.candidate),
        criterion: "−(D + (Σs²)²/Q)",
        gamma: grown?.gamma ?? null,
        neurons: applied.reduce((s, a) => s + a.candidate.k, 0),
        bottlenecks: Object.fromEntries((result.candidates ?? []).filter((c) => typeof c.bottleneck === "number").map((c) => [`c${c.block + 1}`, c.bottleneck as number])),
        candidates,
      },
    };
  }
}
