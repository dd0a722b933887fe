#include "kvd_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KVD_PAUSE() _mm_pause()
#else
#define KVD_PAUSE() ((void)0)
#endif

/* How long an idle worker spins before sleeping: long enough to bridge the gap between the jobs
 * of one forward pass, short enough not to burn a shared core between requests. */
#define KVD_SPIN_NS 200000L

/* On a shared machine the OS preempts workers to run other processes; a worker preempted in a
 * task makes the caller wait for it, and a decode step joins ~150 jobs. The caller keeps moving
 * averages of how long it works on a job and how long it then waits for the workers; when it
 * waits longer than it works, the workers are not helping, and jobs run on the caller alone for
 * KVD_SOLO_NS before the workers are tried again. On idle cores the wait is a fraction of a task
 * and this never triggers. */
#define KVD_SOLO_NS 200000000L

/* A job. Two slots, used alternately by generation, so a worker that wakes late and reads the
 * previous job's slot never sees it rewritten under it: slot g & 1 is rewritten only for job
 * g + 2, which starts after job g + 1, which starts after every task of job g has finished. */
typedef struct {
    kvd_task_fn fn;
    void *ctx;
    int ntasks;
} job_slot;

/* Thread i's share of a job: tasks [i * ntasks / n, (i + 1) * ntasks / n). `next` holds
 * (generation << 32) | next task index, and a task is claimed by a compare-and-swap that also
 * checks the generation, so a worker holding a stale generation can never claim a task of a
 * newer job. Why ranges rather than one shared counter: a thread's tasks are then consecutive,
 * and consecutive matmul tasks read consecutive weight rows, so each thread streams one run of
 * memory that the prefetchers follow (a shared counter deals tasks alternately and every task
 * starts a new stream); a thread the OS does not run leaves its range to the others. Each range
 * has its own cache line, so threads claiming their own tasks do not contend. */
typedef struct {
    _Alignas(64) _Atomic unsigned long long next;
    char pad[64 - sizeof(unsigned long long)];
} claim_range;

struct kvd_pool {
    int nthreads;
    pthread_t *threads;
    job_slot slots[2];
    /* The task ids are split into one contiguous range per thread (claim_range); each thread
     * claims from its own range first, then from the others'. */
    claim_range *ranges;
    /* Tasks of the current job finished; the caller waits for ntasks, not for every worker to
     * check in: a worker the OS has not scheduled (other processes share the cores) simply
     * misses the job instead of stalling it. */
    _Atomic int done;
    _Atomic unsigned generation;
    _Atomic int sleepers;
    _Atomic int stop;
    /* The caller's state (one job at a time): caller-only until solo_until; moving averages (ns)
     * of its own work per job and of its wait for the workers afterwards. */
    long solo_until;
    double avg_work, avg_wait;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

typedef struct { kvd_pool *pool; int index; } worker_arg;

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Runs tasks of job `gen` until none is left or a newer job has started: this thread's own
 * range first, then the others' in turn. */
static void drain(kvd_pool *p, unsigned gen, int thread) {
    const job_slot *j = &p->slots[gen & 1];
    const kvd_task_fn fn = j->fn;
    void *const ctx = j->ctx;
    const int ntasks = j->ntasks, n = p->nthreads;
    for (int k = 0; k < n; k++) {
        const int r = (thread + k) % n;
        const int end = (int)((long)(r + 1) * ntasks / n);
        _Atomic unsigned long long *next = &p->ranges[r].next;
        unsigned long long c = atomic_load_explicit(next, memory_order_acquire);
        for (;;) {
            if ((unsigned)(c >> 32) != gen) return;
            const int i = (int)(c & 0xffffffffu);
            if (i >= end) break;
            if (!atomic_compare_exchange_weak_explicit(next, &c, c + 1, memory_order_acq_rel,
                                                       memory_order_acquire))
                continue;
            fn(ctx, i, thread);
            atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
            c = atomic_load_explicit(next, memory_order_acquire);
        }
    }
}

/* Waits until `generation` differs from `seen`; returns the new value. */
static unsigned wait_for_job(kvd_pool *p, unsigned seen) {
    long start = now_ns();
    for (int spins = 0;; spins++) {
        unsigned g = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (g != seen) return g;
        KVD_PAUSE();
        if ((spins & 255) == 255 && now_ns() - start > KVD_SPIN_NS) break;
    }
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    unsigned g;
    while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&p->cv, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    return g;
}

static void *worker_main(void *arg) {
    worker_arg a = *(worker_arg *)arg;
    free(arg);
    kvd_pool *p = a.pool;
    unsigned seen = 0;
    for (;;) {
        seen = wait_for_job(p, seen);
        if (atomic_load(&p->stop)) break;
        drain(p, seen, a.index);
    }
    return NULL;
}

kvd_pool *kvd_pool_create(int threads) {
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > 256) threads = 256;
    kvd_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->nthreads = threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threads = calloc((size_t)threads, sizeof(pthread_t));
    p->ranges = aligned_alloc(64, (size_t)threads * sizeof(claim_range));
    if (!p->threads || !p->ranges) { free(p->threads); free(p->ranges); free(p); return NULL; }
    for (int i = 0; i < threads; i++) atomic_init(&p->ranges[i].next, 0);
    for (int i = 1; i < threads; i++) {
        worker_arg *a = malloc(sizeof *a);
        if (!a) { p->nthreads = i; break; }
        a->pool = p;
        a->index = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, a) != 0) {
            free(a);
            p->nthreads = i;  /* fewer threads, still correct */
            break;
        }
    }
    return p;
}

int kvd_pool_threads(const kvd_pool *pool) { return pool ? pool->nthreads : 1; }

void kvd_pool_run(kvd_pool *p, int ntasks, kvd_task_fn fn, void *ctx) {
    if (ntasks <= 0) return;
    if (!p || p->nthreads == 1 || ntasks == 1 || (p->solo_until && now_ns() < p->solo_until)) {
        for (int i = 0; i < ntasks; i++) fn(ctx, i, 0);
        return;
    }
    p->solo_until = 0;
    const long start = now_ns();
    const unsigned gen = atomic_load_explicit(&p->generation, memory_order_relaxed) + 1;
    job_slot *j = &p->slots[gen & 1];
    j->fn = fn;
    j->ctx = ctx;
    j->ntasks = ntasks;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    for (int r = 0; r < p->nthreads; r++)
        atomic_store_explicit(&p->ranges[r].next, (unsigned long long)gen << 32 | (unsigned)((long)r * ntasks / p->nthreads),
                              memory_order_release);
    /* The bump publishes the job; a sleeper re-checks generation under the mutex, so a wake
     * between its check and its wait cannot be lost. */
    atomic_store(&p->generation, gen);  /* seq_cst: ordered before the sleepers load below */

    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    drain(p, gen, 0);
    const long drained = now_ns();
    /* Only tasks a worker claimed and is still running are left; if it has been preempted, give
     * it the core rather than spin against it. */
    for (int spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < ntasks; spins++) {
        if (spins < 2000) KVD_PAUSE();
        else sched_yield();
    }
    const long end = now_ns();
    p->avg_work += ((double)(drained - start) - p->avg_work) / 16.0;
    p->avg_wait += ((double)(end - drained) - p->avg_wait) / 16.0;
    if (p->avg_wait > p->avg_work && p->avg_wait > 20000.0) {
        p->solo_until = end + KVD_SOLO_NS;
        p->avg_work = p->avg_wait = 0.0;
    }
}

void kvd_pool_destroy(kvd_pool *p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p->ranges);
    free(p);
}

typedef struct { char *dst; const char *src; unsigned long n, chunk; } copy_job;

static void copy_task(void *ctx, int task, int thread) {
    (void)thread;
    copy_job *j = ctx;
    unsigned long off = (unsigned long)task * j->chunk;
    unsigned long len = off + j->chunk > j->n ? j->n - off : j->chunk;
    memcpy(j->dst + off, j->src + off, len);
}

void kvd_pool_memcpy(kvd_pool *pool, void *dst, const void *src, unsigned long n) {
    int t = kvd_pool_threads(pool);
    unsigned long chunk = (n + (unsigned long)t - 1) / (unsigned long)t;
    chunk = (chunk + 4095) & ~4095UL;
    if (chunk == 0) return;
    copy_job j = { dst, src, n, chunk };
    kvd_pool_run(pool, (int)((n + chunk - 1) / chunk), copy_task, &j);
}
