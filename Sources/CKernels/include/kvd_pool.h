#ifndef KVD_POOL_H
#define KVD_POOL_H
/* A persistent thread pool: threads are created once and woken per job, because a decode step
 * runs ~150 small parallel jobs and creating threads per job costs more than the jobs (toolchain
 * notes: create-per-call pthreads were slower than one thread at 1024x1024).
 *
 * A job is `ntasks` independent tasks; the calling thread works too. Each thread works through
 * its own contiguous range of task ids first (so consecutive tasks, which callers lay out over
 * consecutive memory, stream on one core), then claims what is left of the others', so a thread
 * the OS preempts (other processes share the cores) slows the job by at most its current task.
 * Idle workers spin briefly (the next job of a forward pass follows within microseconds), then
 * sleep on a condition variable. */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct kvd_pool kvd_pool;

/* task: 0..ntasks-1; thread: 0..threads-1 (0 is the caller), for per-thread scratch. */
typedef void (*kvd_task_fn)(void *ctx, int task, int thread);

/* threads: total threads including the caller; <= 0 means one per online CPU. NULL on failure. */
kvd_pool *kvd_pool_create(int threads);
void kvd_pool_destroy(kvd_pool *pool);
int kvd_pool_threads(const kvd_pool *pool);

/* Runs fn(ctx, i, thread) for i in 0..<ntasks and returns when all are done. pool may be NULL
 * (runs on the caller). Not re-entrant: one job at a time per pool. */
void kvd_pool_run(kvd_pool *pool, int ntasks, kvd_task_fn fn, void *ctx);

/* Copies n bytes with every pool thread (for measuring the memory bandwidth the kernels see). */
void kvd_pool_memcpy(kvd_pool *pool, void *dst, const void *src, unsigned long n);

#ifdef __cplusplus
}
#endif
#endif
