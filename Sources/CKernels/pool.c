#include "kvd_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif
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
 * task makes the caller wait for it, and a decode step joins ~150 jobs. Over windows of at least
 * KVD_SOLO_WINDOW_NS and KVD_SOLO_WINDOW_TASKS the caller adds up its own work, its waits for the
 * workers, and how many tasks it and the workers ran. The workers saved about (caller's work) x
 * (their tasks / the caller's tasks). When, in two windows in a row, the waits cost more than
 * that, or the workers ran fewer than half their fair share of the tasks (other processes hold
 * the cores: a worker is rarely running when a job is posted, and spins away the CPU time the
 * caller would get), they are not helping, and jobs run on the caller alone for KVD_SOLO_NS
 * before the workers are tried again. Why windows and these tests, not a per-job average of wait
 * against work: a server's own threads preempt a worker in bursts of a millisecond (a step's
 * tokens written to 32 clients), which the average took for a lost core and answered with 200 ms
 * on one thread (served throughput -20%); it also fired in a quiet 32-sequence decode (1.6-1.8 of
 * 2 CPUs busy). Over a window such a burst is a few percent of what the worker did. With 2 hogs
 * on 2 cores the share test fires (the workers run 5-30% of the tasks) and batch-1 decode keeps
 * ~2x what the two threads reach there. On idle cores the workers run their share and this never
 * fires. */
#define KVD_SOLO_NS 200000000L
#define KVD_SOLO_WINDOW_NS 20000000L
#define KVD_SOLO_WINDOW_TASKS 256

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
    /* Set while the caller sleeps on `done` (futex) waiting for a task a preempted worker holds. */
    _Atomic int caller_waiting;
    _Atomic unsigned generation;
    _Atomic int sleepers;
    _Atomic int stop;
    /* The caller's state (one job at a time): caller-only until solo_until; the current window's
     * work and wait (ns), the tasks the caller and the workers ran in it, and whether the window
     * before it was bad. */
    long solo_until;
    long win_work, win_wait, win_caller_tasks, win_worker_tasks;
    int bad_window;  /* the last window looked like a lost core */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

typedef struct { kvd_pool *pool; int index; } worker_arg;

#if defined(__linux__)
static void futex_wait(_Atomic int *addr, int expected) {
    syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}
static void futex_wake(_Atomic int *addr) {
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
#endif

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Counts `ran` finished tasks of the current job, once per drain rather than per task (a shared
 * counter's cache line bouncing between the threads after each of a job's ~30 tasks cost more
 * than the count). seq_cst, paired with the caller's store of caller_waiting then load of done:
 * either this thread sees the caller waiting, or the caller sees the count. */
static void finish(kvd_pool *p, int ran, int ntasks) {
    if (ran == 0) return;
    if (atomic_fetch_add(&p->done, ran) + ran == ntasks && atomic_load(&p->caller_waiting)) {
#if defined(__linux__)
        futex_wake(&p->done);
#endif
    }
}

/* Runs tasks of job `gen` until none is left or a newer job has started: this thread's own
 * range first, then the others' in turn; then counts them done. Returns how many it ran. */
static int drain(kvd_pool *p, unsigned gen, int thread) {
    const job_slot *j = &p->slots[gen & 1];
    const kvd_task_fn fn = j->fn;
    void *const ctx = j->ctx;
    const int ntasks = j->ntasks, n = p->nthreads;
    int ran = 0;
    for (int k = 0; k < n; k++) {
        const int r = (thread + k) % n;
        const int end = (int)((long)(r + 1) * ntasks / n);
        _Atomic unsigned long long *next = &p->ranges[r].next;
        unsigned long long c = atomic_load_explicit(next, memory_order_acquire);
        for (;;) {
            /* A newer job: the caller posts one only once every task of this one is counted,
             * so this thread ran none of them (ran is 0). */
            if ((unsigned)(c >> 32) != gen) { finish(p, ran, ntasks); return ran; }
            const int i = (int)(c & 0xffffffffu);
            if (i >= end) break;
            if (!atomic_compare_exchange_weak_explicit(next, &c, c + 1, memory_order_acq_rel,
                                                       memory_order_acquire))
                continue;
            fn(ctx, i, thread);
            ran++;
            c = atomic_load_explicit(next, memory_order_acquire);
        }
    }
    finish(p, ran, ntasks);
    return ran;
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
    const int ran = drain(p, gen, 0);
    const long drained = now_ns();
    /* Only tasks a worker claimed and is still running are left. Spin for as long as such a
     * task normally takes; then the worker has probably been preempted by another thread (the
     * server's, another process's), so sleep: a core that goes idle makes the kernel pull the
     * preempted worker over to it at once, where spinning or sched_yield would keep the core
     * busy and leave the worker queued behind whatever preempted it. */
    for (int spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < ntasks; spins++) {
        if (spins < 2000) { KVD_PAUSE(); continue; }
#if defined(__linux__)
        atomic_store(&p->caller_waiting, 1);
        for (int d; (d = atomic_load(&p->done)) < ntasks;) futex_wait(&p->done, d);
        atomic_store(&p->caller_waiting, 0);
#else
        sched_yield();
#endif
    }
    const long end = now_ns();
    p->win_work += drained - start;
    p->win_wait += end - drained;
    p->win_caller_tasks += ran;
    p->win_worker_tasks += ntasks - ran;
    if (p->win_work + p->win_wait >= KVD_SOLO_WINDOW_NS && p->win_caller_tasks + p->win_worker_tasks >= KVD_SOLO_WINDOW_TASKS) {
        const double saved = (double)p->win_work * (double)p->win_worker_tasks /
                             (double)(p->win_caller_tasks > 0 ? p->win_caller_tasks : 1);
        const double share = (double)p->win_worker_tasks / (double)(p->win_caller_tasks + p->win_worker_tasks);
        const double fair = (double)(p->nthreads - 1) / (double)p->nthreads;
        /* Two bad windows in a row: one alone is often a start (threads not yet scheduled, pages
         * faulting in) that the next window no longer shows. */
        const int bad = (double)p->win_wait > saved || share < fair / 2;
        if (bad && p->bad_window) p->solo_until = end + KVD_SOLO_NS;
        p->bad_window = bad && !p->bad_window;
        p->win_work = p->win_wait = p->win_caller_tasks = p->win_worker_tasks = 0;
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
