#ifndef KVD_MATMUL_INTERNAL_H
#define KVD_MATMUL_INTERNAL_H
/* What the per-ISA matmul files share: one weight matrix's arguments and the tile store. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "kvd_matmul.h"

typedef struct {
    int type;              /* KVD_TYPE_*, without KVD_PACKED */
    const uint8_t *w;
    size_t row_bytes;
    int nin;
    int nout;
    const float *x;        /* ntok x nin floats */
    const uint8_t *xq;     /* kvd_xq_bytes(ntok, nin, wide), or NULL */
    size_t qstride;        /* between tokens (row formats) or groups of KVD_XQ_GROUP (grouped) */
    int wide;              /* xq's format, KVD_XQ_* (kvd_matmul.h) */
    float *y;
    int ldy;
    const float *bias;
    int accumulate;
} kvd_mm_args;

/* Rows r0..<r1 for tokens t0..<t1. */
typedef void (*kvd_mm_kernel)(const kvd_mm_args *a, int r0, int r1, int t0, int t1);

void kvd_mm_float_ref(const kvd_mm_args *a, int r0, int r1, int t0, int t1);
void kvd_mm_q8_ref(const kvd_mm_args *a, int r0, int r1, int t0, int t1);
void kvd_mm_float_avx2(const kvd_mm_args *a, int r0, int r1, int t0, int t1);
void kvd_mm_q8_avx2(const kvd_mm_args *a, int r0, int r1, int t0, int t1);
void kvd_mm_float_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1);
void kvd_mm_q8_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1);
/* Blocks b0..<b1 of one row of n values (xr) into token t of xq (kvd_quantize_rows' bytes in
 * format `wide` for those blocks), plain or AVX-512 (the same float operations in the same order,
 * so the same bytes); kvd_quantize_blocks picks by isa (KVD_ISA_*). */
void kvd_quantize_blocks_ref(const float *xr, int n, int b0, int b1, int wide, void *xq, int t);
void kvd_quantize_blocks_avx512(const float *xr, int n, int b0, int b1, int wide, void *xq, int t);
void kvd_quantize_blocks(int isa, const float *xr, int n, int b0, int b1, int wide, void *xq, int t);
/* kvd_rope for one token: nheads heads of head_dim at x, by its cos/sin row (c, s). */
void kvd_rope_token(float *x, int nheads, int head_dim, const float *c, const float *s, int layout);
/* o[i] = silu(g[i]) * u[i] for n values with the SIMD code of isa (kvd_swiglu's arithmetic). */
void kvd_swiglu_span(int isa, const float *g, const float *u, float *o, size_t n);
/* Packed weights (kvd_pack_weights), wide activations; r0 and r1 are multiples of KVD_PACK_ROWS
 * or r1 = nout. */
void kvd_mm_packed_avx512(const kvd_mm_args *a, int r0, int r1, int t0, int t1);

static inline void kvd_mm_store(const kvd_mm_args *a, int t, int r, float v) {
    float *p = a->y + (size_t)t * (size_t)a->ldy + (size_t)r;
    if (a->bias) v += a->bias[r];
    *p = a->accumulate ? *p + v : v;
}

/* IEEE half to float without F16C (the reference path must not need it). */
static inline float kvd_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) { man <<= 1; exp--; }
            man &= 0x3ff;
            bits = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Float to IEEE half, rounding to nearest even (overflow to infinity, NaN kept a quiet NaN),
 * without F16C so every path stores the same bits (Fabian Giesen's float_to_half_fast3_rtne). */
static inline uint16_t kvd_f32_to_f16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    const uint32_t sign = u & 0x80000000u;
    u ^= sign;
    uint16_t o;
    if (u >= 0x47800000u) {            /* >= 65536 (rounds to infinity) or Inf/NaN */
        o = u > 0x7f800000u ? 0x7e00 : 0x7c00;
    } else if (u < 0x38800000u) {      /* below 2^-14: a half subnormal or zero */
        const uint32_t magic_bits = (uint32_t)((127 - 15) + (23 - 10) + 1) << 23;
        float magic, v;
        memcpy(&magic, &magic_bits, 4);
        memcpy(&v, &u, 4);
        v += magic;                    /* the float adder rounds the mantissa to nearest even */
        uint32_t r;
        memcpy(&r, &v, 4);
        o = (uint16_t)(r - magic_bits);
    } else {
        const uint32_t odd = (u >> 13) & 1;
        u += ((uint32_t)(15 - 127) << 23) + 0xfff + odd;
        o = (uint16_t)(u >> 13);
    }
    return (uint16_t)(o | (sign >> 16));
}

static inline float kvd_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t kvd_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Where a token's quantised row keeps its scales and sums (layout: kvd_matmul.h). */
static inline size_t kvd_round64(size_t v) { return (v + 63) & ~(size_t)63; }
static inline size_t kvd_qrow_scales_offset(int n, int wide) {
    return kvd_round64((size_t)n * (wide ? 2 : 1));
}
static inline size_t kvd_qrow_sums_offset(int n, int wide) {
    return kvd_qrow_scales_offset(n, wide) + kvd_round64((size_t)n / 32 * 4);
}
/* The wide grouped format (kvd_matmul.h): bytes per block of a group, offsets in it, bytes per
 * group of KVD_XQ_GROUP tokens of n values. */
#define KVD_XQ_GROUP_BLOCK 576
#define KVD_XQ_GROUP_SCALES 512
#define KVD_XQ_GROUP_SUMS 544
static inline size_t kvd_xq_group_bytes(int n) { return (size_t)(n / 32) * KVD_XQ_GROUP_BLOCK; }
/* Where token t's block b keeps its values (for the row formats, the row: the values sit at
 * kvd_wide_index or b * 32 in it), its scale d and its sum s in xq of format `wide`. */
typedef struct { uint8_t *values; float *d, *s; } kvd_xq_block;
static inline kvd_xq_block kvd_xq_locate(void *xq, int n, int wide, int t, int b) {
    kvd_xq_block k;
    if (wide == KVD_XQ_WIDE_GROUPED) {
        uint8_t *blk = (uint8_t *)xq + (size_t)(t / KVD_XQ_GROUP) * kvd_xq_group_bytes(n) + (size_t)b * KVD_XQ_GROUP_BLOCK;
        const int slot = t % KVD_XQ_GROUP;
        k.values = blk + 64 * slot;
        k.d = (float *)(blk + KVD_XQ_GROUP_SCALES) + slot;
        k.s = (float *)(blk + KVD_XQ_GROUP_SUMS) + slot;
    } else {
        uint8_t *row = (uint8_t *)xq + (size_t)t * kvd_qrow_bytes(n, wide);
        k.values = row;
        k.d = (float *)(row + kvd_qrow_scales_offset(n, wide)) + b;
        k.s = (float *)(row + kvd_qrow_sums_offset(n, wide)) + b;
    }
    return k;
}
/* Where element j of block b sits among a wide row's int16 (pair-interleaved; kvd_matmul.h). */
static inline size_t kvd_wide_index(int nb, int b, int j) {
    if (b >= nb - (nb & 1)) return (size_t)b * 32 + (size_t)j; /* the odd last block, in order */
    return (size_t)(b / 2) * 64 + (size_t)(j / 16) * 32 + (size_t)(b & 1) * 16 + (size_t)(j % 16);
}

/* The packed layout's sizes (kvd_matmul.h): per block, the scale bytes of a tile (16 f16 d, and
 * 16 f16 m for Q4_1) and its quant bytes (16 rows x 16 or 32 bytes); a tile's bytes. */
static inline size_t kvd_packed_scale_bytes(int type) { return type == KVD_TYPE_Q4_1 ? 64 : 32; }
static inline size_t kvd_packed_quant_bytes(int type) { return type == KVD_TYPE_Q8_0 ? 512 : 256; }
static inline size_t kvd_packed_tile_bytes(int type, int nin) {
    const size_t nb = (size_t)nin / 32;
    return kvd_round64(nb * kvd_packed_scale_bytes(type)) + nb * kvd_packed_quant_bytes(type);
}

/* Block layouts (ggml): Q8_0 {f16 d; i8 q[32]}, Q4_0 {f16 d; u8 qs[16]}, Q4_1 {f16 d; f16 m;
 * u8 qs[16]}. In Q4 blocks element j < 16 is the low nibble of qs[j], element j + 16 its high
 * nibble; Q4_0 values are (q - 8) * d, Q4_1 values q * d + m. */
enum { KVD_Q8_0_BYTES = 34, KVD_Q4_0_BYTES = 18, KVD_Q4_1_BYTES = 20 };

#endif
