/**
 * The structure of a DAG network, without weights: nodes are hidden states (the input node,
 * the output node, hidden nodes with a width and an activation), edges are fully connected
 * layers from one node's activity into another node's pre-activation. Pure bookkeeping:
 * insertion order is kept everywhere so that every traversal (topological order, candidate
 * enumeration) is deterministic.
 *
 * Invariants (checked by `addNode` / `addEdge`, GraphError naming the nodes):
 *  - node names are unique; widths are positive integers;
 *  - exactly one input node (no in-edges) and one output node (no out-edges);
 *  - no self-loop, no duplicate edge, no cycle.
 */
import { GraphError } from "../errors.js";
import { isActivationName, type ActivationName } from "../nn/layers/activation.js";

export type NodeKind = "input" | "output" | "hidden";

export interface DagNode {
  readonly name: string;
  readonly kind: NodeKind;
  /** Width (number of features of the hidden state). */
  size: number;
  /** Applied to the summed pre-activation; identity for the input and output nodes. */
  readonly activation: ActivationName;
}

export interface DagEdge {
  readonly from: string;
  readonly to: string;
  /** Whether the edge's Linear layer has a bias (false only for the second edge of a new node). */
  readonly bias: boolean;
}

export function edgeKey(from: string, to: string): string {
  return `${from}->${to}`;
}

function checkWidth(name: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new GraphError(`node "${name}": width must be a positive integer, got ${size}`);
}

export class DagGraph {
  private readonly nodeMap = new Map<string, DagNode>();
  private readonly edgeList: DagEdge[] = [];
  private readonly edgeSet = new Set<string>();
  private topo: string[] | null = null;

  constructor(
    readonly inputName: string,
    inputSize: number,
    readonly outputName: string,
    outputSize: number,
  ) {
    if (inputName === outputName) throw new GraphError(`the input and output nodes must have different names, both are "${inputName}"`);
    checkWidth(inputName, inputSize);
    checkWidth(outputName, outputSize);
    this.nodeMap.set(inputName, { name: inputName, kind: "input", size: inputSize, activation: "identity" });
    this.nodeMap.set(outputName, { name: outputName, kind: "output", size: outputSize, activation: "identity" });
  }

  get nodes(): DagNode[] {
    return [...this.nodeMap.values()];
  }

  get edges(): readonly DagEdge[] {
    return this.edgeList;
  }

  hasNode(name: string): boolean {
    return this.nodeMap.has(name);
  }

  hasEdge(from: string, to: string): boolean {
    return this.edgeSet.has(edgeKey(from, to));
  }

  /** The node called `name`; GraphError when there is none. */
  node(name: string): DagNode {
    const n = this.nodeMap.get(name);
    if (n === undefined) throw new GraphError(`unknown node "${name}" (nodes: ${[...this.nodeMap.keys()].join(", ")})`);
    return n;
  }

  /** A hidden node of width `size`. */
  addNode(name: string, size: number, activation: ActivationName): DagNode {
    if (this.nodeMap.has(name)) throw new GraphError(`node "${name}" already exists`);
    if (name.length === 0) throw new GraphError("a node name must not be empty");
    checkWidth(name, size);
    if (!isActivationName(activation)) throw new GraphError(`node "${name}": unknown activation "${activation}"`);
    const node: DagNode = { name, kind: "hidden", size, activation };
    this.nodeMap.set(name, node);
    this.topo = null;
    return node;
  }

  /** An edge from → to; GraphError on an unknown node, a self-loop, a duplicate or a cycle. */
  addEdge(from: string, to: string, bias: boolean): DagEdge {
    const u = this.node(from);
    const v = this.node(to);
    if (from === to) throw new GraphError(`edge "${from}" -> "${to}": a node cannot feed itself (cycle)`);
    if (v.kind === "input") throw new GraphError(`edge "${from}" -> "${to}": the input node "${to}" cannot have incoming edges`);
    if (u.kind === "output") throw new GraphError(`edge "${from}" -> "${to}": the output node "${from}" cannot have outgoing edges`);
    if (this.hasEdge(from, to)) throw new GraphError(`edge "${from}" -> "${to}" already exists`);
    if (this.ancestors(from).has(to)) throw new GraphError(`edge "${from}" -> "${to}" would create a cycle ("${to}" already reaches "${from}")`);
    const edge: DagEdge = { from, to, bias };
    this.edgeList.push(edge);
    this.edgeSet.add(edgeKey(from, to));
    this.topo = null;
    return edge;
  }

  /** Widening: sets the width of hidden node `name`. */
  setSize(name: string, size: number): void {
    const n = this.node(name);
    if (n.kind !== "hidden") throw new GraphError(`node "${name}" is the ${n.kind} node: only hidden nodes can be resized`);
    checkWidth(name, size);
    n.size = size;
  }

  inEdges(name: string): DagEdge[] {
    this.node(name);
    return this.edgeList.filter((e) => e.to === name);
  }

  outEdges(name: string): DagEdge[] {
    this.node(name);
    return this.edgeList.filter((e) => e.from === name);
  }

  predecessors(name: string): string[] {
    return this.inEdges(name).map((e) => e.from);
  }

  successors(name: string): string[] {
    return this.outEdges(name).map((e) => e.to);
  }

  /** Nodes with a path to `name`, including `name` itself. */
  ancestors(name: string): Set<string> {
    this.node(name);
    const seen = new Set<string>([name]);
    const stack = [name];
    while (stack.length > 0) {
      const v = stack.pop() as string;
      for (const e of this.edgeList) {
        if (e.to === v && !seen.has(e.from)) {
          seen.add(e.from);
          stack.push(e.from);
        }
      }
    }
    return seen;
  }

  /** Nodes reachable from any of `names`, including them. */
  descendants(names: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack: string[] = [];
    for (const n of names) {
      this.node(n);
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
    while (stack.length > 0) {
      const u = stack.pop() as string;
      for (const e of this.edgeList) {
        if (e.from === u && !seen.has(e.to)) {
          seen.add(e.to);
          stack.push(e.to);
        }
      }
    }
    return seen;
  }

  /**
   * All nodes, every node after its predecessors (Kahn's algorithm; among ready nodes the
   * first inserted goes first, so the order is deterministic). The input node comes first.
   */
  topologicalOrder(): readonly string[] {
    if (this.topo !== null) return this.topo;
    const indegree = new Map<string, number>();
    for (const name of this.nodeMap.keys()) indegree.set(name, 0);
    for (const e of this.edgeList) indegree.set(e.to, (indegree.get(e.to) as number) + 1);
    const order: string[] = [];
    const done = new Set<string>();
    while (order.length < this.nodeMap.size) {
      let next: string | null = null;
      for (const [name, d] of indegree) {
        if (d === 0 && !done.has(name)) {
          next = name;
          break;
        }
      }
      // addEdge rejects cycles, so a ready node always exists.
      if (next === null) throw new GraphError("the graph has a cycle");
      done.add(next);
      order.push(next);
      for (const e of this.edgeList) if (e.from === next) indegree.set(e.to, (indegree.get(e.to) as number) - 1);
    }
    this.topo = order;
    return order;
  }

  /** A deep copy. */
  clone(): DagGraph {
    const g = new DagGraph(this.inputName, this.node(this.inputName).size, this.outputName, this.node(this.outputName).size);
    for (const n of this.nodeMap.values()) if (n.kind === "hidden") g.addNode(n.name, n.size, n.activation);
    for (const e of this.edgeList) g.addEdge(e.from, e.to, e.bias);
    return g;
  }
}
