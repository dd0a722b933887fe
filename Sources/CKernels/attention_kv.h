/* The parts of paged attention that read the KV cache, for one element type of the cache:
 * included by attention.c once per type with
 *   KV_T           the element type (float or uint16_t holding an IEEE half),
 *   KV_NAME(x)     x with the type's suffix,
 *   KV_F32(v)      one element as float,
 *   KV_LOAD8(p)    8 elements as __m256 (AVX2 + F16C),
 *   KV_LOAD16(p), KV_MASKLOAD16(m, p)   16 elements as __m512 (masked lanes 0).
 * It defines the per-path score and accumulate helpers and instantiates attention_impl.h for
 * each path as KV_NAME(attn_task_ref), KV_NAME(attn_task_avx2), KV_NAME(attn_task_avx512), and
 * undefines the KV_* macros at its end.
 * Half elements convert exactly to float, so both types share every float operation. */

/* The plain reference. */
static inline void KV_NAME(scores_ref)(float *sc, const float *q, int nq, int hd, const KV_T *kt, int cnt, int bs,
                              float scale, float *bmax) {
    for (int g = 0; g < nq; g++) {
        bmax[g] = -INFINITY;
        for (int i = 0; i < cnt; i++) {
            float s = 0.0f;
            for (int d = 0; d < hd; d++) s += q[(size_t)g * (size_t)hd + (size_t)d] * KV_F32(kt[(size_t)d * (size_t)bs + (size_t)i]);
            sc[(size_t)g * (size_t)bs + (size_t)i] = s * scale;
            bmax[g] = s * scale > bmax[g] ? s * scale : bmax[g];
        }
    }
}
static inline void KV_NAME(accumulate_ref)(float *acc, const float *w, int nq, const KV_T *v, int cnt, int hd, int bs) {
    for (int g = 0; g < nq; g++)
        for (int k = 0; k < cnt; k++)
            for (int i = 0; i < hd; i++)
                acc[(size_t)g * (size_t)hd + (size_t)i] += w[(size_t)g * (size_t)bs + (size_t)k] * KV_F32(v[(size_t)k * (size_t)hd + (size_t)i]);
}
#define ATTN_TGT 
#define ATTN_KV_T KV_T
#define ATTN_NAME KV_NAME(attn_task_ref)
#define ATTN_SCORES KV_NAME(scores_ref)
#define ATTN_ACCUMULATE KV_NAME(accumulate_ref)
#define ATTN_SCALE scale_ref
#define ATTN_EXP_SUB exp_sub_ref
#include "attention_impl.h"

#if defined(__x86_64__)
/* Scores (kt: [hd][bs], keys transposed): 8 keys per vector, q[d] broadcast, two chains over d;
 * no horizontal sums. A partial last vector takes the plain loop (the sequence's last block). */
TGT2 static inline void KV_NAME(scores_avx2)(float *sc, const float *q, int nq, int hd, const KV_T *kt, int cnt, int bs,
                                    float scale, float *bmax) {
    for (int g = 0; g < nq; g++) {
        const float *qg = q + (size_t)g * (size_t)hd;
        float *sg = sc + (size_t)g * (size_t)bs;
        int c = 0;
        for (; c + 8 <= cnt; c += 8) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            int d = 0;
            for (; d + 2 <= hd; d += 2) {
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(qg[d]), KV_LOAD8(kt + (size_t)d * (size_t)bs + c), a0);
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(qg[d + 1]), KV_LOAD8(kt + (size_t)(d + 1) * (size_t)bs + c), a1);
            }
            for (; d < hd; d++) a0 = _mm256_fmadd_ps(_mm256_set1_ps(qg[d]), KV_LOAD8(kt + (size_t)d * (size_t)bs + c), a0);
            _mm256_storeu_ps(sg + c, _mm256_mul_ps(_mm256_add_ps(a0, a1), _mm256_set1_ps(scale)));
        }
        for (; c < cnt; c++) {
            float s = 0.0f;
            for (int d = 0; d < hd; d++) s += qg[d] * KV_F32(kt[(size_t)d * (size_t)bs + (size_t)c]);
            sg[c] = s * scale;
        }
        bmax[g] = -INFINITY;
        for (int i = 0; i < cnt; i++) bmax[g] = sg[i] > bmax[g] ? sg[i] : bmax[g];
    }
}
/* The accumulator stays in registers for a whole block of keys (32 values at a time), stored
 * once per block: per-key stores would chain every FMA through store-to-load forwarding. */
TGT2 static inline void KV_NAME(accumulate_head_avx2)(float *y, const float *w, const KV_T *v, int cnt, int n) {
    int c = 0;
    for (; c + 32 <= n; c += 32) {
        __m256 a0 = _mm256_loadu_ps(y + c), a1 = _mm256_loadu_ps(y + c + 8);
        __m256 a2 = _mm256_loadu_ps(y + c + 16), a3 = _mm256_loadu_ps(y + c + 24);
        for (int k = 0; k < cnt; k++) {
            const KV_T *vk = v + (size_t)k * (size_t)n + c;
            const __m256 wk = _mm256_set1_ps(w[k]);
            a0 = _mm256_fmadd_ps(wk, KV_LOAD8(vk), a0);
            a1 = _mm256_fmadd_ps(wk, KV_LOAD8(vk + 8), a1);
            a2 = _mm256_fmadd_ps(wk, KV_LOAD8(vk + 16), a2);
            a3 = _mm256_fmadd_ps(wk, KV_LOAD8(vk + 24), a3);
        }
        _mm256_storeu_ps(y + c, a0);
        _mm256_storeu_ps(y + c + 8, a1);
        _mm256_storeu_ps(y + c + 16, a2);
        _mm256_storeu_ps(y + c + 24, a3);
    }
    for (; c < n; c++)
        for (int k = 0; k < cnt; k++) y[c] += w[k] * KV_F32(v[(size_t)k * (size_t)n + c]);
}
TGT2 static inline void KV_NAME(accumulate_avx2)(float *acc, const float *w, int nq, const KV_T *v, int cnt, int hd, int bs) {
    for (int g = 0; g < nq; g++) KV_NAME(accumulate_head_avx2)(acc + (size_t)g * (size_t)hd, w + (size_t)g * (size_t)bs, v, cnt, hd);
}
#define ATTN_TGT TGT2
#define ATTN_KV_T KV_T
#define ATTN_NAME KV_NAME(attn_task_avx2)
#define ATTN_SCORES KV_NAME(scores_avx2)
#define ATTN_ACCUMULATE KV_NAME(accumulate_avx2)
#define ATTN_SCALE scale_avx2
#define ATTN_EXP_SUB exp_sub_avx2
#include "attention_impl.h"

/* Scores of G heads (1 to 4) against 16 keys from column c (kt: [hd][bs], keys transposed): one
 * vector per head holds 16 keys' scores, q[d] broadcast, each key row loaded once for the G
 * heads; 4 accumulator chains over d per head (FMA latency), no horizontal sums. The chains do
 * not depend on G, so a head's scores are the same whether its group is split across tasks (a
 * lone decoding token) or not (a batch). */
TGT5 static inline __attribute__((always_inline)) void KV_NAME(scores16_avx512)(float *sc, const float *q, int hd, const KV_T *kt,
                                                                       int c, int cnt, int bs, float scale, float *bmax,
                                                                       const int G) {
    const int C = 4;
    const __mmask16 m = cnt - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cnt - c)) - 1);
    __m512 a[4][4];
    for (int g = 0; g < G; g++)
        for (int j = 0; j < C; j++) a[g][j] = _mm512_setzero_ps();
    const KV_T *k = kt + c;
    int d = 0;
    for (; d + 4 <= hd; d += 4) {
        for (int j = 0; j < 4; j++) {
            const __m512 kv = KV_MASKLOAD16(m, k + (size_t)(d + j) * (size_t)bs);
            for (int g = 0; g < G; g++)
                a[g][j % C] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)g * (size_t)hd + (size_t)(d + j)]), kv, a[g][j % C]);
        }
    }
    for (; d < hd; d++) {
        const __m512 kv = KV_MASKLOAD16(m, k + (size_t)d * (size_t)bs);
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
TGT5 static inline void KV_NAME(scores_avx512)(float *sc, const float *q, int nq, int hd, const KV_T *kt, int cnt, int bs,
                                      float scale, float *bmax) {
    for (int g = 0; g < nq; g++) bmax[g] = -INFINITY;
    for (int c = 0; c < cnt; c += 16) {
        for (int g = 0; g < nq; g += 4) {
            float *sg = sc + (size_t)g * (size_t)bs;
            const float *qg = q + (size_t)g * (size_t)hd;
            switch (nq - g) {
            case 1: KV_NAME(scores16_avx512)(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 1); break;
            case 2: KV_NAME(scores16_avx512)(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 2); break;
            case 3: KV_NAME(scores16_avx512)(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 3); break;
            default: KV_NAME(scores16_avx512)(sg, qg, hd, kt, c, cnt, bs, scale, bmax + g, 4); break;
            }
        }
    }
}
/* acc_g += sum_k w_g[k] * v_k for G heads (1 to 4) over NV vectors of 16 values from column c:
 * each V row is loaded once for the G heads, and G * NV accumulator chains hide the FMA latency. */
TGT5 static inline __attribute__((always_inline)) void KV_NAME(accumulate_tile_avx512)(float *acc, const float *w, const KV_T *v,
                                                                              int cnt, int hd, int bs, int c,
                                                                              const int G, const int NV) {
    __m512 a[4][4];
    for (int g = 0; g < G; g++)
        for (int j = 0; j < NV; j++) a[g][j] = _mm512_loadu_ps(acc + (size_t)g * (size_t)hd + c + 16 * j);
    for (int k = 0; k < cnt; k++) {
        __m512 vk[4];
        for (int j = 0; j < NV; j++) vk[j] = KV_LOAD16(v + (size_t)k * (size_t)hd + c + 16 * j);
        for (int g = 0; g < G; g++) {
            const __m512 wk = _mm512_set1_ps(w[(size_t)g * (size_t)bs + (size_t)k]);
            for (int j = 0; j < NV; j++) a[g][j] = _mm512_fmadd_ps(wk, vk[j], a[g][j]);
        }
    }
    for (int g = 0; g < G; g++)
        for (int j = 0; j < NV; j++) _mm512_storeu_ps(acc + (size_t)g * (size_t)hd + c + 16 * j, a[g][j]);
}
TGT5 static inline __attribute__((always_inline)) void KV_NAME(accumulate_heads_avx512)(float *acc, const float *w, const KV_T *v,
                                                                               int cnt, int hd, int bs, const int G) {
    int c = 0;
    for (; c + 64 <= hd; c += 64) KV_NAME(accumulate_tile_avx512)(acc, w, v, cnt, hd, bs, c, G, 4);
    for (; c + 16 <= hd; c += 16) KV_NAME(accumulate_tile_avx512)(acc, w, v, cnt, hd, bs, c, G, 1);
    for (; c < hd; c++)
        for (int g = 0; g < G; g++)
            for (int k = 0; k < cnt; k++)
                acc[(size_t)g * (size_t)hd + c] += w[(size_t)g * (size_t)bs + (size_t)k] * KV_F32(v[(size_t)k * (size_t)hd + c]);
}
TGT5 static inline void KV_NAME(accumulate_avx512)(float *acc, const float *w, int nq, const KV_T *v, int cnt, int hd, int bs) {
    for (int g = 0; g < nq; g += 4) {
        float *ag = acc + (size_t)g * (size_t)hd;
        const float *wg = w + (size_t)g * (size_t)bs;
        switch (nq - g) {
        case 1: KV_NAME(accumulate_heads_avx512)(ag, wg, v, cnt, hd, bs, 1); break;
        case 2: KV_NAME(accumulate_heads_avx512)(ag, wg, v, cnt, hd, bs, 2); break;
        case 3: KV_NAME(accumulate_heads_avx512)(ag, wg, v, cnt, hd, bs, 3); break;
        default: KV_NAME(accumulate_heads_avx512)(ag, wg, v, cnt, hd, bs, 4); break;
        }
    }
}
#define ATTN_TGT TGT5
#define ATTN_KV_T KV_T
#define ATTN_NAME KV_NAME(attn_task_avx512)
#define ATTN_SCORES KV_NAME(scores_avx512)
#define ATTN_ACCUMULATE KV_NAME(accumulate_avx512)
#define ATTN_SCALE scale_avx512
#define ATTN_EXP_SUB exp_sub_avx512
#include "attention_impl.h"
#endif

#undef KV_T
#undef KV_NAME
#undef KV_F32
#undef KV_LOAD8
#undef KV_LOAD16
#undef KV_MASKLOAD16
