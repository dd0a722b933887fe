/* The AVX2 + FMA + F16C matmul (Haswell and Zen onwards). Tiles of 4 tokens share each weight
 * block: it is loaded and dequantised once, then multiplied with every token in registers. A
 * token's arithmetic is the same in a tile of 4 and a tile of 1, so a sequence's logits do not
 * depend on what else is in the batch. */
#if defined(__x86_64__)
#include <immintrin.h>
#include "matmul_internal.h"

#define TGT __attribute__((target("avx2,fma,f16c")))
#define INL static inline __attribute__((always_inline))

TGT INL float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Values 32b..32b+31 of a row as four vectors of 8 floats. */
TGT INL void deq32(const int type, const uint8_t *row, int b, __m256 w[4]) {
    switch (type) {
    case KVD_TYPE_F32: {
        const float *p = (const float *)row + 32 * (size_t)b;
        for (int i = 0; i < 4; i++) w[i] = _mm256_loadu_ps(p + 8 * i);
        break;
    }
    case KVD_TYPE_F16: {
        const uint8_t *p = row + 64 * (size_t)b;
        for (int i = 0; i < 4; i++) w[i] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 16 * i)));
        break;
    }
    case KVD_TYPE_BF16: {
        const uint8_t *p = row + 64 * (size_t)b;
        for (int i = 0; i < 4; i++)
            w[i] = _mm256_castsi256_ps(_mm256_slli_epi32(
                _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 16 * i))), 16));
        break;
    }
    case KVD_TYPE_Q8_0: {
        const uint8_t *blk = row + (size_t)b * KVD_Q8_0_BYTES;
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(kvd_load_u16(blk)));
        for (int i = 0; i < 4; i++)
            w[i] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                _mm_loadl_epi64((const __m128i *)(blk + 2 + 8 * i)))));
        break;
    }
    case KVD_TYPE_Q4_0:
    case KVD_TYPE_Q4_1: {
        const int q41 = type == KVD_TYPE_Q4_1;
        const uint8_t *blk = row + (size_t)b * (q41 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES);
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(kvd_load_u16(blk)));
        const __m128i v = _mm_loadu_si128((const __m128i *)(blk + (q41 ? 4 : 2)));
        const __m128i mask = _mm_set1_epi8(0x0f);
        const __m128i lo = _mm_and_si128(v, mask), hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
        __m256 q[4] = {
            _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo)),
            _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8))),
            _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi)),
            _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))),
        };
        if (q41) {
            const __m256 m = _mm256_set1_ps(_cvtsh_ss(kvd_load_u16(blk + 2)));
            for (int i = 0; i < 4; i++) w[i] = _mm256_add_ps(_mm256_mul_ps(d, q[i]), m);
        } else {
            const __m256 eight = _mm256_set1_ps(8.0f);
            for (int i = 0; i < 4; i++) w[i] = _mm256_mul_ps(d, _mm256_sub_ps(q[i], eight));
        }
        break;
    }
    }
}

/* One weight row against T tokens (T is 4 or 1 after inlining: the arrays live in registers). */
TGT INL void float_tile(const kvd_mm_args *a, const int type, int r, int t, const int T) {
    const int nin = a->nin, nchunks = nin / 32;
    const uint8_t *row = a->w + (size_t)r * a->row_bytes;
    const float *x[4];
    __m256 acc0[4], acc1[4];
    for (int i = 0; i < T; i++) {
        x[i] = a->x + (size_t)(t + i) * (size_t)nin;
        acc0[i] = _mm256_setzero_ps();
        acc1[i] = _mm256_setzero_ps();
    }
    for (int b = 0; b < nchunks; b++) {
        __m256 w[4];
        deq32(type, row, b, w);
        for (int i = 0; i < T; i++) {
            const float *xb = x[i] + 32 * b;
            acc0[i] = _mm256_fmadd_ps(w[0], _mm256_loadu_ps(xb), acc0[i]);
            acc1[i] = _mm256_fmadd_ps(w[1], _mm256_loadu_ps(xb + 8), acc1[i]);
            acc0[i] = _mm256_fmadd_ps(w[2], _mm256_loadu_ps(xb + 16), acc0[i]);
            acc1[i] = _mm256_fmadd_ps(w[3], _mm256_loadu_ps(xb + 24), acc1[i]);
        }
    }
    for (int i = 0; i < T; i++) {
        float sum = hsum8(_mm256_add_ps(acc0[i], acc1[i]));
        for (int j = nchunks * 32; j < nin; j++) { /* only float types have a tail */
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

void kvd_mm_float_avx2(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    switch (a->type) {
    case KVD_TYPE_F32: float_f32(a, r0, r1, t0, t1); break;
    case KVD_TYPE_F16: float_f16(a, r0, r1, t0, t1); break;
    case KVD_TYPE_BF16: float_bf16(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q8_0: float_q8_0(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_0: float_q4_0(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_1: float_q4_1(a, r0, r1, t0, t1); break;
    }
}

/* Integer path. A row's block scales (and offsets m: Q4_1's min, Q4_0's -8 d) are gathered once
 * per row, then each token costs per block: load, maddubs, madd, convert, fma. maddubs takes
 * unsigned x signed bytes: Q4 nibbles are unsigned as stored; Q8_0 uses llama.cpp's sign trick
 * (|w| times x with w's sign), since w + 128 would overflow maddubs' int16 pair sums. */
TGT INL __m256i dot_block(const int type, __m256i wabs, __m256i wv, const uint8_t *x, __m256i ones) {
    __m256i xv = _mm256_loadu_si256((const __m256i *)x);
    if (type == KVD_TYPE_Q8_0) xv = _mm256_sign_epi8(xv, wv);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(wabs, xv), ones);
}

TGT INL void q8_tile(const kvd_mm_args *a, const int type, const uint8_t *row,
                     const float *dw, const float *mw, int r, int t, const int T) {
    const int nin = a->nin, nb = nin / 32;
    const size_t doff = kvd_qrow_scales_offset(nin, 0), soff = kvd_qrow_sums_offset(nin, 0);
    const size_t bb = type == KVD_TYPE_Q8_0 ? KVD_Q8_0_BYTES : type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    const size_t qoff = type == KVD_TYPE_Q4_1 ? 4 : 2;
    const __m256i ones = _mm256_set1_epi16(1), mask = _mm256_set1_epi8(0x0f);
    const uint8_t *xq[4];
    const float *xd[4];
    __m256 acc[4];
    for (int i = 0; i < T; i++) {
        xq[i] = a->xq + (size_t)(t + i) * a->qstride;
        xd[i] = (const float *)(xq[i] + doff);
        acc[i] = _mm256_setzero_ps();
    }
    for (int b = 0; b < nb; b++) {
        const uint8_t *q = row + (size_t)b * bb + qoff;
        __m256i wv;
        if (type == KVD_TYPE_Q8_0) {
            wv = _mm256_loadu_si256((const __m256i *)q);
        } else {
            const __m128i v = _mm_loadu_si128((const __m128i *)q);
            wv = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), mask);
        }
        const __m256i wabs = type == KVD_TYPE_Q8_0 ? _mm256_sign_epi8(wv, wv) : wv;
        for (int i = 0; i < T; i++) {
            const __m256i p = dot_block(type, wabs, wv, xq[i] + 32 * (size_t)b, ones);
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw[b] * xd[i][b]), acc[i]);
        }
    }
    for (int i = 0; i < T; i++) {
        float sum = hsum8(acc[i]);
        if (type != KVD_TYPE_Q8_0) {
            const float *s = (const float *)(xq[i] + soff);
            float c = 0.0f;
            for (int b = 0; b < nb; b++) c += mw[b] * s[b];
            sum += c;
        }
        kvd_mm_store(a, t + i, r, sum);
    }
}

/* Wide (int16) activations: weights widened to int16 per block (Q4_0 as nibble - 8, Q8_0 as its
 * int8, so only Q4_1 needs the m * s term), pmaddwd against the token's two halves of the block. */
TGT INL void q16_tile(const kvd_mm_args *a, const int type, const uint8_t *row,
                      const float *dw, const float *mw, int r, int t, const int T) {
    const int nin = a->nin, nb = nin / 32;
    const size_t doff = kvd_qrow_scales_offset(nin, 1), soff = kvd_qrow_sums_offset(nin, 1);
    const size_t bb = type == KVD_TYPE_Q8_0 ? KVD_Q8_0_BYTES : type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    const size_t qoff = type == KVD_TYPE_Q4_1 ? 4 : 2;
    const __m128i mask = _mm_set1_epi8(0x0f);
    const int16_t *xq[4];
    const float *xd[4];
    __m256 acc[4];
    for (int i = 0; i < T; i++) {
        const uint8_t *qr = a->xq + (size_t)(t + i) * a->qstride;
        xq[i] = (const int16_t *)qr;
        xd[i] = (const float *)(qr + doff);
        acc[i] = _mm256_setzero_ps();
    }
    for (int b = 0; b < nb; b++) {
        const uint8_t *q = row + (size_t)b * bb + qoff;
        __m256i w0, w1;
        if (type == KVD_TYPE_Q8_0) {
            w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)q));
            w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + 16)));
        } else {
            const __m128i v = _mm_loadu_si128((const __m128i *)q);
            w0 = _mm256_cvtepu8_epi16(_mm_and_si128(v, mask));
            w1 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(v, 4), mask));
            if (type == KVD_TYPE_Q4_0) {
                w0 = _mm256_sub_epi16(w0, _mm256_set1_epi16(8));
                w1 = _mm256_sub_epi16(w1, _mm256_set1_epi16(8));
            }
        }
        const size_t i0 = kvd_wide_index(nb, b, 0), i1 = kvd_wide_index(nb, b, 16);
        for (int i = 0; i < T; i++) {
            const __m256i p = _mm256_add_epi32(
                _mm256_madd_epi16(w0, _mm256_loadu_si256((const __m256i *)(xq[i] + i0))),
                _mm256_madd_epi16(w1, _mm256_loadu_si256((const __m256i *)(xq[i] + i1))));
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw[b] * xd[i][b]), acc[i]);
        }
    }
    for (int i = 0; i < T; i++) {
        float sum = hsum8(acc[i]);
        if (type == KVD_TYPE_Q4_1) {
            const float *s = (const float *)((const uint8_t *)xq[i] + soff);
            float c = 0.0f;
            for (int b = 0; b < nb; b++) c += mw[b] * s[b];
            sum += c;
        }
        kvd_mm_store(a, t + i, r, sum);
    }
}

/* Rows this far ahead are prefetched: each row begins with a gather of its block scales, which
 * the hardware prefetchers do not follow (8 measured best on a 17 MB matrix). */
#define KVD_PREFETCH_ROWS 8

TGT INL void q8_rows(const kvd_mm_args *a, const int type, const int WIDE, int r0, int r1, int t0, int t1) {
    const int nb = a->nin / 32;
    const size_t bb = type == KVD_TYPE_Q8_0 ? KVD_Q8_0_BYTES : type == KVD_TYPE_Q4_1 ? KVD_Q4_1_BYTES : KVD_Q4_0_BYTES;
    float dw[KVD_MAX_NIN / 32], mw[KVD_MAX_NIN / 32];
    /* Byte offsets of 8 consecutive blocks' scales: one 32-bit gather fetches 8 d's (and, in
     * Q4_1, the m's beside them), replacing 8-16 scalar loads and conversions. */
    const __m256i offsets = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)bb));
    const __m256i low16 = _mm256_set1_epi32(0xffff);
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = a->w + (size_t)r * a->row_bytes;
        if (r + KVD_PREFETCH_ROWS < r1) {
            const uint8_t *ahead = row + (size_t)KVD_PREFETCH_ROWS * a->row_bytes;
            for (size_t off = 0; off < a->row_bytes; off += 64) _mm_prefetch((const char *)(ahead + off), _MM_HINT_T0);
        }
        int b = 0;
        for (; b + 8 <= nb; b += 8) {
            const __m256i v = _mm256_i32gather_epi32((const int *)(row + (size_t)b * bb), offsets, 1);
            /* 8 low halves -> 8 u16 in order (packus interleaves 128-bit lanes; permute undoes it) */
            const __m256i dl = _mm256_permute4x64_epi64(_mm256_packus_epi32(_mm256_and_si256(v, low16), _mm256_setzero_si256()), 0xd8);
            const __m256 d = _mm256_cvtph_ps(_mm256_castsi256_si128(dl));
            _mm256_storeu_ps(dw + b, d);
            if (type == KVD_TYPE_Q4_1) {
                const __m256i ml = _mm256_permute4x64_epi64(_mm256_packus_epi32(_mm256_srli_epi32(v, 16), _mm256_setzero_si256()), 0xd8);
                _mm256_storeu_ps(mw + b, _mm256_cvtph_ps(_mm256_castsi256_si128(ml)));
            } else {
                _mm256_storeu_ps(mw + b, _mm256_mul_ps(d, _mm256_set1_ps(-8.0f)));
            }
        }
        for (; b < nb; b++) {
            const uint8_t *blk = row + (size_t)b * bb;
            dw[b] = _cvtsh_ss(kvd_load_u16(blk));
            mw[b] = type == KVD_TYPE_Q4_1 ? _cvtsh_ss(kvd_load_u16(blk + 2)) : -8.0f * dw[b];
        }
        int t = t0;
        if (WIDE) {
            for (; t + 4 <= t1; t += 4) q16_tile(a, type, row, dw, mw, r, t, 4);
            for (; t < t1; t++) q16_tile(a, type, row, dw, mw, r, t, 1);
        } else {
            for (; t + 4 <= t1; t += 4) q8_tile(a, type, row, dw, mw, r, t, 4);
            for (; t < t1; t++) q8_tile(a, type, row, dw, mw, r, t, 1);
        }
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

void kvd_mm_q8_avx2(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    switch (a->type) {
    case KVD_TYPE_Q8_0: (a->wide ? q16_q8_0 : q8_q8_0)(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_0: (a->wide ? q16_q4_0 : q8_q4_0)(a, r0, r1, t0, t1); break;
    case KVD_TYPE_Q4_1: (a->wide ? q16_q4_1 : q8_q4_1)(a, r0, r1, t0, t1); break;
    }
}
#else
#include "matmul_internal.h"
/* Not x86: kvd_isa_supported never offers this path; keep the symbols for the linker. */
void kvd_mm_float_avx2(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { kvd_mm_float_ref(a, r0, r1, t0, t1); }
void kvd_mm_q8_avx2(const kvd_mm_args *a, int r0, int r1, int t0, int t1) { kvd_mm_q8_ref(a, r0, r1, t0, t1); }
#endif
