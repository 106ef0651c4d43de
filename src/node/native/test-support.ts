/**
 * For tests that need the native addon: never skip silently. When the addon is missing,
 * each such test is registered with `{ skip: "native addon not built: <reason>" }` and a
 * banner is printed once per test file; with TINYGROW_REQUIRE_NATIVE=1 a failing test
 * carrying the load reason is registered instead. Test-only.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kernels } from "../../kernels/kernels.js";
import { portableKernels } from "../../kernels/portable/index.js";
import { loadWasmKernels } from "../../kernels/wasm/load.js";
import { loadNativeKernels } from "./binding.js";

export interface NativeForTests {
  /** The native kernels, or null when the addon is absent. */
  kernels: Kernels | null;
  /** Pass as the `skip` test option: false when the addon loaded. */
  skip: string | false;
}

let announced = false;

export function nativeForTests(): NativeForTests {
  const load = loadNativeKernels();
  if (load.ok) return { kernels: load.kernels, skip: false };
  const skip = `native addon not built: ${load.reason}`;
  if (!announced) {
    announced = true;
    if (process.env.TINYGROW_REQUIRE_NATIVE === "1") {
      test("native addon loads (TINYGROW_REQUIRE_NATIVE=1)", () => assert.fail(skip));
    } else {
      const rule = "!".repeat(78);
      console.warn(
        `\n${rule}\n!! ${skip}\n!! The tests that need it are SKIPPED. Build it with: npm run build:native\n` +
          `!! (set TINYGROW_REQUIRE_NATIVE=1 to make this a failure)\n${rule}\n`,
      );
    }
  }
  return { kernels: null, skip };
}

export interface KernelSetForTests {
  name: "portable" | "native";
  /** The kernels; for native, the portable ones stand in when skipped (never called then). */
  kernels: Kernels;
  skip: string | false;
}

/** Both kernel sets, for tests that must pass on each (native skipped loudly when absent). */
export function kernelSetsForTests(): KernelSetForTests[] {
  const native = nativeForTests();
  return [
    { name: "portable", kernels: portableKernels, skip: false },
    { name: "native", kernels: native.kernels ?? portableKernels, skip: native.skip },
  ];
}

/**
 * The kernel set the parity suite holds to the portable one: the native set, or the
 * WebAssembly set when TINYGROW_PARITY_SET=wasm (src/kernels/wasm/parity.test.ts). The
 * wasm kernels are built with the TypeScript, so failing to load them is a failure.
 */
export function comparedSetForTests(): NativeForTests {
  if (process.env.TINYGROW_PARITY_SET !== "wasm") return nativeForTests();
  const load = loadWasmKernels();
  if (load.ok) return { kernels: load.kernels, skip: false };
  test("WebAssembly kernels load", () => assert.fail(load.reason));
  return { kernels: null, skip: `WebAssembly kernels unavailable: ${load.reason}` };
}

/** Runs `body` on the portable set and on the compared one (parity tests compare the two results). */
export function onBothSets<R>(compared: NativeForTests, body: (k: Kernels) => R): { portable: R; native: R } {
  assert.ok(compared.kernels, "compared kernel set missing");
  return { portable: body(portableKernels), native: body(compared.kernels) };
}
