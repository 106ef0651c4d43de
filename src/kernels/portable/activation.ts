/**
 * Element-wise activations, the reference semantics (PyTorch's definitions):
 *   identity  σ(x) = x
 *   relu      σ(x) = max(0, x);                 σ'(0) = 0 (as torch.relu's backward)
 *   selu      σ(x) = λ (x > 0 ? x : α (eˣ - 1)), α = 1.6732632423543772…, λ = 1.0507009873554804…
 *   tanh      σ(x) = tanh x
 *   sigmoid   σ(x) = 1 / (1 + e⁻ˣ)
 *   gelu      σ(x) = x Φ(x) = ½ x (1 + erf(x/√2))  (exact, approximate='none')
 *   softplus  σ(x) = log(1 + eˣ), β = 1, and x for x > 20 (threshold 20)
 *
 * Non-finite values follow PyTorch (torch 1.13, checked in kernels/non-finite.test.ts): NaN
 * in gives NaN out for every activation; backward passes the gradient through relu at NaN
 * (dPre += dPost) and scales it by λ through selu, and gives NaN for the others.
 *
 * Shapes: `pre` and `post` are (B, N), any B and N. Backward *adds* into dPre
 * (dPre += σ'(pre) ⊙ dPost); zeroing is the caller's business. Float32 data is computed in
 * float64 and rounded once on store (native/elementwise.cc does the same).
 */
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import { checkActivationBackward, checkActivationForward } from "../checks.js";
import type { ActivationName } from "../kernels.js";
import { erf } from "./erf.js";

/**
 * PyTorch's SELU constants (torch.nn.functional.selu): the doubles nearest to
 * α = 1.6732632423543772848170429916717 and λ = 1.0507009873554804934193349852946.
 */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;
/** PyTorch's softplus threshold for β = 1: above it softplus(x) = x. */
export const SOFTPLUS_THRESHOLD = 20;

// The loops read these non-exported copies: V8 keeps an exported const in a module cell,
// and a select between that cell's value and a computed double made TurboFan box every
// result (a HeapNumber allocation per element).
const SCALE = SELU_SCALE;
const SCALE_ALPHA = SELU_SCALE * SELU_ALPHA;
const INV_SQRT2 = Math.SQRT1_2;
/** 1/√(2π). */
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * post (B, N) = σ(pre (B, N)); post may be pre itself (in place). For float32 outputs,
 * SELU uses `expm1NonPositive32` (within 1 ulp of float32(expm1)) instead of Math.expm1,
 * which dominates the cost of a small network's step.
 */
export function activationForward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>): void {
  checkActivationForward(name, pre, post);
  const x = pre.data;
  const y = post.data;
  const n = x.length;
  switch (name) {
    case "identity":
      if (y !== x) y.set(x);
      return;
    case "relu":
      reluForward(x, y, n);
      return;
    case "selu":
      if (y instanceof Float32Array) seluForward32(x, y, n);
      else seluForward(x, y, n);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]);
      return;
    case "gelu":
      geluForward(x, y, n);
      return;
    case "softplus":
      for (let i = 0; i < n; i++) y[i] = softplus(x[i]);
      return;
  }
}

/**
 * dPre (B, N) += σ'(pre) ⊙ dPost, where post = σ(pre) from the forward pass (used where it
 * is cheaper than recomputing: tanh, sigmoid, selu for x ≤ 0).
 */
export function activationBackward<T extends FloatArray>(
  name: ActivationName,
  pre: Matrix<T>,
  post: Matrix<T>,
  dPost: Matrix<T>,
  dPre: Matrix<T>,
): void {
  checkActivationBackward(name, pre, post, dPost, dPre);
  const x = pre.data;
  const y = post.data;
  const g = dPost.data;
  const d = dPre.data;
  const n = x.length;
  switch (name) {
    case "identity":
      for (let i = 0; i < n; i++) d[i] += g[i];
      return;
    case "relu":
      reluBackward(x, g, d, n);
      return;
    case "selu":
      seluBackward(x, y, g, d, n);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) d[i] += g[i] * (1 - y[i] * y[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) d[i] += g[i] * y[i] * (1 - y[i]);
      return;
    case "gelu":
      geluBackward(x, g, d, n);
      return;
    case "softplus":
      // x > threshold: softplus(x) = x, slope 1.
      for (let i = 0; i < n; i++) d[i] += x[i] > SOFTPLUS_THRESHOLD ? g[i] : g[i] * sigmoid(x[i]);
      return;
  }
}

// One small function per hot loop: V8 optimises (and keeps type feedback for) each alone.

// Comparisons are written so that NaN takes the "positive" branch, as in PyTorch.

function reluForward(x: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) y[i] = x[i] <= 0 ? 0 : x[i];
}

function reluBackward(x: FloatArray, g: FloatArray, d: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) if (!(x[i] <= 0)) d[i] += g[i];
}

function seluForward(x: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v > 0 ? SCALE * v : SCALE_ALPHA * Math.expm1(v);
  }
}

function seluForward32(x: FloatArray, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v > 0 ? SCALE * v : SCALE_ALPHA * expm1NonPositive32(v);
  }
}

function seluBackward(x: FloatArray, y: FloatArray, g: FloatArray, d: FloatArray, n: number): void {
  // x ≤ 0: d/dx λα(eˣ - 1) = λα eˣ = post + λα.
  for (let i = 0; i < n; i++) d[i] += g[i] * (x[i] <= 0 ? y[i] + SCALE_ALPHA : SCALE);
}

function geluForward(x: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + erf(v * INV_SQRT2));
  }
}

function geluBackward(x: FloatArray, g: FloatArray, d: FloatArray, n: number): void {
  // d/dx x Φ(x) = Φ(x) + x φ(x).
  for (let i = 0; i < n; i++) {
    const v = x[i];
    d[i] += g[i] * (0.5 * (1 + erf(v * INV_SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
  }
}

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = 1.4426950408889634;
/** 2^-k for k = 0..127. */
const POW2_NEG = (() => {
  const t = new Float64Array(128);
  for (let k = 0; k < 128; k++) t[k] = Math.pow(2, -k);
  return t;
})();

/**
 * eˣ - 1 for x ≤ 0 to ~2e-8 relative error (float32 use: within 1 ulp of the float32
 * rounding of Math.expm1), a few times faster than Math.expm1. x = k ln2 + r with
 * |r| ≤ ln2/2 (ln2 split in two for an exact product); expm1(r) by its degree-7 Taylor
 * polynomial (error ≤ r⁸/8! relative to r, below 1.5e-8); then eˣ - 1 = 2ᵏ expm1(r) + (2ᵏ - 1),
 * without cancellation for k < 0. NaN in, NaN out.
 */
export function expm1NonPositive32(x: number): number {
  if (x < -88) return -1; // eˣ < 2^-126: -1 to float32
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  if (k === 0) return p;
  const s = POW2_NEG[-k];
  return s * p + (s - 1);
}

/** σ(x) for one value (float64), e.g. for tests and growth-time scalar math. */
export function activationValue(name: ActivationName, x: number): number {
  switch (name) {
    case "identity":
      return x;
    case "relu":
      return x <= 0 ? 0 : x;
    case "selu":
      return x > 0 ? SCALE * x : SCALE_ALPHA * Math.expm1(x);
    case "tanh":
      return Math.tanh(x);
    case "sigmoid":
      return sigmoid(x);
    case "gelu":
      return 0.5 * x * (1 + erf(x * INV_SQRT2));
    case "softplus":
      return softplus(x);
  }
}

/**
 * σ'(0⁺), the right derivative at zero, exactly: the linearisation used when new neurons
 * start with small amplitude (identity 1, relu 1, selu λ, tanh 1, sigmoid ¼, gelu ½,
 * softplus ½).
 */
export function activationSlopeAtZero(name: ActivationName): number {
  switch (name) {
    case "identity":
    case "relu":
    case "tanh":
      return 1;
    case "selu":
      return SELU_SCALE;
    case "sigmoid":
      return 0.25;
    case "gelu":
    case "softplus":
      return 0.5;
  }
}

/** log(1 + eˣ), and x above PyTorch's threshold (β = 1). */
function softplus(x: number): number {
  return x > SOFTPLUS_THRESHOLD ? x : Math.log1p(Math.exp(x));
}

/** Numerically stable logistic function. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
