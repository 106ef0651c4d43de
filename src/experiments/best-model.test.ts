import { test } from "node:test";
import assert from "node:assert/strict";
import { DagModel } from "../dag/model.js";
import { modelToJson } from "../dag/serialize.js";
import { Rng } from "../tensor/rng.js";
import { SelectionSectionSchema, ValidationSelection } from "./best-model.js";

function net(seed: number): DagModel<Float32Array> {
  const m = DagModel.empty(2, 1);
  m.addEdge("in", "out", { init: "lecun-normal", rng: new Rng(seed) });
  return m;
}

test("validation selection keeps a copy of the lowest-validation model and stops after `patience` steps without a new best", () => {
  const sel = new ValidationSelection({ keep: "best-validation", patience: 2 }, undefined);
  const a = net(1);
  sel.observe(a, 0, 0, 1.0);
  sel.observe(a, 1, 0, 0.5);
  const kept = modelToJson(a);
  // Training goes on changing the same model object: the copy must not follow it.
  a.params()[0].value.fill(9);
  sel.observe(a, 1, 1, 0.7);
  sel.endOfStep(1);
  assert.equal(sel.stopped, false, "step 1 brought the best");
  sel.observe(a, 2, 2, 0.5);
  sel.endOfStep(2);
  sel.endOfStep(2);
  assert.equal(sel.stopped, false, "a tie is no new best, and a step counts once");
  sel.endOfStep(3);
  assert.equal(sel.stopped, true);
  const chosen = sel.chosen(net(2));
  assert.deepEqual(chosen.best, { step: 1, epoch: 0, validation: 0.5 });
  assert.deepEqual(modelToJson(chosen.model), kept);
  // The saved state restores the same choice (checkpoints).
  const again = new ValidationSelection({ keep: "best-validation", patience: 2 }, JSON.parse(JSON.stringify(sel.save())));
  assert.equal(again.stopped, true);
  assert.deepEqual(modelToJson(again.chosen(net(3)).model), kept);
});

test("selection off (the studies' default) or without a validation split keeps the last model and never stops", () => {
  const last = net(4);
  for (const sel of [new ValidationSelection(SelectionSectionSchema.parse(undefined), undefined), new ValidationSelection(undefined, undefined), new ValidationSelection({ keep: "best-validation", patience: 1 }, undefined, false)]) {
    assert.equal(sel.active, false);
    sel.observe(net(5), 1, 1, 0.1);
    sel.endOfStep(1);
    sel.endOfStep(2);
    assert.equal(sel.stopped, false);
    assert.equal(sel.chosen(last).model, last);
    assert.equal(sel.chosen(last).best, null);
  }
});
