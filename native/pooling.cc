// Max pooling over a NCHW batch and its backward (the semantics of
// src/kernels/portable/pooling.ts, the reference): the first maximum in window order wins, a
// NaN wins and propagates; the backward scatters dY to the recorded argmax, optionally gated
// by ReLU's derivative (one pass for ReLU → max pool). The geometry arrives as in im2col.cc.
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "addon.h"
#include "window.h"

namespace tinygrow {
namespace {

// Without padding every window lies inside the image (by the output-size formula), so no
// bounds tests are needed: each output row starts from its windows' first taps and then
// takes every other tap (u, v) in order across the whole row, with selects — branch-free
// (on random data the comparison is unpredictable) and vectorisable over the outputs q.
// Same order as the reference: the first maximum wins, a NaN replaces a non-NaN.
#define TG_MAXPOOL_ROWS(T)                                                                 \
  TG_MULTIVERSION void MaxPoolInside(const Geometry& g, const T* x, T* y, int32_t* argmax) { \
    const int64_t OW = g.outW;                                                             \
    for (int64_t p = 0; p < g.B * g.C; p++) {                                              \
      const int64_t base = p * g.H * g.W;                                                  \
      for (int64_t r = 0; r < g.outH; r++) {                                               \
        T* yb = y + (p * g.outH + r) * OW;                                                 \
        int32_t* ab = argmax + (p * g.outH + r) * OW;                                      \
        const int64_t row0 = base + r * g.sh * g.W;                                        \
        for (int64_t q = 0; q < OW; q++) {                                                 \
          yb[q] = x[row0 + q * g.sw];                                                      \
          ab[q] = static_cast<int32_t>(row0 + q * g.sw);                                   \
        }                                                                                  \
        for (int64_t u = 0; u < g.kh; u++) {                                               \
          for (int64_t v = 0; v < g.kw; v++) {                                             \
            if (u == 0 && v == 0) continue;                                                \
            const int64_t off = row0 + u * g.dh * g.W + v * g.dw;                          \
            for (int64_t q = 0; q < OW; q++) {                                             \
              const int64_t k = off + q * g.sw;                                            \
              const T val = x[k];                                                          \
              const T best = yb[q];                                                        \
              const bool take = (val > best) | ((val != val) & (best == best));            \
              yb[q] = take ? val : best;                                                   \
              ab[q] = take ? static_cast<int32_t>(k) : ab[q];                              \
            }                                                                              \
          }                                                                                \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
  }
// The CNNs' 2×2 windows with stride 2 (no padding, no dilation), in the reference's tap order
// (0,0), (0,1), (1,0), (1,1). The NaN rule ("a NaN wins unless the best so far is one") kept
// GCC from vectorising the select chain: it became data-dependent branches, mispredicted on
// real activations (14 ns per output). So each output row first checks its two input rows for
// a NaN; rows without one take the plain first-maximum chain (strict >, the same result there,
// vectorised: 10× faster), rows with one the exact rule.
#define TG_MAXPOOL_2X2(T)                                                                   \
  /* Not multiversioned: GCC's x86-64-v4 clone of this loop ran 7× slower than the baseline */ \
  /* build (1.46 vs 0.21 ms for 64 × 16 × 28 × 28; the baseline vectorises it with SSE).     */ \
  void MaxPool2x2(const Geometry& g, const T* x, T* y, int32_t* argmax) {                  \
    /* int32 indices throughout (MaxPoolApi checks x fits them): with int64 ones GCC      */ \
    /* vectorised neither loop (1.5 ms instead of 0.3 for 64 × 16 × 28 × 28).              */ \
    const int32_t OW = static_cast<int32_t>(g.outW);                                       \
    const int32_t w = static_cast<int32_t>(g.W);                                           \
    for (int64_t p = 0; p < g.B * g.C; p++) {                                              \
      for (int64_t r = 0; r < g.outH; r++) {                                               \
        const int32_t row0 = static_cast<int32_t>(p * g.H * g.W + 2 * r * g.W);            \
        const T* x0 = x + row0;                                                            \
        const T* x1 = x0 + w;                                                              \
        T* yb = y + (p * g.outH + r) * OW;                                                 \
        int32_t* ab = argmax + (p * g.outH + r) * OW;                                      \
        int nan = 0;                                                                       \
        for (int32_t q = 0; q < 2 * OW; q++) nan |= (x0[q] != x0[q]) | (x1[q] != x1[q]);   \
        if (nan) {                                                                         \
          for (int32_t q = 0; q < OW; q++) {                                               \
            const int32_t taps[4] = {2 * q, 2 * q + 1, w + 2 * q, w + 2 * q + 1};          \
            T best = x0[taps[0]];                                                          \
            int32_t at = taps[0];                                                          \
            for (int t = 1; t < 4; t++) {                                                  \
              const T val = x0[taps[t]];                                                   \
              const bool take = (val > best) | ((val != val) & (best == best));            \
              best = take ? val : best;                                                    \
              at = take ? taps[t] : at;                                                    \
            }                                                                              \
            yb[q] = best;                                                                  \
            ab[q] = row0 + at;                                                             \
          }                                                                                \
          continue;                                                                        \
        }                                                                                  \
        for (int32_t q = 0; q < OW; q++) {                                                 \
          T best = x0[2 * q];                                                              \
          int32_t at = 2 * q;                                                              \
          T v = x0[2 * q + 1];                                                             \
          bool take = v > best;                                                            \
          best = take ? v : best;                                                          \
          at = take ? 2 * q + 1 : at;                                                      \
          v = x1[2 * q];                                                                   \
          take = v > best;                                                                 \
          best = take ? v : best;                                                          \
          at = take ? w + 2 * q : at;                                                      \
          v = x1[2 * q + 1];                                                               \
          take = v > best;                                                                 \
          best = take ? v : best;                                                          \
          at = take ? w + 2 * q + 1 : at;                                                  \
          yb[q] = best;                                                                    \
          ab[q] = row0 + at;                                                               \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
  }
// target_clones applies to plain functions, not templates: one overload per element type.
TG_MAXPOOL_ROWS(float)
TG_MAXPOOL_ROWS(double)
TG_MAXPOOL_2X2(float)
TG_MAXPOOL_2X2(double)
#undef TG_MAXPOOL_ROWS
#undef TG_MAXPOOL_2X2

template <typename T>
void MaxPoolLoop(const Geometry& g, const T* x, T* y, int32_t* argmax) {
  if (g.ph == 0 && g.pw == 0 && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1) return MaxPool2x2(g, x, y, argmax);
  if (g.ph == 0 && g.pw == 0) return MaxPoolInside(g, x, y, argmax);
  int64_t o = 0;
  for (int64_t p = 0; p < g.B * g.C; p++) {
    const int64_t base = p * g.H * g.W;
    for (int64_t r = 0; r < g.outH; r++) {
      for (int64_t q = 0; q < g.outW; q++, o++) {
        T best = -std::numeric_limits<T>::infinity();
        int64_t at = -1;
        for (int64_t u = 0; u < g.kh; u++) {
          const int64_t h = r * g.sh - g.ph + u * g.dh;
          if (h < 0 || h >= g.H) continue;
          for (int64_t v = 0; v < g.kw; v++) {
            const int64_t w = q * g.sw - g.pw + v * g.dw;
            if (w < 0 || w >= g.W) continue;
            const int64_t k = base + h * g.W + w;
            const T val = x[k];
            // The first maximum wins; a NaN replaces anything that is not NaN.
            if (at < 0 || val > best || (val != val && best == best)) {
              best = val;
              at = k;
            }
          }
        }
        y[o] = best;
        argmax[o] = static_cast<int32_t>(at);
      }
    }
  }
}

// maxPool(shape, x, y, argmax) -> undefined
template <typename T>
Napi::Value MaxPoolApi(const Napi::CallbackInfo& info) {
  const char* op = sizeof(T) == 4 ? "smaxPool" : "dmaxPool";
  CheckArgCount(info, 4, op);
  const Geometry g = GeometryArg(info, 0, op);
  if (ImageElems(g) > static_cast<size_t>(std::numeric_limits<int32_t>::max())) ThrowTypeError(info.Env(), std::string(op) + ": x too large for int32 indices");
  const size_t n = static_cast<size_t>(g.B * g.C * g.outH * g.outW);
  const T* x = ArrayArg<T>(info, 1, op, "x", ImageElems(g));
  T* y = ArrayArg<T>(info, 2, op, "y", n);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[3], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_int32_array || length < n) {
    ThrowTypeError(info.Env(), std::string(op) + ": argmax must be an Int32Array of at least " + std::to_string(n) + " elements");
  }
  MaxPoolLoop(g, x, y, static_cast<int32_t*>(data));
  return info.Env().Undefined();
}

// v when keep, else +0, without a branch (the bits of v and-ed with an all-ones or zero mask).
template <typename T>
inline T KeepIf(T v, bool keep) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits b;
  std::memcpy(&b, &v, sizeof(T));
  b &= Bits(0) - static_cast<Bits>(keep);
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

// maxPoolBackward(dy, argmax, dx, gate | null) -> the first k whose index lies outside
// [−1, dx.length), or −1 after dx[argmax[k]] += dy[k] for every argmax[k] >= 0 (and, with a
// gate, only where gate[argmax[k]] is not <= 0: ReLU's derivative). Nothing is written when an
// index is bad.
template <typename T>
Napi::Value MaxPoolBackwardApi(const Napi::CallbackInfo& info) {
  const char* op = sizeof(T) == 4 ? "smaxPoolBackward" : "dmaxPoolBackward";
  CheckArgCount(info, 4, op);
  napi_typedarray_type type;
  size_t n = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[1], &type, &n, &data, nullptr, nullptr) != napi_ok || type != napi_int32_array) {
    ThrowTypeError(info.Env(), std::string(op) + ": argmax must be an Int32Array");
  }
  const int32_t* argmax = static_cast<const int32_t*>(data);
  const T* dy = ArrayArg<T>(info, 0, op, "dy", n);
  napi_typedarray_type dxType;
  size_t dxLength = 0;
  void* dxData = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[2], &dxType, &dxLength, &dxData, nullptr, nullptr) != napi_ok ||
      dxType != Float<T>::kArrayType) {
    ThrowTypeError(info.Env(), std::string(op) + ": dx must be a " + Float<T>::kArrayName);
  }
  T* dx = static_cast<T*>(dxData);
  const int64_t limit = static_cast<int64_t>(dxLength);
  for (size_t k = 0; k < n; k++) {
    if (argmax[k] < -1 || argmax[k] >= limit) return Napi::Number::New(info.Env(), static_cast<double>(k));
  }
  if (info[3].IsNull()) {
    for (size_t k = 0; k < n; k++) {
      if (argmax[k] >= 0) dx[argmax[k]] += dy[k];
    }
    return Napi::Number::New(info.Env(), -1);
  }
  const T* gate = ArrayArg<T>(info, 3, op, "gate", dxLength);
  for (size_t k = 0; k < n; k++) {
    const int32_t j = argmax[k];
    // A mask, not a branch: ReLU is active at about half the pooled inputs, so a branch on
    // the gate is mispredicted that often (it made this loop 2.4× slower; GCC keeps a
    // branch for the ?: form). Adding +0 where the gate is shut is what activationBackward
    // does too.
    if (j >= 0) dx[j] += KeepIf(dy[k], !(gate[j] <= 0));
  }
  return Napi::Number::New(info.Env(), -1);
}

}  // namespace

void RegisterPooling(Napi::Env env, Napi::Object exports) {
  exports.Set("smaxPool", Napi::Function::New(env, MaxPoolApi<float>, "smaxPool"));
  exports.Set("dmaxPool", Napi::Function::New(env, MaxPoolApi<double>, "dmaxPool"));
  exports.Set("smaxPoolBackward", Napi::Function::New(env, MaxPoolBackwardApi<float>, "smaxPoolBackward"));
  exports.Set("dmaxPoolBackward", Napi::Function::New(env, MaxPoolBackwardApi<double>, "dmaxPoolBackward"));
}

}  // namespace tinygrow
