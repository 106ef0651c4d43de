/** The growth math as the Node entry exports it: the core's, plus golden cases read from files. */
export * from "../growth/index.js";
export { verifyGoldenFile } from "./golden-file.js";
