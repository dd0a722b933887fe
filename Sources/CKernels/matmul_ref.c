/* The plain C matmul: the definition the SIMD paths are tested against, and the path on CPUs
 * without AVX2. Clear rather than fast. */
#include <math.h>
#include "matmul_internal.h"

size_t kvd_row_bytes(int type, int n) {
    if (n < 0) return 0;
    switch (type) {
    case KVD_TYPE_F32: return (size_t)n * 4;
    case KVD_TYPE_F16:
    case KVD_TYPE_BF16: return (size_t)n * 2;
    case KVD_TYPE_Q8_0: return n % 32 ? 0 : (size_t)(n / 32) * KVD_Q8_0_BYTES;
    case KVD_TYPE_Q4_0: return n % 32 ? 0 : (size_t)(n / 32) * KVD_Q4_0_BYTES;
    case KVD_TYPE_Q4_1: return n % 32 ? 0 : (size_t)(n / 32) * KVD_Q4_1_BYTES;
    default: return 0;
    }
}

int kvd_type_supported(int type) {
    switch (type) {
    case KVD_TYPE_F32: case KVD_TYPE_F16: case KVD_TYPE_BF16:
    case KVD_TYPE_Q8_0: case KVD_TYPE_Q4_0: case KVD_TYPE_Q4_1: return 1;
    default: return 0;
    }
}

int kvd_type_is_block(int type) {
    return type == KVD_TYPE_Q8_0 || type == KVD_TYPE_Q4_0 || type == KVD_TYPE_Q4_1;
}

/* Values j0..<j0+len of a row; for block types j0 and len are whole blocks. */
static void dequantize_range(int type, const uint8_t *row, int j0, int len, float *dst) {
    switch (type) {
    case KVD_TYPE_F32:
        memcpy(dst, row + (size_t)j0 * 4, (size_t)len * 4);
        return;
    case KVD_TYPE_F16:
        for (int j = 0; j < len; j++) dst[j] = kvd_f16_to_f32(kvd_load_u16(row + (size_t)(j0 + j) * 2));
        return;
    case KVD_TYPE_BF16:
        for (int j = 0; j < len; j++) dst[j] = kvd_bf16_to_f32(kvd_load_u16(row + (size_t)(j0 + j) * 2));
        return;
    case KVD_TYPE_Q8_0:
        for (int b = j0 / 32; b < (j0 + len) / 32; b++, dst += 32) {
            const uint8_t *blk = row + (size_t)b * KVD_Q8_0_BYTES;
            float d = kvd_f16_to_f32(kvd_load_u16(blk));
            for (int j = 0; j < 32; j++) dst[j] = d * (float)(int8_t)blk[2 + j];
        }
        return;
    case KVD_TYPE_Q4_0:
        for (int b = j0 / 32; b < (j0 + len) / 32; b++, dst += 32) {
            const uint8_t *blk = row + (size_t)b * KVD_Q4_0_BYTES;
            float d = kvd_f16_to_f32(kvd_load_u16(blk));
            for (int j = 0; j < 16; j++) {
                dst[j] = d * (float)((blk[2 + j] & 0x0f) - 8);
                dst[j + 16] = d * (float)((blk[2 + j] >> 4) - 8);
            }
        }
        return;
    case KVD_TYPE_Q4_1:
        for (int b = j0 / 32; b < (j0 + len) / 32; b++, dst += 32) {
            const uint8_t *blk = row + (size_t)b * KVD_Q4_1_BYTES;
            float d = kvd_f16_to_f32(kvd_load_u16(blk)), m = kvd_f16_to_f32(kvd_load_u16(blk + 2));
            for (int j = 0; j < 16; j++) {
                dst[j] = d * (float)(blk[4 + j] & 0x0f) + m;
                dst[j + 16] = d * (float)(blk[4 + j] >> 4) + m;
            }
        }
        return;
    }
}

void kvd_dequantize_row(int type, const void *src, int n, float *dst) {
    if (kvd_type_supported(type)) dequantize_range(type, src, 0, n, dst);
}

size_t kvd_qrow_bytes(int n, int wide) {
    return kvd_qrow_sums_offset(n, wide) + kvd_round64((size_t)n / 32 * 4);
}

size_t kvd_xq_bytes(int ntok, int n, int wide) {
    if (wide == KVD_XQ_WIDE_GROUPED)
        return (size_t)((ntok + KVD_XQ_GROUP - 1) / KVD_XQ_GROUP) * kvd_xq_group_bytes(n);
    return (size_t)ntok * kvd_qrow_bytes(n, wide);
}

/* Narrow as ggml's quantize_row_q8_1 (d = max|x| / 127, q = round(x / d)); wide the same with
 * 32767. One version for every path, so the paths differ only in how they multiply. */
void kvd_quantize_blocks_ref(const float *xr, int n, int b0, int b1, int wide, void *xq, int t) {
    const int nb = n / 32;
    const float levels = wide ? 32767.0f : 127.0f;
    for (int b = b0; b < b1; b++) {
        const kvd_xq_block dst = kvd_xq_locate(xq, n, wide, t, b);
        const float *xb = xr + b * 32;
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float db = amax / levels;
        const float id = db != 0.0f ? 1.0f / db : 0.0f;
        int sum = 0;
        /* Round half to even by the 1.5 * 2^23 trick (|v| <= 32767 here): unlike nearbyintf,
         * which is a libm call on baseline x86-64, this vectorises. */
        const float magic = 12582912.0f;
        for (int j = 0; j < 32; j++) {
            const int qv = (int)((xb[j] * id + magic) - magic);
            if (wide == KVD_XQ_WIDE_GROUPED) ((int16_t *)dst.values)[j] = (int16_t)qv;
            else if (wide) ((int16_t *)dst.values)[kvd_wide_index(nb, b, j)] = (int16_t)qv;
            else ((int8_t *)dst.values)[b * 32 + j] = (int8_t)qv;
            sum += qv;
        }
        *dst.d = db;
        *dst.s = db * (float)sum;
    }
}

void kvd_quantize_rows(const float *x, int ntok, int n, int wide, void *dst) {
    for (int t = 0; t < ntok; t++)
        kvd_quantize_blocks_ref(x + (size_t)t * (size_t)n, n, 0, n / 32, wide, dst, t);
}

void kvd_quantize_blocks(int isa, const float *xr, int n, int b0, int b1, int wide, void *xq, int t) {
    if (isa == KVD_ISA_AVX512) kvd_quantize_blocks_avx512(xr, n, b0, b1, wide, xq, t);
    else kvd_quantize_blocks_ref(xr, n, b0, b1, wide, xq, t);
}

void kvd_mm_float_ref(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    float buf[32];
    const int nin = a->nin;
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = a->w + (size_t)r * a->row_bytes;
        for (int t = t0; t < t1; t++) {
            const float *x = a->x + (size_t)t * (size_t)nin;
            float sum = 0.0f;
            for (int j0 = 0; j0 < nin; j0 += 32) {
                int len = nin - j0 < 32 ? nin - j0 : 32;
                dequantize_range(a->type, row, j0, len, buf);
                for (int j = 0; j < len; j++) sum += buf[j] * x[j0 + j];
            }
            kvd_mm_store(a, t, r, sum);
        }
    }
}

/* Integer dot products per block, then d_w * d_x * isum (+ m * s for Q4_1). The weight values
 * are their signed integers (Q4_0's nibble - 8, Q8_0's int8) or, for Q4_1, the unsigned nibble. */
static int weight_q(int type, const uint8_t *blk, int j) {
    if (type == KVD_TYPE_Q8_0) return (int8_t)blk[2 + j];
    const uint8_t byte = blk[(type == KVD_TYPE_Q4_1 ? 4 : 2) + (j % 16)];
    const int nib = j < 16 ? byte & 0x0f : byte >> 4;
    return type == KVD_TYPE_Q4_0 ? nib - 8 : nib;
}

void kvd_mm_q8_ref(const kvd_mm_args *a, int r0, int r1, int t0, int t1) {
    const int nin = a->nin, nb = nin / 32, wide = a->wide;
    const size_t bb = a->type == KVD_TYPE_Q8_0 ? KVD_Q8_0_BYTES : a->type == KVD_TYPE_Q4_0 ? KVD_Q4_0_BYTES : KVD_Q4_1_BYTES;
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = a->w + (size_t)r * a->row_bytes;
        for (int t = t0; t < t1; t++) {
            const uint8_t *qr = a->xq + (size_t)t * a->qstride;
            const float *d = (const float *)(qr + kvd_qrow_scales_offset(nin, wide));
            const float *s = (const float *)(qr + kvd_qrow_sums_offset(nin, wide));
            float sum = 0.0f;
            for (int b = 0; b < nb; b++) {
                const uint8_t *blk = row + (size_t)b * bb;
                int isum = 0;
                for (int j = 0; j < 32; j++) {
                    const int xv = wide ? ((const int16_t *)qr)[kvd_wide_index(nb, b, j)] : ((const int8_t *)qr)[b * 32 + j];
                    isum += weight_q(a->type, blk, j) * xv;
                }
                const float dw = kvd_f16_to_f32(kvd_load_u16(blk));
                const float mw = a->type == KVD_TYPE_Q4_1 ? kvd_f16_to_f32(kvd_load_u16(blk + 2)) : 0.0f;
                sum += dw * d[b] * (float)isum + mw * s[b];
            }
            kvd_mm_store(a, t, r, sum);
        }
    }
}
