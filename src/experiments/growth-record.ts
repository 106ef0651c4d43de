/**
 * The "growth" record of a growth run's log (growth-run.ts): the step's choice and every
 * candidate's scores, without timings (the viewer's candidate table reads it).
 */
import { describeCandidate } from "../dag/candidates.js";
import type { GrowthStepResult } from "../dag/step.js";
import type { GrowthRunConfig } from "./config.js";

/**
 * The growth step in the log: the choice, and every candidate's scores (no timings). Each
 * candidate carries a generic `score` (lower is better) under the step's `criterion`, so that
 * the viewer's table does not depend on how a strategy ranks candidates; a step result that
 * brings its own (`score` on the candidates, `criterion` on the result) is logged as is.
 */
export function growthSummary(r: GrowthStepResult, growth: GrowthRunConfig["growth"]): Record<string, unknown> {
  const chosen = r.chosen === null ? null : r.candidates[r.chosen];
  // The step's criterion (dag/selection.ts); "bic" ranks by ΔBIC/Δk unless bic.compare is "total".
  const criterion = r.criterion === "loss" ? "loss-gr" : r.criterion === "bic" && growth.bic.compare !== "total" ? "bic-per-parameter" : r.criterion;
  return {
    outcome: r.outcome,
    chosen: chosen === null ? null : describeCandidate(chosen.candidate),
    chosenIndex: r.chosen,
    criterion,
    newNode: r.newNode,
    bottleneckNode: r.bottleneckNode,
    gamma: chosen?.gamma ?? null,
    neurons: chosen?.neurons ?? 0,
    paramsBefore: r.paramsBefore,
    paramsAfter: r.paramsAfter,
    lossGrBefore: r.lossGrBefore,
    bicBefore: r.bicBefore,
    scoreBefore: r.scoreBefore,
    warnings: r.warnings,
    bottlenecks: r.bottlenecks,
    bottleneckScores: r.bottleneckScores,
    candidates: r.candidates.map((c) => ({
      description: c.description,
      neurons: c.neurons,
      gamma: c.gamma,
      lossLs: c.lossLs,
      lossGr: c.lossGr,
      bic: c.bic,
      score: criterion === "bic-per-parameter" ? defaultScore(c, criterion, r) : c.score,
      params: c.params,
      addedParams: c.params - r.paramsBefore,
      chosen: c.index === r.chosen,
      skipped: c.skipped,
      nonFinite: c.nonFinite,
    })),
  };
}

/** ΔBIC/Δk (criterion "bic-per-parameter"), else the candidate's own score. */
function defaultScore(c: GrowthStepResult["candidates"][number], criterion: string, r: GrowthStepResult): number {
  if (criterion === "bic") return c.bic;
  if (criterion === "bic-per-parameter") return (c.bic - r.bicBefore) / Math.max(1, c.params - r.paramsBefore);
  return c.lossGr;
}
