#ifndef KVD_MATMUL_H
#define KVD_MATMUL_H
/* Matrix products of weights (F32, F16, BF16, Q8_0, Q4_0, Q4_1, in GGUF's block layouts) with
 * float activations: y[t][r] = sum_i W[r][i] * x[t][i] for every token t and output row r.
 *
 * Speed comes from reading each weight row once per call for all tokens: a row is fetched from
 * memory once and reused from L1 for every token, so a step over 32 sequences costs barely more
 * memory traffic than a step over one (decode is memory-bound: CPU tokens/s ~ bandwidth / bytes).
 *
 * Two arithmetics for the quantised types:
 *  - exact: every weight is dequantised to float32 (the value gguf-py's dequantiser gives) and
 *    multiplied with the float32 activation; this is the reference for the fixture logits.
 *  - quantised (llama.cpp's way): each activation row is quantised once per call to 8-bit (or,
 *    "wide", 16-bit) blocks of 32 with a float scale per block, and the dot products run in
 *    integers (AVX2 maddubs/pmaddwd, AVX-512 VNNI vpdpbusd/vpdpwssd), one float multiply per block.
 * F32/F16/BF16 weights always use float activations.
 *
 * Paths: a plain C reference, AVX2+FMA+F16C, and AVX-512 (F, BW, VL, VNNI), each compiled with a
 * target attribute and chosen at run time from kvd_cpu_features(), so one binary is correct
 * everywhere. Callers pass the path explicitly (tests compare paths in one process). */
#include <stddef.h>
#include <stdint.h>
#include "kvd_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ggml's type numbers, as GGUF stores them. */
enum {
    KVD_TYPE_F32 = 0,
    KVD_TYPE_F16 = 1,
    KVD_TYPE_Q4_0 = 2,
    KVD_TYPE_Q4_1 = 3,
    KVD_TYPE_Q8_0 = 8,
    KVD_TYPE_BF16 = 30,
};

enum {
    KVD_ISA_REFERENCE = 0,
    KVD_ISA_AVX2 = 1,   /* AVX2 + FMA + F16C */
    KVD_ISA_AVX512 = 2, /* AVX-512 F + BW + VL + VNNI, plus the AVX2 set */
};

/* The fastest path this CPU runs. */
int kvd_isa_best(void);
/* Whether this CPU runs `isa` (KVD_ISA_REFERENCE always). */
int kvd_isa_supported(int isa);

/* 1 if `type` is one of the six above. */
int kvd_type_supported(int type);
/* 1 for Q8_0/Q4_0/Q4_1, whose rows are blocks of 32 and use the integer path when quantised. */
int kvd_type_is_block(int type);
/* Bytes of one row of n values (n a multiple of 32 for block types), 0 when unsupported. */
size_t kvd_row_bytes(int type, int n);

/* Dequantises one row of n values to float32. */
void kvd_dequantize_row(int type, const void *src, int n, float *dst);

/* --- Activations quantised per block of 32 ---
 * Narrow (ggml's Q8_1): x ~ d * q, q int8, d = max|x| / 127. A token's row is n int8 q, then
 * n/32 float scales d, then n/32 float block sums s = d * sum(q).
 * Wide: x ~ d * q, q int16, d = max|x| / 32767: plain 8-bit activations move this model's logits
 * by up to ~0.5 (its q/k/v inputs carry outlier channels), 16 bits by ~0.002, for two integer
 * multiply-adds per 32 values (AVX2 pmaddwd, AVX-512 VNNI vpdpwssd) instead of one. The n int16
 * are stored pair-interleaved so one 512-bit product holds block b in its low half and b+1 in its
 * high half: blocks 2p and 2p+1 occupy [2p: 0..15, 2p+1: 0..15, 2p: 16..31, 2p+1: 16..31]; an
 * odd last block is stored in order. Then the scales and sums as in narrow rows.
 * The sums let a weight with a per-block offset (Q4_1's min m, and on the narrow VNNI path Q4_0's
 * -8 d and Q8_0's -128 d) add m * s instead of expanding the offset per element.
 * Wide grouped: the wide values, scales and sums of tokens in groups of KVD_XQ_GROUP (8), for the
 * packed kernel (below), which multiplies 8 tokens at a time: from one address it reaches all 8
 * tokens' activations at constant offsets, where 8 row pointers took 8 of the 16 general
 * registers (+4-7% on its products). Group g (tokens 8g..8g+7; a last partial group's unused
 * slots are never read) is n/32 blocks of 576 bytes; block b of slot i (token 8g+i): its 32 int16
 * in order at 64 i, its scale d at 512 + 4 i, its sum s at 544 + 4 i.
 * The functions taking `wide` take the format: KVD_XQ_NARROW (0), KVD_XQ_WIDE (1) or
 * KVD_XQ_WIDE_GROUPED (2). kvd_xq_bytes is the size of ntok tokens in a format, and
 * kvd_qrow_bytes(n, wide) the stride between tokens of the row formats. */
enum {
    KVD_XQ_NARROW = 0,
    KVD_XQ_WIDE = 1,
    KVD_XQ_WIDE_GROUPED = 2,
};
#define KVD_XQ_GROUP 8
size_t kvd_xq_bytes(int ntok, int n, int wide);
size_t kvd_qrow_bytes(int n, int wide);
void kvd_quantize_rows(const float *x, int ntok, int n, int wide, void *dst);
/* The same bytes, rows split across the pool, with the SIMD code of `isa` (KVD_ISA_*; an
 * unsupported one runs the plain code). */
void kvd_quantize_rows_parallel(kvd_pool *pool, int isa, const float *x, int ntok, int n, int wide, void *dst);

/* --- Weights repacked at load time for the AVX-512 int16 kernel ---
 * GGUF stores a matrix row after row, each row block after block, so a kernel that reads 16 rows
 * at once follows 16 memory streams and must widen each row's nibbles and reduce each row's sums
 * across vector lanes. kvd_pack_weights rewrites a Q8_0/Q4_0/Q4_1 matrix once, when the model is
 * loaded, into tiles of KVD_PACK_ROWS rows that the kernel streams linearly, with one row per
 * 32-bit vector lane:
 *   tile i (rows 16i..16i+15, rows past nout zero) = [scales][quants], tiles back to back;
 *   scales: per block b, the 16 rows' f16 d (32 bytes), then for Q4_1 their f16 m (32 bytes);
 *           the area is padded to a multiple of 64 bytes so the quants start on a cache line;
 *   quants: per block b, groups of 64 bytes in which 16-bit word w belongs to row w / 2 and holds
 *           the elements e, e+1 pair's half w % 2:
 *     Q4_0/Q4_1: 4 groups; group g, word w, nibble k (bits 4k..4k+3) = element 8g + 2k + w % 2;
 *     Q8_0:      8 groups; group g, word w, byte k = element 4g + 2k + w % 2 (int8).
 * Shifting and masking a group's words gives, per row lane, the int16 pair (e, e+1) that one
 * vpdpwssd multiplies with the broadcast activation pair (x_e, x_e+1) (wide rows keep such pairs
 * adjacent). A linear whose type has KVD_PACKED set takes such weights; only the AVX-512 path with
 * wide grouped activations multiplies them, and only packed weights take wide grouped activations
 * (kvd_matmul refuses other combinations). */
#define KVD_PACKED 0x1000
#define KVD_PACK_ROWS 16
/* Bytes kvd_pack_weights writes for an nout x nin matrix of `type`; 0 if it cannot be packed
 * (not a block type, nin not whole blocks, or nin > KVD_MAX_NIN). */
size_t kvd_packed_bytes(int type, int nin, int nout);
/* Packs `w` (nout rows of nin values, GGUF layout) into dst (kvd_packed_bytes long, any
 * alignment, 64 bytes best). Returns 0, or -1 when the matrix cannot be packed. */
int kvd_pack_weights(int type, const void *w, int nin, int nout, void *dst);

/* One weight matrix of a product: nout rows of nin values of `type` (ggml's [nin, nout]). Its
 * results go to y[t * ldy + r]; with `bias`, bias[r] is added; with `accumulate`, the result
 * is added to what y holds (a residual connection). */
typedef struct {
    int type; /* KVD_TYPE_*, with KVD_PACKED when w is kvd_pack_weights output */
    const void *w;
    int nin;
    int nout;
    float *y;
    int ldy;
    const float *bias;
    int accumulate;
} kvd_linear;

/* The most weight matrices one call takes (q, k and v share their input: one call, one job). */
#define KVD_MAX_LINEARS 4
/* Longest row the kernels take (per-row scale scratch lives on the stack). */
#define KVD_MAX_NIN 131072

/* Computes every linear in `outs` (all with the same nin) for ntok tokens of x (row stride nin).
 * xq: NULL for exact arithmetic, else kvd_quantize_rows(x, ..., wide, xq) output, used for the
 * block types.
 * Returns 0, or -1 when an argument is unsupported (type, nin not a multiple of 32 for a block
 * type, nin > KVD_MAX_NIN, isa not supported here). */
int kvd_matmul(kvd_pool *pool, int isa, const kvd_linear *outs, int nouts,
               const float *x, const void *xq, int wide, int ntok);

/* The FFN's gated product: gate->y = silu(gate · x) * (up · x), up->y holding up · x, and with
 * xq_out the result quantised there (kvd_quantize_rows' bytes, `wide` as the input's). gate and up
 * have the same shape and do not accumulate. Each task multiplies the same rows of both and
 * applies SwiGLU and quantising to them while they are in cache: one job (and join) instead of
 * two, and no second pass over the intermediate. The values equal kvd_matmul of both, then
 * kvd_swiglu, then kvd_quantize_rows. Returns 0, or -1 as kvd_matmul (and for mismatched shapes,
 * accumulate, or an xq_out with rows not whole blocks of 32). */
int kvd_matmul_swiglu(kvd_pool *pool, int isa, const kvd_linear *gate, const kvd_linear *up,
                      const float *x, const void *xq, int wide, int ntok, void *xq_out);

/* --- The arithmetic ceiling ---
 * Multiply-adds per second that every pool thread together sustains with the product instruction
 * the kernels of `isa` use for `kind` (AVX-512: vpdpwssd, vpdpbusd, FMA; AVX2: pmaddwd,
 * maddubs + pmaddwd, FMA), operands in registers, best of `repeats` runs of a few milliseconds.
 * A batched decode step is bound by it as a batch-1 step is by memory bandwidth: the benchmarks
 * report tokens/s against both. 0 for the reference path or a path this CPU lacks. */
enum { KVD_PEAK_INT16 = 0, KVD_PEAK_INT8 = 1, KVD_PEAK_FLOAT = 2 };
double kvd_matmul_peak(kvd_pool *pool, int isa, int kind, int repeats);

#ifdef __cplusplus
}
#endif
#endif
