/**
 * The baselines of the teacher–student study (Douka et al. §3, Fig. 5):
 *
 *  - the oracle: the teacher's architecture (the ideal structure, known in advance) with a
 *    fresh initialisation, trained from scratch on inter-train for as many epochs as a
 *    grown student gets in total;
 *  - the retrained structure: a student's final grown DAG with a fresh initialisation,
 *    trained from scratch for the same number of epochs (is growth better than knowing
 *    the final structure?).
 *
 * Both are runs of the growth loop with no growth step: `baselineRunConfig` turns a growth
 * run's configuration into that, so baselines are logged, accounted, checkpointed and
 * resumed exactly as the students are.
 */
import { DagModel } from "../dag/model.js";
import { buildTeacher, type TeacherOptions } from "../data/teacher.js";
import type { Rng } from "../tensor/rng.js";
import type { GrowthRunConfig } from "./config.js";

/** Every epoch a growth run trains for: before the first step and after each one. */
export function totalEpochs(config: GrowthRunConfig): number {
  return config.training.initialEpochs + config.growth.steps * config.training.epochsPerStep;
}

/** The same budget of epochs, all before any growth step, and no growth step. */
export function baselineRunConfig(config: GrowthRunConfig): GrowthRunConfig {
  return {
    ...config,
    growth: { ...config.growth, steps: 0 },
    training: { ...config.training, initialEpochs: totalEpochs(config) },
  };
}

/**
 * The oracle: the teacher's architecture, initialised from `rng` with LeCun-normal weights
 * and zero biases — the initialisation of every edge a student grows — whatever the
 * teacher's own initialisation was.
 */
export function oracleModel(rng: Rng, teacher: TeacherOptions = {}): DagModel<Float32Array> {
  return buildTeacher(rng, { ...teacher, init: "lecun-normal" });
}

/**
 * `model`'s structure (nodes, widths, activations, edges and which edges have a bias) with
 * fresh weights: LeCun-normal N(0, 1/fan-in), zero biases, drawn from `rng` edge by edge in
 * insertion order.
 */
export function freshlyInitialised(model: DagModel<Float32Array>, rng: Rng): DagModel<Float32Array> {
  const m = DagModel.empty(model.inputSize, model.outputSize, { activation: model.defaultActivation, inputName: model.inputName, outputName: model.outputName });
  for (const n of model.graph.nodes) if (n.kind === "hidden") m.addNode(n.name, n.size, n.activation);
  for (const e of model.graph.edges) m.addEdge(e.from, e.to, { bias: e.bias, init: "lecun-normal", rng });
  return m;
}
