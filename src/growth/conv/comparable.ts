/**
 * A first-order score that is comparable across layers and variants (SPEC-conv-growth §8.4,
 * §16 D8). Write C = ω♭α for the new channels and ΔA(C) for their contribution to conv2's
 * output with σ linearised (slope 1; conv1 with α, zero padding after it, the pair's pool,
 * conv2 with ω). The TINY decrease of the linearised residual along the direction C, at its
 * best scaling t*, is
 *
 *   max_t (1/n)(‖v⊥‖² − ‖v⊥ − t ΔA(C)‖²) = ⟨v⊥, ΔA(C)⟩²/(n ‖ΔA(C)‖²) = (Σ_j s_j²)² / Q(C),
 *   Q(C) = (1/n)‖ΔA(C)‖² = Σ_{e,e'} tr(C_e S_{ee'} C_{e'}ᵀ)      (the exact quadratic term, §8.4)
 *
 * since ⟨v⊥, ΔA(C)⟩/n = tr(CN) = Σ s_j² for the SVD solution (σ'(0) cancels at the best
 * scaling). Where the SVD's quadratic model is exact — fully connected layers, Restricted
 * with the centre S_growth — Q = Σ s_j² and the score is Σ s_j², TINY's bottleneck decrease.
 * For Full, GroMo's model replaces S_{ee'} by [e = e'] Σ_e S_ee, about K2 times too large,
 * so its Σ s² is not comparable (D8); (Σ s²)²/Q is. tinygrow ranks layers by
 *   D + (Σ s_j²)² / Q(C)
 * (D = δW*'s decrease; the δW–new-channel cross term is dropped, as in GroMo's score).
 * Q needs one pass over the data (the cross-tap blocks S_{ee'} are too large to accumulate).
 */
import type { Kernels } from "../../kernels/kernels.js";
import { conv2d64, type ConvGrowthStep, type ConvPairGeometry } from "./conv-forward.js";
import type { Nchw64 } from "./geometry.js";
import { Scratch } from "./patches.js";
import { pool64 } from "./pool.js";

/** ΔA(C) = conv2(pool(conv1(X; α_w, α_b)); ω, 0), (n, C2, H2, W2); a max pool is linearised as an average (pool.ts). */
export function linearisedNewChannels(step: ConvGrowthStep, geo: ConvPairGeometry, x: Nchw64, kernels: Kernels, scratch?: Scratch): Nchw64 {
  let z = conv2d64(x, step.alphaWeight, step.alphaBias, geo.conv1, "conv1 (new channels)", kernels, scratch);
  if (geo.pool) z = pool64(z, { kind: "avg", size: geo.pool.size }, "conv1", kernels);
  return conv2d64(z, step.omega, null, geo.conv2, "conv2 (new channels)", kernels, scratch);
}

/** Q(C) = (1/n)‖ΔA(C)‖² accumulated over mini-batches of X. */
export class QuadraticTermAccumulator {
  private sum = 0;
  private count = 0;
  private readonly scratch = new Scratch();

  constructor(
    private readonly step: ConvGrowthStep,
    private readonly geo: ConvPairGeometry,
  ) {}

  update(x: Nchw64, kernels: Kernels): void {
    if (this.step.alphaWeight.rows > 0) {
      const d = linearisedNewChannels(this.step, this.geo, x, kernels, this.scratch);
      for (const v of d.data) this.sum += v * v;
    }
    this.count += x.n;
  }

  read(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

export interface ComparableImprovement {
  /** (Σ s_j²)² / Q: the new channels' linearised decrease at their best scaling (0 without channels). */
  newChannels: number;
  /** D + newChannels: what layers are ranked by. */
  total: number;
  /** t* = Σ s²/Q: the best scaling of C = ω♭α under the exact model (≈ K2 for Full, 1 where the model is exact). */
  bestScaling: number;
}

export function comparableImprovement(decrease: number, singularValues: Float64Array, quadratic: number): ComparableImprovement {
  let linear = 0;
  for (const s of singularValues) linear += s * s;
  const newChannels = quadratic > 0 ? (linear * linear) / quadratic : 0;
  return { newChannels, total: decrease + newChannels, bestScaling: quadratic > 0 ? linear / quadratic : 0 };
}
