#include "kvd_ops.h"

#include <math.h>
#include <stddef.h>
#include "kvd_matmul.h"
#include "matmul_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "vector_exp.h"
#endif

/* Runs fn over rows in chunks on the pool; few rows stay on the caller (a wake costs more). */
typedef struct {
    void (*fn)(void *ctx, int r0, int r1);
    void *ctx;
    int rows, per_task;
} rows_job;

static void rows_task(void *ctx, int task, int thread) {
    (void)thread;
    rows_job *j = ctx;
    int r0 = task * j->per_task, r1 = r0 + j->per_task < j->rows ? r0 + j->per_task : j->rows;
    j->fn(j->ctx, r0, r1);
}

static void run_rows(kvd_pool *pool, int rows, size_t work_per_row, void (*fn)(void *, int, int), void *ctx) {
    const int threads = kvd_pool_threads(pool);
    if (threads == 1 || rows < 2 || (size_t)rows * work_per_row < 16384) {
        fn(ctx, 0, rows);
        return;
    }
    int per_task = (rows + 2 * threads - 1) / (2 * threads);
    rows_job j = { fn, ctx, rows, per_task };
    kvd_pool_run(pool, (rows + per_task - 1) / per_task, rows_task, &j);
}

typedef struct { const float *x; int n, wide, isa; void *dst; } quantize_job;

static void quantize_part(void *ctx, int r0, int r1) {
    quantize_job *j = ctx;
    for (int r = r0; r < r1; r++)
        kvd_quantize_blocks(j->isa, j->x + (size_t)r * (size_t)j->n, j->n, 0, j->n / 32, j->wide, j->dst, r);
}

void kvd_quantize_rows_parallel(kvd_pool *pool, int isa, const float *x, int ntok, int n, int wide, void *dst) {
    quantize_job j = { x, n, wide, kvd_isa_supported(isa) ? isa : KVD_ISA_REFERENCE, dst };
    run_rows(pool, ntok, (size_t)n, quantize_part, &j);
}

typedef struct { const float *x, *w; float *out; int n; float eps; } rmsnorm_job;

static void rmsnorm_part(void *ctx, int r0, int r1) {
    rmsnorm_job *j = ctx;
    const int n = j->n;
    for (int r = r0; r < r1; r++) {
        const float *xr = j->x + (size_t)r * (size_t)n;
        float *o = j->out + (size_t)r * (size_t)n;
        /* Eight independent sums: one running sum is a chain of n dependent adds (~4 cycles each,
         * which made the norms ~2% of a 32-sequence step), eight vectorise. */
        double part[8] = { 0 };
        int i = 0;
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++) part[k] += (double)xr[i + k] * (double)xr[i + k];
        double ss = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
        for (; i < n; i++) ss += (double)xr[i] * (double)xr[i];
        const float scale = (float)(1.0 / sqrt(ss / n + (double)j->eps));
        for (i = 0; i < n; i++) o[i] = j->w[i] * (xr[i] * scale);
    }
}

void kvd_rmsnorm(kvd_pool *pool, const float *x, const float *w, float *out, int rows, int n, float eps) {
    rmsnorm_job j = { x, w, out, n, eps };
    run_rows(pool, rows, (size_t)n, rmsnorm_part, &j);
}

/* An op over rows followed by quantising the rows it wrote, in the same task: one pool job (and
 * join) instead of two, and the rows are quantised while still in cache. */
typedef struct {
    void (*op)(void *ctx, int r0, int r1);
    void *op_ctx;
    quantize_job q;
} then_quantize_job;

static void then_quantize_part(void *ctx, int r0, int r1) {
    then_quantize_job *j = ctx;
    j->op(j->op_ctx, r0, r1);
    quantize_part(&j->q, r0, r1);
}

void kvd_rmsnorm_quantize(kvd_pool *pool, int isa, const float *x, const float *w, float *out, int rows, int n,
                          float eps, int wide, void *xq) {
    rmsnorm_job r = { x, w, out, n, eps };
    if (!xq) { run_rows(pool, rows, (size_t)n, rmsnorm_part, &r); return; }
    then_quantize_job j = { rmsnorm_part, &r, { out, n, wide, kvd_isa_supported(isa) ? isa : KVD_ISA_REFERENCE, xq } };
    run_rows(pool, rows, (size_t)n * 2, then_quantize_part, &j);
}

void kvd_rope_table(const int32_t *positions, int ntok, int head_dim, const float *inv_freq, float attn_factor,
                    float *cs, float *sn) {
    const int half = head_dim / 2;
    for (int t = 0; t < ntok; t++) {
        const float pos = (float)positions[t];
        for (int j = 0; j < half; j++) {
            const float angle = pos * inv_freq[j];
            cs[(size_t)t * (size_t)half + (size_t)j] = (float)cos((double)angle) * attn_factor;
            sn[(size_t)t * (size_t)half + (size_t)j] = (float)sin((double)angle) * attn_factor;
        }
    }
}

void kvd_rope_token(float *x, int nheads, int head_dim, const float *c, const float *s, int layout) {
    const int half = head_dim / 2;
    for (int h = 0; h < nheads; h++) {
        float *v = x + (size_t)h * (size_t)head_dim;
        if (layout == KVD_ROPE_ADJACENT_PAIRS) {
            for (int j = 0; j < half; j++) {
                const float a = v[2 * j], b = v[2 * j + 1];
                v[2 * j] = a * c[j] - b * s[j];
                v[2 * j + 1] = b * c[j] + a * s[j];
            }
        } else {
            for (int j = 0; j < half; j++) {
                const float a = v[j], b = v[j + half];
                v[j] = a * c[j] - b * s[j];
                v[j + half] = b * c[j] + a * s[j];
            }
        }
    }
}

void kvd_rope(float *x, int ntok, int ld, int nheads, int head_dim, const float *cs, const float *sn,
              int layout) {
    const size_t half = (size_t)(head_dim / 2);
    for (int t = 0; t < ntok; t++)
        kvd_rope_token(x + (size_t)t * (size_t)ld, nheads, head_dim, cs + (size_t)t * half, sn + (size_t)t * half, layout);
}

#if defined(__x86_64__)

__attribute__((target("avx2,fma,f16c,avx512f"))) static void swiglu_avx512(const float *g, const float *u, float *o, size_t n) {
    size_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i + 16 <= n; i += 16) {
        const __m512 gv = _mm512_loadu_ps(g + i);
        const __m512 e = kvd_exp512(_mm512_sub_ps(_mm512_setzero_ps(), gv));
        _mm512_storeu_ps(o + i, _mm512_mul_ps(_mm512_div_ps(gv, _mm512_add_ps(one, e)), _mm512_loadu_ps(u + i)));
    }
    for (; i < n; i++) o[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}


__attribute__((target("avx2,fma,f16c"))) static void swiglu_avx2(const float *g, const float *u, float *o, size_t n) {
    size_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        const __m256 gv = _mm256_loadu_ps(g + i);
        const __m256 e = kvd_exp256(_mm256_sub_ps(_mm256_setzero_ps(), gv));
        _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) o[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
#endif

void kvd_swiglu_span(int isa, const float *g, const float *u, float *o, size_t n) {
#if defined(__x86_64__)
    if (isa == KVD_ISA_AVX512) { swiglu_avx512(g, u, o, n); return; }
    if (isa == KVD_ISA_AVX2) { swiglu_avx2(g, u, o, n); return; }
#endif
    for (size_t i = 0; i < n; i++) o[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

typedef struct { const float *g, *u; float *o; int n, isa; } swiglu_job;

static void swiglu_part(void *ctx, int r0, int r1) {
    swiglu_job *j = ctx;
    const size_t off = (size_t)r0 * (size_t)j->n;
    kvd_swiglu_span(j->isa, j->g + off, j->u + off, j->o + off, (size_t)(r1 - r0) * (size_t)j->n);
}

void kvd_swiglu(kvd_pool *pool, int isa, const float *gate, const float *up, float *out, int rows, int n) {
    swiglu_job j = { gate, up, out, n, kvd_isa_supported(isa) ? isa : KVD_ISA_REFERENCE };
    run_rows(pool, rows, (size_t)n * 4, swiglu_part, &j);
}

void kvd_softmax(float *x, int n) {
    if (n <= 0) return;
    float m = x[0];
    for (int i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    const float inv = (float)(1.0 / sum);
    for (int i = 0; i < n; i++) x[i] *= inv;
}

void kvd_embed(int type, const void *table, int dim, const int32_t *ids, int n, float *out) {
    const size_t rb = kvd_row_bytes(type, dim);
    for (int i = 0; i < n; i++)
        kvd_dequantize_row(type, (const char *)table + (size_t)ids[i] * rb, dim, out + (size_t)i * (size_t)dim);
}
