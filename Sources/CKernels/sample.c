/* kvd_argmax, kvd_row_max, kvd_sample_softmax, kvd_log_sum_exp and kvd_top_p (kvd_sample.h): a
 * plain C path and an AVX-512 one. */
#include "kvd_sample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "sample_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "vector_exp.h"
#endif

static int argmax_ref(const float *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best] || isnan(x[best])) best = i;
    return best;
}

/* The largest non-NaN value (-inf when there is none); *nan set when a NaN was seen. */
static float max_ref(const float *x, int n, int *nan) {
    float m = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (x[i] > m) m = x[i];
        if (isnan(x[i])) *nan = 1;
    }
    return m;
}

/* The sum of exp(x[i] * s - m) (-inf: 0) in double; with e, each value is also stored there.
 * x[i] * s is the float product, the value a scaled copy of the row would hold. */
static double exps_into_ref(const float *x, int n, float s, float m, float *e) {
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        const float xs = x[i] * s;
        const float v = xs == -INFINITY ? 0.0f : expf(xs - m);
        if (e) e[i] = v;
        total += (double)v;
    }
    return total;
}

static int draw_ref(const float *x, int n, float s, float m, double u) {
    const double target = u * exps_into_ref(x, n, s, m, NULL);
    double cumulative = 0.0;
    int last = -1;
    for (int i = 0; i < n; i++) {
        const float xs = x[i] * s;
        if (xs == -INFINITY) continue;
        const float e = expf(xs - m);
        if (e <= 0.0f) continue;
        cumulative += (double)e;
        last = i;
        if (target < cumulative) return i;
    }
    return last >= 0 ? last : argmax_ref(x, n);
}

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))

TGT static float max_avx512(const float *x, int n, int *nan) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    __mmask16 unordered = 0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __mmask16 ordered = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
        unordered |= (__mmask16)~ordered;
        m = _mm512_mask_max_ps(m, ordered, m, v);  /* NaN lanes skipped */
    }
    float r = _mm512_reduce_max_ps(m);
    for (; i < n; i++) {
        if (x[i] > r) r = x[i];
        if (isnan(x[i])) *nan = 1;
    }
    if (unordered) *nan = 1;
    return r;
}

TGT static int argmax_avx512(const float *x, int n) {
    int nan = 0;
    const float m = max_avx512(x, n, &nan);
    if (m == -INFINITY) return argmax_ref(x, n);  /* no value above -inf: rare, plain */
    const __m512 mv = _mm512_set1_ps(m);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __mmask16 eq = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), mv, _CMP_EQ_OQ);
        if (eq) return i + __builtin_ctz((unsigned)eq);
    }
    for (; i < n; i++)
        if (x[i] == m) return i;
    return 0;
}

/* exp(x * s - m) for the 16 values at x (k: which exist), -inf lanes (after scaling) 0. */
TGT static inline __m512 exps16(const float *x, __mmask16 k, __m512 sv, __m512 mv) {
    const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x), sv);
    const __mmask16 live = k & _mm512_cmp_ps_mask(v, _mm512_set1_ps(-INFINITY), _CMP_NEQ_OQ);
    return _mm512_maskz_mov_ps(live, kvd_exp512(_mm512_sub_ps(v, mv)));
}

/* The sum of exp(x * s - m), 16 at a time, each 16's float sum added in double; with e, every
 * exp(x[i] * s - m) is also stored there. */
TGT static double exps_into_avx512(const float *x, int n, float s, float m, float *e) {
    const __m512 sv = _mm512_set1_ps(s), mv = _mm512_set1_ps(m);
    double total = 0.0;
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        const __m512 v = exps16(x + i, k, sv, mv);
        if (e) _mm512_mask_storeu_ps(e + i, k, v);
        total += (double)_mm512_reduce_add_ps(v);
    }
    return total;
}

TGT static int draw_avx512(const float *x, int n, float s, float m, double u) {
    const __m512 sv = _mm512_set1_ps(s), mv = _mm512_set1_ps(m);
    const double target = u * exps_into_avx512(x, n, s, m, NULL);
    double cumulative = 0.0;
    int last = -1;
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        const __m512 e = exps16(x + i, k, sv, mv);
        const double block = (double)_mm512_reduce_add_ps(e);
        if (block <= 0.0) continue;
        if (target >= cumulative + block && i + 16 < n) {  /* not in this block */
            cumulative += block;
            for (int j = 15; j >= 0; j--)
                if (((float *)&e)[j] > 0.0f) { last = i + j; break; }
            continue;
        }
        float lanes[16];
        _mm512_storeu_ps(lanes, e);
        for (int j = 0; j < 16 && i + j < n; j++) {
            if (lanes[j] <= 0.0f) continue;
            cumulative += (double)lanes[j];
            last = i + j;
            if (target < cumulative) return i + j;
        }
    }
    return last >= 0 ? last : argmax_avx512(x, n);
}
#endif

int kvd_argmax(int isa, const float *x, int n) {
    if (n <= 0) return 0;
#if defined(__x86_64__)
    if (kvd_sample_fast(isa)) return argmax_avx512(x, n);
#endif
    (void)isa;
    return argmax_ref(x, n);
}

/* The row's largest non-NaN value with the path's code; *nan set when a NaN was seen. */
static float row_max(int fast, const float *x, int n, int *nan) {
#if defined(__x86_64__)
    if (fast) return max_avx512(x, n, nan);
#endif
    (void)fast;
    return max_ref(x, n, nan);
}

float kvd_row_max(int isa, const float *x, int n) {
    int nan = 0;
    return n > 0 ? row_max(kvd_sample_fast(isa), x, n, &nan) : -INFINITY;
}

int kvd_sample_softmax_scaled(int isa, const float *x, int n, float scale, double u) {
    if (n <= 0) return 0;
    if (!(scale > 0.0f) || !isfinite(scale)) scale = 1.0f;
    const int fast = kvd_sample_fast(isa);
    int nan = 0;
    /* The scaled row's maximum: the product rounds monotonically, so it is max(x) * scale. */
    const float m = row_max(fast, x, n, &nan) * scale;
    if (!isfinite(m) || nan) {
        const int i = (int)(u * (double)n);
        return i < 0 ? 0 : i >= n ? n - 1 : i;
    }
#if defined(__x86_64__)
    if (fast) return draw_avx512(x, n, scale, m, u);
#endif
    return draw_ref(x, n, scale, m, u);
}

int kvd_sample_softmax(int isa, const float *x, int n, double u) { return kvd_sample_softmax_scaled(isa, x, n, 1.0f, u); }

/* exps_into_ref with the path's exp. */
static double exps_into(int fast, const float *x, int n, float m, float *e) {
#if defined(__x86_64__)
    if (fast) return exps_into_avx512(x, n, 1.0f, m, e);
#endif
    (void)fast;
    return exps_into_ref(x, n, 1.0f, m, e);
}

double kvd_log_sum_exp(int isa, const float *x, int n) {
    if (n <= 0) return -INFINITY;
    const int fast = kvd_sample_fast(isa);
    int nan = 0;
    const float m = row_max(fast, x, n, &nan);
    if (!isfinite(m)) return (double)m;
    return (double)m + log(exps_into(fast, x, n, m, NULL));
}

static inline uint32_t float_bits(float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    return bits;
}
/* The bucket of a value in (0, 1]: its binary exponent (0 for subnormals), so bucket b holds
 * values below those of bucket b + 1. */
static inline int bucket_of(float v) { return (int)((float_bits(v) >> 23) & 0xff); }

/* Ascending probability, ties: the higher index first (the order vLLM's stable sort leaves). */
typedef struct { float e; int i; } weighted;
static int ascending(const void *a, const void *b) {
    const weighted *x = a, *y = b;
    if (x->e != y->e) return x->e < y->e ? -1 : 1;
    return x->i > y->i ? -1 : x->i < y->i ? 1 : 0;
}

/* Of 256 groups in ascending order of probability (mass: their exp sum; count: their tokens),
 * whole groups go while the running sum stays within the budget: returns the first that does
 * not, where the ascending order crosses it, with the mass of those before it added to
 * *cumulative. When every group fits, the rule still keeps the most likely token: the top
 * non-empty group is returned, to be walked token by token like a crossing one. */
static int crossing_group(const double *mass, const int *count, double *cumulative, double budget) {
    for (int b = 0; b < 256; b++) {
        if (!count[b]) continue;
        if (*cumulative + mass[b] > budget) return b;
        *cumulative += mass[b];
    }
    for (int b = 255; b >= 0; b--)
        if (count[b]) { *cumulative -= mass[b]; return b; }
    return 0;
}

/* kvd_top_p's working memory, kept per thread between calls: three fresh 192 KB buffers a row
 * (49k values) came from mmap or a trimmed arena and page-faulted in every time, which cost
 * about as much as the filtering itself. Freed when the thread exits. */
typedef struct { void *bytes; size_t capacity; } scratch_area;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *area) {
    free(((scratch_area *)area)->bytes);
    free(area);
}
static void scratch_key_create(void) { pthread_key_create(&scratch_key, scratch_release); }

/* At least `size` bytes, 64-byte aligned, valid until this thread's next call; NULL when out of memory. */
static void *scratch(size_t size) {
    pthread_once(&scratch_once, scratch_key_create);
    scratch_area *area = pthread_getspecific(scratch_key);
    if (!area) {
        area = calloc(1, sizeof *area);
        if (!area || pthread_setspecific(scratch_key, area) != 0) { free(area); return NULL; }
    }
    if (area->capacity < size) {
        const size_t rounded = (size + 63) & ~(size_t)63;
        void *bytes = aligned_alloc(64, rounded);
        if (!bytes) return NULL;
        free(area->bytes);
        area->bytes = bytes;
        area->capacity = rounded;
    }
    return area->bytes;
}

/* Tokens whose probability is below t = budget / n go whatever the rest: all of them together
 * weigh at most n t = budget, and they come first in ascending order. With a real model's row
 * that is nearly the whole vocabulary, so only the few thousand candidates at or above t are
 * bucketed and walked (the scalar passes over all n values were ~0.15 ms a row). The mass of
 * the others is added to *low. */
#if defined(__x86_64__)
TGT static int candidates_avx512(const float *e, int n, float t, int *ci, double *low) {
    const __m512 tv = _mm512_set1_ps(t);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    int c = 0;
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(k, e + i);
        const __mmask16 keep = k & _mm512_cmp_ps_mask(v, tv, _CMP_GE_OQ);
        *low += (double)_mm512_mask_reduce_add_ps((__mmask16)(k & ~keep), v);
        _mm512_mask_compressstoreu_epi32(ci + c, keep, idx);
        c += __builtin_popcount((unsigned)keep);
        idx = _mm512_add_epi32(idx, step);
    }
    return c;
}

/* x[i] = -inf wherever e[i] < t. */
TGT static void drop_below_avx512(float *x, const float *e, int n, float t) {
    const __m512 tv = _mm512_set1_ps(t), gone = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(x + i, k & _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(k, e + i), tv, _CMP_LT_OQ), gone);
    }
}
#endif

/* Fills w with the candidates (e, index) in index order and returns their count; ci is room for
 * n indices. */
static int candidates(int fast, const float *e, int n, float t, int *ci, weighted *w, double *low) {
    int c = 0;
#if defined(__x86_64__)
    if (fast) c = candidates_avx512(e, n, t, ci, low);
    else
#endif
    for (int i = 0; i < n; i++) {
        if (e[i] >= t) ci[c++] = i;
        else *low += (double)e[i];
    }
    for (int j = 0; j < c; j++) w[j] = (weighted){ e[ci[j]], ci[j] };
    return c;
}

int kvd_top_p(int isa, float *x, int n, double p) {
    if (n <= 1 || !(p < 1.0)) return 0;
    const int fast = kvd_sample_fast(isa);
    int nan = 0;
    const float m = row_max(fast, x, n, &nan);
    if (!isfinite(m) || nan) return 0;
    /* e: n floats, then the candidates' indices (n ints), then the candidates (n weighted). */
    const size_t values = ((size_t)n * sizeof(float) + 63) & ~(size_t)63;
    float *e = scratch(2 * values + (size_t)n * sizeof(weighted));
    if (!e) return -1;
    int *ci = (int *)((char *)e + values);
    weighted *w = (weighted *)((char *)e + 2 * values);
    const double total = exps_into(fast, x, n, m, e);
    const double budget = (1.0 - p) * total;  /* mass that may go, in units of e */
    /* Shaded down so that double rounding of the sums cannot carry the low tokens past the budget;
     * never above 1, the top token's e, which therefore is always a candidate. */
    const float t = (float)(budget / (double)n * (1.0 - 1e-6));
    double cumulative = 0.0;
    const int c = candidates(fast, e, n, t, ci, w, &cumulative);
    double mass[256] = {0};
    int count[256] = {0};
    for (int j = 0; j < c; j++) {
        if (w[j].e <= 0.0f) continue;
        const int b = bucket_of(w[j].e);
        mass[b] += (double)w[j].e;
        count[b]++;
    }
    const int cross = crossing_group(mass, count, &cumulative, budget);
    /* The crossing group's candidates, in index order; lower groups go whole. */
    int k = 0;
    for (int j = 0; j < c; j++) {
        const int b = w[j].e > 0.0f ? bucket_of(w[j].e) : -1;
        if (b == cross) w[k++] = w[j];
        else if (b < cross) x[w[j].i] = -INFINITY;
    }
    /* Whether a token above the crossing group exists (then the group's largest may go too). */
    int above = 0;
    for (int b = cross + 1; b < 256; b++) above |= count[b] != 0;
    /* A flat row puts most of the vocabulary in one bucket (a factor of 2 in probability), and
     * sorting it cost ~0.2 ms a sequence: narrow the crossing group by the next 8 bits of the
     * values (positive floats order as their bits) while it is large, with the same rule. */
    for (int shift = 15; k > 64 && shift >= 0; shift -= 8) {
        double sub_mass[256] = {0};
        int sub_count[256] = {0};
        for (int j = 0; j < k; j++) {
            const int sb = (int)((float_bits(w[j].e) >> shift) & 0xff);
            sub_mass[sb] += (double)w[j].e;
            sub_count[sb]++;
        }
        const int sub = crossing_group(sub_mass, sub_count, &cumulative, budget);
        for (int b = sub + 1; b < 256; b++) above |= sub_count[b] != 0;
        /* Lower sub-groups go; the crossing one is kept for the next round. */
        int kept = 0;
        for (int j = 0; j < k; j++) {
            const int sb = (int)((float_bits(w[j].e) >> shift) & 0xff);
            if (sb < sub) x[w[j].i] = -INFINITY;
            else if (sb == sub) w[kept++] = w[j];
        }
        k = kept;
    }
    qsort(w, (size_t)k, sizeof(weighted), ascending);
    /* The most likely token is the last of the top group; it never goes. */
    const int limit = above ? k : k - 1;
    for (int j = 0; j < limit; j++) {
        if (cumulative + (double)w[j].e > budget) break;
        cumulative += (double)w[j].e;
        x[w[j].i] = -INFINITY;
    }
    /* The tokens below t go, and so do finite values whose exp underflowed to 0 (below t too). */
#if defined(__x86_64__)
    if (fast) drop_below_avx512(x, e, n, t);
    else
#endif
    for (int i = 0; i < n; i++)
        if (e[i] < t) x[i] = -INFINITY;
    return 0;
}
