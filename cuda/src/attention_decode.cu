// Paged attention for decode (one query token per sequence): vLLM's paged_attention_v1 and, for
// long contexts, v2's split-K partitions merged by a second kernel (flash-decoding).
//
// A CUDA block serves one (token, KV head, partition) and computes all the query heads of that
// KV head's GQA group together, so each K/V vector is read from memory once per group, not once
// per query head (decode attention is memory-bound: bytes read are the cost). Inside a partition
// keys are taken in chunks with an online softmax, so shared memory does not grow with context.
//  - scores: TG lanes share one key, each loading 16-byte K vectors (vLLM's thread groups);
//  - values: each thread owns one head dimension and reads X keys of V at once.
#include "attention_layout.cuh"
#include "internal.h"

namespace kvd {

constexpr int kDecodeChunk = 256; // keys per online-softmax step (rounded down to whole blocks)

struct decode_args {
    const float *q;
    int ldq;
    void *out;
    int ldo;
    const void *kc, *vc;
    const int32_t *token_list, *ctx_len, *tables, *table_offset;
    int nkv, group, hd, bs, chunk, partition; // partition: keys per partition (0: whole context)
    float scale;
    int max_parts;
    float *tmp_out, *tmp_max, *tmp_sum; // [list][num_heads][max_parts](x hd)
};

template <typename T>
__global__ void __launch_bounds__(256) paged_decode_kernel(decode_args a) {
    constexpr int X = cache_vec<T>::X;
    extern __shared__ float smem[];
    const int G = a.group, hd = a.hd, bs = a.bs;
    float *q_s = smem;                        // [G][hd]
    float *sc_s = q_s + G * hd;               // [G][chunk]
    float *m_s = sc_s + G * a.chunk;          // [G]
    float *l_s = m_s + G;                     // [G]
    float *corr_s = l_s + G;                  // [G]
    float *red_s = corr_s + G;                // [splits][G][hd]

    const int h = blockIdx.x, li = blockIdx.y, part = blockIdx.z;
    const int t = a.token_list ? a.token_list[li] : li;
    const int ctx = a.ctx_len[t];
    const int p0 = a.partition ? part * a.partition : 0;
    const int p1 = a.partition ? min(ctx, p0 + a.partition) : ctx;
    if (p0 >= ctx) return; // a partition past this token's context: the merge skips it
    const int32_t *table = a.tables + a.table_offset[t];
    const T *kc = static_cast<const T *>(a.kc);
    const T *vc = static_cast<const T *>(a.vc);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, nwarps = blockDim.x >> 5;

    for (int i = tid; i < G * hd; i += blockDim.x)
        q_s[i] = a.q[(size_t)t * a.ldq + (size_t)h * G * hd + i];
    if (tid < G) {
        m_s[tid] = -INFINITY;
        l_s[tid] = 0.0f;
    }
    // Value phase mapping: thread -> (dimension d, split of the key groups).
    const int splits = max(1, (int)blockDim.x / hd);
    const int d = tid % hd, split = tid / hd;
    const bool owns_d = split < splits && tid < splits * hd;
    float acc[KVD_CUDA_MAX_GROUP];
#pragma unroll
    for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++) acc[g] = 0.0f;

    // Scoring mapping: TG lanes per key, each taking 16-byte vectors vec, vec + TG, ...
    const int nvec = hd / X;
    int TG = 1;
    while (TG < nvec && TG < 32) TG <<= 1;
    const int keys_per_warp = 32 / TG, sub = lane % TG;
    __syncthreads();

    for (int c0 = p0; c0 < p1; c0 += a.chunk) {
        const int c1 = min(p1, c0 + a.chunk);
        for (int base = c0 + warp * keys_per_warp; base < c1; base += nwarps * keys_per_warp) {
            const int key = base + lane / TG;
            const bool valid = key < c1;
            float dots[KVD_CUDA_MAX_GROUP];
#pragma unroll
            for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++) dots[g] = 0.0f;
            if (valid) {
                const int64_t block = table[key / bs];
                const int off = key % bs;
                for (int v = sub; v < nvec; v += TG) {
                    const uint4 raw = *reinterpret_cast<const uint4 *>(kc + k_index<T>(block, h, v * X, off, a.nkv, hd, bs));
                    const T *kv = reinterpret_cast<const T *>(&raw);
#pragma unroll
                    for (int e = 0; e < X; e++) {
                        const float kf = to_f32(kv[e]);
#pragma unroll
                        for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++)
                            if (g < G) dots[g] += q_s[g * hd + v * X + e] * kf;
                    }
                }
            }
#pragma unroll
            for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++) {
                if (g >= G) break;
                float s = dots[g];
                for (int o = TG / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
                if (valid && sub == 0) sc_s[g * a.chunk + (key - c0)] = s * a.scale;
            }
        }
        __syncthreads();
        // Online softmax per query head: one warp per head.
        const int n = c1 - c0;
        for (int g = warp; g < G; g += nwarps) {
            float cm = -INFINITY;
            for (int i = lane; i < n; i += 32) cm = fmaxf(cm, sc_s[g * a.chunk + i]);
            cm = warp_max(cm);
            const float m_old = m_s[g], m_new = fmaxf(m_old, cm);
            float sum = 0.0f;
            for (int i = lane; i < n; i += 32) {
                const float p = __expf(sc_s[g * a.chunk + i] - m_new);
                sc_s[g * a.chunk + i] = p;
                sum += p;
            }
            sum = warp_sum(sum);
            if (lane == 0) {
                const float corr = m_old == -INFINITY ? 0.0f : __expf(m_old - m_new);
                corr_s[g] = corr;
                l_s[g] = l_s[g] * corr + sum;
                m_s[g] = m_new;
            }
        }
        __syncthreads();
        if (owns_d) {
#pragma unroll
            for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++)
                if (g < G) acc[g] *= corr_s[g];
            if (bs % X == 0) {
                // X keys of one block per load (chunks start on block boundaries).
                for (int k0 = c0 + split * X; k0 < c1; k0 += splits * X) {
                    const int64_t block = table[k0 / bs];
                    const uint4 raw = *reinterpret_cast<const uint4 *>(vc + v_index<T>(block, h, d, k0 % bs, a.nkv, hd, bs));
                    const T *vv = reinterpret_cast<const T *>(&raw);
#pragma unroll
                    for (int e = 0; e < X; e++) {
                        if (k0 + e >= c1) break;
                        const float vf = to_f32(vv[e]);
#pragma unroll
                        for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++)
                            if (g < G) acc[g] += sc_s[g * a.chunk + (k0 + e - c0)] * vf;
                    }
                }
            } else {
                for (int k = c0 + split; k < c1; k += splits) {
                    const float vf = to_f32(vc[v_index<T>(table[k / bs], h, d, k % bs, a.nkv, hd, bs)]);
#pragma unroll
                    for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++)
                        if (g < G) acc[g] += sc_s[g * a.chunk + (k - c0)] * vf;
                }
            }
        }
        __syncthreads();
    }

    // Sum the splits' partial outputs.
    if (owns_d) {
#pragma unroll
        for (int g = 0; g < KVD_CUDA_MAX_GROUP; g++)
            if (g < G) red_s[(split * G + g) * hd + d] = acc[g];
    }
    __syncthreads();
    const int H = a.nkv * G;
    for (int i = tid; i < G * hd; i += blockDim.x) {
        const int g = i / hd, dd = i % hd;
        float o = 0.0f;
        for (int s = 0; s < splits; s++) o += red_s[(s * G + g) * hd + dd];
        const float l = l_s[g];
        o = l > 0.0f ? o / l : 0.0f;
        const int head = h * G + g;
        if (a.partition == 0) {
            static_cast<T *>(a.out)[(size_t)t * a.ldo + (size_t)head * hd + dd] = from_f32<T>(o);
        } else {
            const size_t r = ((size_t)li * H + head) * a.max_parts + part;
            a.tmp_out[r * hd + dd] = o;
            if (dd == 0) {
                a.tmp_max[r] = m_s[g];
                a.tmp_sum[r] = l;
            }
        }
    }
}

// v2's second kernel: out = sum_p w_p o_p / sum_p w_p with w_p = l_p exp(m_p - max m).
template <typename T>
__global__ void paged_decode_merge_kernel(decode_args a) {
    const int head = blockIdx.x, li = blockIdx.y;
    const int H = a.nkv * a.group;
    const int t = a.token_list ? a.token_list[li] : li;
    const int parts = (a.ctx_len[t] + a.partition - 1) / a.partition;
    const size_t r0 = ((size_t)li * H + head) * a.max_parts;
    float m = -INFINITY;
    for (int p = 0; p < parts; p++) m = fmaxf(m, a.tmp_max[r0 + p]);
    float wsum = 0.0f;
    for (int p = 0; p < parts; p++) wsum += a.tmp_sum[r0 + p] * __expf(a.tmp_max[r0 + p] - m);
    const float inv = wsum > 0.0f ? 1.0f / wsum : 0.0f;
    for (int dd = threadIdx.x; dd < a.hd; dd += blockDim.x) {
        float o = 0.0f;
        for (int p = 0; p < parts; p++)
            o += a.tmp_sum[r0 + p] * __expf(a.tmp_max[r0 + p] - m) * a.tmp_out[(r0 + p) * a.hd + dd];
        static_cast<T *>(a.out)[(size_t)t * a.ldo + (size_t)head * a.hd + dd] = from_f32<T>(o * inv);
    }
}

} // namespace kvd

using namespace kvd;

static int decode_parts(int32_t max_ctx, int32_t partition) {
    return partition > 0 ? (max_ctx + partition - 1) / partition : 1;
}

extern "C" int64_t kvd_cuda_attention_workspace_bytes(const kvd_cuda_attn_shape *s, int32_t ntok, int32_t max_ctx,
                                                      int32_t partition_size) {
    if (!s || partition_size <= 0 || ntok <= 0 || max_ctx <= 0) return 0;
    const int64_t rows = (int64_t)ntok * s->num_heads * decode_parts(max_ctx, partition_size);
    return rows * (s->head_dim + 2) * (int64_t)sizeof(float);
}

extern "C" int32_t kvd_cuda_k_paged_attention_decode(const kvd_cuda_attn_shape *s, const float *q, int32_t ldq,
                                                     void *out, int32_t ldo, const void *kcache, const void *vcache,
                                                     const int32_t *token_list, int32_t ntok, const int32_t *ctx_len,
                                                     const int32_t *tables, const int32_t *table_offset,
                                                     int32_t max_ctx, int32_t partition_size, void *workspace,
                                                     void *stream, kvd_cuda_error *err) {
    int32_t rc = check_attn_shape(s, err);
    if (rc) return rc;
    const int G = s->num_heads / s->num_kv_heads, hd = s->head_dim, bs = s->block_size;
    if (ntok < 0 || max_ctx < 1 || ldq < s->num_heads * hd || ldo < s->num_heads * hd)
        return fail(err, KVD_CUDA_ERR_INVALID, "decode attention: ntok %d max_ctx %d ldq %d ldo %d", ntok, max_ctx, ldq, ldo);
    if (partition_size < 0 || partition_size % bs)
        return fail(err, KVD_CUDA_ERR_INVALID, "partition size %d is not a multiple of the block size %d", partition_size, bs);
    if (partition_size > 0 && !workspace)
        return fail(err, KVD_CUDA_ERR_INVALID, "the partitioned decode needs a workspace (kvd_cuda_attention_workspace_bytes)");
    if (ntok == 0) return ok(err);
    decode_args a;
    a.q = q; a.ldq = ldq; a.out = out; a.ldo = ldo; a.kc = kcache; a.vc = vcache;
    a.token_list = token_list; a.ctx_len = ctx_len; a.tables = tables; a.table_offset = table_offset;
    a.nkv = s->num_kv_heads; a.group = G; a.hd = hd; a.bs = bs;
    a.chunk = bs >= kDecodeChunk ? bs : kDecodeChunk / bs * bs;
    a.partition = partition_size; a.scale = s->scale;
    a.max_parts = decode_parts(max_ctx, partition_size);
    const int64_t rows = (int64_t)ntok * s->num_heads * a.max_parts;
    a.tmp_out = static_cast<float *>(workspace);
    a.tmp_max = a.tmp_out ? a.tmp_out + rows * hd : nullptr;
    a.tmp_sum = a.tmp_max ? a.tmp_max + rows : nullptr;
    const int threads = hd > 128 ? 256 : 128;
    const int splits = threads / hd > 1 ? threads / hd : 1;
    const size_t smem = sizeof(float) * ((size_t)G * hd + (size_t)G * a.chunk + 3 * G + (size_t)splits * G * hd);
    dim3 grid(s->num_kv_heads, ntok, a.max_parts);
    cudaStream_t st = as_stream(stream);
    KVD_DISPATCH_DTYPE(s->dtype, {
        if (smem > 48 * 1024)
            KVD_CUDA_TRY(err, "decode attention: shared memory opt-in",
                         cudaFuncSetAttribute(paged_decode_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
        paged_decode_kernel<T><<<grid, threads, smem, st>>>(a);
        KVD_CUDA_LAUNCHED(err, "decode attention kernel launch");
        if (partition_size > 0) {
            paged_decode_merge_kernel<T><<<dim3(s->num_heads, ntok), hd >= 128 ? 128 : 64, 0, st>>>(a);
            KVD_CUDA_LAUNCHED(err, "decode attention merge kernel launch");
        }
    });
    return ok(err);
}
