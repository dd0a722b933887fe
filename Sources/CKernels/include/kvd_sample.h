#ifndef KVD_SAMPLE_H
#define KVD_SAMPLE_H
/* The passes over a logits row that sampling makes for every sequence at every step: at 32
 * sequences and a 49k vocabulary each pass is 1.6 M values a step, which Swift (with a double exp
 * per value for the softmax) took ~8 ms over (a quarter of a served step, on one core). */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Index of the largest value, the first one on ties; NaN never wins (when every value is NaN, the
 * last index).
 * isa: KVD_ISA_* (kvd_matmul.h); every path returns the same index. */
int kvd_argmax(int isa, const float *x, int n);

/* A draw from softmax(x) for u in [0, 1): the smallest i whose cumulative probability exceeds u.
 * exp(x - max) in float32 (as vLLM samples in float32), sums in double; a -inf value is never
 * drawn; if rounding leaves u above the total, the last drawable index. When the maximum is not
 * finite (all -inf, or +inf/NaN present) every index is equally likely: floor(u * n).
 * The AVX-512 path's exp differs from libm's by ~1 ulp, so the paths may draw differently when u
 * falls on a boundary; each path is deterministic. */
int kvd_sample_softmax(int isa, const float *x, int n, double u);
/* kvd_sample_softmax of the row scaled by `scale` (1 / temperature), without writing it: each
 * value is the float product x[i] * scale, so the draw equals kvd_sample_softmax of a scaled copy
 * (a scale that is not positive and finite counts as 1). */
int kvd_sample_softmax_scaled(int isa, const float *x, int n, float scale, double u);

/* log(sum(exp(x))) (the log-softmax's normaliser, for logprobs): max + log of the sum of
 * exp(x - max) in float32, summed in double; -inf entries add nothing. A row without a finite
 * maximum returns that maximum (-inf when every entry is -inf). */
double kvd_log_sum_exp(int isa, const float *x, int n);

/* Top-p (nucleus) filtering in place, vLLM's rule: in ascending order of probability (ties: the
 * higher index first), tokens are set to -inf while the cumulative probability stays <= 1 - p;
 * the most likely token always stays. Probabilities as kvd_sample_softmax computes them. Without
 * sorting the vocabulary: tokens less likely than (1 - p) / n go at once (together they cannot
 * outweigh 1 - p), the rest are bucketed by the binary exponent of exp(x - max), whole buckets
 * of the low end go, and the bucket where the cumulative crosses 1 - p is narrowed the same way
 * by the values' next bits until few tokens remain, which are sorted (a 49k row sorted was ~8 ms
 * a sequence a step; a flat row's crossing bucket sorted, ~0.2 ms). Working memory is kept per
 * thread between calls. Returns 0, or -1 when out of memory (x is then unchanged). Rows without
 * a finite maximum are left as they are. */
int kvd_top_p(int isa, float *x, int n, double p);

/* The passes top-k, min-p and logprobs make (select.c). isa as above; every path gives the same
 * result. */

/* The largest non-NaN value; -inf when there is none. */
float kvd_row_max(int isa, const float *x, int n);

/* Indices of the k largest non-NaN values into out (room for k), largest first, ties: the lower
 * index first. Returns how many were written (k, or fewer when fewer values are not NaN), or -1
 * when out of memory. Replaces a bounded insertion in Swift that took ~0.15 ms a row of 49k. */
int kvd_top_n(int isa, const float *x, int n, int k, int32_t *out);

/* x[i] = -inf wherever x[i] < cut (NaN stays). */
void kvd_mask_below(int isa, float *x, int n, float cut);

/* How many x[i] > v (NaN never is). */
int kvd_count_greater(int isa, const float *x, int n, float v);

#ifdef __cplusplus
}
#endif
#endif
