// The element-wise steps of a Llama/Qwen layer: RMSNorm, RoPE, bias, SwiGLU, embedding lookup.
// They move hidden-size vectors, not weights, so each is one simple launch; the arithmetic follows
// the CPU kernels (kvd_ops.h) so the two backends agree to float rounding.
#include <math.h>
#include "internal.h"

namespace kvd {

// 1 / sqrt(mean(x^2) + eps) over a row of n, for the whole block: the sum of squares in double,
// as the CPU does, so long rows do not lose digits.
__device__ float row_inv_rms(const float *xr, int n, float eps) {
    __shared__ double partial[32];
    __shared__ float scale_s;
    double ss = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += (double)xr[i] * (double)xr[i];
    for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
    if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = ss;
    __syncthreads();
    if (threadIdx.x == 0) {
        double t = 0.0;
        for (int i = 0; i < (int)(blockDim.x >> 5); i++) t += partial[i];
        scale_s = (float)(1.0 / sqrt(t / n + (double)eps));
    }
    __syncthreads();
    return scale_s;
}

// One block per row.
template <typename T>
__global__ void rmsnorm_kernel(const float *x, int ldx, int per, const int32_t *rows_index, const float *w, T *out,
                               int n, float eps) {
    const int r = blockIdx.x;
    const int src = rows_index ? rows_index[r] : r;
    const float *xr = x + (size_t)(src / per) * ldx + (size_t)(src % per) * n;
    const float scale = row_inv_rms(xr, n, eps);
    T *o = out + (size_t)r * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) o[i] = from_f32<T>(w[i] * (xr[i] * scale));
}

// In place over strided per-head rows (float out): Qwen3's q/k norms.
__global__ void rmsnorm_heads_kernel(float *x, int ld, int heads, const float *w, int hd, float eps) {
    const int r = blockIdx.x;
    float *xr = x + (size_t)(r / heads) * ld + (size_t)(r % heads) * hd;
    const float scale = row_inv_rms(xr, hd, eps);
    for (int i = threadIdx.x; i < hd; i += blockDim.x) xr[i] = w[i] * (xr[i] * scale);
}

__global__ void rope_table_kernel(const int32_t *positions, int ntok, int head_dim, float theta, float *cs,
                                  float *sn) {
    const int half = head_dim / 2;
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (int64_t)ntok * half) return;
    const int t = (int)(i / half), j = (int)(i % half);
    // The CPU's powf(theta, e) in float, rounded from double so it is the correctly rounded value
    // glibc gives (CUDA's powf may be 2 ulp off, and the angle multiplies that by the position).
    const float inv = 1.0f / (float)pow((double)theta, (double)((float)(2 * j) / (float)head_dim));
    const float angle = (float)positions[t] * inv;
    cs[i] = (float)cos((double)angle);
    sn[i] = (float)sin((double)angle);
}

// One thread per rotated pair.
__global__ void rope_kernel(float *x, int ntok, int ld, int nheads, int head_dim, const float *cs, const float *sn,
                            int layout) {
    const int half = head_dim / 2;
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (int64_t)ntok * nheads * half) return;
    const int j = (int)(i % half);
    const int h = (int)(i / half % nheads);
    const int t = (int)(i / half / nheads);
    float *v = x + (size_t)t * ld + (size_t)h * head_dim;
    const float c = cs[(size_t)t * half + j], s = sn[(size_t)t * half + j];
    const int ia = layout == KVD_CUDA_ROPE_ADJACENT_PAIRS ? 2 * j : j;
    const int ib = layout == KVD_CUDA_ROPE_ADJACENT_PAIRS ? 2 * j + 1 : j + half;
    const float a = v[ia], b = v[ib];
    v[ia] = a * c - b * s;
    v[ib] = b * c + a * s;
}

__global__ void add_bias_kernel(float *x, int ld, const float *bias, int ntok, int n) {
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (int64_t)ntok * n) return;
    x[(i / n) * ld + i % n] += bias[i % n];
}

template <typename T>
__global__ void swiglu_kernel(const float *gate_up, int ld, T *out, int rows, int n) {
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (int64_t)rows * n) return;
    const int64_t r = i / n, c = i % n;
    const float g = gate_up[r * ld + c], u = gate_up[r * ld + n + c];
    out[i] = from_f32<T>(g / (1.0f + expf(-g)) * u);
}

template <typename T>
__global__ void embed_kernel(const T *table, int vocab, int dim, const int32_t *ids, float *out) {
    const int r = blockIdx.x;
    const int id = ids[r];
    float *o = out + (size_t)r * dim;
    if (id < 0 || id >= vocab) {
        for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = 0.0f;
        return;
    }
    const T *row = table + (size_t)id * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = to_f32(row[i]);
}

} // namespace kvd

using namespace kvd;

extern "C" int32_t kvd_cuda_k_rmsnorm(const float *x, int32_t ldx, int32_t per, const int32_t *rows_index,
                                      const float *w, int32_t dtype, void *out, int32_t rows, int32_t n, float eps,
                                      void *stream, kvd_cuda_error *err) {
    if (!dtype_valid(dtype) || rows < 0 || n <= 0 || per < 1 || ldx < (per == 1 ? n : per * n))
        return fail(err, KVD_CUDA_ERR_INVALID, "rmsnorm: rows %d n %d per %d ldx %d dtype %d", rows, n, per, ldx, dtype);
    if (rows == 0) return ok(err);
    const int threads = n >= 1024 ? 1024 : (n + 31) / 32 * 32;
    KVD_DISPATCH_DTYPE(dtype, rmsnorm_kernel<T><<<rows, threads, 0, as_stream(stream)>>>(
                                  x, ldx, per, rows_index, w, static_cast<T *>(out), n, eps));
    KVD_CUDA_LAUNCHED(err, "rmsnorm kernel launch");
    return ok(err);
}

extern "C" int32_t kvd_cuda_k_rmsnorm_heads(float *x, int32_t ld, int32_t heads, const float *w, int32_t ntok,
                                            int32_t head_dim, float eps, void *stream, kvd_cuda_error *err) {
    if (ntok < 0 || heads < 1 || head_dim <= 0 || ld < heads * head_dim)
        return fail(err, KVD_CUDA_ERR_INVALID, "rmsnorm_heads: ntok %d heads %d head_dim %d ld %d", ntok, heads, head_dim, ld);
    if (ntok == 0) return ok(err);
    const int threads = head_dim >= 256 ? 256 : (head_dim + 31) / 32 * 32;
    rmsnorm_heads_kernel<<<ntok * heads, threads, 0, as_stream(stream)>>>(x, ld, heads, w, head_dim, eps);
    KVD_CUDA_LAUNCHED(err, "rmsnorm_heads kernel launch");
    return ok(err);
}

extern "C" int32_t kvd_cuda_k_rope_table(const int32_t *positions, int32_t ntok, int32_t head_dim, float theta,
                                         float *cs, float *sn, void *stream, kvd_cuda_error *err) {
    if (ntok < 0 || head_dim <= 0 || head_dim % 2)
        return fail(err, KVD_CUDA_ERR_INVALID, "rope_table: ntok %d head_dim %d (must be even)", ntok, head_dim);
    const int64_t n = (int64_t)ntok * (head_dim / 2);
    if (n == 0) return ok(err);
    rope_table_kernel<<<blocks_for(n, 256), 256, 0, as_stream(stream)>>>(positions, ntok, head_dim, theta, cs, sn);
    KVD_CUDA_LAUNCHED(err, "rope_table kernel launch");
    return ok(err);
}

extern "C" int32_t kvd_cuda_k_rope(float *x, int32_t ntok, int32_t ld, int32_t nheads, int32_t head_dim,
                                   const float *cs, const float *sn, int32_t layout, void *stream,
                                   kvd_cuda_error *err) {
    if (ntok < 0 || nheads < 1 || head_dim <= 0 || head_dim % 2 || ld < nheads * head_dim ||
        (layout != KVD_CUDA_ROPE_HALF_SPLIT && layout != KVD_CUDA_ROPE_ADJACENT_PAIRS))
        return fail(err, KVD_CUDA_ERR_INVALID, "rope: ntok %d ld %d heads %d head_dim %d layout %d", ntok, ld, nheads, head_dim, layout);
    const int64_t n = (int64_t)ntok * nheads * (head_dim / 2);
    if (n == 0) return ok(err);
    rope_kernel<<<blocks_for(n, 256), 256, 0, as_stream(stream)>>>(x, ntok, ld, nheads, head_dim, cs, sn, layout);
    KVD_CUDA_LAUNCHED(err, "rope kernel launch");
    return ok(err);
}

extern "C" int32_t kvd_cuda_k_add_bias(float *x, int32_t ld, const float *bias, int32_t ntok, int32_t n, void *stream,
                                       kvd_cuda_error *err) {
    if (ntok < 0 || n <= 0 || ld < n) return fail(err, KVD_CUDA_ERR_INVALID, "add_bias: ntok %d n %d ld %d", ntok, n, ld);
    const int64_t total = (int64_t)ntok * n;
    if (total == 0) return ok(err);
    add_bias_kernel<<<blocks_for(total, 256), 256, 0, as_stream(stream)>>>(x, ld, bias, ntok, n);
    KVD_CUDA_LAUNCHED(err, "add_bias kernel launch");
    return ok(err);
}

extern "C" int32_t kvd_cuda_k_swiglu(const float *gate_up, int32_t ld, int32_t dtype, void *out, int32_t rows,
                                     int32_t n, void *stream, kvd_cuda_error *err) {
    if (!dtype_valid(dtype) || rows < 0 || n <= 0 || ld < 2 * n)
        return fail(err, KVD_CUDA_ERR_INVALID, "swiglu: rows %d n %d ld %d dtype %d", rows, n, ld, dtype);
    const int64_t total = (int64_t)rows * n;
    if (total == 0) return ok(err);
    KVD_DISPATCH_DTYPE(dtype, swiglu_kernel<T><<<blocks_for(total, 256), 256, 0, as_stream(stream)>>>(
                                  gate_up, ld, static_cast<T *>(out), rows, n));
    KVD_CUDA_LAUNCHED(err, "swiglu kernel launch");
    return ok(err);
}

extern "C" int32_t kvd_cuda_k_embed(const void *table, int32_t dtype, int32_t vocab, int32_t dim, const int32_t *ids,
                                    int32_t n, float *out, void *stream, kvd_cuda_error *err) {
    if (!dtype_valid(dtype) || vocab <= 0 || dim <= 0 || n < 0)
        return fail(err, KVD_CUDA_ERR_INVALID, "embed: vocab %d dim %d n %d dtype %d", vocab, dim, n, dtype);
    if (n == 0) return ok(err);
    KVD_DISPATCH_DTYPE(dtype, embed_kernel<T><<<n, 256, 0, as_stream(stream)>>>(static_cast<const T *>(table), vocab,
                                                                                 dim, ids, out));
    KVD_CUDA_LAUNCHED(err, "embed kernel launch");
    return ok(err);
}
