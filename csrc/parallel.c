/*
** parallel.c: a small pool of worker threads for large element-wise ops and reductions.
**
** Strategy: the calling thread takes chunk 0 itself and the workers take the rest. Idle
** workers sleep on a condition variable instead of spinning, because a spinning pool next
** to OpenBLAS's own pool on a 2-core machine made PyTorch 3-4x slower (DESIGN.md). The pool
** starts lazily on the first parallel call, so a single-threaded program never pays for it.
** Work is split into at most nthreads equal chunks, so results that depend on the split
** (float sums) depend only on the thread count, as DESIGN.md asks.
*/
#include <pthread.h>
#include <unistd.h>

#include "tensor.h"

#define MAXTHREADS 256

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  int started;                /* workers running */
  int nthreads;               /* wanted threads, caller included */
  unsigned long generation;   /* bumped for each job */
  int pending;                /* chunks not yet finished by workers */
  hm_RangeFn fn;
  void *ctx;
  int64_t n, nchunks;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
           0, 0, 0, 0, NULL, NULL, 0, 0 };

static void chunk_range (int64_t n, int64_t nchunks, int64_t i, int64_t *b, int64_t *e) {
  *b = n * i / nchunks;
  *e = n * (i + 1) / nchunks;
}

static void *worker (void *arg) {
  int id = (int)(intptr_t)arg;       /* 1 .. MAXTHREADS-1 */
  unsigned long seen = 0;
  pthread_mutex_lock(&pool.lock);
  for (;;) {
    while (pool.generation == seen)
      pthread_cond_wait(&pool.wake, &pool.lock);
    seen = pool.generation;
    if (id < pool.nchunks) {
      hm_RangeFn fn = pool.fn;
      void *ctx = pool.ctx;
      int64_t b, e;
      chunk_range(pool.n, pool.nchunks, id, &b, &e);
      pthread_mutex_unlock(&pool.lock);
      fn(ctx, b, e);
      pthread_mutex_lock(&pool.lock);
      if (--pool.pending == 0)
        pthread_cond_signal(&pool.done);
    }
  }
  return NULL;
}

static int default_threads (void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > MAXTHREADS) n = MAXTHREADS;
  return (int)n;
}

int hm_getnumthreads (void) {
  if (pool.nthreads == 0) pool.nthreads = default_threads();
  return pool.nthreads;
}

void hm_setnumthreads (int n) {
  if (n < 1) n = 1;
  if (n > MAXTHREADS) n = MAXTHREADS;
  pthread_mutex_lock(&pool.lock);
  pool.nthreads = n;
  pthread_mutex_unlock(&pool.lock);
}

/* Start workers up to nthreads-1; returns how many run. */
static int ensure_workers (int want) {
  while (pool.started < want - 1) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, worker, (void *)(intptr_t)(pool.started + 1)) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    pool.started++;
  }
  return pool.started;
}

void hm_parallel_for (int64_t n, int64_t grain, hm_RangeFn fn, void *ctx) {
  int64_t nchunks;
  int nt = hm_getnumthreads();
  if (grain < 1) grain = 1;
  nchunks = n / grain;
  if (nchunks > nt) nchunks = nt;
  if (nchunks <= 1) {
    if (n > 0) fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&pool.lock);
  if (ensure_workers(nt) + 1 < nchunks) nchunks = pool.started + 1;
  if (nchunks <= 1) {
    pthread_mutex_unlock(&pool.lock);
    fn(ctx, 0, n);
    return;
  }
  pool.fn = fn;
  pool.ctx = ctx;
  pool.n = n;
  pool.nchunks = nchunks;
  pool.pending = (int)nchunks - 1;
  pool.generation++;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  {
    int64_t b, e;
    chunk_range(n, nchunks, 0, &b, &e);
    fn(ctx, b, e);
  }
  pthread_mutex_lock(&pool.lock);
  while (pool.pending > 0)
    pthread_cond_wait(&pool.done, &pool.lock);
  pthread_mutex_unlock(&pool.lock);
}
