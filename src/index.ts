/**
 * tinygrow's public API in Node (the browser entry is src/browser/index.ts, `tinygrow/browser`):
 * the platform-free core (src/core.ts, shared with the browser entry) plus the Node adapter
 * (src/node: files, run folders, worker threads, the addon). The building blocks are grouped
 * by what they do:
 *
 *   import { chooseKernels, Rng, nn, growth, dag, data } from "tinygrow";
 *   const { kernels } = chooseKernels("auto");
 *   const model = nn.Mlp.create({ sizes: [20, 0, 1], activation: "selu" }, new Rng(0));
 *
 * Every name is listed on purpose: test/structure.test.ts snapshots this surface.
 */
export * from "./core.js";
export { chooseKernels } from "./node/kernels.js";
export { Accountant } from "./node/accounting.js";
export { loadModel } from "./node/load-model.js";

export * as growth from "./node/growth.js";
export * as dag from "./node/dag.js";
export * as data from "./node/data.js";
