// AssemblyScript entry of the WebAssembly kernels (built by scripts/build-wasm.mjs).
export { gemm, gemmPackBytes } from "./gemm";
export { activationForward, activationBackward, addRowVector, addColumnSums, sgdStep } from "./elementwise";
