import { test } from "node:test";
import assert from "node:assert/strict";
import { NativeUnavailableError, WasmUnavailableError } from "../errors.js";
import { portableKernels } from "./portable/index.js";
import { parseKernelRequest, selectKernels, type KernelLoad } from "./select.js";
import { loadWasmKernels, wasmUnsupportedReason } from "./wasm/load.js";

const fake = (name: "native" | "wasm"): KernelLoad => ({ ok: true, kernels: { ...portableKernels, name }, description: `fake ${name}` });
const missing = (reason: string) => (): KernelLoad => ({ ok: false, reason });

test("auto prefers native, then wasm, then portable, and says why it skipped one", () => {
  assert.equal(selectKernels("auto", { native: () => fake("native"), wasm: () => fake("wasm") }).name, "native");
  const w = selectKernels("auto", { native: missing("addon not built"), wasm: () => fake("wasm") });
  assert.equal(w.name, "wasm");
  assert.match(w.reason, /native addon unavailable \(addon not built\).*WebAssembly kernels \(fake wasm\)/);
  // A browser: no native loader at all, wasm chosen without mentioning the addon.
  const b = selectKernels("auto", { wasm: () => fake("wasm") });
  assert.equal(b.name, "wasm");
  assert.doesNotMatch(b.reason, /native/);
});

test("no WebAssembly SIMD: auto falls back to portable with the reason in the notice", () => {
  const c = selectKernels("auto", { wasm: missing("this JavaScript engine has no WebAssembly SIMD") });
  assert.equal(c.name, "portable");
  assert.equal(c.reason, "portable kernels: WebAssembly kernels unavailable (this JavaScript engine has no WebAssembly SIMD)");
});

test("native or wasm requested but unavailable: the error names the reason", () => {
  assert.throws(() => selectKernels("native", { wasm: () => fake("wasm") }), (e: unknown) => e instanceof NativeUnavailableError && /this platform has no native kernels/.test(e.message));
  assert.throws(() => selectKernels("wasm", { wasm: missing("no SIMD") }), (e: unknown) => e instanceof WasmUnavailableError && /WebAssembly kernels unavailable: no SIMD\n.*--kernels portable/.test(e.message));
  assert.equal(selectKernels("portable", { native: () => assert.fail("not loaded"), wasm: () => assert.fail("not loaded") }).name, "portable");
});

test("parseKernelRequest accepts the four names and rejects others with the source", () => {
  for (const v of ["auto", "native", "wasm", "portable"]) assert.equal(parseKernelRequest(v, "--kernels"), v);
  assert.throws(() => parseKernelRequest("gpu", "TINYGROW_KERNELS"), /TINYGROW_KERNELS: expected auto, native, wasm or portable, got "gpu"/);
});

test("the WebAssembly kernels load in Node (SIMD is there since Node 16)", () => {
  assert.equal(wasmUnsupportedReason(), null);
  const load = loadWasmKernels();
  assert.ok(load.ok, load.ok ? "" : load.reason);
  assert.equal(load.kernels.name, "wasm");
});
