/**
 * BatchNorm2d on NCHW batches (B, C·H·W), PyTorch's semantics (affine, track_running_stats):
 * per channel c over the N = B·H·W values of the batch,
 *
 *   training:  μ_c = mean, σ²_c = biased variance,  x̂ = (x − μ_c) / √(σ²_c + ε),  y = γ_c x̂ + β_c
 *              running_mean ← (1 − m) running_mean + m μ_c,  running_var ← (1 − m) running_var + m σ²_c · N/(N − 1)
 *   eval:      x̂ = (x − running_mean_c) / √(running_var_c + ε)
 *
 * Backward (adds, as every nn layer), training mode, with g = dL/dy:
 *   dβ_c += Σ g,   dγ_c += Σ g x̂,   dx += (γ_c / (N √(σ²_c + ε))) (N g − Σ g − x̂ Σ g x̂)
 * (eval mode: dx += g γ_c / √(running_var_c + ε)). Statistics are accumulated in float64.
 * The layer grows with its channels (`addChannels`: γ = 1, β = 0, running mean 0, var 1).
 */
import { ShapeError } from "../errors.js";
import type { Param } from "../nn/param.js";
import type { FloatArray, Matrix } from "../tensor/matrix.js";
import { formatShape, imageSize, type ImageShape } from "./geometry.js";

export interface BatchNorm2dOptions {
  /** Default 1e-5. */
  eps?: number;
  /** Running-statistics momentum m; default 0.1. */
  momentum?: number;
  name?: string;
}

export interface BatchNormWorkspace<T extends FloatArray> {
  readonly batch: number;
  readonly input: ImageShape;
  /** x̂ of the last forward (B, C·H·W). */
  readonly xhat: Matrix<T>;
  /** 1/√(σ² + ε) per channel used by the last forward. */
  readonly invStd: Float64Array;
}

function newArray<T extends FloatArray>(like: T, n: number): T {
  return new (like.constructor as new (n: number) => T)(n);
}

export class BatchNorm2d<T extends FloatArray = Float32Array> {
  readonly name: string;
  readonly eps: number;
  readonly momentum: number;
  /** Training mode (batch statistics) or eval (running statistics). */
  training = true;
  readonly weightParam: Param<T>;
  readonly biasParam: Param<T>;
  runningMean: Float64Array;
  runningVar: Float64Array;

  constructor(channels: number, like: T, options: BatchNorm2dOptions = {}) {
    this.name = options.name ?? "bn";
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const gamma = newArray(like, channels).fill(1) as T;
    this.weightParam = { value: gamma, grad: newArray(like, channels), name: `${this.name}.weight` };
    this.biasParam = { value: newArray(like, channels), grad: newArray(like, channels), name: `${this.name}.bias` };
    this.runningMean = new Float64Array(channels);
    this.runningVar = new Float64Array(channels).fill(1);
  }

  get channels(): number {
    return this.weightParam.value.length;
  }

  params(): Param<T>[] {
    return [this.weightParam, this.biasParam];
  }

  workspace(batch: number, input: ImageShape, make: (rows: number, cols: number) => Matrix<T>): BatchNormWorkspace<T> {
    if (input.channels !== this.channels) throw new ShapeError(this.name, `an input with C=${this.channels} channels`, `input ${formatShape(input)}`);
    return { batch, input, xhat: make(batch, imageSize(input)), invStd: new Float64Array(this.channels) };
  }

  /** y (B, C·H·W) = BN(x), overwritten (y may be x). */
  forward(x: Matrix<T>, y: Matrix<T>, ws: BatchNormWorkspace<T>): void {
    this.check("forward", x, ws);
    this.check("forward", y, ws);
    const { batch: B } = ws;
    const C = this.channels;
    const L = ws.input.height * ws.input.width;
    const N = B * L;
    const xd = x.data;
    const yd = y.data;
    const xh = ws.xhat.data;
    const gamma = this.weightParam.value;
    const beta = this.biasParam.value;
    for (let c = 0; c < C; c++) {
      let mean: number;
      let variance: number;
      if (this.training) {
        let s = 0;
        for (let i = 0; i < B; i++) for (let l = (i * C + c) * L, e = l + L; l < e; l++) s += xd[l];
        mean = N > 0 ? s / N : 0;
        let q = 0;
        for (let i = 0; i < B; i++) for (let l = (i * C + c) * L, e = l + L; l < e; l++) q += (xd[l] - mean) ** 2;
        variance = N > 0 ? q / N : 0;
        const m = this.momentum;
        this.runningMean[c] = (1 - m) * this.runningMean[c] + m * mean;
        this.runningVar[c] = (1 - m) * this.runningVar[c] + m * (N > 1 ? (variance * N) / (N - 1) : variance);
      } else {
        mean = this.runningMean[c];
        variance = this.runningVar[c];
      }
      const inv = 1 / Math.sqrt(variance + this.eps);
      ws.invStd[c] = inv;
      for (let i = 0; i < B; i++) {
        for (let l = (i * C + c) * L, e = l + L; l < e; l++) {
          const h = (xd[l] - mean) * inv;
          xh[l] = h;
          yd[l] = gamma[c] * h + beta[c];
        }
      }
    }
  }

  /** Adds dγ, dβ and dX (B, C·H·W) for dY, from the last forward with `ws` (dX may not be dY). */
  backward(dY: Matrix<T>, dX: Matrix<T> | null, ws: BatchNormWorkspace<T>): void {
    this.check("backward", dY, ws);
    if (dX !== null) this.check("backward", dX, ws);
    const B = ws.batch;
    const C = this.channels;
    const L = ws.input.height * ws.input.width;
    const N = B * L;
    const g = dY.data;
    const xh = ws.xhat.data;
    const gamma = this.weightParam.value;
    const dGamma = this.weightParam.grad;
    const dBeta = this.biasParam.grad;
    for (let c = 0; c < C; c++) {
      let sg = 0;
      let sgx = 0;
      for (let i = 0; i < B; i++) {
        for (let l = (i * C + c) * L, e = l + L; l < e; l++) {
          sg += g[l];
          sgx += g[l] * xh[l];
        }
      }
      dBeta[c] += sg;
      dGamma[c] += sgx;
      if (dX === null) continue;
      const d = dX.data;
      const k = gamma[c] * ws.invStd[c];
      for (let i = 0; i < B; i++) {
        for (let l = (i * C + c) * L, e = l + L; l < e; l++) {
          d[l] += this.training ? (k / N) * (N * g[l] - sg - xh[l] * sgx) : k * g[l];
        }
      }
    }
  }

  /** Growth: K new channels at the end, with γ = 1, β = 0, running mean 0 and variance 1. */
  addChannels(K: number): void {
    if (!Number.isInteger(K) || K < 0) throw new ShapeError(`${this.name}.addChannels`, "a non-negative integer K", String(K));
    const C = this.channels;
    const grow = (a: T, fill: number): T => {
      const b = newArray(a, C + K);
      b.set(a);
      b.fill(fill as never, C);
      return b;
    };
    this.weightParam.value = grow(this.weightParam.value, 1);
    this.weightParam.grad = grow(this.weightParam.grad, 0);
    this.biasParam.value = grow(this.biasParam.value, 0);
    this.biasParam.grad = grow(this.biasParam.grad, 0);
    const m = new Float64Array(C + K);
    m.set(this.runningMean);
    const v = new Float64Array(C + K).fill(1);
    v.set(this.runningVar);
    this.runningMean = m;
    this.runningVar = v;
  }

  private check(op: string, m: Matrix<T>, ws: BatchNormWorkspace<T>): void {
    if (ws.input.channels !== this.channels) throw new ShapeError(`${this.name}.${op}`, `a workspace for C=${this.channels}`, `one for C=${ws.input.channels} (rebuild it after growth)`);
    if (m.rows !== ws.batch || m.cols !== imageSize(ws.input)) {
      throw new ShapeError(`${this.name}.${op}`, `a batch of shape (${ws.batch}, ${imageSize(ws.input)}) for images ${formatShape(ws.input)}`, `${m.shape}`);
    }
  }
}
