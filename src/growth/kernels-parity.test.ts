import { test } from "node:test";
import assert from "node:assert/strict";
import { computeLayerGrowth } from "./layer-growth.js";
import { kernelSets, pairProblem, relDiff } from "./test-helpers.js";

const sets = kernelSets();

test("growth results are identical on native and portable kernels within tolerance", (t) => {
  const native = sets.find((s) => s.name === "native")!;
  if (native.kernels === null) {
    t.diagnostic(`SKIPPED: ${native.skip}`);
    return t.skip(native.skip ?? "native kernels unavailable");
  }
  const portable = sets[0].kernels!;
  for (const spec of [
    { n: 60, d0: 6, d1: 4, d2: 3, seed: 31 },
    { n: 25, d0: 3, d1: 0, d2: 4, seed: 32 },
    { n: 30, d0: 5, d1: 2, d2: 3, seed: 33, layer1Bias: false, layer2Bias: false, activation: "relu" as const, batches: [10, 20] },
  ]) {
    const a = pairProblem(spec, portable);
    const b = pairProblem(spec, native.kernels);
    for (const key of ["S", "M", "SGrowth", "MPrev", "P", "E"] as const) assert.ok(relDiff(b.stats[key].data, a.stats[key].data) < 1e-12, key);
    const ga = computeLayerGrowth(a.stats, { activation: spec.activation ?? "selu" }, portable);
    const gb = computeLayerGrowth(b.stats, { activation: spec.activation ?? "selu" }, native.kernels);
    assert.equal(gb.neurons.k, ga.neurons.k);
    for (const [name, x, y] of [
      ["δW_raw", gb.delta.deltaRaw.data, ga.delta.deltaRaw.data],
      ["N", gb.n.data, ga.n.data],
      ["α", gb.neurons.alpha.data, ga.neurons.alpha.data],
      ["ω", gb.neurons.omega.data, ga.neurons.omega.data],
      ["s", gb.neurons.singularValues, ga.neurons.singularValues],
      ["first order", [gb.firstOrder.total], [ga.firstOrder.total]],
    ] as const) {
      assert.ok(relDiff(x, y) < 1e-10, `${name}: ${relDiff(x, y)}`);
    }
  }
});
