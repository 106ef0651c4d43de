// Window kernels over a NCHW batch: im2col / col2im (the semantics of
// src/kernels/portable/im2col.ts, the reference) and the block transpose between NCHW and
// channel-major (src/kernels/portable/pooling.ts); max pooling is in pooling.cc. Same loop
// orders as the reference, so col2im adds in the same order and agrees with it. cols is
// (C·kh·kw, B·outH·outW), row (c·kh + u)·kw + v, column i·L + oh·outW + ow.
//
// The geometry arrives as one Int32Array of 14 fields (window.h), so no number is boxed per
// call. Per kernel column v the valid
// output range [lo, hi) (source inside the image) is computed once; the inner loops are
// then contiguous copies (stride 1: CopyRun) or strided gathers with no bounds test. One
// visitor (ForEachRun) walks the runs for both directions.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "addon.h"
#include "window.h"

namespace tinygrow {
namespace {

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
  exports.Set("stransposeBlocks", Napi::Function::New(env, TransposeBlocksApi<float>, "stransposeBlocks"));
  exports.Set("dtransposeBlocks", Napi::Function::New(env, TransposeBlocksApi<double>, "dtransposeBlocks"));
}

}  // namespace tinygrow
