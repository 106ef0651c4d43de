/**
 * The growth-criteria options every DAG growth command shares (`teacher-student`/`compare`,
 * `mnist`, `grow`): how new neurons are fitted, the significance rule of new neurons and α of
 * strategy penalized, with their config paths (growth section of experiments/config.ts).
 */
import type { Command } from "commander";
import { DEFAULT_FIT_MODE, FIT_MODES } from "../dag/fit.js";
import { DEFAULT_PENALTY_ALPHA } from "../dag/selection.js";
import { floatArg } from "./parsers.js";

/** Option name (commander camelCase) → dotted config path. */
export const CRITERIA_FLAG_PATHS: Record<string, string> = {
  fit: "growth.fit.mode",
  alpha: "growth.penalty.alpha",
  significance: "growth.fit.significance.rule",
  significanceLevel: "growth.fit.significance.level",
};

/** `fitDefault`: the command's default fit mode, when it is not the engine's. */
export function addCriteriaOptions(cmd: Command, fitDefault?: string): Command {
  const fit = fitDefault === undefined ? `${DEFAULT_FIT_MODE}, 20 epochs of descent; chosen on validation, README` : `${fitDefault}; ${DEFAULT_FIT_MODE} is the other commands' default`;
  return cmd
    .option("--fit <mode>", `how new neurons are fitted: ${FIT_MODES.join(", ")} (default: ${fit})`)
    .option("--significance <rule>", "how many new neurons the data supports: threshold (τ_stat = 1e-3, the default) or marchenko-pastur (noise edge, docs/significance.md)")
    .option("--significance-level <p>", "probability in (0, 1) that pure noise adds a neuron, for --significance marchenko-pastur (default: 0.05)", floatArg)
    .option("--alpha <x>", `α of strategy penalized: a step grows only if the train-gr loss drops by more than α per added parameter, L_gr + α·k (default: ${DEFAULT_PENALTY_ALPHA}, chosen on validation)`, floatArg);
}
