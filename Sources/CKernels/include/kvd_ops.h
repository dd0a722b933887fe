#ifndef KVD_OPS_H
#define KVD_OPS_H
/* The element-wise steps of a Llama/Qwen layer. They touch hidden-size vectors, not weights, so
 * they are a few percent of a step: plain C the compiler vectorises, one version each. */
#include <stdint.h>
#include "kvd_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The row-wise ops take the pool (NULL: run on the caller) and split rows across it when there
 * are enough: a 32-token decode step would otherwise spend ~10% of its time in them on one core. */

/* out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w, for rows of n; out may be x. The mean is summed
 * in double so long rows do not lose digits. */
void kvd_rmsnorm(kvd_pool *pool, const float *x, const float *w, float *out, int rows, int n, float eps);
/* kvd_rmsnorm, then (xq not NULL) out's rows quantised into xq as kvd_quantize_rows_parallel
 * does (wide, the SIMD code of isa), in one pool job: the same bytes as the two calls. */
void kvd_rmsnorm_quantize(kvd_pool *pool, int isa, const float *x, const float *w, float *out, int rows, int n,
                          float eps, int wide, void *xq);

enum {
    KVD_ROPE_HALF_SPLIT = 0,     /* HF: element j pairs with j + d/2 */
    KVD_ROPE_ADJACENT_PAIRS = 1, /* Meta / llama GGUF: element 2j pairs with 2j+1 */
};

/* The rotation of each token: cos and sin of pos * inv_freq[j] for j < head_dim / 2, times
 * attn_factor (YaRN's scaling; 1 otherwise), to cs and sn at t * head_dim / 2. inv_freq is the
 * model's (theta^(-2j/head_dim) in float32 as HF computes it, then any long-context scaling:
 * Engine's RopeScaling). Computed once per forward pass and shared by every layer's q and k. */
void kvd_rope_table(const int32_t *positions, int ntok, int head_dim, const float *inv_freq, float attn_factor,
                    float *cs, float *sn);

/* Rotates, in place, nheads heads of head_dim values per token (token t at x + t * ld). */
void kvd_rope(float *x, int ntok, int ld, int nheads, int head_dim, const float *cs, const float *sn,
              int layout);

/* out = silu(gate) * up = gate / (1 + exp(-gate)) * up for rows of n; out may be gate or up.
 * isa (KVD_ISA_*): the SIMD paths use a polynomial exp (~1 ulp). */
void kvd_swiglu(kvd_pool *pool, int isa, const float *gate, const float *up, float *out, int rows, int n);
/* (The FFN's SwiGLU with its products and quantising is kvd_matmul_swiglu, kvd_matmul.h.) */

/* In place: x = exp(x - max) / sum. */
void kvd_softmax(float *x, int n);

/* Embedding lookup: row ids[i] of a [dim, vocab] table of `type`, as float, to out + i * dim. */
void kvd_embed(int type, const void *table, int dim, const int32_t *ids, int n, float *out);

#ifdef __cplusplus
}
#endif
#endif
