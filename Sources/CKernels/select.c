/* kvd_top_n, kvd_mask_below and kvd_count_greater (kvd_sample.h): the passes that top-k, min-p
 * and logprobs make over a logits row, a plain C path and an AVX-512 one. (kvd_row_max is in
 * sample.c, beside the row maximum the softmax passes use.) */
#include "kvd_sample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "sample_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#endif

/* --- kvd_top_n ---
 * A heap of the k best so far with the worst at the root. Indices arrive in ascending order, so
 * a newcomer equal to the worst loses the tie (the lower index ranks first) and only a strictly
 * larger value enters: once the heap is full, the AVX-512 path skips every 16 values none of
 * which exceeds the root, which after the first few thousand values is nearly all of them. */

typedef struct { float v; int32_t i; } entry;

/* a ranks below b: smaller, or equal with the higher index. */
static inline int below(entry a, entry b) { return a.v < b.v || (a.v == b.v && a.i > b.i); }

static void sift_down(entry *h, int size, int at) {
    for (;;) {
        const int l = 2 * at + 1, r = l + 1;
        int worst = at;
        if (l < size && below(h[l], h[worst])) worst = l;
        if (r < size && below(h[r], h[worst])) worst = r;
        if (worst == at) return;
        const entry t = h[at];
        h[at] = h[worst];
        h[worst] = t;
        at = worst;
    }
}

static void sift_up(entry *h, int at) {
    while (at > 0) {
        const int parent = (at - 1) / 2;
        if (!below(h[at], h[parent])) return;
        const entry t = h[at];
        h[at] = h[parent];
        h[parent] = t;
        at = parent;
    }
}

/* Offers x[i] (not NaN) to the heap. */
static inline void offer(entry *h, int *size, int k, float v, int i) {
    if (*size < k) {
        h[*size] = (entry){v, i};
        sift_up(h, (*size)++);
    } else if (v > h[0].v) {
        h[0] = (entry){v, i};
        sift_down(h, k, 0);
    }
}

static int best_first(const void *a, const void *b) {
    const entry *x = a, *y = b;
    return below(*y, *x) ? -1 : below(*x, *y) ? 1 : 0;
}

#if defined(__x86_64__)
/* Fills the heap from the first values, then lets the vector compare skip the rest; returns where
 * it stopped (the last partial 16 are left to the caller). */
TGT static int top_n_avx512(const float *x, int n, int k, entry *h, int *size) {
    int i = 0;
    for (; i < n && *size < k; i++)
        if (!isnan(x[i])) offer(h, size, k, x[i], i);
    if (*size < k) return i;
    for (; i + 16 <= n; i += 16) {
        __mmask16 more = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), _mm512_set1_ps(h[0].v), _CMP_GT_OQ);
        while (more) {
            const int j = __builtin_ctz((unsigned)more);
            more &= (__mmask16)(more - 1);
            offer(h, size, k, x[i + j], i + j);  /* the root may have risen: offer re-checks */
        }
    }
    return i;
}
#endif

int kvd_top_n(int isa, const float *x, int n, int k, int32_t *out) {
    if (k <= 0 || n <= 0) return 0;
    if (k > n) k = n;
    entry *h = malloc((size_t)k * sizeof *h);
    if (!h) return -1;
    int size = 0, i = 0;
#if defined(__x86_64__)
    if (kvd_sample_fast(isa)) i = top_n_avx512(x, n, k, h, &size);
#endif
    for (; i < n; i++)
        if (!isnan(x[i])) offer(h, &size, k, x[i], i);
    qsort(h, (size_t)size, sizeof *h, best_first);
    for (int j = 0; j < size; j++) out[j] = h[j].i;
    free(h);
    return size;
}

/* --- kvd_mask_below, kvd_count_greater --- */

#if defined(__x86_64__)
/* Both do whole vectors and return where they stopped, for the plain tail. */
TGT static int mask_below_avx512(float *x, int n, float cut) {
    const __m512 c = _mm512_set1_ps(cut), gone = _mm512_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_mask_storeu_ps(x + i, _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), c, _CMP_LT_OQ), gone);
    return i;
}

TGT static int count_greater_avx512(const float *x, int n, float v, int *count) {
    const __m512 c = _mm512_set1_ps(v);
    int i = 0;
    for (; i + 16 <= n; i += 16)
        *count += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), c, _CMP_GT_OQ));
    return i;
}
#endif

void kvd_mask_below(int isa, float *x, int n, float cut) {
    int i = 0;
#if defined(__x86_64__)
    if (kvd_sample_fast(isa)) i = mask_below_avx512(x, n, cut);
#endif
    for (; i < n; i++)
        if (x[i] < cut) x[i] = -INFINITY;
}

int kvd_count_greater(int isa, const float *x, int n, float v) {
    int count = 0, i = 0;
#if defined(__x86_64__)
    if (kvd_sample_fast(isa)) i = count_greater_avx512(x, n, v, &count);
#endif
    for (; i < n; i++)
        if (x[i] > v) count++;
    return count;
}
