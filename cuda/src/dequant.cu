// GGUF tensors to GPU element types, once at model upload: every weight becomes a dense dtype
// matrix that cuBLAS multiplies on tensor cores. Values are exactly what the CPU's
// kvd_dequantize_row gives (then rounded to the dtype): Q8_0 d*q, Q4_0 d*(q-8), Q4_1 d*q+m.
#include "internal.h"

namespace kvd {

__device__ __forceinline__ float f16_bits(const uint8_t *p) {
    return __half2float(__ushort_as_half((unsigned short)(p[0] | (p[1] << 8))));
}
__device__ __forceinline__ float bf16_bits(const uint8_t *p) {
    return __uint_as_float((unsigned)(p[0] | (p[1] << 8)) << 16);
}

// One thread per value; a block's header is read by its 32 threads from the same cache line.
template <typename T>
__global__ void dequantize_kernel(int type, const uint8_t *src, int64_t n, T *dst) {
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v;
    switch (type) {
    case KVD_CUDA_GGML_F32: v = __ldg(reinterpret_cast<const float *>(src) + i); break;
    case KVD_CUDA_GGML_F16: v = f16_bits(src + 2 * i); break;
    case KVD_CUDA_GGML_BF16: v = bf16_bits(src + 2 * i); break;
    case KVD_CUDA_GGML_Q8_0: {
        const uint8_t *b = src + (i / 32) * 34;
        v = f16_bits(b) * (float)(int8_t)b[2 + i % 32];
        break;
    }
    case KVD_CUDA_GGML_Q4_0: {
        const uint8_t *b = src + (i / 32) * 18;
        const int j = (int)(i % 32);
        const int q = j < 16 ? (b[2 + j] & 0x0f) : (b[2 + j - 16] >> 4);
        v = f16_bits(b) * (float)(q - 8);
        break;
    }
    default: { // Q4_1
        const uint8_t *b = src + (i / 32) * 20;
        const int j = (int)(i % 32);
        const int q = j < 16 ? (b[4 + j] & 0x0f) : (b[4 + j - 16] >> 4);
        v = f16_bits(b) * (float)q + f16_bits(b + 2);
        break;
    }
    }
    dst[i] = from_f32<T>(v);
}

bool ggml_type_supported(int32_t type) {
    switch (type) {
    case KVD_CUDA_GGML_F32: case KVD_CUDA_GGML_F16: case KVD_CUDA_GGML_BF16:
    case KVD_CUDA_GGML_Q8_0: case KVD_CUDA_GGML_Q4_0: case KVD_CUDA_GGML_Q4_1: return true;
    default: return false;
    }
}

// Bytes of n values of `type`, or -1 when n is not whole blocks or the type is unsupported.
int64_t ggml_bytes(int32_t type, int64_t n) {
    switch (type) {
    case KVD_CUDA_GGML_F32: return n * 4;
    case KVD_CUDA_GGML_F16: case KVD_CUDA_GGML_BF16: return n * 2;
    case KVD_CUDA_GGML_Q8_0: return n % 32 ? -1 : n / 32 * 34;
    case KVD_CUDA_GGML_Q4_0: return n % 32 ? -1 : n / 32 * 18;
    case KVD_CUDA_GGML_Q4_1: return n % 32 ? -1 : n / 32 * 20;
    default: return -1;
    }
}

} // namespace kvd

using namespace kvd;

extern "C" int32_t kvd_cuda_k_dequantize(int32_t type, const void *src, int64_t n, int32_t dtype, void *dst,
                                         void *stream, kvd_cuda_error *err) {
    if (!ggml_type_supported(type)) return fail(err, KVD_CUDA_ERR_UNSUPPORTED, "GGML type %d is not one the CUDA kernels take (F32, F16, BF16, Q8_0, Q4_0, Q4_1)", type);
    if (!dtype_valid(dtype)) return fail(err, KVD_CUDA_ERR_INVALID, "dtype %d is not F32, F16 or BF16", dtype);
    if (n < 0 || ggml_bytes(type, n) < 0) return fail(err, KVD_CUDA_ERR_INVALID, "%lld values are not whole blocks of GGML type %d", (long long)n, type);
    if (n == 0) return ok(err);
    KVD_DISPATCH_DTYPE(dtype, dequantize_kernel<T><<<blocks_for(n, 256), 256, 0, as_stream(stream)>>>(
                                  type, static_cast<const uint8_t *>(src), n, static_cast<T *>(dst)));
    KVD_CUDA_LAUNCHED(err, "dequantize kernel launch");
    return ok(err);
}
