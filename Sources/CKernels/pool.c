#include "kvd_pool.h"

#include <pthread.h>
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

struct kvd_pool {
    int nthreads;
    pthread_t *threads;
    /* The job; written by the caller before `generation` is bumped (release), read after. */
    kvd_task_fn fn;
    void *ctx;
    int ntasks;
    _Atomic int next_task;
    _Atomic int busy_workers;
    _Atomic unsigned generation;
    _Atomic int sleepers;
    _Atomic int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

typedef struct { kvd_pool *pool; int index; } worker_arg;

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void drain(kvd_pool *p, int thread) {
    for (;;) {
        int i = atomic_fetch_add_explicit(&p->next_task, 1, memory_order_relaxed);
        if (i >= p->ntasks) break;
        p->fn(p->ctx, i, thread);
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
        drain(p, a.index);
        atomic_fetch_sub_explicit(&p->busy_workers, 1, memory_order_release);
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
    if (!p->threads) { free(p); return NULL; }
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

static void wake_all(kvd_pool *p) {
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

void kvd_pool_run(kvd_pool *p, int ntasks, kvd_task_fn fn, void *ctx) {
    if (ntasks <= 0) return;
    if (!p || p->nthreads == 1 || ntasks == 1) {
        for (int i = 0; i < ntasks; i++) fn(ctx, i, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store_explicit(&p->next_task, 0, memory_order_relaxed);
    atomic_store_explicit(&p->busy_workers, p->nthreads - 1, memory_order_relaxed);
    /* The bump publishes the job; a sleeper re-checks generation under the mutex, so a wake
     * between its check and its wait cannot be lost. */
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_mutex_unlock(&p->mu);
    wake_all(p);
    drain(p, 0);
    while (atomic_load_explicit(&p->busy_workers, memory_order_acquire) > 0) KVD_PAUSE();
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
