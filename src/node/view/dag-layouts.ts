/**
 * DAG layouts for `tinygrow view`: elkjs in a worker thread (layout-worker.ts), started with
 * the server and warmed up with a one-node layout, so that ELK's one-time start (~1 s on a
 * loaded machine) is paid before anyone opens the page, and never on the page. Layouts are
 * cached by graph (src/view/dag-layout.ts `layoutKey`): a study's runs that grew the same
 * structure share one, and a step that only widens a node needs none.
 */
import { Worker } from "node:worker_threads";
import type { ElkNode } from "elkjs/lib/elk-api.js";
import { elkInput, fromElk, layoutKey, type DagLayout } from "../../view/dag-layout.js";
import type { LoggedGraph } from "../../view/run-log.js";

export class DagLayouts {
  private readonly worker = new Worker(new URL("./layout-worker.js", import.meta.url));
  private readonly waiting = new Map<number, { resolve(root: ElkNode): void; reject(err: Error): void }>();
  private readonly cache = new Map<string, Promise<DagLayout>>();
  private nextId = 0;

  constructor() {
    this.worker.on("message", (msg: { id: number; root?: ElkNode; error?: string }) => {
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.root !== undefined) w?.resolve(msg.root);
      else w?.reject(new Error(`the DAG layout failed: ${msg.error ?? "no answer"}`));
    });
    this.worker.on("error", (err) => this.failAll(err));
    this.worker.unref();
    void this.run({ id: "warm-up", children: [{ id: "n", width: 1, height: 1 }], edges: [] }).catch(() => undefined);
  }

  /** The layout of `graph` (the union of a run's steps), computed once per structure. */
  layout(graph: LoggedGraph): Promise<DagLayout> {
    const key = layoutKey(graph);
    let found = this.cache.get(key);
    if (found === undefined) {
      found = this.run(elkInput(graph)).then((root) => fromElk(key, root));
      found.catch(() => this.cache.delete(key));
      this.cache.set(key, found);
    }
    return found;
  }

  async close(): Promise<void> {
    this.failAll(new Error("the view server closed"));
    await this.worker.terminate();
  }

  private run(graph: ElkNode): Promise<ElkNode> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, graph });
    });
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
