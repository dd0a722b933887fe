// Dense GEMMs through cuBLAS, loaded with dlopen on first use rather than linked: the library then
// builds where no cuBLAS exists (CI, a laptop: the pip toolkit has no cuBLAS, and its wheel is
// ~700 MB) and loads on machines without one, failing only when a model is uploaded, with a
// message saying which files it looked for. Only a few entry points are used, declared here with
// the values of cublas_api.h (stable since CUDA 11).
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <mutex>
#include <library_types.h>
#include "internal.h"

namespace {

typedef void *cublasHandle_t;
typedef int cublasStatus_t; // CUBLAS_STATUS_SUCCESS = 0
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_PEDANTIC = 69 };
enum { CUBLAS_GEMM_DEFAULT = -1 };

struct cublas_api {
    cublasStatus_t (*create)(cublasHandle_t *);
    cublasStatus_t (*destroy)(cublasHandle_t);
    cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
    cublasStatus_t (*gemm_ex)(cublasHandle_t, int, int, int, int, int, const void *, const void *, cudaDataType_t,
                              int, const void *, cudaDataType_t, int, const void *, void *, cudaDataType_t, int,
                              int, int);
    bool ok = false;
    char failure[400] = {0};
};

// The library is loaded once per process (dlopen is process-wide anyway); later calls reuse it.
const cublas_api &cublas() {
    static cublas_api api;
    static std::once_flag once;
    std::call_once(once, [] {
        const char *env = getenv("KVDECK_CUBLAS_LIB");
        const char *candidates[] = {env && *env ? env : nullptr, "libcublas.so.13",
                                    "/usr/local/cuda/lib64/libcublas.so.13", "libcublas.so"};
        void *h = nullptr;
        char tried[300] = {0};
        for (const char *c : candidates) {
            if (!c) continue;
            h = dlopen(c, RTLD_NOW | RTLD_LOCAL);
            if (h) break;
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", c);
        }
        if (!h) {
            snprintf(api.failure, sizeof api.failure,
                     "cuBLAS could not be loaded (tried %s; set KVDECK_CUBLAS_LIB to a libcublas.so.13): %s", tried,
                     dlerror());
            return;
        }
        api.create = (decltype(api.create))dlsym(h, "cublasCreate_v2");
        api.destroy = (decltype(api.destroy))dlsym(h, "cublasDestroy_v2");
        api.set_stream = (decltype(api.set_stream))dlsym(h, "cublasSetStream_v2");
        api.gemm_ex = (decltype(api.gemm_ex))dlsym(h, "cublasGemmEx");
        if (!api.create || !api.destroy || !api.set_stream || !api.gemm_ex) {
            snprintf(api.failure, sizeof api.failure, "the cuBLAS library found lacks cublasCreate_v2/cublasGemmEx");
            return;
        }
        api.ok = true;
    });
    return api;
}

cudaDataType_t cuda_type(int32_t dtype) {
    return dtype == KVD_CUDA_DTYPE_F32 ? CUDA_R_32F : dtype == KVD_CUDA_DTYPE_F16 ? CUDA_R_16F : CUDA_R_16BF;
}

} // namespace

struct kvd_cuda_blas {
    cublasHandle_t handle;
};

using namespace kvd;

extern "C" int32_t kvd_cuda_blas_create(kvd_cuda_blas **out, kvd_cuda_error *err) {
    if (!out) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_blas_create: out is NULL");
    *out = nullptr;
    const cublas_api &api = cublas();
    if (!api.ok) return fail(err, KVD_CUDA_ERR_CUBLAS, "%s", api.failure);
    cublasHandle_t h = nullptr;
    cublasStatus_t s = api.create(&h);
    if (s != 0) return fail(err, KVD_CUDA_ERR_CUBLAS, "cublasCreate failed with status %d", s);
    *out = new kvd_cuda_blas{h};
    return ok(err);
}

extern "C" void kvd_cuda_blas_destroy(kvd_cuda_blas *blas) {
    if (!blas) return;
    cublas().destroy(blas->handle);
    delete blas;
}

// Row-major y[ntok][nout] = x[ntok][nin] w[nout][nin]^T is, in cuBLAS's column-major terms,
// Y (nout x ntok, ld ldy) = W^T (W stored nin x nout, ld nin) * X (nin x ntok, ld nin).
extern "C" int32_t kvd_cuda_k_gemm(kvd_cuda_blas *blas, int32_t dtype, const void *w, const void *x, float *y,
                                   int32_t nout, int32_t nin, int32_t ntok, int32_t ldy, float beta, void *stream,
                                   kvd_cuda_error *err) {
    if (!blas) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_k_gemm: no cuBLAS handle");
    if (!dtype_valid(dtype)) return fail(err, KVD_CUDA_ERR_INVALID, "dtype %d is not F32, F16 or BF16", dtype);
    if (nout <= 0 || nin <= 0 || ntok < 0 || ldy < nout)
        return fail(err, KVD_CUDA_ERR_INVALID, "gemm shape nout %d nin %d ntok %d ldy %d", nout, nin, ntok, ldy);
    if (ntok == 0) return ok(err);
    const cublas_api &api = cublas();
    cublasStatus_t s = api.set_stream(blas->handle, as_stream(stream));
    if (s != 0) return fail(err, KVD_CUDA_ERR_CUBLAS, "cublasSetStream failed with status %d", s);
    const float alpha = 1.0f;
    const cudaDataType_t t = cuda_type(dtype);
    // float32: no TF32 (PEDANTIC), so this path matches the CPU's float32 arithmetic.
    const int compute = dtype == KVD_CUDA_DTYPE_F32 ? CUBLAS_COMPUTE_32F_PEDANTIC : CUBLAS_COMPUTE_32F;
    s = api.gemm_ex(blas->handle, CUBLAS_OP_T, CUBLAS_OP_N, nout, ntok, nin, &alpha, w, t, nin, x, t, nin, &beta, y,
                    CUDA_R_32F, ldy, compute, CUBLAS_GEMM_DEFAULT);
    if (s != 0)
        return fail(err, KVD_CUDA_ERR_CUBLAS, "cublasGemmEx (%s, %d x %d x %d) failed with status %d",
                    dtype_name(dtype), nout, ntok, nin, s);
    return ok(err);
}
