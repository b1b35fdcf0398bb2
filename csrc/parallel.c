/*
** parallel.c: a small pool of worker threads for large element-wise ops and reductions.
**
** Strategy: the calling thread takes chunk 0 itself and the workers take the rest. Idle
** workers sleep on a condition variable, because a pool spinning next to OpenBLAS's own
** pool on a 2-core machine made PyTorch 3-4x slower (DESIGN.md). But waking a sleeping
** thread costs 15-20 us on these VMs (futex, then an interrupt to the idle virtual CPU),
** as long as a 150^3 matrix product, and a training step makes dozens of parallel calls a
** few microseconds apart. So after each job a worker spins for SPIN_NS, and the caller
** spins as long for the workers to finish, before either goes to sleep: back-to-back calls
** find the pool awake, and an idle program still sleeps within a tenth of a millisecond.
** The pool starts lazily on the first parallel call, so a single-threaded program never
** pays for it.
** Work is split into at most nthreads equal chunks, so results that depend on the split
** (float sums) depend only on the thread count, as DESIGN.md asks.
*/
#include <pthread.h>
#include <sched.h>
#include <time.h>
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
  int sleeping;               /* workers waiting on `wake` */
  int caller_waiting;         /* the caller waits on `done` */
  hm_RangeFn fn;
  void *ctx;
  int64_t n, nchunks;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
           0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0 };

#define SPIN_NS 100000        /* how long a thread spins before it sleeps */

static int64_t now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cpu_relax (void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Spin until (*p == v) == until_equal (returns 1) or SPIN_NS pass (returns 0); lock not
** held. p is an unsigned long (is_long) or an int. */
static int spin_until (const void *p, int64_t v, int is_long, int until_equal) {
  int64_t t0 = now_ns();
  for (;;) {
    int i;
    for (i = 0; i < 64; i++) {
      int64_t x = is_long ? (int64_t)__atomic_load_n((const unsigned long *)p, __ATOMIC_ACQUIRE)
                          : (int64_t)__atomic_load_n((const int *)p, __ATOMIC_ACQUIRE);
      if ((x == v) == until_equal) return 1;
      cpu_relax();
    }
    if (now_ns() - t0 > SPIN_NS) return 0;
    sched_yield();     /* the thread we wait for may be queued on this CPU */
  }
}

/* Set while this thread runs a chunk: a parallel call from inside one (conv's per-sample
** products call hm_sgemm) runs serially, since the pool serves one job at a time. */
static __thread int in_region;

static void chunk_range (int64_t n, int64_t nchunks, int64_t i, int64_t *b, int64_t *e) {
  *b = n * i / nchunks;
  *e = n * (i + 1) / nchunks;
}

static void *worker (void *arg) {
  int id = (int)(intptr_t)arg;       /* 1 .. MAXTHREADS-1 */
  unsigned long seen = 0;
  for (;;) {
    spin_until(&pool.generation, (int64_t)seen, 1, 0);     /* a new job */
    pthread_mutex_lock(&pool.lock);
    while (pool.generation == seen) {
      pool.sleeping++;
      pthread_cond_wait(&pool.wake, &pool.lock);
      pool.sleeping--;
    }
    seen = pool.generation;
    if (id < pool.nchunks) {
      hm_RangeFn fn = pool.fn;
      void *ctx = pool.ctx;
      int64_t b, e;
      chunk_range(pool.n, pool.nchunks, id, &b, &e);
      pthread_mutex_unlock(&pool.lock);
      in_region = 1;
      fn(ctx, b, e);
      in_region = 0;
      pthread_mutex_lock(&pool.lock);
      __atomic_store_n(&pool.pending, pool.pending - 1, __ATOMIC_RELEASE);
      if (pool.pending == 0 && pool.caller_waiting)
        pthread_cond_signal(&pool.done);
    }
    pthread_mutex_unlock(&pool.lock);
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
  if (nchunks <= 1 || in_region) {
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
  __atomic_store_n(&pool.generation, pool.generation + 1, __ATOMIC_RELEASE);
  if (pool.sleeping > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  {
    int64_t b, e;
    chunk_range(n, nchunks, 0, &b, &e);
    in_region = 1;
    fn(ctx, b, e);
    in_region = 0;
  }
  spin_until(&pool.pending, 0, 0, 1);                      /* workers done */
  pthread_mutex_lock(&pool.lock);
  while (pool.pending > 0) {
    pool.caller_waiting = 1;
    pthread_cond_wait(&pool.done, &pool.lock);
  }
  pool.caller_waiting = 0;
  pthread_mutex_unlock(&pool.lock);
}
