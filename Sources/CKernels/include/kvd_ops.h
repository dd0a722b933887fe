#ifndef KVD_OPS_H
#define KVD_OPS_H
/* The element-wise steps of a Llama/Qwen layer. They touch hidden-size vectors, not weights, so
 * they are a few percent of a step: plain C the compiler vectorises, one version each. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w, for rows of n; out may be x. The mean is summed
 * in double so long rows do not lose digits. */
void kvd_rmsnorm(const float *x, const float *w, float *out, int rows, int n, float eps);

enum {
    KVD_ROPE_HALF_SPLIT = 0,     /* HF: element j pairs with j + d/2 */
    KVD_ROPE_ADJACENT_PAIRS = 1, /* Meta / llama GGUF: element 2j pairs with 2j+1 */
};

/* Rotates, in place, nheads heads of head_dim values per token (token t at x + t * ld) by its
 * position; pair j turns by pos * theta^(-2j/head_dim), computed in float32 as HF does. */
void kvd_rope(float *x, int ntok, int ld, int nheads, int head_dim, const int32_t *positions,
              float theta, int layout);

/* out = silu(gate) * up = gate / (1 + exp(-gate)) * up; out may be gate or up. */
void kvd_swiglu(const float *gate, const float *up, float *out, int n);

/* In place: x = exp(x - max) / sum. */
void kvd_softmax(float *x, int n);

/* Embedding lookup: row ids[i] of a [dim, vocab] table of `type`, as float, to out + i * dim. */
void kvd_embed(int type, const void *table, int dim, const int32_t *ids, int n, float *out);

#ifdef __cplusplus
}
#endif
#endif
