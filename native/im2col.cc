// Window kernels over a NCHW batch: im2col / col2im (the semantics of
// src/kernels/portable/im2col.ts, the reference), max pooling and the block transpose
// between NCHW and channel-major (src/kernels/portable/pooling.ts). Same loop orders as the
// reference, so col2im adds in the same order and agrees with
// it. cols is (C·kh·kw, B·outH·outW), row (c·kh + u)·kw + v, column i·L + oh·outW + ow.
//
// The geometry arrives as one Int32Array of 14 fields (the order of IM2COL_FIELDS in
// src/kernels/checks.ts), so no number is boxed per call. Per kernel column v the valid
// output range [lo, hi) (source inside the image) is computed once; the inner loops are
// then contiguous copies (stride 1: CopyRun) or strided gathers with no bounds test. One
// visitor (ForEachRun) walks the runs for both directions.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "addon.h"

namespace tinygrow {
namespace {

struct Geometry {
  int64_t B, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW;
};

int64_t ConvOutput(int64_t n, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = d * (k - 1) + 1;
  return n + 2 * p < span ? 0 : (n + 2 * p - span) / s + 1;
}

Geometry GeometryArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array || length != 14) {
    ThrowTypeError(info.Env(), std::string(op) + ": shape must be an Int32Array of 14 fields");
  }
  const int32_t* f = static_cast<const int32_t*>(data);
  Geometry g{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13]};
  const bool ok = g.B >= 0 && g.C >= 0 && g.H >= 0 && g.W >= 0 && g.kh >= 1 && g.kw >= 1 && g.sh >= 1 && g.sw >= 1 &&
                  g.ph >= 0 && g.pw >= 0 && g.dh >= 1 && g.dw >= 1 && g.outH == ConvOutput(g.H, g.kh, g.sh, g.ph, g.dh) &&
                  g.outW == ConvOutput(g.W, g.kw, g.sw, g.pw, g.dw);
  if (!ok) ThrowTypeError(info.Env(), std::string(op) + ": invalid geometry");
  const double elems = static_cast<double>(g.B) * g.C * g.H * g.W;
  const double colElems = static_cast<double>(g.C) * g.kh * g.kw * g.B * g.outH * g.outW;
  if (elems > 9.0e15 || colElems > 9.0e15) ThrowTypeError(info.Env(), std::string(op) + ": sizes too large");
  return g;
}

// [lo, hi): the outputs ow whose source column ow·s + off lies in [0, W), clamped to [0, outW].
inline void ValidRange(int64_t outW, int64_t W, int64_t s, int64_t off, int64_t* lo, int64_t* hi) {
  int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t b = W - 1 - off < 0 ? 0 : (W - 1 - off) / s + 1;
  a = std::min(a, outW);
  *lo = a;
  *hi = std::max(a, std::min(b, outW));
}

// dst[0, n) = src[0, n). Runs are often a handful of elements (a 7×7 map read by a 7×7
// kernel gives runs of one), where a memcpy call costs more than the copy.
template <typename T>
inline void CopyRun(T* dst, const T* src, int64_t n) {
  if (n > 16) {
    std::memcpy(dst, src, sizeof(T) * n);
    return;
  }
  for (int64_t k = 0; k < n; k++) dst[k] = src[k];
}

// Visits every contiguous run of the unfolding, in the reference's order (row of cols, then
// image, then output row): fn(o, inside, src, lo, hi) with o the run's first element in
// cols, inside whether the source row lies in the image, src the element of x under output
// ow = 0 (ow·sw added per output; may lie outside x: only [lo, hi) is read).
template <typename Fn>
void ForEachRun(const Geometry& g, Fn&& fn) {
  const int64_t L = g.outH * g.outW;
  const int64_t N = g.B * L;
  for (int64_t c = 0; c < g.C; c++) {
    for (int64_t u = 0; u < g.kh; u++) {
      for (int64_t v = 0; v < g.kw; v++) {
        const int64_t row = (c * g.kh + u) * g.kw + v;
        const int64_t offW = v * g.dw - g.pw;
        int64_t lo, hi;
        ValidRange(g.outW, g.W, g.sw, offW, &lo, &hi);
        for (int64_t i = 0; i < g.B; i++) {
          const int64_t plane = (i * g.C + c) * g.H * g.W;
          int64_t o = row * N + i * L;
          for (int64_t oh = 0; oh < g.outH; oh++, o += g.outW) {
            const int64_t ih = oh * g.sh - g.ph + u * g.dh;
            fn(o, ih >= 0 && ih < g.H, plane + ih * g.W + offW, lo, hi);
          }
        }
      }
    }
  }
}

template <typename T>
void Im2colLoop(const Geometry& g, const T* x, T* out) {
  ForEachRun(g, [&](int64_t at, bool inside, int64_t src, int64_t lo, int64_t hi) {
    T* o = out + at;
    if (!inside) {
      std::memset(o, 0, sizeof(T) * g.outW);
      return;
    }
    for (int64_t ow = 0; ow < lo; ow++) o[ow] = 0;
    if (g.sw == 1) {
      CopyRun(o + lo, x + src + lo, hi - lo);
    } else {
      for (int64_t ow = lo; ow < hi; ow++) o[ow] = x[src + ow * g.sw];
    }
    for (int64_t ow = hi; ow < g.outW; ow++) o[ow] = 0;
  });
}

// dst[ow] += src[ow] for a contiguous run: the stride-1 col2im inner loop, vectorised.
TG_MULTIVERSION void AddRun(float* dst, const float* src, int64_t n) {
  for (int64_t k = 0; k < n; k++) dst[k] += src[k];
}
TG_MULTIVERSION void AddRun(double* dst, const double* src, int64_t n) {
  for (int64_t k = 0; k < n; k++) dst[k] += src[k];
}

template <typename T>
void Col2imLoop(const Geometry& g, const T* cols, T* dx) {
  ForEachRun(g, [&](int64_t at, bool inside, int64_t dst, int64_t lo, int64_t hi) {
    if (!inside) return;
    const T* o = cols + at;
    if (g.sw == 1) {
      AddRun(dx + dst + lo, o + lo, hi - lo);
    } else {
      for (int64_t ow = lo; ow < hi; ow++) dx[dst + ow * g.sw] += o[ow];
    }
  });
}

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

size_t ImageElems(const Geometry& g) { return static_cast<size_t>(g.B * g.C * g.H * g.W); }
size_t ColElems(const Geometry& g) { return static_cast<size_t>(g.C * g.kh * g.kw * g.B * g.outH * g.outW); }

// im2col(shape, x, cols) -> undefined;  col2im(shape, cols, dx) -> undefined (dx += fold(cols))
template <typename T, bool Fold>
Napi::Value UnfoldApi(const Napi::CallbackInfo& info) {
  const char* op = Fold ? (sizeof(T) == 4 ? "scol2im" : "dcol2im") : (sizeof(T) == 4 ? "sim2col" : "dim2col");
  CheckArgCount(info, 3, op);
  const Geometry g = GeometryArg(info, 0, op);
  T* first = ArrayArg<T>(info, 1, op, Fold ? "cols" : "x", Fold ? ColElems(g) : ImageElems(g));
  T* second = ArrayArg<T>(info, 2, op, Fold ? "dx" : "cols", Fold ? ImageElems(g) : ColElems(g));
  if (Fold) Col2imLoop(g, first, second);
  else Im2colLoop(g, first, second);
  return info.Env().Undefined();
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

// transposeBlocks(rows, cols, block, src, dst) -> undefined
template <typename T>
Napi::Value TransposeBlocksApi(const Napi::CallbackInfo& info) {
  const char* op = sizeof(T) == 4 ? "stransposeBlocks" : "dtransposeBlocks";
  CheckArgCount(info, 5, op);
  const size_t rows = static_cast<size_t>(DimArg(info, 0, op, "rows"));
  const size_t cols = static_cast<size_t>(DimArg(info, 1, op, "cols"));
  const size_t block = static_cast<size_t>(DimArg(info, 2, op, "block"));
  const T* src = ArrayArg<T>(info, 3, op, "src", rows * cols * block);
  T* dst = ArrayArg<T>(info, 4, op, "dst", rows * cols * block);
  for (size_t i = 0; i < rows; i++) {
    for (size_t j = 0; j < cols; j++) CopyRun(dst + (j * rows + i) * block, src + (i * cols + j) * block, static_cast<int64_t>(block));
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterIm2col(Napi::Env env, Napi::Object exports) {
  exports.Set("sim2col", Napi::Function::New(env, UnfoldApi<float, false>, "sim2col"));
  exports.Set("dim2col", Napi::Function::New(env, UnfoldApi<double, false>, "dim2col"));
  exports.Set("scol2im", Napi::Function::New(env, UnfoldApi<float, true>, "scol2im"));
  exports.Set("dcol2im", Napi::Function::New(env, UnfoldApi<double, true>, "dcol2im"));
  exports.Set("smaxPool", Napi::Function::New(env, MaxPoolApi<float>, "smaxPool"));
  exports.Set("dmaxPool", Napi::Function::New(env, MaxPoolApi<double>, "dmaxPool"));
  exports.Set("smaxPoolBackward", Napi::Function::New(env, MaxPoolBackwardApi<float>, "smaxPoolBackward"));
  exports.Set("dmaxPoolBackward", Napi::Function::New(env, MaxPoolBackwardApi<double>, "dmaxPoolBackward"));
  exports.Set("stransposeBlocks", Napi::Function::New(env, TransposeBlocksApi<float>, "stransposeBlocks"));
  exports.Set("dtransposeBlocks", Napi::Function::New(env, TransposeBlocksApi<double>, "dtransposeBlocks"));
}

}  // namespace tinygrow
