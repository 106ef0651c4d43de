// Element-wise kernels: activations (forward and backward), the bias row add, column sums
// and the SGD update. Semantics are those of src/kernels/portable/ (activation.ts,
// elementwise.ts), the reference: float32 data is computed in double and rounded once on
// store, as the TypeScript loops do, so most results agree bit for bit.
//
// These run a few times per training step on small (B, O) blocks, so the loops are
// branch-free (selects, not jumps: the sign of random data defeats branch prediction) for
// the compiler to vectorise (-O3 -fno-trapping-math), and with GCC on x86-64 each hot loop
// is also compiled for AVX2 and AVX-512 (TG_MULTIVERSION below).
// SELU's float32 forward uses a vectorisable eˣ − 1 (below); everything that must be
// accurate to float64 calls <cmath> (std::expm1, std::tanh, std::erf, std::log1p).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "addon.h"

// TG_MULTIVERSION (addon.h): AVX-512 and AVX2+FMA clones of each hot loop beside the baseline.
// Helpers called from the loops must be inlined into each clone (GCC will not inline a
// default-target function into a clone for another arch on its own), or nothing vectorises.
#if defined(__GNUC__)
#define TG_INLINE inline __attribute__((always_inline))
#else
#define TG_INLINE inline
#endif

namespace tinygrow {
namespace {

// Activation codes: the index of the name in ACTIVATION_NAMES (src/kernels/kernels.ts).
enum Activation : int { kIdentity = 0, kRelu, kSelu, kTanh, kSigmoid, kGelu, kSoftplus, kActivationCount };

// The constants of src/kernels/portable/activation.ts (PyTorch's).
constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluScale = 1.0507009873554805;
constexpr double kSeluScaleAlpha = kSeluScale * kSeluAlpha;
constexpr double kSoftplusThreshold = 20;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

// eˣ − 1 for x ≤ 0 to ~2e-8 relative error (float32 use only), branch-free; the algorithm
// of expm1NonPositive32 in activation.ts: x = k ln2 + r, |r| ≤ ln2/2, expm1(r) by its
// degree-7 Taylor polynomial, eˣ − 1 = 2ᵏ expm1(r) + (2ᵏ − 1). k is rounded with the
// 1.5·2⁵² trick (the low mantissa bits of t then hold k), and 2ᵏ is built from those bits,
// so there is no float→int conversion to stop vectorisation. x < −88 gives −1 (as float32);
// NaN stays NaN.
TG_INLINE double Expm1NonPositive(double x) {
  constexpr double kInvLn2 = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238;
  constexpr double kLn2Lo = 1.9082149292705877e-10;
  constexpr double kShifter = 6755399441055744.0;  // 1.5 · 2⁵²
  constexpr int64_t kShifterBits = 0x4338000000000000;
  x = x < -88.0 ? -88.0 : x;
  const double t = x * kInvLn2 + kShifter;
  const double k = t - kShifter;
  const double r = x - k * kLn2Hi - k * kLn2Lo;
  const double p =
      r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040)))))));
  int64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = (bits - kShifterBits + 1023) << 52;  // 2ᵏ, k ≥ −127
  double s;
  std::memcpy(&s, &bits, sizeof s);
  return s * p + (s - 1);
}

TG_INLINE double SeluSelect(double v, double expm1) { return v > 0 ? kSeluScale * v : kSeluScaleAlpha * expm1; }

TG_INLINE double SeluSlope(double v, double post) { return v <= 0 ? post + kSeluScaleAlpha : kSeluScale; }

TG_INLINE double Sigmoid(double x) {
  // Stable for both signs: e = e^−|x| ∈ (0, 1]; 1/(1 + e⁻ˣ) for x ≥ 0, eˣ/(1 + eˣ) below.
  const double e = std::exp(-std::fabs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

TG_INLINE double Softplus(double x) { return x > kSoftplusThreshold ? x : std::log1p(std::exp(x)); }

// ---- forward: post = σ(pre) ------------------------------------------------------------
// One loop per (activation, type); `x == y` (in place) gets its own loop because the
// compiler's overlap check would otherwise send it to the scalar fallback.

#define TG_MAP(T, EXPR)                                                   \
  if (x == y) {                                                           \
    for (size_t i = 0; i < n; i++) {                                      \
      const double v = y[i];                                              \
      y[i] = static_cast<T>(EXPR);                                        \
    }                                                                     \
  } else {                                                                \
    for (size_t i = 0; i < n; i++) {                                      \
      const double v = x[i];                                              \
      y[i] = static_cast<T>(EXPR);                                        \
    }                                                                     \
  }

// Every operand is computed (and loaded) on both sides of a select so the compiler can
// if-convert the loop; otherwise it keeps a branch and does not vectorise. Comparisons are
// written so that NaN takes the "positive" branch: NaN propagates as in PyTorch (the
// contract of src/kernels/portable/activation.ts).
TG_MULTIVERSION void ReluForward(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = v <= 0 ? 0.0f : v;
  }
}
TG_MULTIVERSION void ReluForward(const double* x, double* y, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const double v = x[i];
    y[i] = v <= 0 ? 0.0 : v;
  }
}
TG_MULTIVERSION void SeluForward(const float* x, float* y, size_t n) {
  TG_MAP(float, SeluSelect(v, Expm1NonPositive(v > 0 ? 0.0 : v)))
}
void SeluForward(const double* x, double* y, size_t n) {
  TG_MAP(double, v > 0 ? kSeluScale * v : kSeluScaleAlpha * std::expm1(v))
}

template <typename T>
void ActivationForward(int code, const T* x, T* y, size_t n) {
  switch (code) {
    case kIdentity:
      if (x != y) std::memmove(y, x, n * sizeof(T));
      return;
    case kRelu:
      return ReluForward(x, y, n);
    case kSelu:
      return SeluForward(x, y, n);
    case kTanh:
      TG_MAP(T, std::tanh(v))
      return;
    case kSigmoid:
      TG_MAP(T, Sigmoid(v))
      return;
    case kGelu:
      TG_MAP(T, 0.5 * v * (1 + std::erf(v * kInvSqrt2)))
      return;
    case kSoftplus:
      TG_MAP(T, Softplus(v))
      return;
  }
}

#undef TG_MAP

// ---- backward: dPre += σ'(pre) ⊙ dPost --------------------------------------------------
// x = pre, y = post, g = dPost, d = dPre.

#define TG_ACCUMULATE(T, EXPR)                                             \
  for (size_t i = 0; i < n; i++) {                                         \
    const double v = x[i];                                                 \
    d[i] = static_cast<T>(d[i] + static_cast<double>(g[i]) * (EXPR));      \
  }

TG_MULTIVERSION void IdentityBackward(const float* g, float* d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] += g[i];
}
TG_MULTIVERSION void IdentityBackward(const double* g, double* d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] += g[i];
}
// relu'(0) = 0, as torch.relu's backward.
TG_MULTIVERSION void ReluBackward(const float* x, const float* g, float* d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    d[i] += x[i] <= 0 ? 0.0f : gi;
  }
}
TG_MULTIVERSION void ReluBackward(const double* x, const double* g, double* d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i];
    d[i] += x[i] <= 0 ? 0.0 : gi;
  }
}
// x ≤ 0: d/dx λα(eˣ − 1) = λα eˣ = post + λα.
TG_MULTIVERSION void SeluBackward(const float* x, const float* y, const float* g, float* d, size_t n) {
  TG_ACCUMULATE(float, SeluSlope(v, y[i]))
}
TG_MULTIVERSION void SeluBackward(const double* x, const double* y, const double* g, double* d, size_t n) {
  TG_ACCUMULATE(double, SeluSlope(v, y[i]))
}

template <typename T>
void ActivationBackward(int code, const T* x, const T* y, const T* g, T* d, size_t n) {
  switch (code) {
    case kIdentity:
      return IdentityBackward(g, d, n);
    case kRelu:
      return ReluBackward(x, g, d, n);
    case kSelu:
      return SeluBackward(x, y, g, d, n);
    case kTanh:
      TG_ACCUMULATE(T, 1 - static_cast<double>(y[i]) * y[i])
      return;
    case kSigmoid:
      TG_ACCUMULATE(T, static_cast<double>(y[i]) * (1 - static_cast<double>(y[i])))
      return;
    case kGelu:
      // d/dx x Φ(x) = Φ(x) + x φ(x).
      TG_ACCUMULATE(T, 0.5 * (1 + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v))
      return;
    case kSoftplus:
      // x > threshold: softplus(x) = x, slope 1.
      TG_ACCUMULATE(T, v > kSoftplusThreshold ? 1.0 : Sigmoid(v))
      return;
  }
}

#undef TG_ACCUMULATE

// ---- Linear helpers and SGD ---------------------------------------------------------------

// Y (rows, cols) += 1 · bᵀ.
template <typename T>
TG_INLINE void AddRowVectorBody(size_t rows, size_t cols, T* y, const T* b) {
  for (size_t r = 0; r < rows; r++) {
    T* row = y + r * cols;
    for (size_t c = 0; c < cols; c++) row[c] += b[c];
  }
}

// db (cols) += 1ᵀ · dY (rows, cols), rows summed in order (as the portable loop).
template <typename T>
TG_INLINE void AddColumnSumsBody(size_t rows, size_t cols, const T* dy, T* db) {
  for (size_t r = 0; r < rows; r++) {
    const T* row = dy + r * cols;
    for (size_t c = 0; c < cols; c++) db[c] += row[c];
  }
}

// g' = grad + wd·p; with momentum: buf ← mu·buf + scale·g', step = nesterov ? g' + mu·buf : buf;
// p ← p − lr·step. In double, with buf rounded on store and p updated from the unrounded
// value, as the portable loop.
template <typename T>
TG_INLINE void SgdMomentumBody(size_t n, T* p, const T* grad, T* buf, double lr, double mu, double scale, double wd,
                               bool nesterov) {
  if (nesterov) {
    for (size_t i = 0; i < n; i++) {
      const double g = grad[i] + wd * p[i];
      const double b = mu * buf[i] + scale * g;
      buf[i] = static_cast<T>(b);
      p[i] = static_cast<T>(p[i] - lr * (g + mu * b));
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const double b = mu * buf[i] + scale * (grad[i] + wd * p[i]);
      buf[i] = static_cast<T>(b);
      p[i] = static_cast<T>(p[i] - lr * b);
    }
  }
}

template <typename T>
TG_INLINE void SgdPlainBody(size_t n, T* p, const T* grad, double lr, double wd) {
  for (size_t i = 0; i < n; i++) p[i] = static_cast<T>(p[i] - lr * (grad[i] + wd * p[i]));
}

// target_clones applies to plain functions, not templates: one overload per element type.
#define TG_INSTANTIATE(T)                                                                                    \
  TG_MULTIVERSION void AddRowVector(size_t rows, size_t cols, T* y, const T* b) {                            \
    AddRowVectorBody(rows, cols, y, b);                                                                      \
  }                                                                                                          \
  TG_MULTIVERSION void AddColumnSums(size_t rows, size_t cols, const T* dy, T* db) {                         \
    AddColumnSumsBody(rows, cols, dy, db);                                                                   \
  }                                                                                                          \
  TG_MULTIVERSION void SgdMomentum(size_t n, T* p, const T* grad, T* buf, double lr, double mu, double scale, \
                                   double wd, bool nesterov) {                                               \
    SgdMomentumBody(n, p, grad, buf, lr, mu, scale, wd, nesterov);                                           \
  }                                                                                                          \
  TG_MULTIVERSION void SgdPlain(size_t n, T* p, const T* grad, double lr, double wd) {                       \
    SgdPlainBody(n, p, grad, lr, wd);                                                                        \
  }
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

// ---- N-API wrappers (arguments re-checked cheaply; see addon.h) -------------------------

int ActivationArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  const int code = DimArg(info, i, op, "activation");
  if (code >= kActivationCount) {
    ThrowTypeError(info.Env(), std::string(op) + ": unknown activation code " + std::to_string(code));
  }
  return code;
}

// activationForward(code, n, pre, post) -> undefined
template <typename T>
Napi::Value ActivationForwardApi(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kActivationForward;
  CheckArgCount(info, 4, op);
  const int code = ActivationArg(info, 0, op);
  const size_t n = static_cast<size_t>(DimArg(info, 1, op, "n"));
  const T* pre = ArrayArg<T>(info, 2, op, "pre", n);
  T* post = ArrayArg<T>(info, 3, op, "post", n);
  ActivationForward<T>(code, pre, post, n);
  return info.Env().Undefined();
}

// activationBackward(code, n, pre, post, dPost, dPre) -> undefined
template <typename T>
Napi::Value ActivationBackwardApi(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kActivationBackward;
  CheckArgCount(info, 6, op);
  const int code = ActivationArg(info, 0, op);
  const size_t n = static_cast<size_t>(DimArg(info, 1, op, "n"));
  const T* pre = ArrayArg<T>(info, 2, op, "pre", n);
  const T* post = ArrayArg<T>(info, 3, op, "post", n);
  const T* dPost = ArrayArg<T>(info, 4, op, "dPost", n);
  T* dPre = ArrayArg<T>(info, 5, op, "dPre", n);
  ActivationBackward<T>(code, pre, post, dPost, dPre, n);
  return info.Env().Undefined();
}

// addRowVector(rows, cols, Y, b) -> undefined
template <typename T>
Napi::Value AddRowVectorApi(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kAddRowVector;
  CheckArgCount(info, 4, op);
  const int rows = DimArg(info, 0, op, "rows");
  const int cols = DimArg(info, 1, op, "cols");
  T* y = ArrayArg<T>(info, 2, op, "Y", Elements(rows, cols));
  const T* b = ArrayArg<T>(info, 3, op, "b", static_cast<size_t>(cols));
  AddRowVector(rows, cols, y, b);
  return info.Env().Undefined();
}

// addColumnSums(rows, cols, dY, db) -> undefined
template <typename T>
Napi::Value AddColumnSumsApi(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kAddColumnSums;
  CheckArgCount(info, 4, op);
  const int rows = DimArg(info, 0, op, "rows");
  const int cols = DimArg(info, 1, op, "cols");
  const T* dy = ArrayArg<T>(info, 2, op, "dY", Elements(rows, cols));
  T* db = ArrayArg<T>(info, 3, op, "db", static_cast<size_t>(cols));
  AddColumnSums(rows, cols, dy, db);
  return info.Env().Undefined();
}

// sgdStep(n, p, grad, buf | null, coefficients, nesterov) -> undefined, coefficients a
// Float64Array [lr, momentum, gradScale, weightDecay]: doubles passed as arguments would be
// boxed as heap numbers on every call.
template <typename T>
Napi::Value SgdStepApi(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kSgdStep;
  CheckArgCount(info, 6, op);
  const size_t n = static_cast<size_t>(DimArg(info, 0, op, "n"));
  T* p = ArrayArg<T>(info, 1, op, "p", n);
  const T* grad = ArrayArg<T>(info, 2, op, "grad", n);
  const bool plain = info[3].IsNull();
  T* buf = plain ? nullptr : ArrayArg<T>(info, 3, op, "buf", n);
  const double* c = ArrayArg<double>(info, 4, op, "coefficients", 4);
  const bool nesterov = BoolArg(info, 5, op, "nesterov");
  if (plain) {
    SgdPlain(n, p, grad, c[0], c[3]);
  } else {
    SgdMomentum(n, p, grad, buf, c[0], c[1], c[2], c[3], nesterov);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("sactivationForward", Napi::Function::New(env, ActivationForwardApi<float>, "sactivationForward"));
  exports.Set("dactivationForward", Napi::Function::New(env, ActivationForwardApi<double>, "dactivationForward"));
  exports.Set("sactivationBackward", Napi::Function::New(env, ActivationBackwardApi<float>, "sactivationBackward"));
  exports.Set("dactivationBackward", Napi::Function::New(env, ActivationBackwardApi<double>, "dactivationBackward"));
  exports.Set("saddRowVector", Napi::Function::New(env, AddRowVectorApi<float>, "saddRowVector"));
  exports.Set("daddRowVector", Napi::Function::New(env, AddRowVectorApi<double>, "daddRowVector"));
  exports.Set("saddColumnSums", Napi::Function::New(env, AddColumnSumsApi<float>, "saddColumnSums"));
  exports.Set("daddColumnSums", Napi::Function::New(env, AddColumnSumsApi<double>, "daddColumnSums"));
  exports.Set("ssgdStep", Napi::Function::New(env, SgdStepApi<float>, "ssgdStep"));
  exports.Set("dsgdStep", Napi::Function::New(env, SgdStepApi<double>, "dsgdStep"));
}

}  // namespace tinygrow
