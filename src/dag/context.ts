/**
 * The step context of `step.ts` as a structured-clone message for a worker thread, and back.
 * The model travels as its JSON (float32 values exactly), matrices as their typed arrays.
 * Per-candidate caches (δW moves) are not sent: each side recomputes them identically.
 */
import type { Kernels } from "../kernels/kernels.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Candidate } from "./candidates.js";
import type { EvalSet } from "./evaluate.js";
import type { DagActivations } from "./model.js";
import { modelFromJson, modelToJson, type DagModelJson } from "./serialize.js";
import type { DagStatistics, NodeStatistics } from "./statistics.js";
import type { ResolvedGrowthOptions, StepContext } from "./step.js";

type Plain<T extends FloatArray> = { rows: number; cols: number; data: T };

export interface PackedContext {
  model: DagModelJson;
  stats: DagStatistics;
  candidates: Candidate[];
  newNodeName: string;
  setLs: Omit<EvalSet<Float32Array>, "deltaMoves">;
  setGr: Omit<EvalSet<Float32Array>, "deltaMoves">;
  setOpt: StepContext<Float32Array>["setOpt"];
  options: ResolvedGrowthOptions;
  paramsBefore: number;
}

export function packContext(ctx: StepContext<Float32Array>): PackedContext {
  const strip = (s: EvalSet<Float32Array>): Omit<EvalSet<Float32Array>, "deltaMoves"> => ({ acts: s.acts, targets: s.targets, baseLoss: s.baseLoss });
  return {
    model: modelToJson(ctx.model),
    stats: ctx.stats,
    candidates: ctx.candidates,
    newNodeName: ctx.newNodeName,
    setLs: strip(ctx.setLs),
    setGr: strip(ctx.setGr),
    setOpt: ctx.setOpt,
    options: ctx.options,
    paramsBefore: ctx.paramsBefore,
  };
}

function revive<T extends FloatArray>(m: Plain<T>): Matrix<T> {
  return new Matrix(m.rows, m.cols, m.data);
}

function reviveMap<T extends FloatArray>(m: Map<string, Plain<T>>): Map<string, Matrix<T>> {
  return new Map([...m].map(([k, v]) => [k, revive(v)]));
}

function reviveActs(a: DagActivations<Float32Array>): DagActivations<Float32Array> {
  return { rows: a.rows, z: reviveMap(a.z), a: reviveMap(a.a) };
}

function reviveSet(s: Omit<EvalSet<Float32Array>, "deltaMoves">): EvalSet<Float32Array> {
  const targets = s.targets instanceof Int32Array ? s.targets : revive(s.targets);
  return { acts: reviveActs(s.acts), targets, baseLoss: s.baseLoss, deltaMoves: new Map() };
}

/** Rebuilds the context on the receiving side (class instances are lost by structured clone). */
export function unpackContext(p: PackedContext, kernels: Kernels): StepContext<Float32Array> {
  const nodes = new Map<string, NodeStatistics>();
  for (const [name, n] of p.stats.nodes) {
    const d = n.delta;
    nodes.set(name, { ...n, delta: { ...d, deltaRaw: revive(d.deltaRaw), deltaWeight: revive(d.deltaWeight) } });
  }
  const stats: DagStatistics = { ...p.stats, C: revive(p.stats.C), MG: revive(p.stats.MG), nodes };
  return {
    model: modelFromJson(p.model),
    stats,
    candidates: p.candidates,
    newNodeName: p.newNodeName,
    setLs: reviveSet(p.setLs),
    setGr: reviveSet(p.setGr),
    setOpt: p.setOpt === null ? null : { acts: reviveActs(p.setOpt.acts), grads: reviveMap(p.setOpt.grads) },
    options: p.options,
    kernels,
    paramsBefore: p.paramsBefore,
  };
}
