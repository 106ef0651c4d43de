/**
 * Fit mode "gradient": gradient descent on the new neurons with GroMo's bottleneck objective
 * (SPEC §12.6), for new nodes and widenings:
 *
 *   a_b = ω σ(α x̃_b)   (the new block's output, all targets side by side)
 *   J   = mean_b ⟨a_b, v_b⟩ / sqrt(mean_b ‖a_b‖² + 1e-8)      v_b = V_t rows (gradient sign)
 *
 * minimised with AdamW (lr 1e-3, no weight decay), shuffled mini-batches of 256 of train-opt,
 * `epochs` epochs, starting from the neurons of the "tiny-random" fit (GroMo starts from
 * LeCun-normal ones). Only α is returned: J is scale-invariant in a, so ω's scale means
 * nothing; the caller refits ω by least squares (random-tries.ts) with the amplitude outside
 * the activation.
 *
 * Stability (the earlier version diverged in inter-training after a few steps): it rescaled
 * ω by a capped factor and kept the amplitude inside the activation, γ σ(γ X̃αᵀ) ωᵀ, so the
 * line search (γ up to 10⁴) could multiply the refined α by a large γ; the grown network then
 * had huge pre-activations and SGD at lr 0.01 blew up. Now γ never touches α (amplitude
 * outside), Adam moves each coordinate of α by at most ≈ lr per step, and ω comes from a
 * least-squares solve whose neurons are kept well conditioned.
 */
import type { Kernels } from "../kernels/kernels.js";
import { activationBackward, activationForward, type ActivationName } from "../nn/layers/activation.js";
import { Linear } from "../nn/layers/linear.js";
import { Adam } from "../nn/optim/adam.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";

export interface RefineOptions {
  /** Epochs over train-opt (fit mode "gradient"; default 20 there; > 0 without a fit mode selects "gradient"). */
  epochs: number;
  /** Default 1e-3. */
  lr?: number;
  /** Default 256. */
  batchSize?: number;
}

/** Per-sample data of train-opt: the sources' activities X̃ (n, I+1 or I) and the residuals V (n, Σ d_t), float64. */
export interface RefineData {
  x: Matrix<Float64Array>;
  v: Matrix<Float64Array>;
}

/** α (k, inCols) after the descent from (α, ω) (ω (outRows, k)); the inputs are not modified. */
export function refineNeurons(start: { alpha: Matrix<Float64Array>; omega: Matrix<Float64Array> }, activation: ActivationName, data: RefineData, options: RefineOptions, rng: Rng, kernels: Kernels): Matrix<Float64Array> {
  const { lr = 1e-3, batchSize = 256 } = options;
  const k = start.alpha.rows;
  const outRows = data.v.cols;
  const l1 = new Linear<Float64Array>(start.alpha.clone(), null, "alpha");
  const l2 = new Linear<Float64Array>(start.omega.clone(), null, "omega");
  const opt = new Adam([...l1.params(), ...l2.params()], { lr, decoupledWeightDecay: true, weightDecay: 0 });
  const n = data.x.rows;
  const order = new Int32Array(n).map((_, i) => i);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    rng.shuffle(order);
    for (let begin = 0; begin < n; begin += batchSize) {
      const B = Math.min(batchSize, n - begin);
      const xb = gather(data.x, order, begin, B);
      const vb = gather(data.v, order, begin, B);
      const pre = new Matrix(B, k, new Float64Array(B * k));
      const h = new Matrix(B, k, new Float64Array(B * k));
      const a = new Matrix(B, outRows, new Float64Array(B * outRows));
      l1.forward(kernels, xb, pre);
      activationForward(activation, pre, h);
      l2.forward(kernels, h, a);
      // J = P / sqrt(Q): P = mean⟨a, v⟩, Q = mean‖a‖² + 1e-8;  dJ/da = (v/√Q − P a / Q^{3/2}) / B.
      let P = 0;
      let Q = 0;
      for (let i = 0; i < a.data.length; i++) {
        P += a.data[i] * vb.data[i];
        Q += a.data[i] * a.data[i];
      }
      P /= B;
      Q = Q / B + 1e-8;
      const dA = new Matrix(B, outRows, new Float64Array(B * outRows));
      const c1 = 1 / (Math.sqrt(Q) * B);
      const c2 = P / (Q * Math.sqrt(Q) * B);
      for (let i = 0; i < dA.data.length; i++) dA.data[i] = c1 * vb.data[i] - c2 * a.data[i];
      opt.zeroGrad();
      const dH = new Matrix(B, k, new Float64Array(B * k));
      l2.backward(kernels, h, dA, dH);
      const dPre = new Matrix(B, k, new Float64Array(B * k));
      activationBackward(activation, pre, h, dH, dPre);
      l1.backward(kernels, xb, dPre, null);
      opt.step();
    }
  }
  return l1.weight;
}

function gather<T extends FloatArray>(m: Matrix<T>, order: Int32Array, start: number, B: number): Matrix<T> {
  const Ctor = m.data.constructor as new (n: number) => T;
  const out = new Matrix(B, m.cols, new Ctor(B * m.cols));
  for (let r = 0; r < B; r++) out.data.set(m.data.subarray(order[start + r] * m.cols, (order[start + r] + 1) * m.cols), r * m.cols);
  return out;
}
