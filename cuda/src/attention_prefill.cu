// Paged attention for prefill chunks: a CUDA block takes a tile of consecutive query tokens of
// one sequence and one KV head (all its GQA query heads: up to kRows (token, head) rows), walks
// the sequence's K/V blocks in chunks of KC keys staged in shared memory, and runs an online
// softmax per row. Each K/V chunk is read from memory once per tile instead of once per token.
// Causality: row t sees keys below ctx_len[t] (its own position + 1).
#include "attention_layout.cuh"
#include "internal.h"

namespace kvd {

constexpr int kRows = 16;                            // (token, head) rows per tile
constexpr int kWarps = 4;
constexpr int kRowsPerWarp = kRows / kWarps;
constexpr int kDimsPerLane = KVD_CUDA_MAX_HEAD_DIM / 32;

struct prefill_args {
    const float *q;
    int ldq;
    void *out;
    int ldo;
    const void *kc, *vc;
    const int32_t *tile_start, *tile_count, *ctx_len, *tables, *table_offset;
    int nkv, group, hd, bs, kc_keys, tile_tokens;
    float scale;
};

template <typename T>
__global__ void __launch_bounds__(kWarps * 32) paged_prefill_kernel(prefill_args a) {
    constexpr int X = cache_vec<T>::X;
    extern __shared__ float smem[];
    const int G = a.group, hd = a.hd, bs = a.bs, KC = a.kc_keys;
    float *q_s = smem;                   // [kRows][hd]
    float *k_s = q_s + kRows * hd;       // [KC][hd + 1] (padded: lanes read different keys)
    float *v_s = k_s + KC * (hd + 1);    // [KC][hd]
    const int tile = blockIdx.x, h = blockIdx.y;
    const int t0 = a.tile_start[tile], nt = a.tile_count[tile];
    const int rows = nt * G;
    const int32_t *table = a.tables + a.table_offset[t0];
    const int max_ctx = a.ctx_len[t0 + nt - 1];
    const T *kc = static_cast<const T *>(a.kc);
    const T *vc = static_cast<const T *>(a.vc);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;

    for (int i = tid; i < rows * hd; i += blockDim.x) {
        const int r = i / hd, d = i % hd;
        const int t = t0 + r / G, head = h * G + r % G;
        q_s[i] = a.q[(size_t)t * a.ldq + (size_t)head * hd + d];
    }
    float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][kDimsPerLane];
#pragma unroll
    for (int j = 0; j < kRowsPerWarp; j++) {
        m[j] = -INFINITY;
        l[j] = 0.0f;
#pragma unroll
        for (int i = 0; i < kDimsPerLane; i++) acc[j][i] = 0.0f;
    }

    for (int k0 = 0; k0 < max_ctx; k0 += KC) {
        const int kn = min(KC, max_ctx - k0);
        __syncthreads(); // the previous chunk is consumed (and q_s is written, the first time)
        // K: consecutive threads take consecutive elements of a 16-byte vector, then neighbouring keys.
        for (int e = tid; e < KC * hd; e += blockDim.x) {
            const int kk = (e / X) % KC, d = (e / (X * KC)) * X + e % X;
            float v = 0.0f;
            if (kk < kn) {
                const int key = k0 + kk;
                v = to_f32(kc[k_index<T>(table[key / bs], h, d, key % bs, a.nkv, hd, bs)]);
            }
            k_s[kk * (hd + 1) + d] = v;
        }
        // V: neighbouring keys of one dimension are contiguous.
        for (int e = tid; e < KC * hd; e += blockDim.x) {
            const int kk = e % KC, d = e / KC;
            float v = 0.0f;
            if (kk < kn) {
                const int key = k0 + kk;
                v = to_f32(vc[v_index<T>(table[key / bs], h, d, key % bs, a.nkv, hd, bs)]);
            }
            v_s[kk * hd + d] = v;
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < kRowsPerWarp; j++) {
            const int r = warp + j * kWarps;
            if (r >= rows) break;
            const int t = t0 + r / G;
            const int visible = a.ctx_len[t] - k0; // keys of this chunk the row may see
            if (visible <= 0) continue;
            float s = -INFINITY;
            if (lane < kn && lane < visible) {
                float dot = 0.0f;
                const float *qr = q_s + r * hd, *kr = k_s + lane * (hd + 1);
                for (int d = 0; d < hd; d++) dot += qr[d] * kr[d];
                s = dot * a.scale;
            }
            const float m_new = fmaxf(m[j], warp_max(s));
            const float corr = m[j] == -INFINITY ? 0.0f : __expf(m[j] - m_new);
            const float p = s == -INFINITY ? 0.0f : __expf(s - m_new);
            l[j] = l[j] * corr + warp_sum(p);
            m[j] = m_new;
#pragma unroll
            for (int i = 0; i < kDimsPerLane; i++) acc[j][i] *= corr;
            const int nk = min(kn, visible);
            for (int kk = 0; kk < nk; kk++) {
                const float pk = __shfl_sync(0xffffffffu, p, kk);
#pragma unroll
                for (int i = 0; i < kDimsPerLane; i++) {
                    const int d = lane + 32 * i;
                    if (d < hd) acc[j][i] += pk * v_s[kk * hd + d];
                }
            }
        }
    }
#pragma unroll
    for (int j = 0; j < kRowsPerWarp; j++) {
        const int r = warp + j * kWarps;
        if (r >= rows) break;
        const int t = t0 + r / G, head = h * G + r % G;
        const float inv = l[j] > 0.0f ? 1.0f / l[j] : 0.0f;
        T *o = static_cast<T *>(a.out) + (size_t)t * a.ldo + (size_t)head * hd;
#pragma unroll
        for (int i = 0; i < kDimsPerLane; i++) {
            const int d = lane + 32 * i;
            if (d < hd) o[d] = from_f32<T>(acc[j][i] * inv);
        }
    }
}

int prefill_tile_tokens(int group) { return group >= kRows ? 1 : kRows / group; }

} // namespace kvd

using namespace kvd;

extern "C" int32_t kvd_cuda_prefill_tile_tokens(const kvd_cuda_attn_shape *s) {
    if (!s || s->num_kv_heads < 1 || s->num_heads < s->num_kv_heads) return 1;
    return prefill_tile_tokens(s->num_heads / s->num_kv_heads);
}

extern "C" int32_t kvd_cuda_k_paged_attention_prefill(const kvd_cuda_attn_shape *s, const float *q, int32_t ldq,
                                                      void *out, int32_t ldo, const void *kcache, const void *vcache,
                                                      const int32_t *tile_start, const int32_t *tile_count,
                                                      int32_t ntiles, const int32_t *ctx_len, const int32_t *tables,
                                                      const int32_t *table_offset, void *stream, kvd_cuda_error *err) {
    int32_t rc = check_attn_shape(s, err);
    if (rc) return rc;
    const int G = s->num_heads / s->num_kv_heads, hd = s->head_dim;
    if (ntiles < 0 || ldq < s->num_heads * hd || ldo < s->num_heads * hd)
        return fail(err, KVD_CUDA_ERR_INVALID, "prefill attention: ntiles %d ldq %d ldo %d", ntiles, ldq, ldo);
    if (ntiles == 0) return ok(err);
    prefill_args a;
    a.q = q; a.ldq = ldq; a.out = out; a.ldo = ldo; a.kc = kcache; a.vc = vcache;
    a.tile_start = tile_start; a.tile_count = tile_count; a.ctx_len = ctx_len; a.tables = tables;
    a.table_offset = table_offset;
    a.nkv = s->num_kv_heads; a.group = G; a.hd = hd; a.bs = s->block_size;
    a.kc_keys = hd > 128 ? 16 : 32;
    a.tile_tokens = prefill_tile_tokens(G);
    a.scale = s->scale;
    const size_t smem = sizeof(float) * ((size_t)kRows * hd + (size_t)a.kc_keys * (hd + 1) + (size_t)a.kc_keys * hd);
    cudaStream_t st = as_stream(stream);
    KVD_DISPATCH_DTYPE(s->dtype, {
        if (smem > 48 * 1024)
            KVD_CUDA_TRY(err, "prefill attention: shared memory opt-in",
                         cudaFuncSetAttribute(paged_prefill_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
        paged_prefill_kernel<T><<<dim3(ntiles, s->num_kv_heads), kWarps * 32, smem, st>>>(a);
        KVD_CUDA_LAUNCHED(err, "prefill attention kernel launch");
    });
    return ok(err);
}
