/* The AVX-512 VNNI kernel over packed weights (kvd_pack_weights; layout in kvd_matmul.h) and wide
 * (int16) activations: the engine's default decode and prefill path.
 *
 * One 32-bit vector lane per weight row: a tile's 16 rows fill one vector, so a block's scales
 * are one f16 load, its products need no horizontal sums, and the 16 results are one store.
 * Per 64-byte group of quants, shifts and masks give int16 weight pairs (e, e+1) for all 16 rows,
 * and one vpdpwssd per token multiplies them with the token's activation pair broadcast from
 * memory. The weights are decoded once per token tile (up to KVD_PACKED_TOKENS tokens held in
 * registers), so in a batch the decode is shared and the work is the dot products themselves.
 * The activations come in the wide grouped format (kvd_matmul.h): a tile's 8 tokens are one
 * group, every value, scale and sum of a block at a constant offset from one address.
 * Each (row, token) pair sees the same instruction sequence whatever the batch, so a token's
 * results do not depend on the others. */
#if defined(__x86_64__)
#include <immintrin.h>
#include "matmul_internal.h"

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define INL static inline __attribute__((always_inline))

/* Tokens per register tile: three accumulators each (two int32 chains of the block's sums, the
 * float total) plus the weights and scales stay within the 32 vector registers. */
#define KVD_PACKED_TOKENS 8
_Static_assert(KVD_PACKED_TOKENS == 8, "packed_rows' remainder switch covers 1 to 7 tokens");
_Static_assert(KVD_PACKED_TOKENS == KVD_XQ_GROUP, "a register tile is one group of the activations");

/* How far ahead the kernel prefetches: streaming from DRAM one tile at a time, the loads of a
 * few blocks in flight are too few to reach the memory bandwidth alone. The next tile (at least
 * KVD_PACKED_PREFETCH_MIN bytes ahead) is fetched while this one is multiplied, each token group
 * requesting its share: the first group asking for the whole tile alone (10 KB for the output
 * matrix) had more misses outstanding than a core keeps, and its products waited for them. */
#ifndef KVD_PACKED_PREFETCH_MIN
#define KVD_PACKED_PREFETCH_MIN 4096
#endif
#ifndef KVD_PACKED_PREFETCH_TILES
#define KVD_PACKED_PREFETCH_TILES 1
#endif

/* The int32 at p, broadcast: an activation pair (x_e, x_e+1). */
TGT INL __m512i pair(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* Rows of one tile (16 lanes) for T tokens from t (a group's first): token group `part` of the
 * tile's `parts`. */
TGT INL void packed_tile(const kvd_mm_args *a, const int type, const uint8_t *tile, int r, int t, int part, int parts, const int T) {
    const int nin = a->nin, nb = nin / 32;
    const size_t sb = kvd_packed_scale_bytes(type), qb = kvd_packed_quant_bytes(type);
    const uint8_t *scales = tile, *quants = tile + kvd_round64((size_t)nb * sb);
    const uint8_t *group = a->xq + (size_t)(t / KVD_XQ_GROUP) * a->qstride;
    __m512 acc[KVD_PACKED_TOKENS];
    for (int i = 0; i < T; i++) acc[i] = _mm512_setzero_ps();
    const __m512i nibble = _mm512_set1_epi16(0x0f);
    const size_t tile_bytes = kvd_packed_tile_bytes(type, nin);
    size_t ahead = KVD_PACKED_PREFETCH_TILES * tile_bytes;
    if (ahead < KVD_PACKED_PREFETCH_MIN) ahead = KVD_PACKED_PREFETCH_MIN;
    /* Bytes of the prefetch stream per block, rounded up (a division per block would cost as
     * much as a token's products). */
    const size_t share = (tile_bytes + (size_t)parts - 1) / (size_t)parts;
    const size_t pf_step = (share + (size_t)nb - 1) / (size_t)nb;
    const uint8_t *pf_from = tile + ahead + (size_t)part * share;
    for (int b = 0; b < nb; b++) {
        const uint8_t *s = scales + (size_t)b * sb;
        const uint8_t *q = quants + (size_t)b * qb;
        /* A tile's worth of bytes `ahead`, spread over the blocks: a thread's tiles are contiguous
         * (and its tasks consecutive, kvd_pool.h), so this is one linear stream. */
        {
            const uint8_t *from = pf_from + (size_t)b * pf_step, *to = from + pf_step;
            for (const uint8_t *pf = (const uint8_t *)((uintptr_t)from & ~(uintptr_t)63); pf < to; pf += 64)
                _mm_prefetch((const char *)pf, _MM_HINT_T0);
        }
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)s));
        /* The group's block: token i's pair (e, e+1) at 64 i + 2 e, its scale and sum after. */
        const uint8_t *xb = group + (size_t)b * KVD_XQ_GROUP_BLOCK;
        /* vpdpwssd's latency is 4 cycles and two issue per cycle, so it needs 8 independent
         * chains in flight; split each token's products over C int32 sums (integer adds, so the
         * result is the same for any C) for more: 16 with 8 tokens (+1-2% over 8 chains). */
        const int C = T >= 4 ? 2 : 4;
        __m512i isum[KVD_PACKED_TOKENS][4];
        for (int i = 0; i < T; i++)
            for (int c = 0; c < C; c++) isum[i][c] = _mm512_setzero_si512();
        if (type == KVD_TYPE_Q8_0) {
            _Pragma("clang loop unroll(full)")
            for (int g = 0; g < 8; g++) {
                const __m512i v = _mm512_loadu_si512((const void *)(q + 64 * g));
                const __m512i w0 = _mm512_srai_epi16(_mm512_slli_epi16(v, 8), 8);
                const __m512i w1 = _mm512_srai_epi16(v, 8);
                const int e = 4 * g;
                for (int i = 0; i < T; i++) {
                    __m512i *sum = &isum[i][(2 * g) % C];
                    *sum = _mm512_dpwssd_epi32(*sum, w0, pair(xb + 64 * i + 2 * e));
                    sum = &isum[i][(2 * g + 1) % C];
                    *sum = _mm512_dpwssd_epi32(*sum, w1, pair(xb + 64 * i + 2 * (e + 2)));
                }
            }
        } else {
            /* Unrolled: a loop over the groups keeps their addresses in registers it lacks. */
            _Pragma("clang loop unroll(full)")
            for (int g = 0; g < 4; g++) {
                const __m512i v = _mm512_loadu_si512((const void *)(q + 64 * g));
                for (int k = 0; k < 4; k++) {
                    const __m512i wk = _mm512_and_si512(k ? _mm512_srli_epi16(v, 4 * k) : v, nibble);
                    const int e = 8 * g + 2 * k;
                    for (int i = 0; i < T; i++) {
                        __m512i *sum = &isum[i][k % C];
                        *sum = _mm512_dpwssd_epi32(*sum, wk, pair(xb + 64 * i + 2 * e));
                    }
                }
            }
        }
        for (int i = 0; i < T; i++)
            for (int c = 1; c < C; c++) isum[i][0] = _mm512_add_epi32(isum[i][0], isum[i][c]);
        /* Q4 nibbles are unsigned: Q4_1 adds m per block, Q4_0 its -8 d, both times the
         * activation block's sum s = d_x * sum(q_x). */
        __m512 m = _mm512_setzero_ps();
        if (type == KVD_TYPE_Q4_1) m = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(s + 32)));
        if (type == KVD_TYPE_Q4_0) m = _mm512_mul_ps(d, _mm512_set1_ps(-8.0f));
        for (int i = 0; i < T; i++) {
            float xd, xs;
            memcpy(&xd, xb + KVD_XQ_GROUP_SCALES + 4 * i, 4);
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[i][0]), _mm512_mul_ps(d, _mm512_set1_ps(xd)), acc[i]);
            if (type != KVD_TYPE_Q8_0) {
                memcpy(&xs, xb + KVD_XQ_GROUP_SUMS + 4 * i, 4);
                acc[i] = _mm512_fmadd_ps(m, _mm512_set1_ps(xs), acc[i]);
            }
        }
    }
    const int nout_left = a->nout - r;
    const __mmask16 valid = nout_left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nout_left) - 1);
    for (int i = 0; i < T; i++) {
        float *y = a->y + (size_t)(t + i) * (size_t)a->ldy + (size_t)r;
        __m512 v = acc[i];
        if (a->bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(valid, a->bias + r));
        if (a->accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(valid, y), v);
        _mm512_mask_storeu_ps(y, valid, v);
    }
}

TGT INL void packed_rows(const kvd_mm_args *a, const int type, int r0, int r1, int t0, int t1) {
    const size_t tile_bytes = kvd_packed_tile_bytes(type, a->nin);
    for (int r = r0; r < r1; r += KVD_PACK_ROWS) {
        const uint8_t *tile = a->w + (size_t)(r / KVD_PACK_ROWS) * tile_bytes;
        const int parts = (t1 - t0 + KVD_PACKED_TOKENS - 1) / KVD_PACKED_TOKENS;
        int t = t0, part = 0;
        for (; t + KVD_PACKED_TOKENS <= t1; t += KVD_PACKED_TOKENS, part++)
            packed_tile(a, type, tile, r, t, part, parts, KVD_PACKED_TOKENS);
        switch (t1 - t) {
        case 7: packed_tile(a, type, tile, r, t, part, parts, 7); break;
        case 6: packed_tile(a, type, tile, r, t, part, parts, 6); break;
        case 5: packed_tile(a, type, tile, r, t, part, parts, 5); break;
        case 4: packed_tile(a, type, tile, r, t, part, parts, 4); break;
        case 3: packed_tile(a, type, tile, r, t, part, parts, 3); break;
        case 2: packed_tile(a, type, tile, r, t, part, parts, 2); break;
        case 1: packed_tile(a, type, tile, r, t, part, parts, 1); break;
        default: break;
        }
    }
}

TGT static void packed_q8_0(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { packed_rows(a, KVD_TYPE_Q8_0, r0, r1, t0, t1); }
TGT static void packed_q4_0(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { packed_rows(a, KVD_TYPE_Q4_0, r0, r1, t0, t1); }
TGT static void packed_q4_1(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { packed_rows(a, KVD_TYPE_Q4_1, r0, r1, t0, t1); }

void kvd_mm_packed_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    switch (a->type) {
    case KVD_TYPE_Q8_0: packed_q8_0(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_0: packed_q4_0(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_1: packed_q4_1(a, r0, r1, t0, t1); break;
    }
}
#else
#include "matmul_internal.h"
/* Not x86: kvd_isa_supported never offers the AVX-512 path, and kvd_matmul takes packed weights
 * only there. */
void kvd_mm_packed_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    (void)a; (void)r0; (void)r1; (void)t0; (void)t1;
}
#endif
