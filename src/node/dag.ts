/** The DAG engine as the Node entry exports it: the core's, plus the worker-thread candidate pool. */
export * from "../dag/index.js";
export { CandidatePool, defaultWorkers } from "./pool.js";
