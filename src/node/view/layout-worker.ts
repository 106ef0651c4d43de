/**
 * Worker thread of `tinygrow view`'s DAG layouts (dag-layouts.ts): one elkjs instance, so
 * that its start and every layout run beside the server's log polling and events instead of
 * blocking them. Message in: {id, graph: ElkNode}; out: {id, root} or {id, error}.
 */
import { parentPort } from "node:worker_threads";
import elkModule from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api.js";

type ElkCtor = new (options?: { algorithms?: string[] }) => { layout(graph: ElkNode): Promise<ElkNode> };
// elkjs is CommonJS: depending on the loader's interop the constructor is the module or its default.
const ELK = ((elkModule as unknown as { default?: ElkCtor }).default ?? elkModule) as unknown as ElkCtor;
const elk = new ELK({ algorithms: ["layered"] });

parentPort?.on("message", (msg: { id: number; graph: ElkNode }) => {
  elk.layout(msg.graph).then(
    (root) => parentPort?.postMessage({ id: msg.id, root }),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
