// AssemblyScript: the element-wise kernels of a training step on float32 data, with the
// semantics of the portable ones (src/kernels/portable/activation.ts, elementwise.ts):
// values are computed in float64 and rounded once on store, NaN propagates as in PyTorch.
// Pure selections and additions (relu, identity, bias add, column sums) run on v128 lanes,
// which gives the same bits as the scalar float64 path (a sum of two float32 values rounded
// once is the float32 sum). Pointers are byte offsets into linear memory.

// Activation codes: the order of ACTIVATION_NAMES in src/kernels/kernels.ts.
const IDENTITY = 0;
const RELU = 1;
const SELU = 2;
const TANH = 3;
const SIGMOID = 4;
const SOFTPLUS = 6;

const SELU_SCALE: f64 = 1.0507009873554805;
const SELU_SCALE_ALPHA: f64 = 1.0507009873554805 * 1.6732632423543772;
const SOFTPLUS_THRESHOLD: f64 = 20;

/** y = σ(x) over n floats; y may equal x. Returns false for an activation not done here (gelu). */
export function activationForward(kind: i32, x: usize, y: usize, n: i32): bool {
  if (kind == IDENTITY) {
    if (x != y) memory.copy(y, x, <usize>(n * 4));
    return true;
  }
  if (kind == RELU) {
    reluForward(x, y, n);
    return true;
  }
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + <usize>(i * 4));
    let r: f64;
    if (kind == SELU) r = v > 0 ? SELU_SCALE * v : SELU_SCALE_ALPHA * Math.expm1(v);
    else if (kind == TANH) r = Math.tanh(v);
    else if (kind == SIGMOID) r = sigmoid(v);
    else if (kind == SOFTPLUS) r = v > SOFTPLUS_THRESHOLD ? v : Math.log1p(Math.exp(v));
    else return false;
    store<f32>(y + <usize>(i * 4), <f32>r);
  }
  return true;
}

/** d += σ'(x) ⊙ g over n floats, with y = σ(x) from the forward pass. False for gelu. */
export function activationBackward(kind: i32, x: usize, y: usize, g: usize, d: usize, n: i32): bool {
  if (kind == IDENTITY) {
    addInto(d, g, n);
    return true;
  }
  if (kind == RELU) {
    reluBackward(x, g, d, n);
    return true;
  }
  if (kind != SELU && kind != TANH && kind != SIGMOID && kind != SOFTPLUS) return false;
  for (let i = 0; i < n; i++) {
    const off = <usize>(i * 4);
    const v = <f64>load<f32>(x + off);
    const gi = <f64>load<f32>(g + off);
    const yi = <f64>load<f32>(y + off);
    let slope: f64;
    if (kind == SELU) slope = v <= 0 ? yi + SELU_SCALE_ALPHA : SELU_SCALE;
    else if (kind == TANH) slope = 1 - yi * yi;
    else if (kind == SIGMOID) slope = yi * (1 - yi);
    else slope = v > SOFTPLUS_THRESHOLD ? 1 : sigmoid(v);
    // Same association as the portable loops: d + g · slope (sigmoid: g · y · (1 − y)).
    const add = kind == SIGMOID ? gi * yi * (1 - yi) : kind == SOFTPLUS && v > SOFTPLUS_THRESHOLD ? gi : gi * slope;
    store<f32>(d + off, <f32>(<f64>load<f32>(d + off) + add));
  }
  return true;
}

/** relu: x <= 0 ? 0 : x (the portable semantics: NaN stays NaN, as in PyTorch). */
function reluForward(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>(i * 4));
    v128.store(y + <usize>(i * 4), v128.andnot(v, f32x4.le(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>(i * 4));
    store<f32>(y + <usize>(i * 4), v <= 0 ? 0 : v);
  }
}

/** relu backward: d += g where !(x <= 0) (relu'(0) = 0; NaN passes g through, as in PyTorch). */
function reluBackward(x: usize, g: usize, d: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>(i * 4);
    const add = v128.andnot(v128.load(g + off), f32x4.le(v128.load(x + off), zero));
    v128.store(d + off, f32x4.add(v128.load(d + off), add));
  }
  for (; i < n; i++) {
    const off = <usize>(i * 4);
    if (!(load<f32>(x + off) <= 0)) store<f32>(d + off, load<f32>(d + off) + load<f32>(g + off));
  }
}

function addInto(d: usize, g: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>(i * 4);
    v128.store(d + off, f32x4.add(v128.load(d + off), v128.load(g + off)));
  }
  for (; i < n; i++) {
    const off = <usize>(i * 4);
    store<f32>(d + off, load<f32>(d + off) + load<f32>(g + off));
  }
}

/** Numerically stable logistic function (as the portable one). */
function sigmoid(x: f64): f64 {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Y (rows, cols) += 1 · bᵀ. */
export function addRowVector(y: usize, b: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) addInto(y + <usize>(r * cols * 4), b, cols);
}

/** db (cols) += column sums of g (rows, cols), rows added in order. */
export function addColumnSums(g: usize, db: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) addInto(db, g + <usize>(r * cols * 4), cols);
}

/**
 * One SGD update of p (n) from grad (n) (torch.optim.SGD, see SgdCoefficients in
 * src/kernels/kernels.ts), in float64 rounded once per stored value, as the portable loops.
 * mode 0: plain (buf unused), 1: momentum, 2: Nesterov.
 */
export function sgdStep(p: usize, g: usize, buf: usize, n: i32, lr: f64, mu: f64, scale: f64, wd: f64, mode: i32): void {
  for (let j = 0; j < n; j++) {
    const off = <usize>(j * 4);
    const pj = <f64>load<f32>(p + off);
    const gj = <f64>load<f32>(g + off) + wd * pj;
    if (mode == 0) {
      store<f32>(p + off, <f32>(pj - lr * gj));
      continue;
    }
    // The buffer is stored rounded; the update uses the float64 value, as the portable loops.
    const b = mu * <f64>load<f32>(buf + off) + scale * gj;
    store<f32>(buf + off, <f32>b);
    store<f32>(p + off, <f32>(mode == 2 ? pj - lr * (gj + mu * b) : pj - lr * b));
  }
}
