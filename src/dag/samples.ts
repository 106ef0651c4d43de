/**
 * The float64 train-opt samples of a neuron candidate (random-tries.ts `NeuronSamples`):
 * X̃ = [a_sources | 1], the new neurons' inputs, and per target t 𝓑_t = [a_{t's sources} | 1],
 * S_t and V_t = G_t − 𝓑_t δW_tᵀ.
 *
 * The blocks [a_s1 | a_s2 | … | 1] depend only on the sources and the ones column, and the
 * candidates of a step share most of them (every new node from the input, every target fed
 * by it: on MNIST each is 20,000 × 785 values, 126 MB): `sampleBlocks` builds each distinct
 * block once per step, for every candidate, before any is evaluated. A serial step then
 * stops rebuilding them per candidate, and a pool's workers map them from shared memory
 * (context.ts) instead of holding one copy each. The values are the same as per-candidate
 * copies (float32 → float64 is exact), so the results are too.
 */
import { Matrix, zeros64, type FloatArray, type Matrix64 } from "../tensor/matrix.js";
import { linearCombination, matmul } from "../growth/linalg.js";
import type { Candidate } from "./candidates.js";
import { neuronLayout, type NeuronProposal } from "./fit.js";
import type { NeuronSamples } from "./random-tries.js";
import { activityColumns, block, type NodeStatistics } from "./statistics.js";
import type { StepContext } from "./step.js";

/** [a_sources | 1] blocks of train-opt by `blockKey`. */
export type SampleBlocks = Map<string, Matrix64>;

export function blockKey(sources: readonly string[], withOnes: boolean): string {
  return `${sources.join(",")}${withOnes ? "|1" : ""}`;
}

/** [a_s1 | a_s2 | … (| 1)] (n, Σ sizes (+ 1)), float64; in a SharedArrayBuffer when `shared`. */
function buildBlock<T extends FloatArray>(acts: Map<string, Matrix<T>>, sources: readonly string[], withOnes: boolean, shared = false): Matrix64 {
  const parts = sources.map((s) => acts.get(s) as Matrix<T>);
  const n = parts.length > 0 ? parts[0].rows : 0;
  const cols = parts.reduce((c, m) => c + m.cols, 0) + (withOnes ? 1 : 0);
  const out = shared ? new Matrix(n, cols, new Float64Array(new SharedArrayBuffer(n * cols * 8))) : zeros64(n, cols);
  for (let r = 0; r < n; r++) {
    let o = r * cols;
    for (const m of parts) {
      const row = m.data.subarray(r * m.cols, (r + 1) * m.cols);
      for (let j = 0; j < m.cols; j++) out.data[o + j] = row[j];
      o += m.cols;
    }
    if (withOnes) out.data[o] = 1;
  }
  return out;
}

/** The blocks a candidate reads: its X̃, and the 𝓑_t of its targets that have in-edges (V_t needs them). */
function candidateBlocks(ctx: Pick<StepContext<FloatArray>, "model" | "stats" | "newNodeName">, candidate: Candidate): [string[], boolean][] {
  if (candidate.kind === "new-edge") return [];
  const layout = neuronLayout(ctx.model.graph, candidate, ctx.newNodeName);
  const out: [string[], boolean][] = [[layout.sources, layout.withOnes]];
  for (const t of layout.targets) {
    const node = ctx.stats.nodes.get(t) as NodeStatistics;
    if (node.columns.length > 0) out.push([node.sources, node.withOnes]);
  }
  return out;
}

/**
 * Every distinct block the step's neuron candidates read (built from train-opt's activities),
 * for fit modes with random tries. `shared`: in SharedArrayBuffers from the start (a pooled
 * step; a copy made later would sit beside the original until the next garbage collection).
 */
export function sampleBlocks<T extends FloatArray>(ctx: Pick<StepContext<T>, "model" | "stats" | "newNodeName" | "candidates" | "setOpt">, shared = false): SampleBlocks {
  const blocks: SampleBlocks = new Map();
  if (ctx.setOpt === null) return blocks;
  for (const c of ctx.candidates) {
    for (const [sources, withOnes] of candidateBlocks(ctx as Pick<StepContext<FloatArray>, "model" | "stats" | "newNodeName">, c)) {
      const key = blockKey(sources, withOnes);
      if (!blocks.has(key)) blocks.set(key, buildBlock(ctx.setOpt.acts.a, sources, withOnes, shared));
    }
  }
  return blocks;
}

function asFloat64(m: Matrix<FloatArray>): Matrix64 {
  const out = zeros64(m.rows, m.cols);
  out.data.set(m.data);
  return out;
}

/**
 * Train-opt samples of a neuron candidate, float64: X̃ and, per target t, 𝓑_t, S_t and
 * V_t = G_t − 𝓑_t δW_tᵀ (𝓑_t omitted when `applyDelta` is off: the existing edges then do
 * not move, so nothing is projected out). X̃ and 𝓑_t are the step's shared blocks, read only.
 */
export function neuronSamples<T extends FloatArray>(ctx: StepContext<T>, p: NeuronProposal): NeuronSamples {
  const set = ctx.setOpt as NonNullable<StepContext<T>["setOpt"]>;
  const input = (sources: readonly string[], withOnes: boolean): Matrix64 => ctx.blocks.get(blockKey(sources, withOnes)) ?? buildBlock(set.acts.a, sources, withOnes);
  const targets = p.targets.map((t) => {
    const node = ctx.stats.nodes.get(t) as NodeStatistics;
    const g = asFloat64(set.grads.get(t) as Matrix<T>);
    if (node.columns.length === 0) return { basis: null, basisMoment: null, v: g };
    const basis = input(node.sources, node.withOnes);
    const v = linearCombination(1, g, -1, matmul(ctx.kernels, basis, node.delta.deltaRaw, { transB: true }));
    return ctx.options.applyDelta ? { basis, basisMoment: block(ctx.stats.C, node.columns, node.columns), v } : { basis: null, basisMoment: null, v };
  });
  const columns = p.sources.flatMap((s) => activityColumns(ctx.stats, s));
  if (p.withOnes) columns.push(ctx.stats.onesColumn);
  return { x: input(p.sources, p.withOnes), xMoment: block(ctx.stats.C, columns, columns), withOnes: p.withOnes, targets };
}

/**
 * A rough relative cost of evaluating candidate `index`: the columns of the blocks it
 * multiplies with its random-try activities (X̃ and every 𝓑_t), 1 for a new edge. A pool
 * hands out the costliest candidates first, so that two workers do not end on one large
 * candidate (longest-processing-time-first scheduling); results do not depend on the order.
 */
export function candidateCost<T extends FloatArray>(ctx: Pick<StepContext<T>, "model" | "stats" | "newNodeName" | "candidates">, index: number): number {
  const blocks = candidateBlocks(ctx as Pick<StepContext<FloatArray>, "model" | "stats" | "newNodeName">, ctx.candidates[index]);
  return blocks.reduce((c, [sources, withOnes]) => c + sources.reduce((n, s) => n + ctx.model.graph.node(s).size, 0) + (withOnes ? 1 : 0), 1);
}
