// Module init for build/Release/tinygrow.node: registers the BLAS, LAPACK, element-wise and
// im2col bindings and the OpenBLAS thread controls. Errors: bad arguments throw a JS TypeError (addon.h);
// C++ exceptions (std::bad_alloc from a workspace) become JS Errors through
// NODE_ADDON_API_CPP_EXCEPTIONS_ALL; LAPACK failures are returned as `info`, not thrown.
#include <cblas.h>

#include <atomic>
#include <string>
#include <thread>

#include "addon.h"

// Declared again in case <cblas.h> resolves to a non-OpenBLAS header (e.g. netlib's via
// Debian alternatives); identical redeclarations are harmless.
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace tinygrow {
namespace {

// openblas_set_num_threads writes one process-wide count that every thread's next BLAS call
// reads, and OpenBLAS's sums depend on it. So the count belongs to one thread: the first to
// load the addon (the main thread in the CLI). Worker threads that load it later may read the
// count but not change it behind the owner's back (the thread-count contract in the candidate pool, pool.ts).
std::atomic<std::thread::id> g_thread_count_owner{};

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  CheckArgCount(info, 0, "numThreads");
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  CheckArgCount(info, 1, "setNumThreads");
  if (std::this_thread::get_id() != g_thread_count_owner.load()) {
    throw Napi::Error::New(info.Env(),
                           "setNumThreads: the OpenBLAS thread count is process-wide and belongs to the thread that "
                           "loaded the addon first (the main thread); a worker thread must not change it");
  }
  openblas_set_num_threads(DimArg(info, 0, "setNumThreads", "n", 1));
  return info.Env().Undefined();
}

// e.g. { config: "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64", core: "Haswell" }
Napi::Value Config(const Napi::CallbackInfo& info) {
  CheckArgCount(info, 0, "config");
  Napi::Object out = Napi::Object::New(info.Env());
  const char* config = openblas_get_config();
  const char* core = openblas_get_corename();
  out.Set("config", std::string(config ? config : ""));
  out.Set("core", std::string(core ? core : ""));
  return out;
}

}  // namespace
}  // namespace tinygrow

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace tinygrow;
  std::thread::id none{};
  g_thread_count_owner.compare_exchange_strong(none, std::this_thread::get_id());
  RegisterBlas(env, exports);
  RegisterLapack(env, exports);
  RegisterElementwise(env, exports);
  RegisterIm2col(env, exports);
  RegisterPooling(env, exports);
  exports.Set("numThreads", Napi::Function::New(env, NumThreads, "numThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
  return exports;
}

NODE_API_MODULE(tinygrow, Init)
