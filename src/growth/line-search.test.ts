import { test } from "node:test";
import assert from "node:assert/strict";
import { NumericalError } from "../errors.js";
import { lineSearch, logspace } from "./line-search.js";

test("logspace has NumPy semantics: 10^(a + i(b−a)/(num−1)), exact end points", () => {
  const g = logspace(-6, 0, 100);
  assert.equal(g.length, 100);
  assert.equal(g[0], 1e-6);
  assert.equal(g[99], 1);
  assert.equal(g[1], 10 ** (-6 + 6 / 99));
  const d = logspace(0, 1, 100);
  assert.deepEqual([d[0], d[99]], [1, 10]);
});

test("line search: round 0 and one more when the minimum is in [0, 1] (201 evaluations)", () => {
  const r = lineSearch((g) => (g - 0.3) ** 2);
  assert.equal(r.historyGamma.length, 201);
  assert.equal(r.historyGamma[0], 0);
  assert.equal(r.historyGamma[101], 1); // the decade boundary is evaluated twice
  assert.ok(Math.abs(r.gammaStar - 0.3) < 0.03);
  assert.equal(r.lossStar, Math.min(...r.historyLoss));
});

test("line search: more decades while the minimum keeps decreasing; first occurrence of ties", () => {
  const r = lineSearch((g) => (g - 42) ** 2);
  assert.equal(r.historyGamma.length, 401);
  assert.ok(Math.abs(r.gammaStar - 42) < 2);
  const flat = lineSearch(() => 1);
  assert.equal(flat.gammaStar, 0);
  assert.equal(flat.historyGamma.length, 201);
});

test("line search: a NaN objective is a NumericalError", () => {
  assert.throws(() => lineSearch(() => NaN), (err: unknown) => err instanceof NumericalError && err.message === "lineSearch: the objective returned NaN at γ = 0");
});
