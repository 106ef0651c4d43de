/**
 * A growth run kept in memory (the page's, or a Web Worker's): the growth loop's
 * GrowthRunStore and RecordLog ports without files. The last checkpoint is kept, so a
 * stopped run can continue from it (`runGrowth` with `resume: store.checkpoint`).
 */
import type { GrowthCheckpoint, GrowthRunStore, RecordLog, StepRecord } from "../experiments/growth-run.js";

export class MemoryRunStore implements GrowthRunStore, RecordLog {
  readonly where: string;
  private readonly log: StepRecord[] = [];
  /** The last checkpoint written, or null before the first. */
  checkpoint: GrowthCheckpoint | null = null;
  /** model.json as the loop wrote it at the end, or null before. */
  modelJson: string | null = null;

  constructor(where = "memory") {
    this.where = where;
  }

  get records(): number {
    return this.log.length;
  }

  append(record: object): void {
    this.log.push(record as StepRecord);
  }

  writeCheckpoint(checkpoint: GrowthCheckpoint): void {
    this.checkpoint = checkpoint;
  }

  writeModel(json: string): void {
    this.modelJson = json;
  }

  readRecords(): StepRecord[] {
    return this.log.slice();
  }

  /** Cuts the log back to the checkpoint's record count (what a resumed run expects). */
  rewindToCheckpoint(): void {
    this.log.length = this.checkpoint?.logRecords ?? 0;
  }
}
