import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../../errors.js";
import { Matrix, zeros64 } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { assertGradcheck, gradcheck } from "../gradcheck.js";
import {
  ACTIVATION_NAMES,
  activationBackward,
  activationForward,
  activationSlopeAtZero,
  activationValue,
  expm1NonPositive32,
  SELU_ALPHA,
  SELU_SCALE,
} from "./activation.js";

/** Points in [-4, 4] kept at least 0.05 from 0 (relu's kink), plus two beyond softplus's threshold. */
function samplePoints(rng: Rng, rows: number, cols: number): Matrix<Float64Array> {
  const m = zeros64(rows, cols);
  for (let i = 0; i < m.data.length; i++) {
    let v = 0;
    while (Math.abs(v) < 0.05) v = rng.uniformIn(-4, 4);
    m.data[i] = v;
  }
  m.data[0] = 21.5;
  m.data[1] = -25;
  return m;
}

for (const name of ACTIVATION_NAMES) {
  test(`${name}: backward matches central differences (float64) and accumulates`, () => {
    const rng = new Rng(7);
    const pre = samplePoints(rng, 4, 6);
    const post = zeros64(4, 6);
    const r = zeros64(4, 6);
    rng.fillNormal(r.data);
    const f = (): number => {
      activationForward(name, pre, post);
      let s = 0;
      for (let i = 0; i < post.data.length; i++) s += r.data[i] * post.data[i];
      return s;
    };
    f();
    const dPre = zeros64(4, 6);
    activationBackward(name, pre, post, r, dPre);
    // Keep the step small next to the 0.05 margin and the softplus threshold (21.5 - 20).
    assertGradcheck(gradcheck(f, pre.data, dPre.data, { eps: 1e-6, atol: 1e-7, rtol: 1e-6 }), name);
    f(); // gradcheck left post at a perturbed point
    const once = dPre.data.slice();
    activationBackward(name, pre, post, r, dPre);
    for (let i = 0; i < once.length; i++) assert.ok(Math.abs(dPre.data[i] - 2 * once[i]) <= 1e-12 * Math.max(1, Math.abs(once[i])));
    for (let i = 0; i < pre.data.length; i++) assert.equal(post.data[i], activationValue(name, pre.data[i]));
  });

  test(`${name}: activationSlopeAtZero is the right derivative at 0`, () => {
    const h = 1e-7;
    const fd = (activationValue(name, h) - activationValue(name, 0)) / h;
    assert.ok(Math.abs(fd - activationSlopeAtZero(name)) < 1e-6, `${name}: ${fd} vs ${activationSlopeAtZero(name)}`);
  });
}

test("activations reproduce PyTorch values", () => {
  // PyTorch's definitions evaluated in float64 with CPython's math.erf/expm1/log1p.
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-15 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
  close(activationValue("selu", -1), SELU_SCALE * SELU_ALPHA * (Math.exp(-1) - 1));
  close(activationValue("selu", -1), -1.1113307378125625);
  close(activationValue("selu", 2), 2.101401974710961);
  close(activationValue("gelu", 1), 0.8413447460685429);
  close(activationValue("gelu", -0.5), -0.15426876936299344);
  close(activationValue("softplus", 1), 1.3132616875182228);
  assert.equal(activationValue("softplus", 20.5), 20.5);
  close(activationValue("softplus", -30), 9.357622968839737e-14);
  close(activationValue("sigmoid", -800), 0);
  assert.equal(activationValue("relu", -0), 0);
  // relu'(0) = 0 as in PyTorch.
  const pre = new Matrix(1, 1, new Float64Array([0]));
  const d = zeros64(1, 1);
  activationBackward("relu", pre, zeros64(1, 1), new Matrix(1, 1, new Float64Array([1])), d);
  assert.equal(d.data[0], 0);
});

test("activation shape errors name the op and the shapes", () => {
  assert.throws(
    () => activationForward("tanh", zeros64(2, 3), zeros64(3, 2)),
    (e: unknown) => e instanceof ShapeError && e.message === "activationForward(tanh): expected post of the shape of pre (2, 3), got post (3, 2)",
  );
  assert.throws(() => activationBackward("gelu", zeros64(2, 3), zeros64(2, 3), zeros64(2, 3), zeros64(2, 4)), /activationBackward\(gelu\): expected dPre of the shape of pre \(2, 3\), got dPre \(2, 4\)/);
});

test("expm1NonPositive32 is within 1 float32 ulp of Math.expm1 on (-100, 0]", () => {
  const rng = new Rng(17);
  const points = [0, -0, -1e-30, -1e-8, -0.3465, -0.3466, -1, -17.5, -87.9, -88, -88.1, -100];
  for (let i = 0; i < 20000; i++) points.push(-Math.exp(rng.uniformIn(-20, Math.log(100))));
  for (const x of points) {
    const want = Math.fround(Math.expm1(x));
    const got = Math.fround(expm1NonPositive32(x));
    const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
    assert.ok(Math.abs(got - want) <= ulp, `x=${x}: got ${got}, want ${want}`);
  }
  assert.ok(Number.isNaN(expm1NonPositive32(NaN)));
});

test("float32 SELU forward matches the float64 definition to float32 precision", () => {
  const rng = new Rng(5);
  const pre = new Matrix(10, 100, new Float32Array(1000));
  rng.fillNormal(pre.data, 0, 3);
  const post = new Matrix(10, 100, new Float32Array(1000));
  activationForward("selu", pre, post);
  for (let i = 0; i < 1000; i++) {
    const want = activationValue("selu", pre.data[i]);
    assert.ok(Math.abs(post.data[i] - want) <= 2 ** -22 * Math.max(Math.abs(want), 1e-30), `selu(${pre.data[i]}): ${post.data[i]} vs ${want}`);
  }
});
