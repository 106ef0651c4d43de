/**
 * Argument validation shared by both kernel sets, done in TypeScript before any work (and
 * before crossing into native code). Each check throws a ShapeError naming the operation.
 */
import { ShapeError } from "../errors.js";
import type { FloatArray, Matrix } from "../tensor/matrix.js";
import { ACTIVATION_NAMES, type ActivationName, type Im2colShape, type MatrixBatch, type SgdCoefficients } from "./kernels.js";

/**
 * A matrix's storage matches its shape: integer rows, cols ≥ 0 and a Float32Array or
 * Float64Array of exactly rows · cols values. Matrix's constructor ensures it; objects built by
 * hand in plain JavaScript (or a Matrix whose fields were changed) are caught here, before
 * a portable loop runs past the data or the addon sees them. A few comparisons per call.
 */
export function checkStorage(op: string, name: string, m: Matrix): void {
  const { rows, cols, data } = m as { rows: unknown; cols: unknown; data: unknown };
  const typed = data instanceof Float32Array || data instanceof Float64Array;
  if (typed && Number.isSafeInteger(rows) && Number.isSafeInteger(cols) && (rows as number) >= 0 && (cols as number) >= 0 && (rows as number) * (cols as number) === data.length) return;
  const kind = typed ? `${data.constructor.name} of ${data.length} values` : `data ${data === null ? "null" : typeof data === "object" ? (data as object).constructor?.name ?? "object" : typeof data}`;
  throw new ShapeError(op, `${name} with integer rows, cols ≥ 0 and a Float32Array or Float64Array of rows · cols values`, `${name} with rows=${String(rows)}, cols=${String(cols)}, ${kind}`);
}

function sameElementType(op: string, ...ms: Matrix[]): void {
  const t = ms[0].data.constructor;
  for (const m of ms) {
    if (m.data.constructor !== t) throw elementTypeError(op, t, m.data.constructor);
  }
}

function elementTypeError(op: string, want: { name: string }, got: { name: string }): ShapeError {
  return new ShapeError(op, `all matrices of one element type (${want.name})`, got.name);
}

/**
 * gemm's arguments, with the options already resolved (defaults: no transposes, alpha 1,
 * beta 0). Hot path (≈10 calls per training step): plain comparisons, nothing allocated;
 * messages are built by `gemmShapeError` only when there is something to throw.
 */
export function checkGemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, c: Matrix<T>, transA: boolean, transB: boolean, alpha: number, beta: number, op = "gemm"): void {
  checkStorage(op, "A", a);
  checkStorage(op, "B", b);
  checkStorage(op, "C", c);
  if (!productFits(op, a, b, c, transA, transB)) throw gemmShapeError(a, b, c, transA, transB, op);
  if (c.data === (a.data as FloatArray) || c.data === (b.data as FloatArray) || sharesBuffer(c, a) || sharesBuffer(c, b)) {
    throw new ShapeError(op, "C not aliasing A or B", "C sharing storage with an input");
  }
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new ShapeError(op, "finite alpha and beta", `alpha=${alpha}, beta=${beta}`);
}

/**
 * gemmBatch's arguments (options resolved): integer descriptors whose every matrix lies
 * inside its array (ld ≥ cols), one element type, gemm's shape rule per product, C's array
 * not sharing storage with A's or B's, finite alpha and beta. A few comparisons per call.
 */
export function checkGemmBatch<T extends FloatArray>(a: MatrixBatch<T>, b: MatrixBatch<T>, c: MatrixBatch<T>, count: number, transA: boolean, transB: boolean, alpha: number, beta: number): void {
  const op = "gemmBatch";
  if (!Number.isSafeInteger(count) || count < 0) throw new ShapeError(op, "count a non-negative integer", String(count));
  checkBatchStorage(op, "A", a, count);
  checkBatchStorage(op, "B", b, count);
  checkBatchStorage(op, "C", c, count);
  if (!productFits(op, a, b, c, transA, transB)) throw gemmShapeError(a, b, c, transA, transB, op);
  if (overlaps(c.data, a.data) || overlaps(c.data, b.data)) throw new ShapeError(op, "C not sharing storage with A or B", "C sharing storage with an input");
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new ShapeError(op, "finite alpha and beta", `alpha=${alpha}, beta=${beta}`);
}

function checkBatchStorage(op: string, name: string, m: MatrixBatch<FloatArray>, count: number): void {
  const data = (m as { data: unknown }).data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new ShapeError(op, `${name}.data a Float32Array or Float64Array`, typeof data === "object" && data !== null ? data.constructor.name : typeof data);
  for (const f of ["offset", "rows", "cols", "ld", "stride"] as const) {
    const v = m[f];
    if (!Number.isSafeInteger(v) || v < 0) throw new ShapeError(op, `${name}.${f} a non-negative integer`, String(v));
  }
  if (m.ld < Math.max(1, m.cols)) throw new ShapeError(op, `${name}.ld ≥ max(1, cols = ${m.cols})`, String(m.ld));
  if (count === 0 || m.rows === 0 || m.cols === 0) return;
  const end = m.offset + (count - 1) * m.stride + (m.rows - 1) * m.ld + m.cols;
  if (end > data.length) throw new ShapeError(op, `${name}'s ${count} matrices (${m.rows}, ${m.cols}) inside its ${data.length} values`, `the last one ending at ${end}`);
}

/**
 * C = op(A) · op(B) is defined: one element type (else a ShapeError), inner dimensions equal
 * and C of shape (m, n). False on a shape mismatch, for the caller's message.
 */
function productFits(op: string, a: Shaped, b: Shaped, c: Shaped, transA: boolean, transB: boolean): boolean {
  const t = a.data.constructor;
  if (b.data.constructor !== t) throw elementTypeError(op, t, b.data.constructor);
  if (c.data.constructor !== t) throw elementTypeError(op, t, c.data.constructor);
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  return k === kb && c.rows === m && c.cols === n;
}

/** What productFits reads of a Matrix or a MatrixBatch. */
interface Shaped {
  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;
}

/** syrk's arguments (options resolved): gemm's checks of A·Aᵀ (trans: AᵀA) into C, named syrk. */
export function checkSyrk<T extends FloatArray>(a: Matrix<T>, c: Matrix<T>, trans: boolean, alpha: number, beta: number): void {
  checkGemm(a, a, c, trans, !trans, alpha, beta, "syrk");
}

function gemmShapeError(a: Shaped, b: Shaped, c: Shaped, transA: boolean, transB: boolean, op: string): ShapeError {
  const m = transA ? a.cols : a.rows;
  const n = transB ? b.rows : b.cols;
  const opA = `${transA ? "Aᵀ" : "A"} ${transA ? `(${a.cols}, ${a.rows})` : `(${a.rows}, ${a.cols})`}`;
  const opB = `${transB ? "Bᵀ" : "B"} ${transB ? `(${b.cols}, ${b.rows})` : `(${b.rows}, ${b.cols})`}`;
  if ((transA ? a.rows : a.cols) !== (transB ? b.cols : b.rows)) return new ShapeError(op, `inner dimensions to agree`, `${opA} · ${opB}`);
  return new ShapeError(op, `C of shape (${m}, ${n}) for ${opA} · ${opB}`, `C (${c.rows}, ${c.cols})`);
}

/** The op name of an activation kernel's errors, e.g. "activationForward(tanh)". */
function activationOp(kernel: string, name: string): string {
  return `${kernel}(${name})`;
}

/** Index of `name` in ACTIVATION_NAMES (the native code); throws on an unknown name. */
function activationCode(kernel: string, name: ActivationName): number {
  const code = ACTIVATION_CODES.get(name);
  if (code === undefined) throw new ShapeError(kernel, `an activation in ${ACTIVATION_NAMES.join(", ")}`, `"${String(name)}"`);
  return code;
}

const ACTIVATION_CODES: ReadonlyMap<string, number> = new Map(ACTIVATION_NAMES.map((name, i) => [name, i]));

function checkSameShape(kernel: string, name: string, a: Matrix, aName: string, b: Matrix, bName: string): void {
  checkStorage(activationOp(kernel, name), aName, a);
  checkStorage(activationOp(kernel, name), bName, b);
  if (b.data.constructor !== a.data.constructor) throw elementTypeError(activationOp(kernel, name), a.data.constructor, b.data.constructor);
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(activationOp(kernel, name), `${bName} of the shape of ${aName} ${a.shape}`, `${bName} ${b.shape}`);
  }
}

/** post (B, N) = σ(pre): same shape and element type. Returns the activation's code. */
export function checkActivationForward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>): number {
  const code = activationCode("activationForward", name);
  checkSameShape("activationForward", name, pre, "pre", post, "post");
  return code;
}

/** pre, post, dPost, dPre: one shape (B, N) and element type. Returns the activation's code. */
export function checkActivationBackward<T extends FloatArray>(name: ActivationName, pre: Matrix<T>, post: Matrix<T>, dPost: Matrix<T>, dPre: Matrix<T>): number {
  const code = activationCode("activationBackward", name);
  checkSameShape("activationBackward", name, pre, "pre", post, "post");
  checkSameShape("activationBackward", name, pre, "pre", dPost, "dPost");
  checkSameShape("activationBackward", name, pre, "pre", dPre, "dPre");
  return code;
}

/** Y (B, O) and a vector of length O, of one element type (addRowVector, addColumnSums). */
export function checkRowVector<T extends FloatArray>(op: string, y: Matrix<T>, yName: string, v: T, vName: string): void {
  checkStorage(op, yName, y);
  if (v.constructor !== y.data.constructor) throw elementTypeError(op, y.data.constructor, v.constructor);
  if (v.length !== y.cols) throw new ShapeError(op, `${vName} of length ${y.cols} for ${yName} ${y.shape}`, `${vName} of length ${v.length}`);
}

/** p, grad and buf (when given) of one length and element type, finite coefficients. */
export function checkSgdStep<T extends FloatArray>(p: T, grad: T, buf: T | null, c: SgdCoefficients): void {
  const op = "sgdStep";
  const t = p.constructor;
  if (grad.constructor !== t) throw elementTypeError(op, t, grad.constructor);
  if (grad.length !== p.length) throw new ShapeError(op, `grad of length ${p.length} (p)`, `length ${grad.length}`);
  if (buf !== null) {
    if (buf.constructor !== t) throw elementTypeError(op, t, buf.constructor);
    if (buf.length !== p.length) throw new ShapeError(op, `buf of length ${p.length} (p)`, `length ${buf.length}`);
  }
  if (!(Number.isFinite(c.lr) && Number.isFinite(c.momentum) && Number.isFinite(c.gradScale) && Number.isFinite(c.weightDecay))) {
    throw new ShapeError(op, "finite coefficients", `lr=${c.lr}, momentum=${c.momentum}, gradScale=${c.gradScale}, weightDecay=${c.weightDecay}`);
  }
}

function sharesBuffer(x: Matrix, y: Matrix): boolean {
  if (x.data.buffer !== y.data.buffer || x.data.length === 0 || y.data.length === 0) return false;
  const x0 = x.data.byteOffset;
  const x1 = x0 + x.data.byteLength;
  const y0 = y.data.byteOffset;
  const y1 = y0 + y.data.byteLength;
  return x0 < y1 && y0 < x1;
}

export function checkSquare(op: string, a: Matrix): number {
  checkStorage(op, "A", a);
  if (a.rows !== a.cols) throw new ShapeError(op, "a square matrix", `A ${a.shape}`);
  return a.rows;
}

export function checkSolve<T extends FloatArray>(op: string, a: Matrix<T>, b: Matrix<T>): void {
  checkStorage(op, "B", b);
  sameElementType(op, a, b);
  const n = checkSquare(op, a);
  if (b.rows !== n) throw new ShapeError(op, `B with ${n} rows for A ${a.shape}`, `B ${b.shape}`);
}

export const IM2COL_FIELDS = ["batch", "channels", "height", "width", "kernelH", "kernelW", "strideH", "strideW", "padH", "padW", "dilationH", "dilationW", "outH", "outW"] as const;

/**
 * im2col/col2im: integer geometry (kernel, stride, dilation ≥ 1, padding ≥ 0, sizes ≥ 0),
 * outH/outW equal to the convolution formula, x of length B·C·H·W and cols of shape
 * (C·kh·kw, B·outH·outW), one element type. Returns nothing; throws a ShapeError naming `op`.
 */
export function checkIm2col<T extends FloatArray>(op: string, x: T, shape: Im2colShape, cols: Matrix<T>): void {
  checkStorage(op, "cols", cols);
  checkWindowShape(op, x, shape);
  const rows = shape.channels * shape.kernelH * shape.kernelW;
  const colsN = shape.batch * shape.outH * shape.outW;
  if (x.constructor !== cols.data.constructor) throw elementTypeError(op, cols.data.constructor, x.constructor);
  if (cols.rows !== rows || cols.cols !== colsN) throw new ShapeError(op, `cols of shape (C·kh·kw, B·outH·outW) = (${rows}, ${colsN})`, `cols ${cols.shape}`);
  if (overlaps(x, cols.data)) throw new ShapeError(op, "cols not aliasing the images", "shared storage");
}

/** Max pooling: the window geometry of `shape`, y and argmax of length B·C·outH·outW, y not aliasing x. */
export function checkMaxPool<T extends FloatArray>(op: string, x: T, shape: Im2colShape, y: T, argmax: Int32Array): void {
  checkWindowShape(op, x, shape);
  const n = shape.batch * shape.channels * shape.outH * shape.outW;
  if (y.constructor !== x.constructor) throw elementTypeError(op, x.constructor, y.constructor);
  if (y.length !== n) throw new ShapeError(op, `y of length B·C·outH·outW = ${n}`, `length ${y.length}`);
  if (!(argmax instanceof Int32Array) || argmax.length !== n) throw new ShapeError(op, `argmax an Int32Array of length ${n}`, `${(argmax as { constructor?: { name?: string } })?.constructor?.name} of length ${(argmax as { length?: number })?.length}`);
  if (overlaps(x, y)) throw new ShapeError(op, "y not aliasing x", "shared storage");
}

/** maxPoolBackward: dy, dx (and gate, of dx's length) of one element type, argmax an Int32Array as long as dy, no aliasing (indices: badPoolIndex). */
export function checkMaxPoolBackward<T extends FloatArray>(dy: T, argmax: Int32Array, dx: T, gate: T | null): void {
  const op = "maxPoolBackward";
  if (!(dy instanceof Float32Array || dy instanceof Float64Array)) throw new ShapeError(op, "dy a Float32Array or Float64Array", String((dy as { constructor?: { name?: string } })?.constructor?.name));
  if (dx.constructor !== dy.constructor) throw elementTypeError(op, dy.constructor, dx.constructor);
  if (!(argmax instanceof Int32Array) || argmax.length !== dy.length) throw new ShapeError(op, `argmax an Int32Array of length ${dy.length} (dy's)`, `${(argmax as { constructor?: { name?: string } })?.constructor?.name} of length ${(argmax as { length?: number })?.length}`);
  if (overlaps(dy, dx)) throw new ShapeError(op, "dx not aliasing dy", "shared storage");
  if (gate === null) return;
  if (gate.constructor !== dx.constructor || gate.length !== dx.length) throw new ShapeError(op, `gate a ${dx.constructor.name} of dx's length ${dx.length}`, `${(gate as { constructor?: { name?: string } })?.constructor?.name} of length ${(gate as { length?: number })?.length}`);
  if (overlaps(gate, dx)) throw new ShapeError(op, "dx not aliasing gate", "shared storage");
}

/** The first k with argmax[k] outside [−1, n), or −1 (the index check of maxPoolBackward). */
export function badPoolIndex(argmax: Int32Array, n: number): number {
  for (let k = 0; k < argmax.length; k++) if (argmax[k] < -1 || argmax[k] >= n) return k;
  return -1;
}

/** transposeBlocks: integer sizes, src and dst of length rows·cols·block, one element type, no aliasing. */
export function checkTransposeBlocks<T extends FloatArray>(src: T, rows: number, cols: number, block: number, dst: T): void {
  const op = "transposeBlocks";
  for (const [name, v] of [["rows", rows], ["cols", cols], ["block", block]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(op, `${name} a non-negative integer`, String(v));
  }
  if (dst.constructor !== src.constructor) throw elementTypeError(op, src.constructor, dst.constructor);
  const n = rows * cols * block;
  if (src.length !== n || dst.length !== n) throw new ShapeError(op, `src and dst of length rows·cols·block = ${rows}·${cols}·${block} = ${n}`, `${src.length} and ${dst.length}`);
  if (overlaps(src, dst)) throw new ShapeError(op, "dst not aliasing src", "shared storage");
}

function overlaps(a: FloatArray, b: FloatArray): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** The integer fields of a window geometry, outH/outW equal to the formula, x of length B·C·H·W. */
function checkWindowShape(op: string, x: FloatArray, shape: Im2colShape): void {
  for (const f of IM2COL_FIELDS) {
    const v = shape[f];
    const min = f.startsWith("kernel") || f.startsWith("stride") || f.startsWith("dilation") ? 1 : 0;
    if (!Number.isInteger(v) || v < min || v > 0x7fffffff) throw new ShapeError(op, `shape.${f} an integer ≥ ${min}`, String(v));
  }
  const { batch: B, channels: C, height: H, width: W } = shape;
  const wantH = convOutput(H, shape.kernelH, shape.strideH, shape.padH, shape.dilationH);
  const wantW = convOutput(W, shape.kernelW, shape.strideW, shape.padW, shape.dilationW);
  if (shape.outH !== wantH || shape.outW !== wantW) {
    throw new ShapeError(op, `outH×outW = ${wantH}×${wantW} for input ${H}×${W}, kernel ${shape.kernelH}×${shape.kernelW}, stride ${shape.strideH}×${shape.strideW}, padding ${shape.padH}×${shape.padW}, dilation ${shape.dilationH}×${shape.dilationW}`, `${shape.outH}×${shape.outW}`);
  }
  if (x.length !== B * C * H * W) throw new ShapeError(op, `an image batch of length B·C·H·W = ${B}·${C}·${H}·${W} = ${B * C * H * W}`, `length ${x.length}`);
}

/** ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1, or 0 when the dilated kernel exceeds the padded input. */
function convOutput(n: number, k: number, s: number, p: number, d: number): number {
  const span = d * (k - 1) + 1;
  return n + 2 * p < span ? 0 : Math.floor((n + 2 * p - span) / s) + 1;
}
