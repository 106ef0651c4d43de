import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../tensor/rng.js";
import { moons, spirals } from "./two-d.js";

test("spirals: seeded, balanced labels, radius within the arm's range", () => {
  const a = spirals(300, new Rng(1), { classes: 3, noise: 0 });
  assert.deepEqual(a.x.data, spirals(300, new Rng(1), { classes: 3, noise: 0 }).x.data);
  assert.deepEqual([0, 1, 2].map((c) => a.labels.filter((l) => l === c).length), [100, 100, 100]);
  for (let i = 0; i < 300; i++) {
    const r = Math.hypot(a.x.data[2 * i], a.x.data[2 * i + 1]);
    assert.ok(r >= 0.1 - 1e-6 && r <= 1 + 1e-6, `radius ${r}`);
  }
});

test("moons: without noise every point lies on its half circle", () => {
  const m = moons(200, new Rng(2), { noise: 0 });
  for (let i = 0; i < 200; i++) {
    const px = m.x.data[2 * i] * 1.5 + 0.5;
    const py = m.x.data[2 * i + 1] * 1.5 + 0.25;
    const d = m.labels[i] === 0 ? Math.hypot(px, py) : Math.hypot(px - 1, py - 0.5);
    assert.ok(Math.abs(d - 1) < 1e-5, `point ${i}: distance ${d} from its centre`);
  }
  assert.throws(() => moons(0, new Rng(0)), /moons: expected a positive number of samples, got 0/);
});
