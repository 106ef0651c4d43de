/**
 * A DAG network: the structure of `graph.ts` plus one `Linear` layer per edge.
 *
 *   z_v = Σ_{u→v} a_u W_uvᵀ + b_uv      (B, size_v), summed over v's in-edges (0 when none)
 *   a_v = σ_v(z_v)                       hidden nodes;  a_in = x;  a_out = z_out (identity)
 *
 * The network output is z_out, so the empty graph (no edge) outputs zeros. Forward and
 * backward run in topological order; backward adds into the edge gradients (nn convention)
 * and also returns dL/dz_v for every node, which the growth statistics need.
 *
 * Implements nn's `Model`, so nn's training loop trains it; buffers for `forward` are cached
 * per batch size and rebuilt after any structural change.
 */
import { GraphError, ShapeError } from "../errors.js";
import type { Kernels } from "../kernels/kernels.js";
import type { ActivationName } from "../nn/layers/activation.js";
import { Linear } from "../nn/layers/linear.js";
import type { Model } from "../nn/model.js";
import type { Param } from "../nn/param.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { DagGraph, edgeKey, type DagEdge } from "./graph.js";

export interface DagModelOptions {
  /** Activation of new hidden nodes (default "selu"). */
  activation?: ActivationName;
  /** Default "in". */
  inputName?: string;
  /** Default "out". */
  outputName?: string;
}

/** Pre-activations z and activities a of every node for one input batch (B rows). */
export interface DagActivations<T extends FloatArray> {
  rows: number;
  z: Map<string, Matrix<T>>;
  a: Map<string, Matrix<T>>;
}

export interface AddEdgeOptions<T extends FloatArray> {
  /** Default true. */
  bias?: boolean;
  /** "lecun-normal" (weights N(0, 1/fan-in), bias 0; needs `rng`) or "zeros" (default). Ignored when `weight` is given. */
  init?: "lecun-normal" | "zeros";
  rng?: Rng;
  /** Initial weight (size_to, size_from), taken without copy. */
  weight?: Matrix<T>;
  /** Initial bias (size_to), taken without copy (needs bias = true). */
  biasValues?: T;
}

type ArrayMaker<T extends FloatArray> = (n: number) => T;

export class DagModel<T extends FloatArray = Float32Array> implements Model<T> {
  readonly graph: DagGraph;
  readonly defaultActivation: ActivationName;
  readonly dtype: "float32" | "float64";
  private readonly layerMap = new Map<string, Linear<T>>();
  private readonly make: ArrayMaker<T>;
  private buffers = new Map<number, DagActivations<T>>();
  /** dL/da_v and dL/dz_v buffers by batch size, for hidden nodes (reused by every backward). */
  private gradBuffers = new Map<number, { dA: Map<string, Matrix<T>>; dZ: Map<string, Matrix<T>> }>();
  private last: DagActivations<T> | null = null;

  private constructor(graph: DagGraph, dtype: "float32" | "float64", activation: ActivationName) {
    this.graph = graph;
    this.dtype = dtype;
    this.make = (dtype === "float32" ? (n: number) => new Float32Array(n) : (n: number) => new Float64Array(n)) as ArrayMaker<T>;
    this.defaultActivation = activation;
  }

  /** The paper's starting point: an input node, an output node, no edge (a float32 model). */
  static empty(inputSize: number, outputSize: number, options: DagModelOptions = {}): DagModel<Float32Array> {
    const g = new DagGraph(options.inputName ?? "in", inputSize, options.outputName ?? "out", outputSize);
    return new DagModel<Float32Array>(g, "float32", options.activation ?? "selu");
  }

  /** The same in float64 (finite-difference checks, reference math). */
  static empty64(inputSize: number, outputSize: number, options: DagModelOptions = {}): DagModel<Float64Array> {
    const g = new DagGraph(options.inputName ?? "in", inputSize, options.outputName ?? "out", outputSize);
    return new DagModel<Float64Array>(g, "float64", options.activation ?? "selu");
  }

  get inputName(): string {
    return this.graph.inputName;
  }

  get outputName(): string {
    return this.graph.outputName;
  }

  get inputSize(): number {
    return this.graph.node(this.inputName).size;
  }

  get outputSize(): number {
    return this.graph.node(this.outputName).size;
  }

  /** A new float array of the model's element type. */
  newArray(n: number): T {
    return this.make(n);
  }

  newMatrix(rows: number, cols: number): Matrix<T> {
    return new Matrix(rows, cols, this.make(rows * cols));
  }

  /** A hidden node (activation defaults to the model's). */
  addNode(name: string, size: number, activation: ActivationName = this.defaultActivation): void {
    this.graph.addNode(name, size, activation);
    this.structureChanged();
  }

  /** The first name "h<i>" (i = 1, 2, …) not yet used. */
  freshNodeName(): string {
    for (let i = 1; ; i++) if (!this.graph.hasNode(`h${i}`)) return `h${i}`;
  }

  /** An edge from → to with its Linear layer (size_to, size_from). */
  addEdge(from: string, to: string, options: AddEdgeOptions<T> = {}): Linear<T> {
    const bias = options.bias ?? true;
    const fromSize = this.graph.node(from).size;
    const toSize = this.graph.node(to).size;
    const weight = options.weight ?? this.newMatrix(toSize, fromSize);
    if (weight.rows !== toSize || weight.cols !== fromSize) {
      throw new ShapeError(`DagModel.addEdge(${from} -> ${to})`, `weight of shape (${toSize}, ${fromSize})`, weight.shape);
    }
    if (options.biasValues !== undefined && !bias) throw new GraphError(`edge "${from}" -> "${to}": bias values given for an edge without bias`);
    const b = bias ? (options.biasValues ?? this.make(toSize)) : null;
    this.graph.addEdge(from, to, bias);
    const layer = new Linear<T>(weight, b, edgeKey(from, to));
    if (options.weight === undefined && options.init === "lecun-normal") {
      if (options.rng === undefined) throw new GraphError(`edge "${from}" -> "${to}": lecun-normal initialisation needs an rng`);
      options.rng.fillNormal(weight.data, 0, 1 / Math.sqrt(fromSize));
    }
    this.layerMap.set(edgeKey(from, to), layer);
    this.structureChanged();
    return layer;
  }

  /** The layer of edge from → to; GraphError when there is no such edge. */
  layer(from: string, to: string): Linear<T> {
    const l = this.layerMap.get(edgeKey(from, to));
    if (l === undefined) throw new GraphError(`no edge "${from}" -> "${to}"`);
    return l;
  }

  /** Edges in insertion order with their layers. */
  edgeLayers(): { edge: DagEdge; layer: Linear<T> }[] {
    return this.graph.edges.map((edge) => ({ edge, layer: this.layerMap.get(edgeKey(edge.from, edge.to)) as Linear<T> }));
  }

  /**
   * Widening: K new neurons in hidden node `name`. `inRows` gives, per in-edge source, the
   * new rows (K, size_source) and the new bias entries (K) (null for zeros / no bias);
   * `outCols` per out-edge target the new columns (size_target, K). Missing entries are zeros.
   */
  widenNode(name: string, k: number, inRows: Map<string, { rows: Matrix<T>; bias: T | null }>, outCols: Map<string, Matrix<T>>): void {
    const node = this.graph.node(name);
    if (node.kind !== "hidden") throw new GraphError(`node "${name}" is the ${node.kind} node: only hidden nodes can be widened`);
    if (!Number.isInteger(k) || k < 1) throw new GraphError(`node "${name}": the number of new neurons must be a positive integer, got ${k}`);
    for (const e of this.graph.inEdges(name)) {
      const layer = this.layer(e.from, name);
      const given = inRows.get(e.from);
      const rows = given?.rows ?? this.newMatrix(k, layer.inputs);
      layer.appendOutputs(rows, layer.bias === null ? null : (given?.bias ?? this.make(k)));
    }
    for (const e of this.graph.outEdges(name)) {
      const layer = this.layer(name, e.to);
      layer.appendInputs(outCols.get(e.to) ?? this.newMatrix(layer.outputs, k));
    }
    this.graph.setSize(name, node.size + k);
    this.structureChanged();
  }

  params(): Param<T>[] {
    const out: Param<T>[] = [];
    for (const { layer } of this.edgeLayers()) out.push(...layer.params());
    return out;
  }

  /** Number of trainable scalars (weights and biases of every edge). */
  parameterCount(): number {
    let n = 0;
    for (const { layer } of this.edgeLayers()) n += layer.weight.data.length + (layer.bias?.length ?? 0);
    return n;
  }

  /** Fresh activations of every node for input x (B, size_in). */
  forwardAll(kernels: Kernels, x: Matrix<T>): DagActivations<T> {
    const acts = this.allocate(x.rows);
    this.compute(kernels, x, acts);
    return acts;
  }

  /** Model interface: the output (B, size_out), a buffer owned by the model. */
  forward(kernels: Kernels, x: Matrix<T>): Matrix<T> {
    let acts = this.buffers.get(x.rows);
    if (acts === undefined) {
      acts = this.allocate(x.rows);
      this.buffers.set(x.rows, acts);
    }
    this.compute(kernels, x, acts);
    this.last = acts;
    return acts.z.get(this.outputName) as Matrix<T>;
  }

  /** Model interface: adds the edge gradients for dLoss/dOutput (B, size_out) of the last `forward`. */
  backward(kernels: Kernels, dOut: Matrix<T>): void {
    if (this.last === null) throw new GraphError("DagModel.backward called before forward");
    this.backwardFrom(kernels, this.last, dOut, true);
  }

  /**
   * Backward through `acts`: returns dL/dz_v (B, size_v) for every non-input node, and adds
   * into the edge gradients when `paramGrads` (not for statistics).
   */
  backwardFrom(kernels: Kernels, acts: DagActivations<T>, dOut: Matrix<T>, paramGrads: boolean): Map<string, Matrix<T>> {
    const B = acts.rows;
    if (dOut.rows !== B || dOut.cols !== this.outputSize) throw new ShapeError("DagModel.backward", `dOut of shape (${B}, ${this.outputSize})`, dOut.shape);
    const order = this.graph.topologicalOrder();
    // Training (paramGrads) reuses per-batch-size buffers; analysis callers keep the
    // returned map across calls, so they get fresh ones.
    const { dA, dZ } = paramGrads ? this.gradientBuffers(B) : this.newGradientBuffers(B);
    for (const m of dA.values()) m.data.fill(0);
    for (let i = order.length - 1; i >= 0; i--) {
      const name = order[i];
      const node = this.graph.node(name);
      if (node.kind === "input") continue;
      let dz: Matrix<T>;
      if (node.kind === "output") dz = dOut;
      else {
        dz = dZ.get(name) as Matrix<T>;
        dz.data.fill(0);
        kernels.activationBackward(node.activation, acts.z.get(name) as Matrix<T>, acts.a.get(name) as Matrix<T>, dA.get(name) as Matrix<T>, dz);
      }
      if (node.kind === "output") dZ.set(name, dz);
      for (const e of this.graph.inEdges(name)) {
        const layer = this.layer(e.from, name);
        const dX = dA.get(e.from) ?? null;
        const aU = acts.a.get(e.from) as Matrix<T>;
        if (paramGrads) layer.backward(kernels, aU, dz, dX);
        else if (dX !== null) kernels.gemm(dz, layer.weight, dX, { beta: 1 });
      }
    }
    return dZ;
  }

  /** A deep copy (same weights, fresh gradients and buffers). */
  clone(): DagModel<T> {
    const m = new DagModel<T>(new DagGraph(this.inputName, this.inputSize, this.outputName, this.outputSize), this.dtype, this.defaultActivation);
    for (const n of this.graph.nodes) if (n.kind === "hidden") m.addNode(n.name, n.size, n.activation);
    for (const { edge, layer } of this.edgeLayers()) {
      m.addEdge(edge.from, edge.to, { bias: edge.bias, weight: layer.weight.clone(), biasValues: layer.bias === null ? undefined : (layer.bias.slice() as T) });
    }
    return m;
  }

  private structureChanged(): void {
    this.buffers = new Map();
    this.gradBuffers = new Map();
    this.last = null;
  }

  private gradientBuffers(rows: number): { dA: Map<string, Matrix<T>>; dZ: Map<string, Matrix<T>> } {
    let g = this.gradBuffers.get(rows);
    if (g === undefined) {
      g = this.newGradientBuffers(rows);
      this.gradBuffers.set(rows, g);
    }
    return g;
  }

  private newGradientBuffers(rows: number): { dA: Map<string, Matrix<T>>; dZ: Map<string, Matrix<T>> } {
    const g = { dA: new Map<string, Matrix<T>>(), dZ: new Map<string, Matrix<T>>() };
    for (const node of this.graph.nodes) {
      if (node.kind !== "hidden") continue;
      g.dA.set(node.name, this.newMatrix(rows, node.size));
      g.dZ.set(node.name, this.newMatrix(rows, node.size));
    }
    return g;
  }

  private allocate(rows: number): DagActivations<T> {
    const z = new Map<string, Matrix<T>>();
    const a = new Map<string, Matrix<T>>();
    for (const node of this.graph.nodes) {
      if (node.kind === "input") continue;
      const zm = this.newMatrix(rows, node.size);
      z.set(node.name, zm);
      a.set(node.name, node.kind === "output" ? zm : this.newMatrix(rows, node.size));
    }
    return { rows, z, a };
  }

  private compute(kernels: Kernels, x: Matrix<T>, acts: DagActivations<T>): void {
    if (x.cols !== this.inputSize) throw new ShapeError("DagModel.forward", `x of shape (B, ${this.inputSize})`, `x ${x.shape}`);
    acts.z.set(this.inputName, x);
    acts.a.set(this.inputName, x);
    for (const name of this.graph.topologicalOrder()) {
      const node = this.graph.node(name);
      if (node.kind === "input") continue;
      const z = acts.z.get(name) as Matrix<T>;
      let first = true;
      for (const e of this.graph.inEdges(name)) {
        const layer = this.layer(e.from, name);
        kernels.gemm(acts.a.get(e.from) as Matrix<T>, layer.weight, z, { transB: true, beta: first ? 0 : 1 });
        first = false;
        if (layer.bias !== null) kernels.addRowVector(z, layer.bias);
      }
      if (first) z.data.fill(0);
      if (node.kind === "hidden") kernels.activationForward(node.activation, z, acts.a.get(name) as Matrix<T>);
    }
  }
}
