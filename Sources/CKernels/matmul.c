/* kvd_matmul: splits the rows (and, for long prefills, the tokens) of up to four weight matrices
 * into tasks for the pool, and sends each task to the kernel of the chosen path. */
#include "kvd_cpu.h"
#include "matmul_internal.h"

int kvd_isa_supported(int isa) {
    const int f = kvd_cpu_features();
    const int avx2 = KVD_CPU_AVX2 | KVD_CPU_FMA | KVD_CPU_F16C;
    const int avx512 = avx2 | KVD_CPU_AVX512F | KVD_CPU_AVX512BW | KVD_CPU_AVX512VL | KVD_CPU_AVX512VNNI;
    switch (isa) {
    case KVD_ISA_REFERENCE: return 1;
    case KVD_ISA_AVX2: return (f & avx2) == avx2;
    case KVD_ISA_AVX512: return (f & avx512) == avx512;
    default: return 0;
    }
}

int kvd_isa_best(void) {
    if (kvd_isa_supported(KVD_ISA_AVX512)) return KVD_ISA_AVX512;
    if (kvd_isa_supported(KVD_ISA_AVX2)) return KVD_ISA_AVX2;
    return KVD_ISA_REFERENCE;
}

/* Tokens per task: 64 quantised rows of 1536 values (~100 KB) or float rows stay in L2 while a
 * task's weight rows stream past them. */
#define KVD_TOKENS_PER_TASK 64

/* One call's work: per output, its arguments, kernel, row count and row chunking; task ids run
 * output by output, and within an output token chunk by token chunk. */
typedef struct {
    kvd_mm_args args[KVD_MAX_LINEARS];
    kvd_mm_kernel kernel[KVD_MAX_LINEARS];
    int nout[KVD_MAX_LINEARS];
    int rows_per_task[KVD_MAX_LINEARS];
    int row_tasks[KVD_MAX_LINEARS];
    int first_task[KVD_MAX_LINEARS + 1];
    int ntok, token_tasks;
    /* kvd_matmul_swiglu's: the path, and where the quantised result goes (or NULL). */
    int isa;
    void *swiglu_xq;
} mm_job;

static kvd_mm_kernel pick(int isa, int block_type, int quantised) {
    const int q = block_type && quantised;
    switch (isa) {
    case KVD_ISA_AVX512: return q ? kvd_mm_q8_avx512 : kvd_mm_float_avx512;
    case KVD_ISA_AVX2: return q ? kvd_mm_q8_avx2 : kvd_mm_float_avx2;
    default: return q ? kvd_mm_q8_ref : kvd_mm_float_ref;
    }
}

/* Output o's rows r0..<r1 and tokens t0..<t1 for local task `local` of that output. */
static void task_range(const mm_job *j, int o, int local, int *r0, int *r1, int *t0, int *t1) {
    const int tc = local / j->row_tasks[o], rc = local % j->row_tasks[o];
    *r0 = rc * j->rows_per_task[o];
    *r1 = *r0 + j->rows_per_task[o] < j->nout[o] ? *r0 + j->rows_per_task[o] : j->nout[o];
    *t0 = tc * KVD_TOKENS_PER_TASK;
    *t1 = *t0 + KVD_TOKENS_PER_TASK < j->ntok ? *t0 + KVD_TOKENS_PER_TASK : j->ntok;
}

static void mm_task(void *ctx, int task, int thread) {
    (void)thread;
    const mm_job *j = ctx;
    int o = 0;
    while (task >= j->first_task[o + 1]) o++;
    int r0, r1, t0, t1;
    task_range(j, o, task - j->first_task[o], &r0, &r1, &t0, &t1);
    j->kernel[o](&j->args[o], r0, r1, t0, t1);
}

/* Checks the arguments and splits the work into tasks: row chunks of the same size for every
 * output, a share of `job_rows` (the rows a job's tasks cover together), multiples of row_unit.
 * Returns 0, or -1 as kvd_matmul. */
static int mm_setup(mm_job *j, kvd_pool *pool, int isa, const kvd_linear *outs, int nouts,
                    const float *x, const void *xq, int wide, int ntok, int row_unit, int job_rows) {
    memset(j, 0, sizeof *j);
    if (nouts < 1 || nouts > KVD_MAX_LINEARS || ntok < 0 || !kvd_isa_supported(isa)) return -1;
    if (ntok == 0) return 0;
    const int nin = outs[0].nin;
    if (nin <= 0 || nin > KVD_MAX_NIN) return -1;
    const int threads = kvd_pool_threads(pool);
    j->ntok = ntok;
    j->isa = isa;
    j->token_tasks = (ntok + KVD_TOKENS_PER_TASK - 1) / KVD_TOKENS_PER_TASK;
    for (int o = 0; o < nouts; o++) {
        const kvd_linear *l = &outs[o];
        const int packed = (l->type & KVD_PACKED) != 0, type = l->type & ~KVD_PACKED;
        if (l->nin != nin || l->nout <= 0 || !kvd_type_supported(type)) return -1;
        const int block = kvd_type_is_block(type);
        if (block && nin % 32) return -1;
        if (!l->y || !l->w || l->ldy < l->nout) return -1;
        /* Packed weights have one kernel: AVX-512 with wide grouped activations, which no other
         * kernel reads. */
        if (wide < KVD_XQ_NARROW || wide > KVD_XQ_WIDE_GROUPED) return -1;
        if (packed && !(block && isa == KVD_ISA_AVX512 && xq && wide == KVD_XQ_WIDE_GROUPED)) return -1;
        if (!packed && block && xq && wide == KVD_XQ_WIDE_GROUPED) return -1;
        kvd_mm_args *a = &j->args[o];
        a->type = type;
        a->w = l->w;
        a->row_bytes = kvd_row_bytes(type, nin);
        a->nin = nin;
        a->nout = l->nout;
        a->x = x;
        a->xq = xq;
        a->qstride = wide == KVD_XQ_WIDE_GROUPED ? kvd_xq_group_bytes(nin) : kvd_qrow_bytes(nin, wide);
        a->wide = wide;
        a->y = l->y;
        a->ldy = l->ldy;
        a->bias = l->bias;
        a->accumulate = l->accumulate;
        j->kernel[o] = packed ? kvd_mm_packed_avx512 : pick(isa, block, xq != NULL);
        /* Enough row chunks that both (all) threads stay busy when one is slowed by another
         * process, few enough that a chunk amortises its task fetch; multiples of 4 rows, of a
         * packed tile's 16, or of the caller's unit. The same size for every output, so tasks are
         * equal work and each thread's contiguous range (kvd_pool.h) its share: q, k and v sized
         * each by its own rows gave one thread 42 of their 60 tiles and left the threads to steal
         * each other's tasks, each then starting on weights the other had prefetched. */
        int rows = job_rows / (threads * 8);
        if (rows < 8) rows = 8;
        if (rows > 256) rows = 256;
        int unit = packed ? KVD_PACK_ROWS : 4;
        if (row_unit > unit) unit = row_unit;
        rows = (rows + unit - 1) / unit * unit;
        j->nout[o] = l->nout;
        j->rows_per_task[o] = rows;
        j->row_tasks[o] = (l->nout + rows - 1) / rows;
        j->first_task[o + 1] = j->first_task[o] + j->row_tasks[o] * j->token_tasks;
    }
    return 0;
}

int kvd_matmul(kvd_pool *pool, int isa, const kvd_linear *outs, int nouts,
               const float *x, const void *xq, int wide, int ntok) {
    mm_job j;
    int job_rows = 0;
    for (int o = 0; o < nouts && o < KVD_MAX_LINEARS; o++) job_rows += outs[o].nout;
    if (mm_setup(&j, pool, isa, outs, nouts, x, xq, wide, ntok, 1, job_rows)) return -1;
    if (ntok > 0) kvd_pool_run(pool, j.first_task[nouts], mm_task, &j);
    return 0;
}

/* Both products for the same rows and tokens, then SwiGLU over them and (with swiglu_xq) their
 * blocks quantised, while the rows are still in cache. */
static void swiglu_task(void *ctx, int task, int thread) {
    (void)thread;
    const mm_job *j = ctx;
    int r0, r1, t0, t1;
    task_range(j, 0, task, &r0, &r1, &t0, &t1);
    j->kernel[0](&j->args[0], r0, r1, t0, t1);
    j->kernel[1](&j->args[1], r0, r1, t0, t1);
    const kvd_mm_args *g = &j->args[0], *u = &j->args[1];
    for (int t = t0; t < t1; t++) {
        float *gr = g->y + (size_t)t * (size_t)g->ldy;
        kvd_swiglu_span(j->isa, gr + r0, u->y + (size_t)t * (size_t)u->ldy + r0, gr + r0, (size_t)(r1 - r0));
        if (j->swiglu_xq) kvd_quantize_blocks(j->isa, gr, g->nout, r0 / 32, r1 / 32, g->wide, j->swiglu_xq, t);
    }
}

int kvd_matmul_swiglu(kvd_pool *pool, int isa, const kvd_linear *gate, const kvd_linear *up,
                      const float *x, const void *xq, int wide, int ntok, void *xq_out) {
    const kvd_linear outs[2] = { *gate, *up };
    if (gate->nout != up->nout || gate->accumulate || up->accumulate) return -1;
    if (xq_out && gate->nout % 32) return -1;
    mm_job j;
    /* Row chunks of whole quantisation blocks (32 values of the result). */
    if (mm_setup(&j, pool, isa, outs, 2, x, xq, wide, ntok, 32, gate->nout)) return -1;
    j.swiglu_xq = xq_out;
    if (ntok > 0) kvd_pool_run(pool, j.first_task[1], swiglu_task, &j);
    return 0;
}
