import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_POWER_PER_CORE_W, MEMORY_POWER_W_PER_GB } from "./accounting.js";
import { Accountant } from "../node/accounting.js";
import { tempDir } from "../test-support/temp-dir.js";

/** A fake clock (ms) and CPU counter (µs) advanced by hand. */
function fakeSources() {
  const s = { ms: 1000, cpuUs: 0 };
  return {
    s,
    advance(seconds: number, cpuSeconds: number) {
      s.ms += seconds * 1000;
      s.cpuUs += cpuSeconds * 1e6;
    },
    options: {
      clock: () => s.ms,
      cpuUsage: () => ({ user: s.cpuUs, system: 0 }),
      peakRssKB: () => 2 * 1024 * 1024, // 2 GB
      cores: 4,
      rapl: "off" as const,
    },
  };
}

test("wall and CPU time split by phase, with untracked time and totals", () => {
  const f = fakeSources();
  const acc = new Accountant(f.options);
  acc.phase("search", () => f.advance(10, 20));
  f.advance(1, 0.5); // outside any phase
  const stop = acc.start("training");
  f.advance(30, 100);
  stop();
  stop(); // a second stop is a no-op
  const snap = acc.snapshot();
  assert.deepEqual(snap.wallSeconds, { search: 10, training: 30, evaluation: 0, total: 41, untracked: 1 });
  assert.deepEqual(snap.cpuSeconds, { search: 20, training: 100, evaluation: 0, total: 120.5, untracked: 0.5 });
  assert.equal(snap.usage, 120.5 / (41 * 4));
  assert.equal(snap.method, "model");
  assert.equal(snap.peakRssMB, 2048);
});

test("model energy follows the Green Algorithms formula and is additive over phases", () => {
  const f = fakeSources();
  const acc = new Accountant({ ...f.options, pue: 1.5 });
  acc.phase("training", () => f.advance(3600, 7200)); // 1 h wall, 2 core-hours
  const snap = acc.snapshot();
  // t × (cores × P × usage + mem × 0.3725) × PUE with usage = 7200 / (3600 × 4)
  const expected = 1 * (4 * DEFAULT_POWER_PER_CORE_W * 0.5 + 2 * MEMORY_POWER_W_PER_GB) * 1.5;
  assert.ok(Math.abs(snap.energyWh.training - expected) < 1e-9);
  assert.ok(Math.abs(snap.energyWh.total - expected) < 1e-9);
  assert.equal(snap.energyWh.search, 0);
  assert.equal(snap.model.memorySource, "peak-rss");
  assert.match(snap.model.source, /Lannelongue/);
});

test("nested phases charge time to the innermost phase only", async () => {
  const f = fakeSources();
  const acc = new Accountant(f.options);
  await acc.phase("training", async () => {
    f.advance(5, 5);
    acc.phase("evaluation", () => f.advance(2, 1));
    f.advance(3, 3);
  });
  const snap = acc.snapshot();
  assert.equal(snap.wallSeconds.training, 8);
  assert.equal(snap.wallSeconds.evaluation, 2);
  assert.equal(snap.wallSeconds.untracked, 0);
});

test("a phase that throws is still closed", () => {
  const f = fakeSources();
  const acc = new Accountant(f.options);
  assert.throws(() =>
    acc.phase("search", () => {
      f.advance(4, 4);
      throw new Error("boom");
    }),
  );
  f.advance(1, 1);
  assert.equal(acc.snapshot().wallSeconds.search, 4);
});

test("resuming carries the earlier session's totals forward", () => {
  const f = fakeSources();
  const first = new Accountant({ ...f.options, memoryGB: 1 });
  first.phase("search", () => f.advance(10, 10));
  const saved = JSON.parse(JSON.stringify(first.snapshot()));
  const second = new Accountant({ ...f.options, memoryGB: 1, resumeFrom: saved });
  second.phase("search", () => f.advance(5, 5));
  const snap = second.snapshot();
  assert.equal(snap.wallSeconds.search, 15);
  assert.equal(snap.wallSeconds.total, 15);
  assert.equal(snap.model.memorySource, "configured");
  assert.ok(Math.abs(snap.energyWh.total - (15 * 12 + 15 * 0.3725) / 3600) < 1e-12);
});

test("RAPL counters are used when readable, with wrap-around", () => {
  const root = tempDir("tg-rapl-");
  try {
    const pkg = join(root, "intel-rapl:0");
    mkdirSync(pkg);
    const set = (uj: number) => writeFileSync(join(pkg, "energy_uj"), `${uj}\n`);
    writeFileSync(join(pkg, "max_energy_range_uj"), "1000000000\n");
    set(999_000_000);
    const f = fakeSources();
    const acc = new Accountant({ ...f.options, rapl: "auto", powercapRoot: root });
    const stop = acc.start("training");
    f.advance(10, 10);
    set(2_600_000); // wrapped: 1e6 µJ to the wrap, then 2.6e6 → 3.6 J
    stop();
    const snap = acc.snapshot();
    assert.equal(snap.method, "rapl");
    assert.ok(Math.abs(snap.energyWh.training - 3.6 / 3600) < 1e-12);
    assert.ok(Math.abs(snap.energyWh.total - 3.6 / 3600) < 1e-12);
    assert.ok(snap.modelEnergyWh.training > 0);
    assert.equal(snap.raplNote, undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("unreadable RAPL falls back to the model and says why", () => {
  const f = fakeSources();
  const snap = new Accountant({ ...f.options, rapl: "auto", powercapRoot: "/nonexistent/powercap" }).snapshot();
  assert.equal(snap.method, "model");
  assert.match(snap.raplNote ?? "", /\/nonexistent\/powercap is not readable/);
});
