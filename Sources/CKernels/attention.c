#include "kvd_attention.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include "kvd_cpu.h"
#include "kvd_matmul.h"
#include "matmul_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "vector_exp.h"
#endif

int kvd_attn_shape_valid(const kvd_attn_shape *s) {
    return s->num_heads > 0 && s->num_kv_heads > 0 && s->num_heads % s->num_kv_heads == 0 &&
           s->num_heads / s->num_kv_heads <= KVD_ATTN_MAX_GROUP && s->head_dim > 0 &&
           s->head_dim <= KVD_ATTN_MAX_HEAD_DIM && s->block_size > 0 &&
           s->block_size <= KVD_ATTN_MAX_BLOCK_SIZE && s->num_blocks > 0 &&
           (s->kv_type == KVD_KV_F32 || s->kv_type == KVD_KV_F16);
}

/* n floats to IEEE half, rounded to nearest even: with F16C where the CPU has it (8 per
 * instruction; at 32 sequences a step's K and V took ~3% of the step one value at a time), else
 * kvd_f32_to_f16. Both give the same bits for every number (IEEE's rounding); a NaN stays a NaN,
 * its payload may differ. */
#if defined(__x86_64__)
__attribute__((target("avx2,f16c"))) static void f32_to_f16_f16c(const float *x, uint16_t *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) y[i] = kvd_f32_to_f16(x[i]);
}
#endif
static void f32_to_f16_row(int f16c, const float *x, uint16_t *y, size_t n) {
#if defined(__x86_64__)
    if (f16c) {
        f32_to_f16_f16c(x, y, n);
        return;
    }
#else
    (void)f16c;
#endif
    for (size_t i = 0; i < n; i++) y[i] = kvd_f32_to_f16(x[i]);
}

/* A pass's K and V and where they go (kvd_kv_write), with the cache and CPU they go to. */
typedef struct {
    const kvd_attn_shape *s;
    void *kcache, *vcache;
    const kvd_kv_write *w;
    int f16c;
} kv_dest;

static kv_dest kv_dest_make(const kvd_attn_shape *s, void *kcache, void *vcache, const kvd_kv_write *w) {
    kv_dest d = { s, kcache, vcache, w,
                  (kvd_cpu_features() & (KVD_CPU_AVX2 | KVD_CPU_F16C)) == (KVD_CPU_AVX2 | KVD_CPU_F16C) };
    return d;
}

/* Token t's cache block and the slot's offset in it; 0 when the slot is out of range (skipped:
 * the caller validates, and this never writes outside the cache). */
static int kv_slot(const kv_dest *d, int t, size_t *blk, size_t *off) {
    const long slot = d->w->slots[t];
    if (slot < 0 || slot >= (long)d->s->num_blocks * (long)d->s->block_size) return 0;
    *blk = (size_t)slot / (size_t)d->s->block_size;
    *off = (size_t)slot % (size_t)d->s->block_size;
    return 1;
}

/* Requests, for writing, the cache lines token t's head h will be stored to: its slot's column of
 * the head's K block (every line of it, K being transposed) and its row of V. The slot's block was
 * last touched a step ago, so each of these ~34 lines is a miss. */
static void kv_prefetch_head(const kv_dest *d, int t, int h) {
    const kvd_attn_shape *s = d->s;
    const size_t hd = (size_t)s->head_dim, bs = (size_t)s->block_size, size = s->kv_type == KVD_KV_F16 ? 2 : 4;
    size_t blk, off;
    if (!kv_slot(d, t, &blk, &off)) return;
    const size_t head = (blk * (size_t)s->num_kv_heads + (size_t)h) * bs * hd * size;
    const char *kc = (const char *)d->kcache + head + off * size, *vc = (const char *)d->vcache + head + off * hd * size;
    for (size_t e = 0; e < hd; e += 64 / (bs * size) > 0 ? 64 / (bs * size) : 1) __builtin_prefetch(kc + e * bs * size, 1, 3);
    for (size_t b = 0; b < hd * size; b += 64) __builtin_prefetch(vc + b, 1, 3);
    __builtin_prefetch(vc + hd * size - 1, 1, 3);
}

/* With the pass's rotation: token t's q heads [q0, q0 + nq) and k heads [k0, k0 + nk), in place. */
static void kv_rotate(const kv_dest *d, int t, int q0, int nq, int k0, int nk) {
    const kvd_kv_rope *r = d->w->rope;
    if (!r) return;
    const int hd = d->s->head_dim;
    const float *c = r->cos + (size_t)t * (size_t)(hd / 2), *sn = r->sin + (size_t)t * (size_t)(hd / 2);
    kvd_rope_token(r->q + (size_t)t * (size_t)r->ldq + (size_t)q0 * (size_t)hd, nq, hd, c, sn, r->layout);
    kvd_rope_token(d->w->k + (size_t)t * (size_t)d->w->ld + (size_t)k0 * (size_t)hd, nk, hd, c, sn, r->layout);
}

/* Token t's head h of K and V into its cache slot. */
static void kv_store_head(const kv_dest *d, int t, int h) {
    const kvd_attn_shape *s = d->s;
    const size_t hd = (size_t)s->head_dim, bs = (size_t)s->block_size;
    size_t blk, off;
    if (!kv_slot(d, t, &blk, &off)) return;
    const size_t head = (blk * (size_t)s->num_kv_heads + (size_t)h) * bs * hd;
    const float *kt = d->w->k + (size_t)t * (size_t)d->w->ld + (size_t)h * hd;
    const float *vt = d->w->v + (size_t)t * (size_t)d->w->ld + (size_t)h * hd;
    if (s->kv_type == KVD_KV_F16) {
        uint16_t *kc = (uint16_t *)d->kcache + head, *vc = (uint16_t *)d->vcache + head + off * hd;
        uint16_t kh[KVD_ATTN_MAX_HEAD_DIM];
        f32_to_f16_row(d->f16c, kt, kh, hd);
        for (size_t e = 0; e < hd; e++) kc[e * bs + off] = kh[e];  /* transposed */
        f32_to_f16_row(d->f16c, vt, vc, hd);
    } else {
        float *kc = (float *)d->kcache + head;
        for (size_t e = 0; e < hd; e++) kc[e * bs + off] = kt[e];  /* transposed */
        memcpy((float *)d->vcache + head + off * hd, vt, hd * sizeof(float));
    }
}

typedef struct { kv_dest d; int per_task, ntok; } kv_store_job;

static void kv_store_task(void *ctx, int task, int thread) {
    (void)thread;
    const kv_store_job *j = ctx;
    const kv_dest *d = &j->d;
    const int t0 = task * j->per_task, t1 = t0 + j->per_task < j->ntok ? t0 + j->per_task : j->ntok;
    const int nkv = d->s->num_kv_heads;
    /* The task's lines requested first, then rotated while they arrive, then stored. */
    for (int t = t0; t < t1; t++)
        for (int h = 0; h < nkv; h++) kv_prefetch_head(d, t, h);
    for (int t = t0; t < t1; t++) kv_rotate(d, t, 0, d->s->num_heads, 0, nkv);
    for (int t = t0; t < t1; t++)
        for (int h = 0; h < nkv; h++) kv_store_head(d, t, h);
}

void kvd_kv_store(kvd_pool *pool, const kvd_attn_shape *s, void *kcache, void *vcache, const kvd_kv_write *w, int ntok) {
    if (ntok <= 0) return;
    /* A few tasks per thread: a token's store is ~100 scattered cache lines, each a miss. */
    const int threads = kvd_pool_threads(pool);
    const int tasks = threads * 4 < ntok ? threads * 4 : ntok;
    kv_store_job j = { kv_dest_make(s, kcache, vcache, w), (ntok + tasks - 1) / tasks, ntok };
    kvd_pool_run(pool, (ntok + j.per_task - 1) / j.per_task, kv_store_task, &j);
}

typedef struct {
    const kvd_attn_shape *shape;
    void *kcache, *vcache; /* of KVD_KV_F32 floats or KVD_KV_F16 halves */
    const float *q;
    float *out;
    int ldq, ldo;
    const int32_t *ctx_len, *tables, *table_offset;
    int group_splits, ntasks;
    /* With xq: each task quantises the blocks of out it wrote (kvd_attention), in format wide. */
    int isa, wide;
    void *xq;
    /* With write: each task first stores its token's K and V head (kvd_attention). */
    const kv_dest *write;
} attn_job;

/* Quantises the heads a task wrote, [first_head, first_head + nheads) of token t's row. */
static inline void attn_quantize(const attn_job *j, int t, size_t first_head, int nheads) {
    const size_t hd = (size_t)j->shape->head_dim;
    const int n = j->shape->num_heads * j->shape->head_dim;
    kvd_quantize_blocks(j->isa, j->out + (size_t)t * (size_t)j->ldo, n, (int)(first_head * hd / 32),
                        (int)((first_head + (size_t)nheads) * hd / 32), j->wide, j->xq, t);
}

/* Prefetches half `half` (0 or 1) of the lines of KV head h's K (v = 0) or V (v = 1) in cache
 * block `block`: into every level (near), or into L2 only (far: prefetcht2, which on AMD's cores
 * fills L2, whose misses in flight are not the L1's few). attention_impl.h says why halves. */
static inline void attn_prefetch_half(const attn_job *j, int32_t block, int h, int v, int half, int far) {
    const kvd_attn_shape *s = j->shape;
    const size_t size = s->kv_type == KVD_KV_F16 ? 2 : 4;
    const size_t head = (size_t)s->block_size * (size_t)s->head_dim * size;
    const char *c = (const char *)(v ? j->vcache : j->kcache) + ((size_t)block * (size_t)s->num_kv_heads + (size_t)h) * head;
    for (size_t off = (size_t)half * head / 2; off < (size_t)(half + 1) * head / 2; off += 64) {
        if (far) __builtin_prefetch(c + off, 0, 1);
        else __builtin_prefetch(c + off, 0, 3);
    }
}
/* A place in the order a thread reads the cache: block jb of task `task` (token t, KV head h),
 * walking the task's blocks, then the next tasks' (a thread runs consecutive tasks, kvd_pool.h);
 * `block` is its cache block, -1 past the job's last one or at a token with no context. */
typedef struct { int task, t, h, jb; int32_t block; } attn_pos;
static inline attn_pos attn_pos_at(const attn_job *j, int task, int jb) {
    const int nkv = j->shape->num_kv_heads, gs = j->group_splits;
    attn_pos p = { task, task / gs / nkv, task / gs % nkv, jb, -1 };
    if (task < j->ntasks && jb * j->shape->block_size < j->ctx_len[p.t]) p.block = j->tables[j->table_offset[p.t] + jb];
    return p;
}
/* The place after p (none stays none): one step per block read, the divisions only at a task's
 * start. */
static inline attn_pos attn_pos_next(const attn_job *j, attn_pos p) {
    if (p.block < 0) return p;
    if ((p.jb + 1) * j->shape->block_size < j->ctx_len[p.t]) {
        p.jb++;
        p.block = j->tables[j->table_offset[p.t] + p.jb];
        return p;
    }
    return attn_pos_at(j, p.task + 1, 0);
}
/* Half `half` of K (v = 0) or V (v = 1) of the next block into every level and of the block after
 * it into L2 (attn_prefetch_half). */
static inline void attn_prefetch_ahead(const attn_job *j, const attn_pos *next, const attn_pos *far, int v, int half) {
    if (next->block >= 0) attn_prefetch_half(j, next->block, next->h, v, half, 0);
    if (far->block >= 0) attn_prefetch_half(j, far->block, far->h, v, half, 1);
}
/* What does not touch the cache, shared by both element types. */
static inline void scale_ref(float *y, float a, int n) {
    for (int i = 0; i < n; i++) y[i] *= a;
}
static inline float exp_sub_ref(float *x, float m, int n) {
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    return sum;
}

#if defined(__x86_64__)
#define TGT2 __attribute__((target("avx2,fma,f16c")))
TGT2 static inline void scale_avx2(float *y, float a, int n) {
    const __m256 av = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(av, _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] *= a;
}
TGT2 static inline float exp_sub_avx2(float *x, float m, int n) {
    const __m256 mv = _mm256_set1_ps(m);
    __m256 sum = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = kvd_exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float total = _mm_cvtss_f32(h);
    for (; i < n; i++) {
        x[i] = expf(x[i] - m);
        total += x[i];
    }
    return total;
}
#define TGT5 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))
TGT5 static inline void scale_avx512(float *y, float a, int n) {
    const __m512 av = _mm512_set1_ps(a);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(av, _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] *= a;
}
TGT5 static inline float exp_sub_avx512(float *x, float m, int n) {
    const __m512 mv = _mm512_set1_ps(m);
    __m512 sum = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 e = kvd_exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), mv));
        _mm512_storeu_ps(x + i, e);
        sum = _mm512_add_ps(sum, e);
    }
    if (i < n) { /* the partial last block, masked */
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        const __m512 e = kvd_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv));
        _mm512_mask_storeu_ps(x + i, k, e);
        sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, e));
    }
    return _mm512_reduce_add_ps(sum);
}
#endif

#define KV_T float
#define KV_NAME(x) x##_f32
#define KV_F32(v) (v)
#define KV_LOAD8(p) _mm256_loadu_ps(p)
#define KV_LOAD16(p) _mm512_loadu_ps(p)
#define KV_MASKLOAD16(m, p) _mm512_maskz_loadu_ps(m, p)
#include "attention_kv.h"

#define KV_T uint16_t
#define KV_NAME(x) x##_f16
#define KV_F32(v) kvd_f16_to_f32(v)
#define KV_LOAD8(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define KV_LOAD16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define KV_MASKLOAD16(m, p) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p))
#include "attention_kv.h"

int kvd_attention(kvd_pool *pool, int isa, const kvd_attn_shape *s, void *kcache,
                  void *vcache, const float *q, int ldq, float *out, int ldo, int ntok,
                  const int32_t *ctx_len, const int32_t *tables, const int32_t *table_offset,
                  int wide, void *xq, const kvd_kv_write *write) {
    if (!kvd_attn_shape_valid(s) || !kvd_isa_supported(isa)) return -1;
    const int n = s->num_heads * s->head_dim;
    if (xq && (n % 32 || ldo < n)) return -1;
    attn_job j = { s, kcache, vcache, q, out, ldq, ldo, ctx_len, tables, table_offset, 1, 0, isa, wide, NULL, NULL };
    /* Fewer (token, KV head) pairs than ~4 per thread: split each group into its query heads
     * (decode of one sequence is 3 pairs for the default model, 9 once split). */
    const int group = s->num_heads / s->num_kv_heads;
    if (ntok * s->num_kv_heads < 4 * kvd_pool_threads(pool)) j.group_splits = group;
    /* The pass's K and V: stored by the attention tasks themselves when each (token, KV head) is
     * one task and no token reads another's (one token per sequence: decode), saving a job and
     * overlapping the stores' misses with attention's reads; else in a job of their own first. */
    kv_dest dest;
    if (write) {
        dest = kv_dest_make(s, kcache, vcache, write);
        if (write->one_token_per_sequence && j.group_splits == 1) j.write = &dest;
        else kvd_kv_store(pool, s, kcache, vcache, write, ntok);
    }
    /* The tasks quantise what they wrote when it is whole blocks of 32; else one pass after. */
    const int task_values = group / j.group_splits * s->head_dim;
    if (xq && task_values % 32 == 0) j.xq = xq;
    const int half = s->kv_type == KVD_KV_F16;
    kvd_task_fn fn = half ? attn_task_ref_f16 : attn_task_ref_f32;
#if defined(__x86_64__)
    if (isa == KVD_ISA_AVX512) fn = half ? attn_task_avx512_f16 : attn_task_avx512_f32;
    else if (isa == KVD_ISA_AVX2) fn = half ? attn_task_avx2_f16 : attn_task_avx2_f32;
#endif
    j.ntasks = ntok * s->num_kv_heads * j.group_splits;
    kvd_pool_run(pool, j.ntasks, fn, &j);
    if (xq && !j.xq) kvd_quantize_rows_parallel(pool, isa, out, ntok, n, wide, xq);
    return 0;
}
