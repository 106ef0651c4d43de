/**
 * Unfolding (im2col) in float64 for the conv growth statistics (SPEC-conv-growth §3), and
 * the row gathers/scatters that turn the Full and Restricted statistics into products of
 * row matrices (so they reuse the fully connected accumulation, STYLE habit 14).
 *
 * Row convention: a "row matrix" of an NCHW batch has one row per (image i, position m),
 * row index i·L + m, and the features as columns. Then
 *   conv(Z; W, b)[i, :, m] = W♭ ũ_{i,m} + b     with ũ_{i,m} = row i·L' + m of unfold(Z)
 * — a convolution is a linear layer applied to every patch (§3).
 */
import { ShapeError } from "../../errors.js";
import { Matrix, zeros64, type Matrix64 } from "../../tensor/matrix.js";
import { convOutputSize, nchw64, type ConvGeometry, type Nchw64 } from "./geometry.js";

/**
 * Ũ = unfold(Z) with the bias feature: (n·L', C·K + β), row i·L' + m, column c·K + u·k_w + v
 * = Z[i, c, ρ_h(o_h, u), ρ_w(o_w, v)] (0 in the padding), last column 1 when `withOnes` — at
 * every position, patches entirely in the padding included (§3).
 */
export function unfold(z: Nchw64, g: ConvGeometry, withOnes: boolean, layer: string): Matrix64 {
  const [ho, wo] = convOutputSize(g, z.h, z.w, layer);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const K = kh * kw;
  const L = ho * wo;
  const cols = z.c * K + (withOnes ? 1 : 0);
  const out = zeros64(z.n * L, cols);
  const o = out.data;
  const src = z.data;
  const hw = z.h * z.w;
  for (let i = 0; i < z.n; i++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const row = (i * L + oh * wo + ow) * cols;
        for (let c = 0; c < z.c; c++) {
          const base = (i * z.c + c) * hw;
          for (let u = 0; u < kh; u++) {
            const r = oh * sh - ph + u * dh;
            if (r < 0 || r >= z.h) continue;
            for (let v = 0; v < kw; v++) {
              const q = ow * sw - pw + v * dw;
              if (q >= 0 && q < z.w) o[row + c * K + u * kw + v] = src[base + r * z.w + q];
            }
          }
        }
        if (withOnes) o[row + cols - 1] = 1;
      }
    }
  }
  return out;
}

/** The row matrix of Z: (n·H·W, C), row i·HW + l, column c = Z[i, c, l]. */
export function toRows(z: Nchw64): Matrix64 {
  const L = z.h * z.w;
  const out = zeros64(z.n * L, z.c);
  for (let i = 0; i < z.n; i++) {
    for (let c = 0; c < z.c; c++) {
      const base = (i * z.c + c) * L;
      for (let l = 0; l < L; l++) out.data[(i * L + l) * z.c + c] = z.data[base + l];
    }
  }
  return out;
}

/** The inverse of `toRows`: rows (n·H·W, C) back to an (n, C, H, W) batch. */
export function fromRows(rows: Matrix64, n: number, h: number, w: number): Nchw64 {
  const L = h * w;
  if (rows.rows !== n * L) throw new ShapeError("fromRows", `${n}·${h}·${w} = ${n * L} rows`, `rows of shape ${rows.shape}`);
  const c = rows.cols;
  const out = nchw64(n, c, h, w);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let l = 0; l < L; l++) out.data[(i * c + ch) * L + l] = rows.data[(i * L + l) * c + ch];
  return out;
}

/**
 * Gathered rows: out[i·L' + m] = rows[i·L + index[m]], or a zero row where index[m] = −1 —
 * the Restricted variant's bordered patches b̂_{i,m} = ũ_{1,i,κ(m)} (§9.1; a padded centre is a
 * zero vector, bias coordinate included). rows (n·L, F) → (n·L', F).
 */
export function gatherRows(rows: Matrix64, index: Int32Array, n: number, L: number): Matrix64 {
  if (rows.rows !== n * L) throw new ShapeError("gatherRows", `${n}·${L} rows`, `rows of shape ${rows.shape}`);
  const F = rows.cols;
  const Lp = index.length;
  const out = zeros64(n * Lp, F);
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < Lp; m++) {
      const l = index[m];
      if (l >= 0) out.data.set(rows.data.subarray((i * L + l) * F, (i * L + l + 1) * F), (i * Lp + m) * F);
    }
  }
  return out;
}

/**
 * The tap scatter of the Full variant (§8.2): from rows R (n·L2, F) over conv2's outputs to
 * rows over B1's positions, one column block per tap,
 *   out[i·L1 + l, e·F + f] = Σ_{m : τ(m, e) = l} R[i·L2 + m, f]        (n·L1, K2·F),
 * so that Σ_{i,m} t_{i,m,e} R[i,m]ᵀ = Ũ1ᵀ · out[:, block e] (t_{i,m,e} = ũ_{1,i,τ(m,e)}, 0 at ⊥).
 * With `channelMajor`, the columns are ordered f·K2 + e instead (M_prev's order c·K2 + e).
 * @param tau τ (L2, K2) of conv2 on B1 (tapTable).
 */
export function scatterTaps(r: Matrix64, tau: Int32Array, K: number, n: number, L1: number, channelMajor: boolean): Matrix64 {
  const L2 = tau.length / K;
  if (r.rows !== n * L2) throw new ShapeError("scatterTaps", `${n}·${L2} rows`, `rows of shape ${r.shape}`);
  const F = r.cols;
  const cols = K * F;
  const out = zeros64(n * L1, cols);
  const o = out.data;
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < L2; m++) {
      const src = (i * L2 + m) * F;
      for (let e = 0; e < K; e++) {
        const l = tau[m * K + e];
        if (l < 0) continue;
        const dst = (i * L1 + l) * cols;
        if (channelMajor) for (let f = 0; f < F; f++) o[dst + f * K + e] += r.data[src + f];
        else for (let f = 0; f < F; f++) o[dst + e * F + f] += r.data[src + f];
      }
    }
  }
  return out;
}

/** c_l = #{(m, e) : τ(m, e) = l}, how often B1's position l is read by conv2 (L1). */
export function tapCounts(tau: Int32Array, L1: number): Float64Array {
  const c = new Float64Array(L1);
  for (const l of tau) if (l >= 0) c[l] += 1;
  return c;
}

/** Rows of a per-image row matrix (n·L, F) scaled by √w_l (for weighted Gram matrices). */
export function scaleRowsByPosition(rows: Matrix64, weights: Float64Array, n: number): Matrix64 {
  const L = weights.length;
  const F = rows.cols;
  const out = new Matrix(rows.rows, F, rows.data.slice());
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < L; l++) {
      const f = Math.sqrt(weights[l]);
      const base = (i * L + l) * F;
      for (let j = 0; j < F; j++) out.data[base + j] *= f;
    }
  }
  return out;
}
