/**
 * Model selection on the validation split during a growth run (config `selection`): keep the
 * model with the lowest validation loss seen at any evaluation (after a growth step or an
 * epoch of inter-training), and stop growing once `patience` growth steps in a row brought no
 * new best. Growth itself never sees the validation split; only this choice of *which* of the
 * run's models to keep, and when to stop, reads it. The test set is never read here.
 *
 * The state is part of the run's checkpoint (`selection`), so a resumed run keeps the same best.
 */
import { z } from "zod";
import { modelFromJson, modelToJson, type DagModelJson } from "../dag/serialize.js";
import type { DagModel } from "../dag/model.js";

export const SelectionSectionObject = z.strictObject({
    /** "best-validation": the final model is the run's model of lowest validation loss; "last": the model at the end. */
    keep: z.enum(["last", "best-validation"]).default("last"),
    /** With "best-validation": stop growing after this many growth steps without a new best (0: never stop early). */
    patience: z.number().int().min(0).default(0),
});
export const SelectionSectionSchema = SelectionSectionObject.prefault({});

export type SelectionSection = z.output<typeof SelectionSectionSchema>;

/** Where the best model was seen, and its validation loss. */
export interface BestPosition {
  step: number;
  epoch: number;
  validation: number;
}

/** The checkpointed form. */
export interface SelectionState {
  best: (BestPosition & { model: DagModelJson }) | null;
  /** Growth steps finished since the best was seen. */
  stepsWithoutBest: number;
  /** The last growth step counted by endOfStep (a resumed run may pass the same point twice). */
  countedStep: number;
  /** Patience spent: no further growth step. */
  stopped: boolean;
}

export class ValidationSelection {
  private state: SelectionState;

  /** Active only with keep "best-validation" and a validation split (`hasValidation`); otherwise it keeps the last model. */
  constructor(
    private readonly config: SelectionSection | undefined,
    saved: SelectionState | undefined,
    private readonly hasValidation = true,
  ) {
    this.state = saved === undefined ? { best: null, stepsWithoutBest: 0, countedStep: 0, stopped: false } : structuredClone(saved);
  }

  get active(): boolean {
    return this.config?.keep === "best-validation" && this.hasValidation;
  }

  /** After an evaluation: a copy of the model when its validation loss is the lowest so far. */
  observe(model: DagModel<Float32Array>, step: number, epoch: number, validation: number | undefined): void {
    if (!this.active || validation === undefined) return;
    if (this.state.best !== null && !(validation < this.state.best.validation)) return;
    this.state.best = { step, epoch, validation, model: modelToJson(model) };
  }

  /** At the end of growth step `step`'s training (counted once per step): stop when the patience is spent. */
  endOfStep(step: number): void {
    if (!this.active || step <= this.state.countedStep) return;
    this.state.countedStep = step;
    this.state.stepsWithoutBest = this.state.best !== null && this.state.best.step === step ? 0 : this.state.stepsWithoutBest + 1;
    const patience = this.config?.patience ?? 0;
    if (patience > 0 && this.state.stepsWithoutBest >= patience) this.state.stopped = true;
  }

  /** True once `patience` growth steps in a row brought no new best. */
  get stopped(): boolean {
    return this.state.stopped;
  }

  /** The model to keep at the end (the best, or `last` when selection is off or saw nothing). */
  chosen(last: DagModel<Float32Array>): { model: DagModel<Float32Array>; best: BestPosition | null } {
    const b = this.state.best;
    if (!this.active || b === null) return { model: last, best: null };
    return { model: modelFromJson(b.model), best: { step: b.step, epoch: b.epoch, validation: b.validation } };
  }

  /** For the checkpoint. */
  save(): SelectionState {
    return this.state;
  }
}
