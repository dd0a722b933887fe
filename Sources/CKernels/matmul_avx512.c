/* The AVX-512 matmul (F, BW, VL and VNNI: Ice Lake, Sapphire Rapids, Zen 4 and 5). The integer
 * path takes two blocks per 512-bit vector and multiplies with vpdpbusd (unsigned x signed bytes
 * summed into int32, no int16 saturation), so every weight type is made unsigned: Q4 nibbles as
 * stored, Q8_0 as w + 128; the offsets (Q4_1's min m, Q4_0's -8 d, Q8_0's -128 d) are added per
 * block as m * s through the activation's block sums. */
#if defined(__x86_64__)
#include <immintrin.h>
#include "matmul_internal.h"

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define INL static inline __attribute__((always_inline))

/* Values 32b..32b+31 of a row as two vectors of 16 floats. */
TGT INL void deq32(const int type, const uint8_t *row, int b, __m512 w[2]) {
    switch (type) {
    case KVD_TYPE_F32: {
        const float *p = (const float *)row + 32 * (size_t)b;
        w[0] = _mm512_loadu_ps(p);
        w[1] = _mm512_loadu_ps(p + 16);
        break;
    }
    case KVD_TYPE_F16: {
        const uint8_t *p = row + 64 * (size_t)b;
        w[0] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
        w[1] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p + 32)));
        break;
    }
    case KVD_TYPE_BF16: {
        const uint8_t *p = row + 64 * (size_t)b;
        for (int i = 0; i < 2; i++)
            w[i] = _mm512_castsi512_ps(_mm512_slli_epi32(
                _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p + 32 * i))), 16));
        break;
    }
    case KVD_TYPE_Q8_0: {
        const uint8_t *blk = row + (size_t)b * KVD_Q8_0_BYTES;
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(kvd_load_u16(blk)));
        for (int i = 0; i < 2; i++)
            w[i] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(
                _mm_loadu_si128((const __m128i *)(blk + 2 + 16 * i)))));
        break;
    }
    case KVD_TYPE_Q4_0:
    case KVD_TYPE_Q4_1: {
        const int q41 = type == KVD_TYPE_Q4_1;
        const uint8_t *blk = row + (size_t)b * (q41 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES);
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(kvd_load_u16(blk)));
        const __m128i v = _mm_loadu_si128((const __m128i *)(blk + (q41 ? 4 : 2)));
        const __m128i mask = _mm_set1_epi8(0x0f);
        const __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(v, mask)));
        const __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(v, 4), mask)));
        if (q41) {
            const __m512 m = _mm512_set1_ps(_cvtsh_ss(kvd_load_u16(blk + 2)));
            w[0] = _mm512_add_ps(_mm512_mul_ps(d, lo), m);
            w[1] = _mm512_add_ps(_mm512_mul_ps(d, hi), m);
        } else {
            const __m512 eight = _mm512_set1_ps(8.0f);
            w[0] = _mm512_mul_ps(d, _mm512_sub_ps(lo, eight));
            w[1] = _mm512_mul_ps(d, _mm512_sub_ps(hi, eight));
        }
        break;
    }
    }
}

TGT INL void float_tile(const kvd_mm_args *a, const int type, int r, int t, const int T) {
    const int nin = a->nin, nchunks = nin / 32;
    const uint8_t *row = a->w + (size_t)r * a->row_bytes;
    const float *x[4];
    __m512 acc0[4], acc1[4];
    for (int i = 0; i < T; i++) {
        x[i] = a->x + (size_t)(t + i) * (size_t)nin;
        acc0[i] = _mm512_setzero_ps();
        acc1[i] = _mm512_setzero_ps();
    }
    for (int b = 0; b < nchunks; b++) {
        __m512 w[2];
        deq32(type, row, b, w);
        for (int i = 0; i < T; i++) {
            acc0[i] = _mm512_fmadd_ps(w[0], _mm512_loadu_ps(x[i] + 32 * b), acc0[i]);
            acc1[i] = _mm512_fmadd_ps(w[1], _mm512_loadu_ps(x[i] + 32 * b + 16), acc1[i]);
        }
    }
    for (int i = 0; i < T; i++) {
        float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0[i], acc1[i]));
        for (int j = nchunks * 32; j < nin; j++) {
            float wj = type == KVD_TYPE_F32 ? ((const float *)row)[j]
                     : type == KVD_TYPE_F16 ? kvd_f16_to_f32(kvd_load_u16(row + 2 * (size_t)j))
                     : kvd_bf16_to_f32(kvd_load_u16(row + 2 * (size_t)j));
            sum += wj * x[i][j];
        }
        kvd_mm_store(a, t + i, r, sum);
    }
}

TGT INL void float_rows(const kvd_mm_args *a, const int type, int r0, int r1, int t0, int t1) {
    for (int r = r0; r < r1; r++) {
        int t = t0;
        for (; t + 4 <= t1; t += 4) float_tile(a, type, r, t, 4);
        for (; t < t1; t++) float_tile(a, type, r, t, 1);
    }
}

TGT static void float_f32(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { float_rows(a, KVD_TYPE_F32, r0, r1, t0, t1); }
TGT static void float_f16(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { float_rows(a, KVD_TYPE_F16, r0, r1, t0, t1); }
TGT static void float_bf16(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { float_rows(a, KVD_TYPE_BF16, r0, r1, t0, t1); }
TGT static void float_q8_0(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { float_rows(a, KVD_TYPE_Q8_0, r0, r1, t0, t1); }
TGT static void float_q4_0(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { float_rows(a, KVD_TYPE_Q4_0, r0, r1, t0, t1); }
TGT static void float_q4_1(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { float_rows(a, KVD_TYPE_Q4_1, r0, r1, t0, t1); }

void kvd_mm_float_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    switch (a->type) {
    case KVD_TYPE_F32: float_f32(a, r0, r1, t0, t1); break;
    case KVD_TYPE_F16: float_f16(a, r0, r1, t0, t1); break;
    case KVD_TYPE_BF16: float_bf16(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q8_0: float_q8_0(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_0: float_q4_0(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_1: float_q4_1(a, r0, r1, t0, t1); break;
    }
}

/* Blocks b and b+1 as 64 unsigned bytes in element order. */
TGT INL __m512i load_pair(const int type, const uint8_t *row, int b) {
    if (type == KVD_TYPE_Q8_0) {
        const uint8_t *blk = row + (size_t)b * KVD_Q8_0_BYTES;
        __m512i z = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(blk + 2))),
            _mm256_loadu_si256((const __m256i *)(blk + 2 + KVD_Q8_0_BYTES)), 1);
        return _mm512_xor_si512(z, _mm512_set1_epi8((char)0x80));
    }
    const size_t bb = type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    const uint8_t *q = row + (size_t)b * bb + (type == KVD_TYPE_Q4_1 ? 4 : 2);
    const __m256i two = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(q + bb)),
                                         _mm_loadu_si128((const __m128i *)q));
    const __m512i z = _mm512_castsi256_si512(two);
    /* [qs_b, qs_b, qs_b+1, qs_b+1], the second copy of each shifted to its high nibbles. */
    __m512i d = _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(1, 1, 0, 0));
    d = _mm512_srlv_epi64(d, _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0));
    return _mm512_and_si512(d, _mm512_set1_epi8(0x0f));
}

/* Block b alone as 32 unsigned bytes (the odd last block). */
TGT INL __m256i load_one(const int type, const uint8_t *row, int b) {
    if (type == KVD_TYPE_Q8_0) {
        const uint8_t *blk = row + (size_t)b * KVD_Q8_0_BYTES;
        return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(blk + 2)), _mm256_set1_epi8((char)0x80));
    }
    const size_t bb = type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    const __m128i v = _mm_loadu_si128((const __m128i *)(row + (size_t)b * bb + (type == KVD_TYPE_Q4_1 ? 4 : 2)));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0f));
}

/* Weights of blocks b and b+1 as 2 x 32 int16 in the wide activations' pair order:
 * [b: 0..15 | b+1: 0..15] and [b: 16..31 | b+1: 16..31] (Q4_0 as nibble - 8, Q8_0 signed). */
TGT INL void load_pair16(const int type, const uint8_t *row, int b, __m512i *wa, __m512i *wb) {
    if (type == KVD_TYPE_Q8_0) {
        const uint8_t *q0 = row + (size_t)b * KVD_Q8_0_BYTES + 2, *q1 = q0 + KVD_Q8_0_BYTES;
        *wa = _mm512_cvtepi8_epi16(_mm256_set_m128i(_mm_loadu_si128((const __m128i *)q1), _mm_loadu_si128((const __m128i *)q0)));
        *wb = _mm512_cvtepi8_epi16(_mm256_set_m128i(_mm_loadu_si128((const __m128i *)(q1 + 16)), _mm_loadu_si128((const __m128i *)(q0 + 16))));
        return;
    }
    const size_t bb = type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    const uint8_t *q0 = row + (size_t)b * bb + (type == KVD_TYPE_Q4_1 ? 4 : 2);
    const __m256i two = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(q0 + bb)), _mm_loadu_si128((const __m128i *)q0));
    const __m256i mask = _mm256_set1_epi8(0x0f);
    *wa = _mm512_cvtepu8_epi16(_mm256_and_si256(two, mask));
    *wb = _mm512_cvtepu8_epi16(_mm256_and_si256(_mm256_srli_epi16(two, 4), mask));
    if (type == KVD_TYPE_Q4_0) {
        *wa = _mm512_sub_epi16(*wa, _mm512_set1_epi16(8));
        *wb = _mm512_sub_epi16(*wb, _mm512_set1_epi16(8));
    }
}

/* R weight rows (1 or 2) against T tokens (1 to 4): the rows share each token's activation
 * loads and scale vector. WIDE: int16 activations, vpdpwssd on int16 weights; else int8
 * activations, vpdpbusd on unsigned weight bytes. Every (row, token) pair sees the same
 * instruction sequence whatever R and T are, so results do not depend on the batch. */
TGT INL void q8_tile(const kvd_mm_args *a, const int type, const int WIDE, const uint8_t *const *row,
                     const float *const *dw, const float *const *mw, int r, int t, const int T, const int R) {
    const int nin = a->nin, nb = nin / 32, npairs = nb / 2;
    const size_t doff = kvd_qrow_scales_offset(nin, WIDE), soff = kvd_qrow_sums_offset(nin, WIDE);
    /* Narrow rows always need the offset term (Q4_0 -8 d, Q8_0 -128 d, Q4_1 m); wide only Q4_1. */
    const int offsets = !WIDE || type == KVD_TYPE_Q4_1;
    const __m512i spread = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const uint8_t *xq[4];
    const float *xd[4];
    __m512 acc[2][4];
    for (int i = 0; i < T; i++) {
        xq[i] = a->xq + (size_t)(t + i) * a->qstride;
        xd[i] = (const float *)(xq[i] + doff);
        for (int k = 0; k < R; k++) acc[k][i] = _mm512_setzero_ps();
    }
    for (int p = 0; p < npairs; p++) {
        const int b = 2 * p;
        __m512i wv[2], wv2[2];
        __m512 dv[2];
        for (int k = 0; k < R; k++) {
            if (WIDE) load_pair16(type, row[k], b, &wv[k], &wv2[k]);
            else wv[k] = load_pair(type, row[k], b);
            /* [dw_b x8, dw_b+1 x8] */
            dv[k] = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd((const double *)(dw[k] + b)))));
        }
        for (int i = 0; i < T; i++) {
            __m512i xv, xv2 = _mm512_setzero_si512();
            if (WIDE) {
                xv = _mm512_loadu_si512((const void *)(xq[i] + 128 * (size_t)p));
                xv2 = _mm512_loadu_si512((const void *)(xq[i] + 128 * (size_t)p + 64));
            } else {
                xv = _mm512_loadu_si512((const void *)(xq[i] + 32 * (size_t)b));
            }
            const __m512 xs = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(
                _mm_castpd_ps(_mm_load_sd((const double *)(xd[i] + b)))));
            for (int k = 0; k < R; k++) {
                __m512i s;
                if (WIDE) s = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(_mm512_setzero_si512(), wv[k], xv), wv2[k], xv2);
                else s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv[k], xv);
                acc[k][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dv[k], xs), acc[k][i]);
            }
        }
    }
    /* The odd last block and the offset terms go into the vector accumulator, so each (row,
     * token) pays one horizontal reduction. */
    for (int k = 0; k < R; k++) {
        for (int i = 0; i < T; i++) {
            __m512 v = acc[k][i];
            if (nb & 1) {
                const int b = nb - 1;
                __m256i s;
                if (WIDE) {
                    /* the odd last block, in order: elements 0..15 then 16..31 */
                    const int16_t *x16 = (const int16_t *)xq[i] + (size_t)b * 32;
                    __m256i w0, w1;
                    if (type == KVD_TYPE_Q8_0) {
                        const uint8_t *q = row[k] + (size_t)b * KVD_Q8_0_BYTES + 2;
                        w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)q));
                        w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + 16)));
                    } else {
                        const size_t bb = type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
                        const __m128i q = _mm_loadu_si128((const __m128i *)(row[k] + (size_t)b * bb + (type == KVD_TYPE_Q4_1 ? 4 : 2)));
                        w0 = _mm256_cvtepu8_epi16(_mm_and_si128(q, _mm_set1_epi8(0x0f)));
                        w1 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0f)));
                        if (type == KVD_TYPE_Q4_0) {
                            w0 = _mm256_sub_epi16(w0, _mm256_set1_epi16(8));
                            w1 = _mm256_sub_epi16(w1, _mm256_set1_epi16(8));
                        }
                    }
                    s = _mm256_dpwssd_epi32(_mm256_dpwssd_epi32(_mm256_setzero_si256(), w0, _mm256_loadu_si256((const __m256i *)x16)),
                                            w1, _mm256_loadu_si256((const __m256i *)(x16 + 16)));
                } else {
                    s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), load_one(type, row[k], b),
                                            _mm256_loadu_si256((const __m256i *)(xq[i] + 32 * (size_t)b)));
                }
                const __m256 tail = _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(dw[k][b] * xd[i][b]));
                v = _mm512_add_ps(v, _mm512_zextps256_ps512(tail));
            }
            if (offsets) {
                const float *s = (const float *)(xq[i] + soff);
                for (int b = 0; b < nb; b += 16) {
                    const __mmask16 m = nb - b >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (nb - b)) - 1);
                    v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, mw[k] + b), _mm512_maskz_loadu_ps(m, s + b), v);
                }
            }
            kvd_mm_store(a, t + i, r + k, _mm512_reduce_add_ps(v));
        }
    }
}

/* A row's block scales d (and offsets m) into dw and mw. */
TGT INL void row_scales(const int type, const uint8_t *row, int nb, float *dw, float *mw) {
    const size_t bb = type == KVD_TYPE_Q8_0 ? KVD_Q8_0_BYTES : type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    const float offset = type == KVD_TYPE_Q8_0 ? -128.0f : -8.0f;
    /* Byte offsets of 16 consecutive blocks' scales: one 32-bit gather fetches 16 d's (and, in
     * Q4_1, the m's beside them), replacing 16-32 scalar loads and conversions per row. */
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32((int)bb));
    int b = 0;
    for (; b + 16 <= nb; b += 16) {
        const __m512i v = _mm512_i32gather_epi32(offsets, (const void *)(row + (size_t)b * bb), 1);
        const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v));
        _mm512_storeu_ps(dw + b, d);
        _mm512_storeu_ps(mw + b, type == KVD_TYPE_Q4_1 ? _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16)))
                                                      : _mm512_mul_ps(d, _mm512_set1_ps(offset)));
    }
    for (; b < nb; b++) {
        const uint8_t *blk = row + (size_t)b * bb;
        dw[b] = _cvtsh_ss(kvd_load_u16(blk));
        mw[b] = type == KVD_TYPE_Q4_1 ? _cvtsh_ss(kvd_load_u16(blk + 2)) : offset * dw[b];
    }
}

/* Rows this far ahead are prefetched: each row begins with a gather of its block scales, which
 * the hardware prefetchers do not follow, so without this every row starts with a memory stall. */
#define KVD_PREFETCH_ROWS 8

TGT INL void prefetch_rows(const kvd_mm_args *a, int r, int count, int r1) {
    for (int k = 0; k < count && r + k < r1; k++) {
        const uint8_t *p = a->w + (size_t)(r + k) * a->row_bytes;
        for (size_t off = 0; off < a->row_bytes; off += 64) _mm_prefetch((const char *)(p + off), _MM_HINT_T0);
    }
}

TGT INL void q8_rows(const kvd_mm_args *a, const int type, const int WIDE, int r0, int r1, int t0, int t1) {
    const int nb = a->nin / 32;
    float dw0[KVD_MAX_NIN / 32 + 1], mw0[KVD_MAX_NIN / 32], dw1[KVD_MAX_NIN / 32 + 1], mw1[KVD_MAX_NIN / 32];
    const float *dw[2] = { dw0, dw1 }, *mw[2] = { mw0, mw1 };
    int r = r0;
    for (; r + 2 <= r1; r += 2) {
        const uint8_t *rows[2] = { a->w + (size_t)r * a->row_bytes, a->w + (size_t)(r + 1) * a->row_bytes };
        prefetch_rows(a, r + KVD_PREFETCH_ROWS, 2, r1);
        row_scales(type, rows[0], nb, dw0, mw0);
        row_scales(type, rows[1], nb, dw1, mw1);
        int t = t0;
        for (; t + 4 <= t1; t += 4) q8_tile(a, type, WIDE, rows, dw, mw, r, t, 4, 2);
        for (; t < t1; t++) q8_tile(a, type, WIDE, rows, dw, mw, r, t, 1, 2);
    }
    for (; r < r1; r++) {
        const uint8_t *rows[1] = { a->w + (size_t)r * a->row_bytes };
        prefetch_rows(a, r + KVD_PREFETCH_ROWS, 1, r1);
        row_scales(type, rows[0], nb, dw0, mw0);
        int t = t0;
        for (; t + 4 <= t1; t += 4) q8_tile(a, type, WIDE, rows, dw, mw, r, t, 4, 1);
        for (; t < t1; t++) q8_tile(a, type, WIDE, rows, dw, mw, r, t, 1, 1);
    }
}

#define Q8_VARIANT(NAME, TYPE, WIDE) \
    TGT static void NAME(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { q8_rows(a, TYPE, WIDE, r0, r1, t0, t1); }
Q8_VARIANT(q8_q8_0, KVD_TYPE_Q8_0, 0)
Q8_VARIANT(q8_q4_0, KVD_TYPE_Q4_0, 0)
Q8_VARIANT(q8_q4_1, KVD_TYPE_Q4_1, 0)
Q8_VARIANT(q16_q8_0, KVD_TYPE_Q8_0, 1)
Q8_VARIANT(q16_q4_0, KVD_TYPE_Q4_0, 1)
Q8_VARIANT(q16_q4_1, KVD_TYPE_Q4_1, 1)

void kvd_mm_q8_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    switch (a->type) {
    case KVD_TYPE_Q8_0: (a->wide ? q16_q8_0 : q8_q8_0)(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_0: (a->wide ? q16_q4_0 : q8_q4_0)(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_1: (a->wide ? q16_q4_1 : q8_q4_1)(a, r0, r1, t0, t1); break;
    }
}
/* kvd_quantize_rows, 16 lanes at a time, with the same float operations in the same order (no
 * fused multiply-add), so its bytes equal the plain version's: every path sees the same input. */
TGT void kvd_quantize_blocks_avx512(const float *xr, int n, int b0, int b1, int wide, void *xq, int t) {
    const int nb = n / 32;
    const float levels = wide ? 32767.0f : 127.0f;
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    for (int b = b0; b < b1; b++) {
        const kvd_xq_block dst = kvd_xq_locate(xq, n, wide, t, b);
        const __m512 x0 = _mm512_loadu_ps(xr + 32 * b), x1 = _mm512_loadu_ps(xr + 32 * b + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
        const float db = amax / levels;
        const __m512 id = _mm512_set1_ps(db != 0.0f ? 1.0f / db : 0.0f);
        const __m512i q0 = _mm512_cvttps_epi32(_mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(x0, id), magic), magic));
        const __m512i q1 = _mm512_cvttps_epi32(_mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(x1, id), magic), magic));
        if (wide == KVD_XQ_WIDE_GROUPED) {
            _mm256_storeu_si256((__m256i *)dst.values, _mm512_cvtepi32_epi16(q0));
            _mm256_storeu_si256((__m256i *)(dst.values + 32), _mm512_cvtepi32_epi16(q1));
        } else if (wide) {
            _mm256_storeu_si256((__m256i *)((int16_t *)dst.values + kvd_wide_index(nb, b, 0)), _mm512_cvtepi32_epi16(q0));
            _mm256_storeu_si256((__m256i *)((int16_t *)dst.values + kvd_wide_index(nb, b, 16)), _mm512_cvtepi32_epi16(q1));
        } else {
            _mm_storeu_si128((__m128i *)(dst.values + 32 * b), _mm512_cvtepi32_epi8(q0));
            _mm_storeu_si128((__m128i *)(dst.values + 32 * b + 16), _mm512_cvtepi32_epi8(q1));
        }
        *dst.d = db;
        *dst.s = db * (float)_mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
    }
}
#else
#include "matmul_internal.h"
void kvd_mm_float_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { kvd_mm_float_ref(a, r0, r1, t0, t1); }
void kvd_mm_q8_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { kvd_mm_q8_ref(a, r0, r1, t0, t1); }
void kvd_quantize_blocks_avx512(const float *xr, int n, int b0, int b1, int wide, void *xq, int t) { kvd_quantize_blocks_ref(xr, n, b0, b1, wide, xq, t); }
#endif
