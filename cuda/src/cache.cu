// vLLM's reshape_and_cache: each new token's K and V go to their cache slot (block * block_size +
// offset) in the paged layout of attention_layout.cuh. One CUDA block per token.
#include "attention_layout.cuh"
#include "internal.h"

namespace kvd {

template <typename T>
__global__ void reshape_and_cache_kernel(const float *k, const float *v, int ld, const int32_t *slots, T *kc, T *vc,
                                         int nkv, int hd, int bs, int num_blocks) {
    const int t = blockIdx.x;
    const int slot = slots[t];
    if (slot < 0 || slot >= num_blocks * bs) return; // padding, or outside the cache: skipped
    const int block = slot / bs, off = slot % bs;
    const float *kt = k + (size_t)t * ld, *vt = v + (size_t)t * ld;
    for (int i = threadIdx.x; i < nkv * hd; i += blockDim.x) {
        const int h = i / hd, d = i % hd;
        kc[k_index<T>(block, h, d, off, nkv, hd, bs)] = from_f32<T>(kt[i]);
        vc[v_index<T>(block, h, d, off, nkv, hd, bs)] = from_f32<T>(vt[i]);
    }
}

int32_t check_attn_shape(const kvd_cuda_attn_shape *s, kvd_cuda_error *err) {
    if (!s) return fail(err, KVD_CUDA_ERR_INVALID, "attention shape is NULL");
    if (!dtype_valid(s->dtype)) return fail(err, KVD_CUDA_ERR_INVALID, "cache dtype %d is not F32, F16 or BF16", s->dtype);
    const int x = 16 / (int)dtype_bytes(s->dtype);
    if (s->num_kv_heads < 1 || s->num_heads < s->num_kv_heads || s->num_heads % s->num_kv_heads ||
        s->num_heads / s->num_kv_heads > KVD_CUDA_MAX_GROUP)
        return fail(err, KVD_CUDA_ERR_UNSUPPORTED, "%d query heads over %d KV heads: groups of at most %d are supported",
                    s->num_heads, s->num_kv_heads, KVD_CUDA_MAX_GROUP);
    if (s->head_dim < x || s->head_dim > KVD_CUDA_MAX_HEAD_DIM || s->head_dim % x)
        return fail(err, KVD_CUDA_ERR_UNSUPPORTED, "head_dim %d: must be a multiple of %d up to %d", s->head_dim, x,
                    KVD_CUDA_MAX_HEAD_DIM);
    if (s->block_size < 1 || s->block_size > KVD_CUDA_MAX_BLOCK_SIZE)
        return fail(err, KVD_CUDA_ERR_UNSUPPORTED, "block_size %d is outside 1...%d", s->block_size, KVD_CUDA_MAX_BLOCK_SIZE);
    if (s->num_blocks < 1) return fail(err, KVD_CUDA_ERR_INVALID, "num_blocks %d", s->num_blocks);
    return ok(err);
}

} // namespace kvd

using namespace kvd;

extern "C" int32_t kvd_cuda_k_reshape_and_cache(const kvd_cuda_attn_shape *s, const float *k, const float *v, int32_t ld,
                                                const int32_t *slots, int32_t ntok, void *kcache, void *vcache,
                                                void *stream, kvd_cuda_error *err) {
    int32_t rc = check_attn_shape(s, err);
    if (rc) return rc;
    if (ntok < 0 || ld < s->num_kv_heads * s->head_dim)
        return fail(err, KVD_CUDA_ERR_INVALID, "reshape_and_cache: ntok %d ld %d", ntok, ld);
    if (ntok == 0) return ok(err);
    const int threads = s->num_kv_heads * s->head_dim >= 256 ? 256 : 128;
    KVD_DISPATCH_DTYPE(s->dtype, reshape_and_cache_kernel<T><<<ntok, threads, 0, as_stream(stream)>>>(
                                     k, v, ld, slots, static_cast<T *>(kcache), static_cast<T *>(vcache),
                                     s->num_kv_heads, s->head_dim, s->block_size, s->num_blocks));
    KVD_CUDA_LAUNCHED(err, "reshape_and_cache kernel launch");
    return ok(err);
}
