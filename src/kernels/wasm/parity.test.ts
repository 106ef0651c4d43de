/**
 * The kernel parity suites (../parity.test.ts, ../elementwise-parity.test.ts) run on the
 * WebAssembly kernels instead of the native ones: every kernel against the portable set, on
 * the same inputs and tolerances (the kernels it delegates to portable pass trivially; f32
 * gemm and the element-wise kernels are the wasm module's). A separate file, so it runs in
 * its own process.
 */
process.env.TINYGROW_PARITY_SET = "wasm";
await import("../parity.test.js");
await import("../elementwise-parity.test.js");
