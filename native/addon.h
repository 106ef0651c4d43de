// Shared by the addon's translation units: argument readers that re-check what the
// TypeScript layer already validated, cheaply, so that a bad call throws a JS TypeError
// instead of reading or writing out of bounds.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

// GCC ≥ 12 on x86-64 Linux (ifunc): AVX-512 (x86-64-v4) and AVX2+FMA (x86-64-v3) clones of
// each hot loop beside the SSE2 baseline, picked once at load time by CPUID.
// (-DTG_MULTIVERSION= builds one ISA only, e.g. to test the baseline loops.)
#if defined(TG_MULTIVERSION)
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__linux__)
#define TG_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TG_MULTIVERSION
#endif

namespace tinygrow {

template <typename T>
struct Float;

template <>
struct Float<float> {
  static constexpr napi_typedarray_type kArrayType = napi_float32_array;
  static constexpr const char* kArrayName = "Float32Array";
  static constexpr const char* kGemm = "sgemm";
  static constexpr const char* kSyrk = "ssyrk";
  static constexpr const char* kSyevd = "ssyevd";
  static constexpr const char* kGesdd = "sgesdd";
  static constexpr const char* kPosv = "sposv";
  static constexpr const char* kPotrf = "spotrf";
  static constexpr const char* kPotrs = "spotrs";
  static constexpr const char* kGesv = "sgesv";
  static constexpr const char* kActivationForward = "sactivationForward";
  static constexpr const char* kActivationBackward = "sactivationBackward";
  static constexpr const char* kAddRowVector = "saddRowVector";
  static constexpr const char* kAddColumnSums = "saddColumnSums";
  static constexpr const char* kSgdStep = "ssgdStep";
};

template <>
struct Float<double> {
  static constexpr napi_typedarray_type kArrayType = napi_float64_array;
  static constexpr const char* kArrayName = "Float64Array";
  static constexpr const char* kGemm = "dgemm";
  static constexpr const char* kSyrk = "dsyrk";
  static constexpr const char* kSyevd = "dsyevd";
  static constexpr const char* kGesdd = "dgesdd";
  static constexpr const char* kPosv = "dposv";
  static constexpr const char* kPotrf = "dpotrf";
  static constexpr const char* kPotrs = "dpotrs";
  static constexpr const char* kGesv = "dgesv";
  static constexpr const char* kActivationForward = "dactivationForward";
  static constexpr const char* kActivationBackward = "dactivationBackward";
  static constexpr const char* kAddRowVector = "daddRowVector";
  static constexpr const char* kAddColumnSums = "daddColumnSums";
  static constexpr const char* kSgdStep = "dsgdStep";
};

[[noreturn]] inline void ThrowTypeError(napi_env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

inline void CheckArgCount(const Napi::CallbackInfo& info, size_t count, const char* op) {
  if (info.Length() != count) {
    ThrowTypeError(info.Env(), std::string(op) + ": expected " + std::to_string(count) + " arguments, got " +
                                   std::to_string(info.Length()));
  }
}

// A matrix dimension or leading dimension: an integer in [min, INT_MAX] (LAPACK takes int).
inline int DimArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int min = 0) {
  double v = 0;
  if (napi_get_value_double(info.Env(), info[i], &v) != napi_ok || !(v >= min) ||
      v > std::numeric_limits<int>::max() || v != std::floor(v)) {
    ThrowTypeError(info.Env(), std::string(op) + ": " + name + " must be an integer >= " + std::to_string(min));
  }
  return static_cast<int>(v);
}

// An array offset, stride or count: an integer in [0, 2^53] (typed arrays may pass INT_MAX).
inline int64_t IndexArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  double v = 0;
  if (napi_get_value_double(info.Env(), info[i], &v) != napi_ok || !(v >= 0) || v > 9007199254740992.0 ||
      v != std::floor(v)) {
    ThrowTypeError(info.Env(), std::string(op) + ": " + name + " must be a non-negative integer");
  }
  return static_cast<int64_t>(v);
}

inline double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  double v = 0;
  if (napi_get_value_double(info.Env(), info[i], &v) != napi_ok) {
    ThrowTypeError(info.Env(), std::string(op) + ": " + name + " must be a number");
  }
  return v;
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  bool v = false;
  if (napi_get_value_bool(info.Env(), info[i], &v) != napi_ok) {
    ThrowTypeError(info.Env(), std::string(op) + ": " + name + " must be a boolean");
  }
  return v;
}

// The data of a Float32Array/Float64Array argument holding at least `minLength` elements.
// One napi call on the happy path: napi_get_typedarray_info fails on non-typed-arrays.
template <typename T>
T* ArrayArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, size_t minLength) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(info.Env(), info[i], &type, &length, &data, nullptr, nullptr);
  if (status != napi_ok || type != Float<T>::kArrayType || length < minLength) {
    ThrowTypeError(info.Env(), std::string(op) + ": " + name + " must be a " + Float<T>::kArrayName + " of at least " +
                                   std::to_string(minLength) + " elements" +
                                   (status == napi_ok && type == Float<T>::kArrayType
                                        ? ", got " + std::to_string(length)
                                        : ""));
  }
  return static_cast<T*>(data);
}

inline size_t Elements(int rows, int cols) { return static_cast<size_t>(rows) * static_cast<size_t>(cols); }

void RegisterBlas(Napi::Env env, Napi::Object exports);
void RegisterLapack(Napi::Env env, Napi::Object exports);
void RegisterElementwise(Napi::Env env, Napi::Object exports);
void RegisterIm2col(Napi::Env env, Napi::Object exports);
void RegisterPooling(Napi::Env env, Napi::Object exports);

}  // namespace tinygrow
