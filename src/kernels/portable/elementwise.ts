/**
 * The element-wise kernels of a Linear layer and of SGD, reference semantics. Float32 data
 * is computed in float64 and rounded once on store (as native/elementwise.cc).
 */
import type { FloatArray, Matrix } from "../../tensor/matrix.js";
import { checkRowVector, checkSgdStep } from "../checks.js";
import type { SgdCoefficients } from "../kernels.js";

/** Y (B, O) += 1 · bᵀ. */
export function addRowVector<T extends FloatArray>(y: Matrix<T>, b: T): void {
  checkRowVector("addRowVector", y, "Y", b, "b");
  addRowVectorLoop(y.data, b, y.rows, y.cols);
}

function addRowVectorLoop(y: FloatArray, b: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) y[off + c] += b[c];
  }
}

/** db (O) += 1ᵀ · dY (B, O), rows summed in order. */
export function addColumnSums<T extends FloatArray>(dY: Matrix<T>, db: T): void {
  checkRowVector("addColumnSums", dY, "dY", db, "db");
  addColumnSumsLoop(dY.data, db, dY.rows, dY.cols);
}

function addColumnSumsLoop(g: FloatArray, db: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) db[c] += g[off + c];
  }
}

/** One SGD update in one pass (see SgdCoefficients in kernels.ts). */
export function sgdStep<T extends FloatArray>(p: T, grad: T, buf: T | null, c: SgdCoefficients): void {
  checkSgdStep(p, grad, buf, c);
  if (buf === null) sgdPlain(p, grad, c.lr, c.weightDecay);
  else if (c.nesterov) sgdNesterov(p, grad, buf, c.lr, c.momentum, c.gradScale, c.weightDecay);
  else sgdMomentum(p, grad, buf, c.lr, c.momentum, c.gradScale, c.weightDecay);
}

function sgdPlain(p: FloatArray, g: FloatArray, lr: number, wd: number): void {
  const n = p.length;
  for (let j = 0; j < n; j++) p[j] -= lr * (g[j] + wd * p[j]);
}

function sgdMomentum(p: FloatArray, g: FloatArray, buf: FloatArray, lr: number, mu: number, scale: number, wd: number): void {
  const n = p.length;
  for (let j = 0; j < n; j++) {
    const b = mu * buf[j] + scale * (g[j] + wd * p[j]);
    buf[j] = b;
    p[j] -= lr * b;
  }
}

function sgdNesterov(p: FloatArray, g: FloatArray, buf: FloatArray, lr: number, mu: number, scale: number, wd: number): void {
  const n = p.length;
  for (let j = 0; j < n; j++) {
    const gj = g[j] + wd * p[j];
    const b = mu * buf[j] + scale * gj;
    buf[j] = b;
    p[j] -= lr * (gj + mu * b);
  }
}
