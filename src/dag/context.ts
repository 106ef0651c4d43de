/**
 * The step context of `step.ts` as a structured-clone message for a worker thread, and back.
 * The model travels as its JSON (float32 values exactly), matrices as their typed arrays.
 * Per-candidate caches (δW moves) are not sent: each side recomputes them identically.
 *
 * `shareContext` first moves the context's arrays (activations, gradients, targets,
 * statistics, the float64 sample blocks of samples.ts) into SharedArrayBuffers, in place: structured clone then passes them to every
 * worker by reference, so a step costs no copy per worker and the data exists once in
 * memory whatever the number of workers. The splits' inputs (the input node's activations)
 * and targets outlive a step: `shareSplits` moves them once, in the splits themselves, so
 * that they exist once in memory too (a copy kept beside the originals would double them).
 */
import type { Kernels } from "../kernels/kernels.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Candidate } from "./candidates.js";
import type { DagData } from "./data.js";
import type { EvalSet } from "./evaluate.js";
import type { DagActivations } from "./model.js";
import { modelFromJson, modelToJson, type DagModelJson } from "./serialize.js";
import type { DagStatistics, NodeStatistics } from "./statistics.js";
import type { Proposal } from "./fit.js";
import type { GrowthSplits, StepContext, StepOptions } from "./step.js";

type Plain<T extends FloatArray> = { rows: number; cols: number; data: T };

export interface PackedContext {
  model: DagModelJson;
  stats: DagStatistics;
  candidates: Candidate[];
  newNodeName: string;
  setLs: Omit<EvalSet<Float32Array>, "deltaMoves">;
  setGr: Omit<EvalSet<Float32Array>, "deltaMoves">;
  setOpt: StepContext<Float32Array>["setOpt"];
  blocks: StepContext<Float32Array>["blocks"];
  options: StepOptions;
  paramsBefore: number;
}

type Shareable = Float32Array | Float64Array | Int32Array;

/** Arrays already moved to shared memory, by their original (kept by the pool across steps). */
export type ShareCache = WeakMap<Shareable, Shareable>;

function shared<A extends Shareable>(data: A, cache: ShareCache): A {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const hit = cache.get(data);
  if (hit !== undefined) return hit as A;
  const Ctor = data.constructor as new (buffer: SharedArrayBuffer) => A;
  const out = new Ctor(new SharedArrayBuffer(data.byteLength));
  out.set(data);
  cache.set(data, out);
  return out;
}

function sharedMatrix<T extends FloatArray>(m: Matrix<T>, cache: ShareCache): Matrix<T> {
  const data = shared(m.data, cache);
  return data === m.data ? m : new Matrix(m.rows, m.cols, data);
}

function shareMap<T extends FloatArray>(map: Map<string, Matrix<T>>, cache: ShareCache): void {
  for (const [k, m] of map) map.set(k, sharedMatrix(m, cache));
}

function shareSet(set: { acts: DagActivations<Float32Array>; targets?: EvalSet<Float32Array>["targets"] }, cache: ShareCache): void {
  shareMap(set.acts.z, cache);
  shareMap(set.acts.a, cache);
  if (set.targets !== undefined) set.targets = set.targets instanceof Int32Array ? shared(set.targets, cache) : sharedMatrix(set.targets, cache);
}

/** Moves the splits' inputs and targets into shared memory, in place (a no-op for arrays already there). */
export function shareSplits(splits: GrowthSplits<Float32Array>, cache: ShareCache): void {
  for (const d of [splits.trainOpt, splits.trainLs, splits.trainGr] as DagData[]) {
    d.x = sharedMatrix(d.x, cache);
    if ("labels" in d) d.labels = shared(d.labels, cache);
    else d.y = sharedMatrix(d.y, cache);
  }
}

/**
 * Moves the read-only arrays of a step context into shared memory, in place (the main thread
 * then reads the same memory as the workers; values are unchanged, so results are too).
 */
export function shareContext(ctx: StepContext<Float32Array>, cache: ShareCache): void {
  shareSet(ctx.setLs, cache);
  shareSet(ctx.setGr, cache);
  if (ctx.setOpt !== null) {
    shareSet(ctx.setOpt, cache);
    shareMap(ctx.setOpt.grads, cache);
  }
  for (const [key, m] of ctx.blocks) ctx.blocks.set(key, sharedMatrix(m, cache));
  const stats = ctx.stats as { C: DagStatistics["C"]; MG: DagStatistics["MG"] } & DagStatistics;
  stats.C = sharedMatrix(stats.C, cache);
  stats.MG = sharedMatrix(stats.MG, cache);
  for (const [name, n] of stats.nodes) {
    const d = n.delta;
    stats.nodes.set(name, { ...n, delta: { ...d, deltaRaw: sharedMatrix(d.deltaRaw, cache), deltaWeight: sharedMatrix(d.deltaWeight, cache), deltaBias: d.deltaBias === null ? null : shared(d.deltaBias, cache) } });
  }
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
    blocks: ctx.blocks,
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
    blocks: reviveMap(p.blocks),
    options: p.options,
    kernels,
    paramsBefore: p.paramsBefore,
  };
}

/** A proposal received from a worker (structured clone keeps the arrays, not the Matrix class). */
export function reviveProposal(p: Proposal): Proposal {
  if (p.kind === "new-edge") return { ...p, weight: revive(p.weight) };
  return { ...p, alpha: revive(p.alpha), omega: revive(p.omega), deltaAdjust: p.deltaAdjust === null ? null : p.deltaAdjust.map((m) => (m === null ? null : revive(m))) };
}
