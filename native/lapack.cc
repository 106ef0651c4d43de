// LAPACK bindings: syevd, gesdd (thin), potrf + potrs, gesv; float and double.
//
// Our matrices are row-major, LAPACK's column-major: the same memory read column-major is
// the transpose. Each routine works on scratch copies (inputs are never modified) and
// returns LAPACK's `info` as a number; the TypeScript layer turns info != 0 into a
// NumericalError. Outputs are written into caller-allocated typed arrays.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "addon.h"
#include "lapack-fortran.h"

namespace tinygrow {
namespace {

// The optimal lwork from a workspace query (lwork = -1), returned in a float: round up,
// with a margin because a float32 cannot hold every large integer exactly.
template <typename T>
int WorkSize(T query) {
  const double w = std::ceil(static_cast<double>(query) * (1 + 4 * std::numeric_limits<T>::epsilon()));
  return static_cast<int>(std::min<double>(std::max(1.0, w), std::numeric_limits<int>::max()));
}

// Transposes a (rows, cols) matrix stored with row stride `cols` into `out`, (cols, rows).
// Reading row-major (n, r) as column-major (n, r) and back both need exactly this.
template <typename T>
void Transpose(const T* in, int rows, int cols, T* out) {
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < cols; j++) out[static_cast<size_t>(j) * rows + i] = in[static_cast<size_t>(i) * cols + j];
  }
}

template <typename T>
void TransposeSquareInPlace(T* a, int n) {
  for (int i = 0; i < n; i++) {
    for (int j = i + 1; j < n; j++) std::swap(a[static_cast<size_t>(i) * n + j], a[static_cast<size_t>(j) * n + i]);
  }
}

[[noreturn]] void ThrowIllegalArgument(napi_env env, const char* routine, int info) {
  throw Napi::Error::New(env, std::string(routine) + ": argument " + std::to_string(-info) +
                                  " had an illegal value (a bug in tinygrow's native binding)");
}

// syevd(n, A, values, vectors) -> info. A (n, n) symmetric, lower triangle read.
// Row-major lower = column-major upper, hence uplo 'U' on the untransposed copy. LAPACK
// leaves eigenvector j in column j of its column-major output, i.e. in row j of our
// row-major buffer; one in-place transpose makes them columns. Values come out ascending.
template <typename T>
Napi::Value Syevd(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kSyevd;
  CheckArgCount(info, 4, op);
  const int n = DimArg(info, 0, op, "n");
  const T* a = ArrayArg<T>(info, 1, op, "A", Elements(n, n));
  T* values = ArrayArg<T>(info, 2, op, "values", static_cast<size_t>(n));
  T* vectors = ArrayArg<T>(info, 3, op, "vectors", Elements(n, n));
  if (n == 0) return Napi::Number::New(info.Env(), 0);
  std::copy(a, a + Elements(n, n), vectors);
  const int lda = n;
  T workQuery = 0;
  int iworkQuery = 0, status = 0;
  lapack::syevd('V', 'U', n, vectors, lda, values, &workQuery, -1, &iworkQuery, -1, &status);
  if (status < 0) ThrowIllegalArgument(info.Env(), op, status);
  std::vector<T> work(WorkSize(workQuery));
  std::vector<int> iwork(std::max(1, iworkQuery));
  lapack::syevd('V', 'U', n, vectors, lda, values, work.data(), static_cast<int>(work.size()), iwork.data(),
                static_cast<int>(iwork.size()), &status);
  if (status < 0) ThrowIllegalArgument(info.Env(), op, status);
  if (status == 0) TransposeSquareInPlace(vectors, n);
  return Napi::Number::New(info.Env(), status);
}

// gesdd(m, n, A, U, S, VT) -> info: thin SVD of row-major A (m, n), r = min(m, n).
// Column-major, the buffer holds X = Aᵀ (n, m). If X = U' Σ V'ᵀ then A = V' Σ U'ᵀ, so
// U_A = V' and Vt_A = U'ᵀ. LAPACK's VT' = V'ᵀ (r, m), column-major with ldvt = r, has the
// same memory as row-major V' (m, r): it is written straight into our U; likewise U'
// (n, r) column-major with ldu = n is row-major U'ᵀ (r, n), our VT. No transposes.
template <typename T>
Napi::Value Gesdd(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kGesdd;
  CheckArgCount(info, 6, op);
  const int m = DimArg(info, 0, op, "m");
  const int n = DimArg(info, 1, op, "n");
  const int r = std::min(m, n);
  const T* a = ArrayArg<T>(info, 2, op, "A", Elements(m, n));
  T* u = ArrayArg<T>(info, 3, op, "U", Elements(m, r));
  T* s = ArrayArg<T>(info, 4, op, "S", static_cast<size_t>(r));
  T* vt = ArrayArg<T>(info, 5, op, "VT", Elements(r, n));
  if (r == 0) return Napi::Number::New(info.Env(), 0);
  std::vector<T> x(a, a + Elements(m, n));  // gesdd destroys its input
  std::vector<int> iwork(static_cast<size_t>(8) * r);
  T workQuery = 0;
  int status = 0;
  lapack::gesdd('S', n, m, x.data(), n, s, vt, n, u, r, &workQuery, -1, iwork.data(), &status);
  if (status < 0) ThrowIllegalArgument(info.Env(), op, status);
  std::vector<T> work(WorkSize(workQuery));
  lapack::gesdd('S', n, m, x.data(), n, s, vt, n, u, r, work.data(), static_cast<int>(work.size()), iwork.data(),
                &status);
  // -4 is LAPACK ≥ 3.10 reporting a NaN in A: a numerical failure, not a binding bug.
  if (status < 0 && status != -4) ThrowIllegalArgument(info.Env(), op, status);
  return Napi::Number::New(info.Env(), status);
}

// posv(n, r, A, B, X) -> potrf's info: solves A X = B, A (n, n) SPD (lower triangle read,
// uplo 'U' as for syevd), B and X row-major (n, r). B is transposed into a column-major
// scratch for potrs and the solution transposed back (for r = 1 both are plain copies).
template <typename T>
Napi::Value Posv(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kPosv;
  CheckArgCount(info, 5, op);
  const int n = DimArg(info, 0, op, "n");
  const int r = DimArg(info, 1, op, "r");
  const T* a = ArrayArg<T>(info, 2, op, "A", Elements(n, n));
  const T* b = ArrayArg<T>(info, 3, op, "B", Elements(n, r));
  T* x = ArrayArg<T>(info, 4, op, "X", Elements(n, r));
  if (n == 0) return Napi::Number::New(info.Env(), 0);
  // With r = 0 there is nothing to solve, but A is still factorised so that a matrix that
  // is not positive definite fails the same way whatever B is.
  std::vector<T> factor(a, a + Elements(n, n));
  int status = 0;
  lapack::potrf('U', n, factor.data(), n, &status);
  if (status < 0) ThrowIllegalArgument(info.Env(), Float<T>::kPotrf, status);
  if (status > 0) return Napi::Number::New(info.Env(), status);
  if (r == 0) return Napi::Number::New(info.Env(), 0);
  std::vector<T> bCol(Elements(n, r));
  Transpose(b, n, r, bCol.data());
  lapack::potrs('U', n, r, factor.data(), n, bCol.data(), n, &status);
  if (status != 0) ThrowIllegalArgument(info.Env(), Float<T>::kPotrs, status);
  Transpose(bCol.data(), r, n, x);
  return Napi::Number::New(info.Env(), 0);
}

// gesv(n, r, A, B, X) -> info: solves A X = B by LU with partial pivoting. Unlike the
// symmetric routines, A itself must be transposed into column-major order.
template <typename T>
Napi::Value Gesv(const Napi::CallbackInfo& info) {
  const char* op = Float<T>::kGesv;
  CheckArgCount(info, 5, op);
  const int n = DimArg(info, 0, op, "n");
  const int r = DimArg(info, 1, op, "r");
  const T* a = ArrayArg<T>(info, 2, op, "A", Elements(n, n));
  const T* b = ArrayArg<T>(info, 3, op, "B", Elements(n, r));
  T* x = ArrayArg<T>(info, 4, op, "X", Elements(n, r));
  if (n == 0) return Napi::Number::New(info.Env(), 0);
  std::vector<T> lu(Elements(n, n));
  Transpose(a, n, n, lu.data());
  // With r = 0, a dummy zero right-hand side keeps the factorisation (and its singularity
  // check) from being skipped by gesv's quick return.
  const int nrhs = std::max(r, 1);
  std::vector<T> bCol(Elements(n, nrhs));
  Transpose(b, n, r, bCol.data());
  std::vector<int> pivots(n);
  int status = 0;
  lapack::gesv(n, nrhs, lu.data(), n, pivots.data(), bCol.data(), n, &status);
  if (status < 0) ThrowIllegalArgument(info.Env(), op, status);
  if (status == 0) Transpose(bCol.data(), r, n, x);
  return Napi::Number::New(info.Env(), status);
}

}  // namespace

void RegisterLapack(Napi::Env env, Napi::Object exports) {
  exports.Set("ssyevd", Napi::Function::New(env, Syevd<float>, "ssyevd"));
  exports.Set("dsyevd", Napi::Function::New(env, Syevd<double>, "dsyevd"));
  exports.Set("sgesdd", Napi::Function::New(env, Gesdd<float>, "sgesdd"));
  exports.Set("dgesdd", Napi::Function::New(env, Gesdd<double>, "dgesdd"));
  exports.Set("sposv", Napi::Function::New(env, Posv<float>, "sposv"));
  exports.Set("dposv", Napi::Function::New(env, Posv<double>, "dposv"));
  exports.Set("sgesv", Napi::Function::New(env, Gesv<float>, "sgesv"));
  exports.Set("dgesv", Napi::Function::New(env, Gesv<double>, "dgesv"));
}

}  // namespace tinygrow
