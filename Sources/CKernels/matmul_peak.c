/* kvd_matmul_peak: the multiply-adds per second the matmul kernels' product instruction sustains
 * on every pool thread at once, operands in registers. It is the arithmetic ceiling of a batched
 * decode step, as memcpy's bandwidth is the ceiling of a batch-1 step: with enough sequences the
 * weights come from cache for all but the first and the products are the work (kvd_matmul.h). */
#include <stdatomic.h>
#include <time.h>
#include "kvd_cpu.h"
#include "matmul_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* Independent accumulators per thread: the products' latency (4 cycles on recent cores, two
 * issued per cycle) needs 8 in flight; 12 leaves room. */
#define PEAK_CHAINS 12
/* Instructions per chain per task: ~30 M instructions, ~5 ms on a current core. */
#define PEAK_ROUNDS 2500000

/* Each runs PEAK_ROUNDS of PEAK_CHAINS independent products and returns a fold of the sums (so
 * nothing is dead code); the asm barrier keeps the compiler from hoisting the loop-invariant
 * products out of the loop. */
#define PEAK_LOOP(T, A, B, ZERO, OP, FOLD, REDUCE)                                     \
    T a = A, b = B, acc[PEAK_CHAINS];                                                  \
    for (int c = 0; c < PEAK_CHAINS; c++) acc[c] = ZERO;                               \
    for (long r = 0; r < PEAK_ROUNDS; r++) {                                           \
        for (int c = 0; c < PEAK_CHAINS; c++) acc[c] = OP;                             \
        __asm__ volatile("" : "+v"(a), "+v"(b));                                       \
    }                                                                                  \
    T sum = acc[0];                                                                    \
    for (int c = 1; c < PEAK_CHAINS; c++) sum = FOLD;                                  \
    return (int)(REDUCE);

#define TGT5 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")))
#define TGT2 __attribute__((target("avx2,fma")))

TGT5 static int peak_vpdpwssd(void) {
    PEAK_LOOP(__m512i, _mm512_set1_epi32(0x00030003), _mm512_set1_epi32(0x00050005), _mm512_setzero_si512(),
              _mm512_dpwssd_epi32(acc[c], a, b), _mm512_add_epi32(sum, acc[c]), _mm512_reduce_add_epi32(sum))
}
TGT5 static int peak_vpdpbusd(void) {
    PEAK_LOOP(__m512i, _mm512_set1_epi32(0x03030303), _mm512_set1_epi32(0x05050505), _mm512_setzero_si512(),
              _mm512_dpbusd_epi32(acc[c], a, b), _mm512_add_epi32(sum, acc[c]), _mm512_reduce_add_epi32(sum))
}
TGT5 static int peak_fma512(void) {
    PEAK_LOOP(__m512, _mm512_set1_ps(1e-9f), _mm512_set1_ps(1.0f), _mm512_setzero_ps(),
              _mm512_fmadd_ps(a, b, acc[c]), _mm512_add_ps(sum, acc[c]), _mm512_reduce_add_ps(sum))
}
/* AVX2's int16 product is pmaddwd then an add, its int8 one maddubs, pmaddwd by ones and an
 * add (matmul_avx2.c). */
TGT2 static int peak_pmaddwd(void) {
    PEAK_LOOP(__m256i, _mm256_set1_epi32(0x00030003), _mm256_set1_epi32(0x00050005), _mm256_setzero_si256(),
              _mm256_add_epi32(acc[c], _mm256_madd_epi16(a, b)), _mm256_add_epi32(sum, acc[c]), _mm256_extract_epi32(sum, 0))
}
TGT2 static int peak_maddubs(void) {
    PEAK_LOOP(__m256i, _mm256_set1_epi32(0x03030303), _mm256_set1_epi32(0x05050505), _mm256_setzero_si256(),
              _mm256_add_epi32(acc[c], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1))),
              _mm256_add_epi32(sum, acc[c]), _mm256_extract_epi32(sum, 0))
}
TGT2 static int peak_fma256(void) {
    PEAK_LOOP(__m256, _mm256_set1_ps(1e-9f), _mm256_set1_ps(1.0f), _mm256_setzero_ps(),
              _mm256_fmadd_ps(a, b, acc[c]), _mm256_add_ps(sum, acc[c]), _mm_cvtss_f32(_mm256_castps256_ps128(sum)))
}

/* Multiply-adds one instruction of each loop does (a vector's lanes times the pairs or quads
 * each lane sums). */
static double peak_macs_per_op(int isa, int kind) {
    if (isa == KVD_ISA_AVX512) return kind == KVD_PEAK_INT16 ? 32 : kind == KVD_PEAK_INT8 ? 64 : 16;
    return kind == KVD_PEAK_INT16 ? 16 : kind == KVD_PEAK_INT8 ? 32 : 8;
}

/* sink: the loops' results, added up so none is dead code (the threads add at once). */
typedef struct { int isa, kind; _Atomic int sink; } peak_job;

static void peak_task(void *ctx, int task, int thread) {
    (void)task; (void)thread;
    peak_job *j = ctx;
    int v;
    if (j->isa == KVD_ISA_AVX512)
        v = j->kind == KVD_PEAK_INT16 ? peak_vpdpwssd() : j->kind == KVD_PEAK_INT8 ? peak_vpdpbusd() : peak_fma512();
    else
        v = j->kind == KVD_PEAK_INT16 ? peak_pmaddwd() : j->kind == KVD_PEAK_INT8 ? peak_maddubs() : peak_fma256();
    atomic_fetch_add_explicit(&j->sink, v, memory_order_relaxed);
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double kvd_matmul_peak(kvd_pool *pool, int isa, int kind, int repeats) {
    if (isa != KVD_ISA_AVX512 && isa != KVD_ISA_AVX2) return 0.0;
    if (!kvd_isa_supported(isa) || kind < KVD_PEAK_INT16 || kind > KVD_PEAK_FLOAT) return 0.0;
    const int threads = kvd_pool_threads(pool);
    peak_job j = { isa, kind, 0 };
    double best = 0.0;
    for (int r = 0; r < (repeats > 0 ? repeats : 1); r++) {
        const double t0 = seconds_now();
        kvd_pool_run(pool, threads, peak_task, &j);  /* one task per thread, all at once */
        const double rate = (double)threads * PEAK_ROUNDS * PEAK_CHAINS * peak_macs_per_op(isa, kind) / (seconds_now() - t0);
        if (rate > best) best = rate;
    }
    return best;
}
#else
double kvd_matmul_peak(kvd_pool *pool, int isa, int kind, int repeats) {
    (void)pool; (void)isa; (void)kind; (void)repeats;
    return 0.0;
}
#endif
