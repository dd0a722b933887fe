// Shared by the library's .cu files: error reporting into kvd_cuda_error, element-type
// conversions, and the dispatch from a runtime dtype to a kernel template.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdarg.h>
#include <stdio.h>
#include "kvdeck_cuda.h"

namespace kvd {

// Fills err (if any) and returns code, so failures read `return fail(err, CODE, "...", ...)`.
int32_t fail(kvd_cuda_error *err, int32_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// The error code for a CUDA runtime error (out of memory and missing drivers get their own).
int32_t code_for(cudaError_t e);

// Checks a CUDA call: on failure fills err with what was being done and the runtime's words.
#define KVD_CUDA_TRY(err, what, call)                                                              \
    do {                                                                                           \
        cudaError_t kvd_e_ = (call);                                                               \
        if (kvd_e_ != cudaSuccess)                                                                 \
            return ::kvd::fail((err), ::kvd::code_for(kvd_e_), "%s: %s (%s)", (what),              \
                               cudaGetErrorString(kvd_e_), cudaGetErrorName(kvd_e_));              \
    } while (0)

// A launch's own errors (bad configuration) show at once; asynchronous faults at the next sync.
#define KVD_CUDA_LAUNCHED(err, what) KVD_CUDA_TRY(err, what, cudaGetLastError())

inline int32_t ok(kvd_cuda_error *err) {
    if (err) {
        err->code = KVD_CUDA_OK;
        err->message[0] = 0;
    }
    return KVD_CUDA_OK;
}

inline size_t dtype_bytes(int32_t dtype) { return dtype == KVD_CUDA_DTYPE_F32 ? 4 : 2; }
inline bool dtype_valid(int32_t dtype) {
    return dtype == KVD_CUDA_DTYPE_F32 || dtype == KVD_CUDA_DTYPE_F16 || dtype == KVD_CUDA_DTYPE_BF16;
}
inline const char *dtype_name(int32_t dtype) {
    return dtype == KVD_CUDA_DTYPE_F32 ? "f32" : dtype == KVD_CUDA_DTYPE_F16 ? "f16" : "bf16";
}

__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// Calls BODY with `T` bound to the element type of `dtype` (float, __half, __nv_bfloat16).
#define KVD_DISPATCH_DTYPE(dtype, ...)                         \
    switch (dtype) {                                           \
    case KVD_CUDA_DTYPE_F32: {                                 \
        using T = float;                                       \
        __VA_ARGS__;                                           \
        break;                                                 \
    }                                                          \
    case KVD_CUDA_DTYPE_F16: {                                 \
        using T = __half;                                      \
        __VA_ARGS__;                                           \
        break;                                                 \
    }                                                          \
    default: {                                                 \
        using T = __nv_bfloat16;                               \
        __VA_ARGS__;                                           \
        break;                                                 \
    }                                                          \
    }

inline cudaStream_t as_stream(void *s) { return static_cast<cudaStream_t>(s); }

inline unsigned blocks_for(int64_t n, int threads) { return (unsigned)((n + threads - 1) / threads); }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Reduces v over the block (blockDim.x a multiple of 32, at most 1024) with `op` (identity
// `none`); every thread gets the result. `scratch` holds 33 floats; the call synchronises the block.
template <typename Op>
__device__ __forceinline__ float block_reduce(float v, float none, float *scratch, Op op) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = lane < warps ? scratch[lane] : none;
    for (int o = 16; o > 0; o >>= 1) t = op(t, __shfl_xor_sync(0xffffffffu, t, o));
    if (threadIdx.x == 0) scratch[32] = t;
    __syncthreads();
    return scratch[32];
}
__device__ __forceinline__ float block_sum(float v, float *scratch) {
    return block_reduce(v, 0.0f, scratch, [](float a, float b) { return a + b; });
}
__device__ __forceinline__ float block_max(float v, float *scratch) {
    return block_reduce(v, -INFINITY, scratch, [](float a, float b) { return fmaxf(a, b); });
}

} // namespace kvd
