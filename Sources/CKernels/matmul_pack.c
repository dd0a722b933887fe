/* kvd_pack_weights: rewrites a Q8_0/Q4_0/Q4_1 matrix once, at load time, into the tile order of
 * the AVX-512 int16 kernel (layout: kvd_matmul.h). Plain C: it runs once per matrix. */
#include "matmul_internal.h"

size_t kvd_packed_bytes(int type, int nin, int nout) {
    if (!kvd_type_is_block(type) || nin <= 0 || nin % 32 || nin > KVD_MAX_NIN || nout <= 0) return 0;
    const size_t tiles = ((size_t)nout + KVD_PACK_ROWS - 1) / KVD_PACK_ROWS;
    return tiles * kvd_packed_tile_bytes(type, nin);
}

/* Element e (0..31) of a GGUF block's quants: Q8_0's byte, or a Q4 nibble (e < 16 the low nibble
 * of byte e, else the high nibble of byte e - 16). */
static unsigned block_quant(int type, const uint8_t *qs, int e) {
    if (type == KVD_TYPE_Q8_0) return qs[e];
    return e < 16 ? qs[e] & 0x0f : qs[e - 16] >> 4;
}

int kvd_pack_weights(int type, const void *w, int nin, int nout, void *dst) {
    const size_t total = kvd_packed_bytes(type, nin, nout);
    if (!total || !w || !dst) return -1;
    memset(dst, 0, total);  /* rows past nout: d = m = 0 and zero quants, so they add nothing */
    const int nb = nin / 32, tiles = (nout + KVD_PACK_ROWS - 1) / KVD_PACK_ROWS;
    const size_t row_bytes = kvd_row_bytes(type, nin), tile_bytes = kvd_packed_tile_bytes(type, nin);
    const size_t sb = kvd_packed_scale_bytes(type), qb = kvd_packed_quant_bytes(type);
    const size_t block_bytes = row_bytes / (size_t)nb;
    const size_t qoff = type == KVD_TYPE_Q4_1 ? 4 : 2;  /* quants after d (and m) */
    const int q8 = type == KVD_TYPE_Q8_0;
    const int per_word = q8 ? 2 : 4;  /* values a 16-bit word holds */
    for (int tile = 0; tile < tiles; tile++) {
        uint8_t *scales = (uint8_t *)dst + (size_t)tile * tile_bytes;
        uint8_t *quants = scales + kvd_round64((size_t)nb * sb);
        for (int i = 0; i < KVD_PACK_ROWS; i++) {
            const int r = tile * KVD_PACK_ROWS + i;
            if (r >= nout) break;
            const uint8_t *row = (const uint8_t *)w + (size_t)r * row_bytes;
            for (int b = 0; b < nb; b++) {
                const uint8_t *blk = row + (size_t)b * block_bytes;
                uint8_t *s = scales + (size_t)b * sb;
                memcpy(s + 2 * i, blk, 2);                                  /* d */
                if (type == KVD_TYPE_Q4_1) memcpy(s + 32 + 2 * i, blk + 2, 2); /* m */
                uint8_t *q = quants + (size_t)b * qb;
                for (int g = 0; g < (int)(qb / 64); g++) {
                    for (int h = 0; h < 2; h++) {
                        unsigned word = 0;
                        for (int k = 0; k < per_word; k++) {
                            const int e = per_word * 2 * g + 2 * k + h;
                            word |= block_quant(type, blk + qoff, e) << (q8 ? 8 * k : 4 * k);
                        }
                        uint8_t *p = q + 64 * (size_t)g + 2 * (size_t)(2 * i + h);
                        p[0] = (uint8_t)(word & 0xff);
                        p[1] = (uint8_t)(word >> 8);
                    }
                }
            }
        }
    }
    return 0;
}
