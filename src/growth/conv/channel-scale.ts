/**
 * The scale of new channels against the layer's existing ones, and its balancing.
 *
 * A new channel j of block l is its kernel row α_j (conv l's weights, with its bias) and its
 * block ω_j of the consumer's weights (the q = next.cols / K columns that read channel j:
 * kh·kw taps of conv l+1, H·W features after flatten, 1 after global average pooling). The
 * line search fixes only the channel's function γ²·ω_j σ(α_j·x); its relative scales are
 *
 *   rα_j = ‖α_j‖ / rms_c ‖W_l[c, :]‖      rω_j = ‖ω_j‖ / rms_c ‖W_{l+1}[:, c-block]‖
 *
 * over the existing channels c (weights only; biases excluded).
 *
 * Balancing. With a positively homogeneous σ (ReLU: σ(cz) = c·σ(z) for c > 0) and positively
 * homogeneous pooling (max, average), the channel (c·α_j, c·b_j, ω_j / c) computes the same
 * function for every c > 0. Gradient descent does not treat these the same: under gradient flow
 * ‖α_j‖² − ‖ω_j‖² is conserved (the ReLU balance law), so a channel born with a tiny kernel and
 * a large ω (or the reverse) keeps that imbalance, and its kernel learns at a rate set by ω.
 * `balanceChannels` picks c_j so that rα_j = rω_j = √(rα_j·rω_j): each new channel starts at
 * the relative scale of the channels beside it in both layers, without changing the network's
 * output (up to float32 rounding).
 */
import type { Cnn } from "../../conv/cnn.js";
import { ConfigError } from "../../errors.js";
import type { FloatArray, Matrix, Matrix32 } from "../../tensor/matrix.js";

/** Mean relative scales of a block's new channels (rα, rω above); NaN where the layer had no channel before. */
export interface ChannelScale {
  alpha: number;
  omega: number;
}

function rowNorm(m: Matrix<FloatArray>, r: number): number {
  let s = 0;
  for (let j = 0; j < m.cols; j++) s += m.data[r * m.cols + j] ** 2;
  return Math.sqrt(s);
}

/** ‖m[:, k·q … (k+1)·q)‖: the block of columns reading channel k. */
function columnBlockNorm(m: Matrix<FloatArray>, k: number, q: number): number {
  let s = 0;
  for (let r = 0; r < m.rows; r++) for (let j = k * q; j < (k + 1) * q; j++) s += m.data[r * m.cols + j] ** 2;
  return Math.sqrt(s);
}

/**
 * Per channel c of a block: ‖α_c‖ (row c of `kernels`, (C, ·)) and ‖ω_c‖ (column block c of
 * `consumer`, (·, C·q)), and the rms of both over the channels [0, from) as the reference.
 */
function channelNorms(kernels: Matrix<FloatArray>, consumer: Matrix<FloatArray>, from: number): { alpha: number[]; omega: number[]; refAlpha: number; refOmega: number } {
  const c = kernels.rows;
  const q = consumer.cols / c;
  const alpha = Array.from({ length: c }, (_, r) => rowNorm(kernels, r));
  const omega = Array.from({ length: c }, (_, k) => columnBlockNorm(consumer, k, q));
  const rms = (v: number[]): number => (from === 0 ? NaN : Math.sqrt(v.slice(0, from).reduce((a, x) => a + x * x, 0) / from));
  return { alpha, omega, refAlpha: rms(alpha), refOmega: rms(omega) };
}

/** The mean relative scales of channels [from, to) of a block against its channels [0, from). */
export function channelScale(kernels: Matrix<FloatArray>, consumer: Matrix<FloatArray>, from: number, to: number): ChannelScale {
  const n = channelNorms(kernels, consumer, from);
  let a = 0;
  let o = 0;
  for (let j = from; j < to; j++) {
    a += n.alpha[j] / n.refAlpha;
    o += n.omega[j] / n.refOmega;
  }
  return { alpha: a / (to - from), omega: o / (to - from) };
}

/**
 * Rescales channels [from, to) of a block in place — α_j and b_j by c_j, ω_j by 1/c_j — so that
 * each one's two relative scales are equal (file comment). Needs a positively homogeneous σ and
 * pooling (the caller checks). Channels with a zero kernel or zero ω, and blocks without
 * channels before `from` (no reference scale), are left as they are. Returns the largest
 * |log c_j| applied (0: already balanced).
 */
export function balanceChannels(kernels: Matrix<FloatArray>, bias: FloatArray | null, consumer: Matrix<FloatArray>, from: number, to: number): number {
  const n = channelNorms(kernels, consumer, from);
  if (!(n.refAlpha > 0 && n.refOmega > 0)) return 0;
  let moved = 0;
  const q = consumer.cols / kernels.rows;
  for (let j = from; j < to; j++) {
    const ra = n.alpha[j] / n.refAlpha;
    const ro = n.omega[j] / n.refOmega;
    if (!(ra > 0 && ro > 0)) continue;
    const c = Math.sqrt(ro / ra);
    moved = Math.max(moved, Math.abs(Math.log(c)));
    for (let i = 0; i < kernels.cols; i++) kernels.data[j * kernels.cols + i] *= c;
    if (bias) bias[j] *= c;
    for (let r = 0; r < consumer.rows; r++) for (let i = j * q; i < (j + 1) * q; i++) consumer.data[r * consumer.cols + i] /= c;
  }
  return moved;
}

/** Conv l's kernels (C_l, ·) and its consumer's weights (·, C_l·q): conv l+1's or the head's. */
export function blockWeights(model: Cnn, block: number): { kernels: Matrix32; consumer: Matrix32 } {
  return { kernels: model.blocks[block].conv.weight, consumer: block + 1 < model.blocks.length ? model.blocks[block + 1].conv.weight : model.head.weight };
}

/**
 * Balances the step's new channels (balanceChannels) once the whole step is applied, so that
 * the step's statistics and choices are those without balancing: with "every", a later pair's
 * statistics read the gradient at an earlier pair's new channels, which the split of the scale
 * between α and ω changes. Adjacent blocks share weights — conv l+1's kernels of block l+1's
 * new channels read block l's new channels, and a block's reference rows read the other's new
 * channels — so balancing one block moves its neighbours' scales a little: sweeps over the
 * blocks until no channel moves by more than 10⁻⁶ in log scale (or MAX_BALANCE_SWEEPS).
 */
export function balanceNewChannels(model: Cnn, added: readonly { block: number; channels: readonly [number, number] }[]): void {
  for (let sweep = 0; sweep < MAX_BALANCE_SWEEPS; sweep++) {
    let moved = 0;
    for (const a of added) {
      const l = a.block;
      const { kernels, consumer } = blockWeights(model, l);
      moved = Math.max(moved, balanceChannels(kernels, model.blocks[l].conv.bias, consumer, a.channels[0], a.channels[1]));
    }
    if (moved < 1e-6) return;
  }
}

const MAX_BALANCE_SWEEPS = 20;

/** Why balancing is refused for a σ other than ReLU (also the configuration's message). */
export const balanceActivationMessage = (activation: string): string => `balancing new channels needs relu (σ(cz) = c·σ(z) for c > 0), got activation ${activation}`;

/** Balancing keeps the function only for a positively homogeneous σ and no batch norm in the growing blocks (which would undo c on α alone); checked before anything grows. */
export function checkBalanceable(model: Cnn, blocks: readonly number[]): void {
  if (model.activation !== "relu") throw new ConfigError([{ source: "growth", path: "balance", message: balanceActivationMessage(model.activation) }]);
  const l = blocks.find((b) => model.blocks[b]?.bn);
  if (l !== undefined) throw new ConfigError([{ source: "growth", path: "balance", message: `balancing new channels needs blocks without batch norm, blocks.${l} has one` }]);
}
