#include "kvd_attention.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include "kvd_matmul.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "vector_exp.h"
#endif

int kvd_attn_shape_valid(const kvd_attn_shape *s) {
    return s->num_heads > 0 && s->num_kv_heads > 0 && s->num_heads % s->num_kv_heads == 0 &&
           s->num_heads / s->num_kv_heads <= KVD_ATTN_MAX_GROUP && s->head_dim > 0 &&
           s->head_dim <= KVD_ATTN_MAX_HEAD_DIM && s->block_size > 0 &&
           s->block_size <= KVD_ATTN_MAX_BLOCK_SIZE && s->num_blocks > 0;
}

void kvd_kv_store(const kvd_attn_shape *s, float *kcache, float *vcache, const float *k,
                  const float *v, int ld, const int32_t *slots, int ntok) {
    const size_t hd = (size_t)s->head_dim, bs = (size_t)s->block_size;
    const long limit = (long)s->num_blocks * (long)s->block_size;
    for (int t = 0; t < ntok; t++) {
        const long slot = slots[t];
        if (slot < 0 || slot >= limit) continue;
        const size_t blk = (size_t)slot / bs, off = (size_t)slot % bs;
        for (int h = 0; h < s->num_kv_heads; h++) {
            const size_t head = (blk * (size_t)s->num_kv_heads + (size_t)h) * bs * hd;
            const float *kt = k + (size_t)t * (size_t)ld + (size_t)h * hd;
            for (size_t d = 0; d < hd; d++) kcache[head + d * bs + off] = kt[d];  /* transposed */
            memcpy(vcache + head + off * hd, v + (size_t)t * (size_t)ld + (size_t)h * hd, hd * sizeof(float));
        }
    }
}

typedef struct {
    const kvd_attn_shape *shape;
    const float *kcache, *vcache, *q;
    float *out;
    int ldq, ldo;
    const int32_t *ctx_len, *tables, *table_offset;
    int group_splits, ntasks;
} attn_job;

/* Prefetches KV head h of cache block `block`, K and V. */
static inline void attn_prefetch_block(const attn_job *j, int32_t block, int h) {
    const kvd_attn_shape *s = j->shape;
    const size_t head = (size_t)s->block_size * (size_t)s->head_dim;
    const size_t base = ((size_t)block * (size_t)s->num_kv_heads + (size_t)h) * head;
    for (size_t off = 0; off < head; off += 16) {
        __builtin_prefetch(j->kcache + base + off);
        __builtin_prefetch(j->vcache + base + off);
    }
}

/* Prefetches the first block a task reads. */
static inline void attn_prefetch_task(const attn_job *j, int task) {
    const int nkv = j->shape->num_kv_heads;
    const int t = task / j->group_splits / nkv, h = task / j->group_splits % nkv;
    if (j->ctx_len[t] > 0) attn_prefetch_block(j, j->tables[j->table_offset[t]], h);
}

/* The plain reference. */
static inline void scores_ref(float *sc, const float *q, int nq, int hd, const float *kt, int cnt, int bs,
                              float scale, float *bmax) {
    for (int g = 0; g < nq; g++) {
        bmax[g] = -INFINITY;
        for (int i = 0; i < cnt; i++) {
            float s = 0.0f;
            for (int d = 0; d < hd; d++) s += q[(size_t)g * (size_t)hd + (size_t)d] * kt[(size_t)d * (size_t)bs + (size_t)i];
            sc[(size_t)g * (size_t)bs + (size_t)i] = s * scale;
            bmax[g] = s * scale > bmax[g] ? s * scale : bmax[g];
        }
    }
}
static inline void accumulate_ref(float *acc, const float *w, int nq, const float *v, int cnt, int hd, int bs) {
    for (int g = 0; g < nq; g++)
        for (int k = 0; k < cnt; k++)
            for (int i = 0; i < hd; i++)
                acc[(size_t)g * (size_t)hd + (size_t)i] += w[(size_t)g * (size_t)bs + (size_t)k] * v[(size_t)k * (size_t)hd + (size_t)i];
}
static inline void scale_ref(float *y, float a, int n) {
    for (int i = 0; i < n; i++) y[i] *= a;
}
static inline float exp_sub_ref(float *x, float m, int n) {
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    return sum;
}
#define ATTN_TGT
#define ATTN_NAME attn_task_ref
#define ATTN_SCORES scores_ref
#define ATTN_ACCUMULATE accumulate_ref
#define ATTN_SCALE scale_ref
#define ATTN_EXP_SUB exp_sub_ref
#include "attention_impl.h"
#undef ATTN_TGT
#undef ATTN_NAME
#undef ATTN_SCORES
#undef ATTN_ACCUMULATE
#undef ATTN_SCALE
#undef ATTN_EXP_SUB

#if defined(__x86_64__)
#define TGT2 __attribute__((target("avx2,fma,f16c")))
/* Scores (kt: [hd][bs], keys transposed): 8 keys per vector, q[d] broadcast, two chains over d;
 * no horizontal sums. A partial last vector takes the plain loop (the sequence's last block). */
TGT2 static inline void scores_avx2(float *sc, const float *q, int nq, int hd, const float *kt, int cnt, int bs,
                                    float scale, float *bmax) {
    for (int g = 0; g < nq; g++) {
        const float *qg = q + (size_t)g * (size_t)hd;
        float *sg = sc + (size_t)g * (size_t)bs;
        int c = 0;
        for (; c + 8 <= cnt; c += 8) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            int d = 0;
            for (; d + 2 <= hd; d += 2) {
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(qg[d]), _mm256_loadu_ps(kt + (size_t)d * (size_t)bs + c), a0);
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(qg[d + 1]), _mm256_loadu_ps(kt + (size_t)(d + 1) * (size_t)bs + c), a1);
            }
            for (; d < hd; d++) a0 = _mm256_fmadd_ps(_mm256_set1_ps(qg[d]), _mm256_loadu_ps(kt + (size_t)d * (size_t)bs + c), a0);
            _mm256_storeu_ps(sg + c, _mm256_mul_ps(_mm256_add_ps(a0, a1), _mm256_set1_ps(scale)));
        }
        for (; c < cnt; c++) {
            float s = 0.0f;
            for (int d = 0; d < hd; d++) s += qg[d] * kt[(size_t)d * (size_t)bs + (size_t)c];
            sg[c] = s * scale;
        }
        bmax[g] = -INFINITY;
        for (int i = 0; i < cnt; i++) bmax[g] = sg[i] > bmax[g] ? sg[i] : bmax[g];
    }
}
/* The accumulator stays in registers for a whole block of keys (32 values at a time), stored
 * once per block: per-key stores would chain every FMA through store-to-load forwarding. */
TGT2 static inline void accumulate_head_avx2(float *y, const float *w, const float *v, int cnt, int n) {
    int c = 0;
    for (; c + 32 <= n; c += 32) {
        __m256 a0 = _mm256_loadu_ps(y + c), a1 = _mm256_loadu_ps(y + c + 8);
        __m256 a2 = _mm256_loadu_ps(y + c + 16), a3 = _mm256_loadu_ps(y + c + 24);
        for (int k = 0; k < cnt; k++) {
            const float *vk = v + (size_t)k * (size_t)n + c;
            const __m256 wk = _mm256_set1_ps(w[k]);
            a0 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(vk), a0);
            a1 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(vk + 8), a1);
            a2 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(vk + 16), a2);
            a3 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(vk + 24), a3);
        }
        _mm256_storeu_ps(y + c, a0);
        _mm256_storeu_ps(y + c + 8, a1);
        _mm256_storeu_ps(y + c + 16, a2);
        _mm256_storeu_ps(y + c + 24, a3);
    }
    for (; c < n; c++)
        for (int k = 0; k < cnt; k++) y[c] += w[k] * v[(size_t)k * (size_t)n + c];
}
TGT2 static inline void accumulate_avx2(float *acc, const float *w, int nq, const float *v, int cnt, int hd, int bs) {
    for (int g = 0; g < nq; g++) accumulate_head_avx2(acc + (size_t)g * (size_t)hd, w + (size_t)g * (size_t)bs, v, cnt, hd);
}
TGT2 static inline void scale_avx2(float *y, float a, int n) {
    const __m256 av = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(av, _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] *= a;
}
TGT2 static inline float exp_sub_avx2(float *x, float m, int n) {
    const __m256 mv = _mm256_set1_ps(m);
    __m256 sum = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = kvd_exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float total = _mm_cvtss_f32(h);
    for (; i < n; i++) {
        x[i] = expf(x[i] - m);
        total += x[i];
    }
    return total;
}
#define ATTN_TGT TGT2
#define ATTN_NAME attn_task_avx2
#define ATTN_SCORES scores_avx2
#define ATTN_ACCUMULATE accumulate_avx2
#define ATTN_SCALE scale_avx2
#define ATTN_EXP_SUB exp_sub_avx2
#include "attention_impl.h"
#undef ATTN_TGT
#undef ATTN_NAME
#undef ATTN_SCORES
#undef ATTN_ACCUMULATE
#undef ATTN_SCALE
#undef ATTN_EXP_SUB

#define TGT5 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))
/* Scores of G heads (1 to 4) against 16 keys from column c (kt: [hd][bs], keys transposed): one
 * vector per head holds 16 keys' scores, q[d] broadcast, each key row loaded once for the G
 * heads; 4 accumulator chains over d per head (FMA latency), no horizontal sums. The chains do
 * not depend on G, so a head's scores are the same whether its group is split across tasks (a
 * lone decoding token) or not (a batch). */
TGT5 static inline __attribute__((always_inline)) void scores16_avx512(float *sc, const float *q, int hd, const float *kt,
                                                                       int c, int cnt, int bs, float scale, float *bmax,
                                                                       const int G) {
    const int C = 4;
    const __mmask16 m = cnt - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cnt - c)) - 1);
    __m512 a[4][4];
    for (int g = 0; g < G; g++)
        for (int j = 0; j < C; j++) a[g][j] = _mm512_setzero_ps();
    const float *k = kt + c;
    int d = 0;
    for (; d + 4 <= hd; d += 4) {
        for (int j = 0; j < 4; j++) {
            const __m512 kv = _mm512_maskz_loadu_ps(m, k + (size_t)(d + j) * (size_t)bs);
            for (int g = 0; g < G; g++)
                a[g][j % C] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)g * (size_t)hd + (size_t)(d + j)]), kv, a[g][j % C]);
        }
    }
    for (; d < hd; d++) {
        const __m512 kv = _mm512_maskz_loadu_ps(m, k + (size_t)d * (size_t)bs);
        for (int g = 0; g < G; g++) a[g][0] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)g * (size_t)hd + (size_t)d]), kv, a[g][0]);
    }
    for (int g = 0; g < G; g++) {
        __m512 v = a[g][0];
        for (int j = 1; j < C; j++) v = _mm512_add_ps(v, a[g][j]);
        v = _mm512_mul_ps(v, _mm512_set1_ps(scale));
        _mm512_mask_storeu_ps(sc + (size_t)g * (size_t)bs + c, m, v);
        const float vm = _mm512_mask_reduce_max_ps(m, v);
        bmax[g] = vm > bmax[g] ? vm : bmax[g];
    }
}
TGT5 static inline void scores_avx512(float *sc, const float *q, int nq, int hd, const float *kt, int cnt, int bs,
                                      float scale, float *bmax) {
    for (int g = 0; g < nq; g++) bmax[g] = -INFINITY;
    for (int c = 0; c < cnt; c += 16) {
        for (int g = 0; g < nq; g += 4) {
            float *sg = sc + (size_t)g * (size_t)bs;
            const float *qg = q + (size_t)g * (size_t)hd;
            switch (nq - g) {
            case 1: scores16_avx512(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 1); break;
            case 2: scores16_avx512(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 2); break;
            case 3: scores16_avx512(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 3); break;
            default: scores16_avx512(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 4); break;
            }
        }
    }
}
/* acc_g += sum_k w_g[k] * v_k for G heads (1 to 4) over NV vectors of 16 values from column c:
 * each V row is loaded once for the G heads, and G * NV accumulator chains hide the FMA latency. */
TGT5 static inline __attribute__((always_inline)) void accumulate_tile_avx512(float *acc, const float *w, const float *v,
                                                                              int cnt, int hd, int bs, int c,
                                                                              const int G, const int NV) {
    __m512 a[4][4];
    for (int g = 0; g < G; g++)
        for (int j = 0; j < NV; j++) a[g][j] = _mm512_loadu_ps(acc + (size_t)g * (size_t)hd + c + 16 * j);
    for (int k = 0; k < cnt; k++) {
        __m512 vk[4];
        for (int j = 0; j < NV; j++) vk[j] = _mm512_loadu_ps(v + (size_t)k * (size_t)hd + c + 16 * j);
        for (int g = 0; g < G; g++) {
            const __m512 wk = _mm512_set1_ps(w[(size_t)g * (size_t)bs + (size_t)k]);
            for (int j = 0; j < NV; j++) a[g][j] = _mm512_fmadd_ps(wk, vk[j], a[g][j]);
        }
    }
    for (int g = 0; g < G; g++)
        for (int j = 0; j < NV; j++) _mm512_storeu_ps(acc + (size_t)g * (size_t)hd + c + 16 * j, a[g][j]);
}
TGT5 static inline __attribute__((always_inline)) void accumulate_heads_avx512(float *acc, const float *w, const float *v,
                                                                               int cnt, int hd, int bs, const int G) {
    int c = 0;
    for (; c + 64 <= hd; c += 64) accumulate_tile_avx512(acc, w, v, cnt, hd, bs, c, G, 4);
    for (; c + 16 <= hd; c += 16) accumulate_tile_avx512(acc, w, v, cnt, hd, bs, c, G, 1);
    for (; c < hd; c++)
        for (int g = 0; g < G; g++)
            for (int k = 0; k < cnt; k++)
                acc[(size_t)g * (size_t)hd + c] += w[(size_t)g * (size_t)bs + (size_t)k] * v[(size_t)k * (size_t)hd + c];
}
TGT5 static inline void accumulate_avx512(float *acc, const float *w, int nq, const float *v, int cnt, int hd, int bs) {
    for (int g = 0; g < nq; g += 4) {
        float *ag = acc + (size_t)g * (size_t)hd;
        const float *wg = w + (size_t)g * (size_t)bs;
        switch (nq - g) {
        case 1: accumulate_heads_avx512(ag, wg, v, cnt, hd, bs, 1); break;
        case 2: accumulate_heads_avx512(ag, wg, v, cnt, hd, bs, 2); break;
        case 3: accumulate_heads_avx512(ag, wg, v, cnt, hd, bs, 3); break;
        default: accumulate_heads_avx512(ag, wg, v, cnt, hd, bs, 4); break;
        }
    }
}
TGT5 static inline void scale_avx512(float *y, float a, int n) {
    const __m512 av = _mm512_set1_ps(a);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(av, _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] *= a;
}
TGT5 static inline float exp_sub_avx512(float *x, float m, int n) {
    const __m512 mv = _mm512_set1_ps(m);
    __m512 sum = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 e = kvd_exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), mv));
        _mm512_storeu_ps(x + i, e);
        sum = _mm512_add_ps(sum, e);
    }
    if (i < n) { /* the partial last block, masked */
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        const __m512 e = kvd_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv));
        _mm512_mask_storeu_ps(x + i, k, e);
        sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, e));
    }
    return _mm512_reduce_add_ps(sum);
}
#define ATTN_TGT TGT5
#define ATTN_NAME attn_task_avx512
#define ATTN_SCORES scores_avx512
#define ATTN_ACCUMULATE accumulate_avx512
#define ATTN_SCALE scale_avx512
#define ATTN_EXP_SUB exp_sub_avx512
#include "attention_impl.h"
#endif

int kvd_attention(kvd_pool *pool, int isa, const kvd_attn_shape *s, const float *kcache,
                  const float *vcache, const float *q, int ldq, float *out, int ldo, int ntok,
                  const int32_t *ctx_len, const int32_t *tables, const int32_t *table_offset) {
    if (!kvd_attn_shape_valid(s) || !kvd_isa_supported(isa)) return -1;
    attn_job j = { s, kcache, vcache, q, out, ldq, ldo, ctx_len, tables, table_offset, 1, 0 };
    /* Fewer (token, KV head) pairs than ~4 per thread: split each group into its query heads
     * (decode of one sequence is 3 pairs for the default model, 9 once split). */
    const int group = s->num_heads / s->num_kv_heads;
    if (ntok * s->num_kv_heads < 4 * kvd_pool_threads(pool)) j.group_splits = group;
    kvd_task_fn fn = attn_task_ref;
#if defined(__x86_64__)
    if (isa == KVD_ISA_AVX512) fn = attn_task_avx512;
    else if (isa == KVD_ISA_AVX2) fn = attn_task_avx2;
#endif
    j.ntasks = ntok * s->num_kv_heads * j.group_splits;
    kvd_pool_run(pool, j.ntasks, fn, &j);
    return 0;
}
