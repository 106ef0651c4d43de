/**
 * A kernel set checked against the portable one where it runs (a browser, a worker): a
 * subset of the parity suite (kernels/parity.test.ts) with its tolerances, without a test
 * runner — f32 gemm in the four transpose combinations with alpha/beta and an edge-sized
 * shape, every activation forward and backward (NaN and the edges of each definition
 * included), bias add, column sums and SGD with momentum. Each check reports its largest
 * error relative to the scale the parity suite uses; `ok` when within tolerance.
 */
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { ACTIVATION_NAMES, type Kernels } from "./kernels.js";
import { portableKernels } from "./portable/index.js";

export interface SelfCheck {
  name: string;
  /** max |a − b| / scale over the entries (0 when identical); NaN on one side only is Infinity. */
  error: number;
  tolerance: number;
  ok: boolean;
}

/** The parity suite's float32 tolerances: gemm 1e-5 of |α|·|A||B| + |β|·|C|, element-wise 2⁻²² (exact for sums). */
const GEMM_TOL = 1e-5;
const ELEMENTWISE_TOL = 2 ** -22;

function randomMatrix(rng: Rng, rows: number, cols: number): Matrix<Float32Array> {
  const m = new Matrix(rows, cols, new Float32Array(rows * cols));
  rng.fillNormal(m.data);
  return m;
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>, scale: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Infinity;
      continue;
    }
    if (a[i] !== b[i]) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale(i));
  }
  return worst;
}

function check(name: string, error: number, tolerance: number): SelfCheck {
  return { name, error, tolerance, ok: error <= tolerance };
}

function gemmChecks(k: Kernels, rng: Rng): SelfCheck[] {
  const out: SelfCheck[] = [];
  for (const [m, n, depth] of [[37, 29, 300], [5, 130, 7], [1, 1, 1]]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = transA ? randomMatrix(rng, depth, m) : randomMatrix(rng, m, depth);
        const b = transB ? randomMatrix(rng, n, depth) : randomMatrix(rng, depth, n);
        const c0 = randomMatrix(rng, m, n);
        const opts = { transA, transB, alpha: 0.75, beta: -0.5 };
        const mine = c0.clone();
        const ref = c0.clone();
        k.gemm(a, b, mine, opts);
        portableKernels.gemm(a, b, ref, opts);
        // Scale: |α|·(|op(A)|·|op(B)|)ᵢⱼ + |β|·|Cᵢⱼ|, computed with the portable gemm on |A|, |B|.
        const absA = new Matrix(a.rows, a.cols, a.data.map(Math.abs));
        const absB = new Matrix(b.rows, b.cols, b.data.map(Math.abs));
        const prod = new Matrix(m, n, new Float32Array(m * n));
        portableKernels.gemm(absA, absB, prod, { transA, transB });
        const scale = (i: number) => 0.75 * prod.data[i] + 0.5 * Math.abs(c0.data[i]) + 1e-30;
        out.push(check(`gemm ${m}×${depth}×${n}${transA ? " Aᵀ" : ""}${transB ? " Bᵀ" : ""}`, relError(mine.data, ref.data, scale), GEMM_TOL));
      }
    }
  }
  return out;
}

const SPECIAL = [0, -0, 1e-30, -1e-30, 0.3466, -0.3466, 5, -5, 19.9999, 20, 20.0001, -20, 30, -30, -88, -88.1, 100, -100, NaN];

function activationChecks(k: Kernels, rng: Rng): SelfCheck[] {
  const out: SelfCheck[] = [];
  for (const name of ACTIVATION_NAMES) {
    const pre = randomMatrix(rng, 7, 13);
    for (let i = 0; i < pre.data.length; i++) pre.data[i] *= 3;
    SPECIAL.forEach((v, i) => (pre.data[(i * 7) % pre.data.length] = v));
    const tol = name === "identity" || name === "relu" ? 0 : ELEMENTWISE_TOL;
    const mine = new Matrix(7, 13, new Float32Array(91));
    const ref = new Matrix(7, 13, new Float32Array(91));
    k.activationForward(name, pre, mine);
    portableKernels.activationForward(name, pre, ref);
    out.push(check(`${name} forward`, relError(mine.data, ref.data, (i) => Math.abs(ref.data[i]) + Math.abs(pre.data[i]) + 1e-300), tol));
    const dPost = randomMatrix(rng, 7, 13);
    const d0 = randomMatrix(rng, 7, 13);
    const dMine = d0.clone();
    const dRef = d0.clone();
    k.activationBackward(name, pre, ref, dPost, dMine);
    portableKernels.activationBackward(name, pre, ref, dPost, dRef);
    out.push(check(`${name} backward`, relError(dMine.data, dRef.data, (i) => Math.abs(d0.data[i]) + 2 * Math.abs(dPost.data[i]) + 1e-300), tol));
  }
  return out;
}

function vectorChecks(k: Kernels, rng: Rng): SelfCheck[] {
  const y0 = randomMatrix(rng, 37, 11);
  const b = randomMatrix(rng, 1, 11).data;
  const [ym, yr] = [y0.clone(), y0.clone()];
  k.addRowVector(ym, b);
  portableKernels.addRowVector(yr, b);
  const [sm, sr] = [b.slice(), b.slice()];
  k.addColumnSums(y0, sm);
  portableKernels.addColumnSums(y0, sr);
  const p0 = randomMatrix(rng, 1, 1001).data;
  const g = randomMatrix(rng, 1, 1001).data;
  const buf0 = randomMatrix(rng, 1, 1001).data;
  const coefficients = { lr: 0.01, momentum: 0.9, gradScale: 1, weightDecay: 1e-4, nesterov: false };
  const [pm, pr, bm, br] = [p0.slice(), p0.slice(), buf0.slice(), buf0.slice()];
  k.sgdStep(pm, g, bm, coefficients);
  portableKernels.sgdStep(pr, g, br, coefficients);
  const sgdScale = (i: number) => Math.abs(p0[i]) + Math.abs(g[i]) + Math.abs(buf0[i]);
  return [
    check("addRowVector", relError(ym.data, yr.data, () => 1), 0),
    check("addColumnSums", relError(sm, sr, () => 1), 0),
    check("sgdStep (momentum, weight decay): p", relError(pm, pr, sgdScale), ELEMENTWISE_TOL),
    check("sgdStep (momentum, weight decay): buf", relError(bm, br, sgdScale), ELEMENTWISE_TOL),
  ];
}

/** Every check of `kernels` against the portable set, on seeded inputs. */
export function selfCheckKernels(kernels: Kernels, seed = 0): SelfCheck[] {
  const rng = new Rng(seed);
  return [...gemmChecks(kernels, rng), ...activationChecks(kernels, rng), ...vectorChecks(kernels, rng)];
}
