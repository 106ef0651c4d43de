/**
 * Geometry of a Conv2d (SPEC-conv-growth §2): kernel size, stride, zero padding and
 * dilation, each per axis [h, w], and the tables the growth statistics need.
 *
 *   output size      H' = ⌊(H + 2p_h − d_h(k_h − 1) − 1) / s_h⌋ + 1   (same for W)
 *   source position  ρ(o, u) = o·s − p + u·d   per axis; inside if 0 ≤ ρ < size
 *   tap table        τ(m, e) = r·W + q for output m = o_h W' + o_w and tap e = u k_w + v,
 *                    with r = ρ_h(o_h, u), q = ρ_w(o_w, v); −1 (⊥) in the padding   (§8.1)
 *   centre index     κ(m) = τ(m, ⌊k_h/2⌋ k_w + ⌊k_w/2⌋)                                (§9.1)
 *
 * The output size always includes the dilation (SPEC §16 D5: GroMo's zero-width size
 * drops it); nothing is cached between calls (§16 D9).
 */
import { ShapeError } from "../../errors.js";
import { outputSize, type Conv2dGeometry, type Pair } from "../../conv/geometry.js";

export type { Pair };

/** The conv layers' own geometry type (src/conv/geometry.ts): kernel, stride, padding, dilation per axis. */
export type ConvGeometry = Conv2dGeometry;

/** A batch of NCHW images in float64, C-order: data[((i·C + c)·H + y)·W + x]. */
export interface Nchw64 {
  n: number;
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

export function nchw64(n: number, c: number, h: number, w: number, data?: Float64Array): Nchw64 {
  const size = n * c * h * w;
  if (data !== undefined && data.length !== size) throw new ShapeError("nchw64", `data of length ${n}·${c}·${h}·${w} = ${size}`, `length ${data.length}`);
  return { n, c, h, w, data: data ?? new Float64Array(size) };
}

/** Images [from, to) of a batch, copied. */
export function imagesOf(z: Nchw64, from: number, to: number): Nchw64 {
  const per = z.c * z.h * z.w;
  return nchw64(to - from, z.c, z.h, z.w, z.data.slice(from * per, to * per));
}

/** Number of kernel taps K = k_h·k_w. */
export function taps(g: ConvGeometry): number {
  return g.kernel[0] * g.kernel[1];
}

/** Checks the geometry's values; `layer` names the conv in the error. */
export function checkGeometry(g: ConvGeometry, layer: string): void {
  const axes = ["h", "w"] as const;
  for (let a = 0; a < 2; a++) {
    const bad = (what: string, v: number, want: string): never => {
      throw new ShapeError(`conv layer ${layer}`, `${what} along ${axes[a]} ${want}`, String(v));
    };
    if (!Number.isInteger(g.kernel[a]) || g.kernel[a] < 1) bad("kernel size", g.kernel[a], "an integer ≥ 1");
    if (!Number.isInteger(g.stride[a]) || g.stride[a] < 1) bad("stride", g.stride[a], "an integer ≥ 1");
    if (!Number.isInteger(g.dilation[a]) || g.dilation[a] < 1) bad("dilation", g.dilation[a], "an integer ≥ 1");
    if (!Number.isInteger(g.padding[a]) || g.padding[a] < 0) bad("padding", g.padding[a], "an integer ≥ 0");
  }
}

/**
 * The output size (H', W') of the conv on an (H, W) input. Throws ShapeError naming the
 * layer when the dilated kernel is larger than the padded input.
 */
export function convOutputSize(g: ConvGeometry, h: number, w: number, layer: string): [number, number] {
  checkGeometry(g, layer);
  const out: number[] = [];
  const size = [h, w];
  for (let a = 0; a < 2; a++) {
    const span = g.dilation[a] * (g.kernel[a] - 1) + 1;
    const padded = size[a] + 2 * g.padding[a];
    if (span > padded) {
      throw new ShapeError(
        `conv layer ${layer}`,
        `a dilated kernel span (${span}) at most the padded input size (${padded}) along ${a === 0 ? "h" : "w"}`,
        `input ${h}×${w}, kernel ${g.kernel.join("×")}, padding ${g.padding.join(",")}, dilation ${g.dilation.join(",")}`,
      );
    }
    out.push(outputSize(size[a], g.kernel[a], g.stride[a], g.padding[a], g.dilation[a]));
  }
  return [out[0], out[1]];
}

/**
 * τ (L', K) as an Int32Array, row m, column e: the flat input position read by tap e at
 * output m, or −1 in the padding (§8.1, the goldens' `geometry.tap_index`).
 */
export function tapTable(g: ConvGeometry, h: number, w: number, layer: string): Int32Array {
  const [ho, wo] = convOutputSize(g, h, w, layer);
  const [kh, kw] = g.kernel;
  const K = kh * kw;
  const t = new Int32Array(ho * wo * K);
  for (let oh = 0; oh < ho; oh++) {
    for (let ow = 0; ow < wo; ow++) {
      const m = oh * wo + ow;
      for (let u = 0; u < kh; u++) {
        const r = oh * g.stride[0] - g.padding[0] + u * g.dilation[0];
        for (let v = 0; v < kw; v++) {
          const q = ow * g.stride[1] - g.padding[1] + v * g.dilation[1];
          t[m * K + u * kw + v] = r >= 0 && r < h && q >= 0 && q < w ? r * w + q : -1;
        }
      }
    }
  }
  return t;
}

/** The centre tap e0 = ⌊k_h/2⌋·k_w + ⌊k_w/2⌋ (lower/right middle for even sizes, §9). */
export function centreTap(g: ConvGeometry): number {
  return Math.floor(g.kernel[0] / 2) * g.kernel[1] + Math.floor(g.kernel[1] / 2);
}

/** κ (L'): the input position under the centre tap of each output, −1 in the padding (§9.1). */
export function centreIndex(g: ConvGeometry, h: number, w: number, layer: string): Int32Array {
  const t = tapTable(g, h, w, layer);
  const K = taps(g);
  const e0 = centreTap(g);
  const out = new Int32Array(t.length / K);
  for (let m = 0; m < out.length; m++) out[m] = t[m * K + e0];
  return out;
}
