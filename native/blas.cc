// sgemm/dgemm over CBLAS, row-major: C (m, n) = alpha · op(A) · op(B) + beta · C; and
// ssyrk/dsyrk: C (n, n) = alpha · A·Aᵀ (or AᵀA) + beta · C, half the multiply-adds.
// The hot path of training (≈10 calls per step on 64×50 matrices), so the typed arrays'
// storage is handed to BLAS as is: no copies, no allocations, no option objects.
#include <cblas.h>

#include <algorithm>

#include "addon.h"

namespace tinygrow {
namespace {

inline void CblasGemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const float* a,
                      int lda, const float* b, int ldb, double beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, static_cast<float>(alpha), a, lda, b, ldb, static_cast<float>(beta), c,
              ldc);
}

inline void CblasGemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const double* a,
                      int lda, const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

inline void CblasSyrk(CBLAS_TRANSPOSE t, int n, int k, double alpha, const float* a, int lda, double beta, float* c,
                      int ldc) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, t, n, k, static_cast<float>(alpha), a, lda, static_cast<float>(beta), c, ldc);
}

inline void CblasSyrk(CBLAS_TRANSPOSE t, int n, int k, double alpha, const double* a, int lda, double beta, double* c,
                      int ldc) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, t, n, k, alpha, a, lda, beta, c, ldc);
}

// Leading dimension check: a row-major (rows, cols) matrix needs ld >= max(1, cols).
inline void CheckLd(const Napi::CallbackInfo& info, const char* op, const char* name, int ld, int cols) {
  if (ld < std::max(1, cols)) {
    ThrowTypeError(info.Env(), std::string(op) + ": " + name + " = " + std::to_string(ld) + " must be >= max(1, " +
                                   std::to_string(cols) + ")");
  }
}

// gemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) -> undefined
template <typename T>
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kGemm;
  CheckArgCount(info, 13, op);
  const bool transA = BoolArg(info, 0, op, "transA");
  const bool transB = BoolArg(info, 1, op, "transB");
  const int m = DimArg(info, 2, op, "m");
  const int n = DimArg(info, 3, op, "n");
  const int k = DimArg(info, 4, op, "k");
  const double alpha = NumberArg(info, 5, op, "alpha");
  const int lda = DimArg(info, 7, op, "lda");
  const int ldb = DimArg(info, 9, op, "ldb");
  const double beta = NumberArg(info, 10, op, "beta");
  const int ldc = DimArg(info, 12, op, "ldc");
  // Stored shapes: A is (m, k), or (k, m) when transposed; B is (k, n), or (n, k).
  const int rowsA = transA ? k : m, colsA = transA ? m : k;
  const int rowsB = transB ? n : k, colsB = transB ? k : n;
  CheckLd(info, op, "lda", lda, colsA);
  CheckLd(info, op, "ldb", ldb, colsB);
  CheckLd(info, op, "ldc", ldc, n);
  const T* a = ArrayArg<T>(info, 6, op, "A", Elements(rowsA, lda));
  const T* b = ArrayArg<T>(info, 8, op, "B", Elements(rowsB, ldb));
  T* c = ArrayArg<T>(info, 11, op, "C", Elements(m, ldc));
  if (m == 0 || n == 0) return info.Env().Undefined();
  if (k == 0) {
    // C = beta · C; beta = 0 overwrites (NaN in C does not survive), as BLAS does.
    for (int i = 0; i < m; i++) {
      T* row = c + static_cast<size_t>(i) * ldc;
      for (int j = 0; j < n; j++) row[j] = beta == 0 ? T(0) : static_cast<T>(beta) * row[j];
    }
    return info.Env().Undefined();
  }
  CblasGemm(transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
            beta, c, ldc);
  return info.Env().Undefined();
}

// One strided batch argument (data, offset, ld, stride) for a stored (rows, cols) matrix;
// the array must reach the last matrix's last element.
template <typename T>
struct BatchArg {
  T* base;
  int ld;
  int64_t stride;
};

template <typename T>
BatchArg<T> BatchArgAt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int rows, int cols,
                       int64_t count) {
  const int64_t offset = IndexArg(info, i + 1, op, "offset");
  const int ld = DimArg(info, i + 2, op, "ld");
  const int64_t stride = IndexArg(info, i + 3, op, "stride");
  CheckLd(info, op, name, ld, cols);
  const bool empty = count == 0 || rows == 0 || cols == 0;
  const int64_t end = empty ? 0 : offset + (count - 1) * stride + static_cast<int64_t>(rows - 1) * ld + cols;
  T* data = ArrayArg<T>(info, i, op, name, static_cast<size_t>(end));
  return {data + (empty ? 0 : offset), ld, stride};
}

// gemmBatch(transA, transB, m, n, k, alpha, A, offA, lda, strideA, B, offB, ldb, strideB, beta, C, offC, ldc,
// strideC, count) -> undefined: for p = 0 … count − 1 in order, C_p = alpha op(A_p) op(B_p) + beta C_p with
// X_p at X[offX + p·strideX] (row-major, leading dimension ldX). One cblas call per matrix: the
// per-image products of a convolution (O, C·kh·kw)·(C·kh·kw, H'·W') are large enough for that.
template <typename T>
Napi::Value GemmBatch(const Napi::CallbackInfo& info) {
  const char* op = sizeof(T) == 4 ? "sgemmBatch" : "dgemmBatch";
  CheckArgCount(info, 20, op);
  const bool transA = BoolArg(info, 0, op, "transA");
  const bool transB = BoolArg(info, 1, op, "transB");
  const int m = DimArg(info, 2, op, "m");
  const int n = DimArg(info, 3, op, "n");
  const int k = DimArg(info, 4, op, "k");
  const double alpha = NumberArg(info, 5, op, "alpha");
  const double beta = NumberArg(info, 14, op, "beta");
  const int64_t count = IndexArg(info, 19, op, "count");
  const BatchArg<T> a = BatchArgAt<T>(info, 6, op, "A", transA ? k : m, transA ? m : k, count);
  const BatchArg<T> b = BatchArgAt<T>(info, 10, op, "B", transB ? n : k, transB ? k : n, count);
  const BatchArg<T> c = BatchArgAt<T>(info, 15, op, "C", m, n, count);
  if (m == 0 || n == 0) return info.Env().Undefined();
  for (int64_t p = 0; p < count; p++) {
    T* cp = c.base + p * c.stride;
    if (k == 0 || alpha == 0) {
      // C_p = beta · C_p; beta = 0 overwrites (NaN does not survive), as BLAS does.
      for (int i = 0; i < m; i++) {
        T* row = cp + static_cast<size_t>(i) * c.ld;
        for (int j = 0; j < n; j++) row[j] = beta == 0 ? T(0) : static_cast<T>(beta) * row[j];
      }
      continue;
    }
    CblasGemm(transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha,
              a.base + p * a.stride, a.ld, b.base + p * b.stride, b.ld, beta, cp, c.ld);
  }
  return info.Env().Undefined();
}

// syrk(trans, n, k, alpha, A, lda, beta, C, ldc) -> undefined: the upper triangle of
// C (n, n) = alpha · A·Aᵀ (trans: AᵀA) + beta · C by BLAS syrk, then mirrored into the lower,
// so that C is the full symmetric matrix (kernels.ts). k = 0 and alpha = 0 are settled in
// TypeScript (native-kernels.ts), as for gemm.
template <typename T>
Napi::Value Syrk(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kSyrk;
  CheckArgCount(info, 9, op);
  const bool trans = BoolArg(info, 0, op, "trans");
  const int n = DimArg(info, 1, op, "n");
  const int k = DimArg(info, 2, op, "k");
  const double alpha = NumberArg(info, 3, op, "alpha");
  const int lda = DimArg(info, 5, op, "lda");
  const double beta = NumberArg(info, 6, op, "beta");
  const int ldc = DimArg(info, 8, op, "ldc");
  // Stored shape of A: (n, k), or (k, n) when transposed.
  const int rowsA = trans ? k : n, colsA = trans ? n : k;
  CheckLd(info, op, "lda", lda, colsA);
  CheckLd(info, op, "ldc", ldc, n);
  const T* a = ArrayArg<T>(info, 4, op, "A", Elements(rowsA, lda));
  T* c = ArrayArg<T>(info, 7, op, "C", Elements(n, ldc));
  if (n == 0 || k == 0) return info.Env().Undefined();
  CblasSyrk(trans ? CblasTrans : CblasNoTrans, n, k, alpha, a, lda, beta, c, ldc);
  for (int i = 0; i < n; i++) {
    for (int j = i + 1; j < n; j++) c[static_cast<size_t>(j) * ldc + i] = c[static_cast<size_t>(i) * ldc + j];
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterBlas(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Gemm<float>, "sgemm"));
  exports.Set("dgemm", Napi::Function::New(env, Gemm<double>, "dgemm"));
  exports.Set("sgemmBatch", Napi::Function::New(env, GemmBatch<float>, "sgemmBatch"));
  exports.Set("dgemmBatch", Napi::Function::New(env, GemmBatch<double>, "dgemmBatch"));
  exports.Set("ssyrk", Napi::Function::New(env, Syrk<float>, "ssyrk"));
  exports.Set("dsyrk", Napi::Function::New(env, Syrk<double>, "dsyrk"));
}

}  // namespace tinygrow
