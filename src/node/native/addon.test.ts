/**
 * The C++ layer's own checks, called directly (bypassing the TypeScript validation): bad
 * argument types, counts and lengths must throw a JS TypeError, never read or write out of
 * bounds. Also the loader's failure reasons.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ADDON_PATH, findPackageRoot, loadAddon, type NativeAddon } from "./addon.js";
import { nativeForTests } from "./test-support.js";
import { tempDir } from "../../test-support/temp-dir.js";

const { skip } = nativeForTests();
const addon = (): NativeAddon => {
  const load = loadAddon();
  assert.ok(load.ok, load.ok ? "" : load.reason);
  return load.addon;
};
/** Untyped view, to make the calls TypeScript would reject. */
const raw = (): Record<string, (...args: unknown[]) => unknown> => addon() as unknown as Record<string, (...args: unknown[]) => unknown>;

describe("addon argument checks (C++)", { skip }, () => {
  const f32 = (n: number) => new Float32Array(n);
  const f64 = (n: number) => new Float64Array(n);

  test("gemm: wrong element type, short arrays, bad dimensions and leading dimensions", () => {
    const a = addon();
    const ok = () => a.sgemm(false, false, 2, 2, 3, 1, f32(6), 3, f32(6), 2, 0, f32(4), 2);
    ok();
    const r = raw();
    assert.throws(() => r.sgemm(false, false, 2, 2, 3, 1, f64(6), 3, f32(6), 2, 0, f32(4), 2), { name: "TypeError", message: "sgemm: A must be a Float32Array of at least 6 elements" });
    assert.throws(() => a.dgemm(false, false, 2, 2, 3, 1, f64(6), 3, f64(5), 2, 0, f64(4), 2), { name: "TypeError", message: "dgemm: B must be a Float64Array of at least 6 elements, got 5" });
    assert.throws(() => a.sgemm(true, false, 2, 2, 3, 1, f32(6), 2, f32(6), 2, 0, f32(3), 2), { name: "TypeError", message: /sgemm: C must be a Float32Array of at least 4 elements/ });
    assert.throws(() => a.sgemm(false, false, 2, 2, 3, 1, f32(6), 2, f32(6), 2, 0, f32(4), 2), { name: "TypeError", message: "sgemm: lda = 2 must be >= max(1, 3)" });
    assert.throws(() => a.sgemm(false, false, -1, 2, 3, 1, f32(6), 3, f32(6), 2, 0, f32(4), 2), { name: "TypeError", message: "sgemm: m must be an integer >= 0" });
    assert.throws(() => a.sgemm(false, false, 1.5, 2, 3, 1, f32(6), 3, f32(6), 2, 0, f32(4), 2), { name: "TypeError", message: "sgemm: m must be an integer >= 0" });
    assert.throws(() => r.sgemm(0, false, 2, 2, 3, 1, f32(6), 3, f32(6), 2, 0, f32(4), 2), { name: "TypeError", message: "sgemm: transA must be a boolean" });
    assert.throws(() => r.sgemm(false, false, 2, 2, 3, "1", f32(6), 3, f32(6), 2, 0, f32(4), 2), { name: "TypeError", message: "sgemm: alpha must be a number" });
    assert.throws(() => r.sgemm(false, false, 2, 2), { name: "TypeError", message: "sgemm: expected 13 arguments, got 4" });
    assert.throws(() => r.dgemm(false, false, 2, 2, 3, 1, [0, 0, 0, 0, 0, 0], 3, f64(6), 2, 0, f64(4), 2), { name: "TypeError", message: /dgemm: A must be a Float64Array/ });
  });

  test("element-wise: unknown activation codes, short arrays, wrong types and counts", () => {
    const a = addon();
    const r = raw();
    a.sactivationForward(2, 3, f32(3), f32(3));
    assert.throws(() => a.sactivationForward(7, 3, f32(3), f32(3)), { name: "TypeError", message: "sactivationForward: unknown activation code 7" });
    assert.throws(() => a.dactivationForward(-1, 3, f64(3), f64(3)), { name: "TypeError", message: "dactivationForward: activation must be an integer >= 0" });
    assert.throws(() => a.sactivationForward(1, 4, f32(4), f32(3)), { name: "TypeError", message: "sactivationForward: post must be a Float32Array of at least 4 elements, got 3" });
    assert.throws(() => r.sactivationBackward(2, 2, f32(2), f32(2), f64(2), f32(2)), { name: "TypeError", message: /sactivationBackward: dPost must be a Float32Array/ });
    assert.throws(() => a.daddRowVector(2, 3, f64(6), f64(2)), { name: "TypeError", message: "daddRowVector: b must be a Float64Array of at least 3 elements, got 2" });
    assert.throws(() => a.saddColumnSums(2, 3, f32(5), f32(3)), { name: "TypeError", message: "saddColumnSums: dY must be a Float32Array of at least 6 elements, got 5" });
    const c = Float64Array.from([0.1, 0.9, 1, 0]);
    a.ssgdStep(2, f32(2), f32(2), null, c, false);
    assert.throws(() => a.dsgdStep(3, f64(3), f64(3), f64(2), c, false), { name: "TypeError", message: "dsgdStep: buf must be a Float64Array of at least 3 elements, got 2" });
    assert.throws(() => a.ssgdStep(2, f32(2), f32(2), f32(2), c.subarray(0, 3), false), { name: "TypeError", message: "ssgdStep: coefficients must be a Float64Array of at least 4 elements, got 3" });
    assert.throws(() => r.ssgdStep(2, f32(2), f32(2), null, c, 1), { name: "TypeError", message: "ssgdStep: nesterov must be a boolean" });
    assert.throws(() => r.ssgdStep(2, f32(2)), { name: "TypeError", message: "ssgdStep: expected 6 arguments, got 2" });
  });

  test("LAPACK routines: short outputs and wrong types throw before LAPACK runs", () => {
    const a = addon();
    const r = raw();
    assert.throws(() => a.dsyevd(3, f64(9), f64(2), f64(9)), { name: "TypeError", message: "dsyevd: values must be a Float64Array of at least 3 elements, got 2" });
    assert.throws(() => r.ssyevd(3, f64(9), f32(3), f32(9)), { name: "TypeError", message: /ssyevd: A must be a Float32Array/ });
    assert.throws(() => a.dgesdd(4, 3, f64(12), f64(9), f64(3), f64(9)), { name: "TypeError", message: /dgesdd: U must be a Float64Array of at least 12 elements/ });
    assert.throws(() => a.sgesdd(4, 3, f32(12), f32(12), f32(3), f32(8)), { name: "TypeError", message: /sgesdd: VT must be a Float32Array of at least 9 elements/ });
    assert.throws(() => a.dposv(3, 2, f64(9), f64(6), f64(5)), { name: "TypeError", message: /dposv: X must be a Float64Array of at least 6/ });
    assert.throws(() => a.sgesv(3, 1, f32(8), f32(3), f32(3)), { name: "TypeError", message: /sgesv: A must be a Float32Array of at least 9/ });
    assert.throws(() => r.dgesv(3, 1, f64(9), f64(3)), { name: "TypeError", message: "dgesv: expected 5 arguments, got 4" });
    assert.throws(() => a.setNumThreads(0), { name: "TypeError", message: "setNumThreads: n must be an integer >= 1" });
  });

  test("LAPACK failures come back as info, not exceptions", () => {
    const a = addon();
    // diag(1, -1): the second leading minor is negative.
    assert.equal(a.dposv(2, 1, Float64Array.from([1, 0, 0, -1]), f64(2), f64(2)), 2);
    assert.equal(a.sgesv(2, 1, f32(4), f32(2), f32(2)), 1);
  });
});

describe("addon loading", () => {
  test("the package root is the nearest folder with a package.json", () => {
    const root = findPackageRoot(import.meta.dirname);
    assert.ok(root !== null);
    assert.equal(findPackageRoot(join(root, "dist", "src")), root);
  });

  test("a missing or broken addon gives a short, precise reason", () => {
    const dir = tempDir("tinygrow-addon-");
    try {
      writeFileSync(join(dir, "package.json"), "{}");
      assert.deepEqual(loadAddon(dir), { ok: false, reason: `${ADDON_PATH} not found` });
      mkdirSync(join(dir, "build", "Release"), { recursive: true });
      writeFileSync(join(dir, ADDON_PATH), "not a shared object");
      const broken = loadAddon(dir);
      assert.equal(broken.ok, false);
      assert.match(broken.ok ? "" : broken.reason, /tinygrow\.node.*(invalid ELF header|file too short|not a mach-o|not a valid Win32)/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
