/**
 * The buffers of a Cnn's forward and backward pass for one batch size (cnn.ts caches one set
 * per B, so training allocates nothing per batch): which matrices exist, and which are the
 * same matrix under two names.
 */
import type { ActivationName } from "../kernels/kernels.js";
import { Matrix, type FloatArray } from "../tensor/matrix.js";
import type { BlockShapes, ConvBlock } from "./cnn.js";
import type { Conv2dWorkspace } from "./conv2d.js";
import type { BatchNormWorkspace } from "./batchnorm2d.js";
import { imageSize } from "./geometry.js";
import type { PoolWorkspace } from "./pooling.js";

export interface BlockBuffers<T extends FloatArray> {
  conv: Conv2dWorkspace<T>;
  pool: PoolWorkspace | null;
  bn: BatchNormWorkspace<T> | null;
  /** conv_l(h_l); `pre` itself without batch norm. */
  convOut: Matrix<T>;
  /** dLoss/dconv_l(h_l); `dPre` itself without batch norm. */
  dConvOut: Matrix<T>;
  pre: Matrix<T>;
  post: Matrix<T>;
  /** h_{l+1}: the pooled maps, or `post` itself. */
  out: Matrix<T>;
  /** dLoss/dh_{l+1}; `dPost` itself without pooling. */
  dOut: Matrix<T>;
  /** dLoss/dσ(Z_l); for ReLU → max pool (one fused backward) it is dPre and is not used. */
  dPost: Matrix<T>;
  dPre: Matrix<T>;
}

export interface CnnBuffers<T extends FloatArray> {
  blocks: BlockBuffers<T>[];
  /** The head's input: h_L (flatten) or GAP(h_L) (B, O). */
  feat: Matrix<T>;
  /** dLoss/dfeat (flatten: the last block's dOut). */
  dFeat: Matrix<T>;
  logits: Matrix<T>;
}

/** Block `block` is ReLU → max pool, whose backward is one gated scatter (kernels.maxPoolBackward). */
export function isReluMaxPool<T extends FloatArray>(block: ConvBlock<T>, activation: ActivationName): boolean {
  return block.pool !== null && block.pool.kind === "max" && activation === "relu";
}

/**
 * Every buffer of a forward and backward pass over B images (`like`: the element type), for
 * the blocks with these shapes and a head of `inputs` → `outputs` (flatten: its input is the
 * last block's output itself). Aliases where a layer is absent (no batch norm: convOut = pre;
 * no pool: out = post) or fused (ReLU → max pool: dPost = dPre).
 */
export function allocateCnnBuffers<T extends FloatArray>(blocks: readonly ConvBlock<T>[], shapes: readonly BlockShapes[], activation: ActivationName, head: { inputs: number; outputs: number; flatten: boolean }, B: number, like: T): CnnBuffers<T> {
  const Ctor = like.constructor as new (n: number) => T;
  const mat = (cols: number) => new Matrix<T>(B, cols, new Ctor(B * cols));
  const perBlock = shapes.map((s, l): BlockBuffers<T> => {
    const { conv, pool, bn } = blocks[l];
    const n = imageSize(s.conv);
    const pre = mat(n);
    const post = mat(n);
    const dPre = mat(n);
    // ReLU → max pool backpropagates straight into dPre: no dPost of its own.
    const dPost = isReluMaxPool(blocks[l], activation) ? dPre : mat(n);
    return {
      conv: conv.workspace(B, s.input, like),
      pool: pool === null ? null : pool.workspace(B, s.conv),
      bn: bn === null ? null : bn.workspace(B, s.conv, (r, c) => new Matrix<T>(r, c, new Ctor(r * c))),
      convOut: bn === null ? pre : mat(n),
      dConvOut: bn === null ? dPre : mat(n),
      pre,
      post,
      out: pool === null ? post : mat(imageSize(s.output)),
      dOut: pool === null ? dPost : mat(imageSize(s.output)),
      dPost,
      dPre,
    };
  });
  const last = perBlock[perBlock.length - 1];
  const feat = head.flatten ? last.out : mat(head.inputs);
  const dFeat = head.flatten ? last.dOut : mat(head.inputs);
  return { blocks: perBlock, feat, dFeat, logits: mat(head.outputs) };
}
