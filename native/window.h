// The window geometry shared by the im2col (im2col.cc) and pooling (pooling.cc) kernels: one
// Int32Array of 14 fields in the order of IM2COL_FIELDS (src/kernels/checks.ts), validated
// again here (integers in range, outH/outW equal to the output-size formula) before any loop
// trusts it.
#ifndef TINYGROW_NATIVE_WINDOW_H_
#define TINYGROW_NATIVE_WINDOW_H_

#include <cstdint>
#include <string>

#include "addon.h"

namespace tinygrow {

struct Geometry {
  int64_t B, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW;
};

inline int64_t ConvOutput(int64_t n, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = d * (k - 1) + 1;
  return n + 2 * p < span ? 0 : (n + 2 * p - span) / s + 1;
}

inline Geometry GeometryArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
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

inline size_t ImageElems(const Geometry& g) { return static_cast<size_t>(g.B * g.C * g.H * g.W); }

}  // namespace tinygrow

#endif  // TINYGROW_NATIVE_WINDOW_H_
