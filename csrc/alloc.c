/*
** alloc.c: a caching allocator for large blocks, wrapped around the Lua state's own.
**
** Strategy: tensor data live in Lua userdata (DESIGN.md: the collector must see them), so
** every tensor allocation goes through the state's lua_Alloc. On these machines a fresh
** page costs about 25 us to fault in: allocating and touching a 188 MB tensor (MNIST as
** floats) took 1.2 s, most of it page faults, and a loop making large temporaries paid that
** again on every iteration. So blocks of at least BIG bytes come from mmap (with
** MADV_HUGEPAGE from 2 MB up) and, when freed, go to a small cache instead of back to the
** kernel; the next request of a similar size reuses the block with its pages already
** mapped. Lua still counts every byte (it sees the requested sizes), so the collector's
** pacing is unchanged. The cache is bounded (CACHE_MAX bytes); blocks beyond it are unmapped.
** Small blocks go straight to the previous allocator. Under AddressSanitizer the cache is
** off so that out-of-bounds accesses to tensor data are still caught.
*/
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tensor.h"

#if defined(__SANITIZE_ADDRESS__)
#define HM_NO_ALLOC_CACHE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HM_NO_ALLOC_CACHE 1
#endif
#endif

#define BIG ((size_t)256 << 10)          /* blocks from this size on are ours */
#define HUGE_FROM ((size_t)2 << 20)      /* ask for transparent huge pages from here */
#define CACHE_MAX ((size_t)1 << 30)      /* most bytes kept in the cache */
#define CACHE_SLOTS 64

#ifndef HM_NO_ALLOC_CACHE

typedef struct Block { void *p; size_t cap; } Block;

static struct {
  pthread_mutex_t lock;
  lua_Alloc prev;              /* the allocator we wrap */
  void *prevud;
} A = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL };

/* Live blocks: an open-addressing hash from address to capacity, so a free can tell our
** blocks from the previous allocator's (blocks allocated before we were installed). */
static Block *live;
static size_t nlive, livecap;           /* livecap is a power of two */
static Block cache[CACHE_SLOTS];
static size_t ncache, cachebytes;

static size_t hashp (const void *p, size_t cap) {
  uintptr_t x = (uintptr_t)p >> 12;
  x ^= x >> 17;
  x *= (uintptr_t)0x9E3779B97F4A7C15ULL;
  return (size_t)(x >> 7) & (cap - 1);
}

static int live_insert (void *p, size_t cap);

static int live_grow (void) {
  Block *old = live;
  size_t oldcap = livecap, i;
  size_t ncap = livecap ? livecap * 2 : 256;
  Block *t = (Block *)calloc(ncap, sizeof(Block));
  if (t == NULL) return 0;
  live = t;
  livecap = ncap;
  nlive = 0;
  for (i = 0; i < oldcap; i++)
    if (old[i].p != NULL) live_insert(old[i].p, old[i].cap);
  free(old);
  return 1;
}

static int live_insert (void *p, size_t cap) {
  size_t i;
  if ((nlive + 1) * 2 > livecap && !live_grow()) return 0;
  i = hashp(p, livecap);
  while (live[i].p != NULL) i = (i + 1) & (livecap - 1);
  live[i].p = p;
  live[i].cap = cap;
  nlive++;
  return 1;
}

/* Remove p from the live table; returns its capacity, or 0 if it is not ours. */
static size_t live_remove (void *p) {
  size_t i, j, cap;
  if (livecap == 0) return 0;
  i = hashp(p, livecap);
  while (live[i].p != p) {
    if (live[i].p == NULL) return 0;
    i = (i + 1) & (livecap - 1);
  }
  cap = live[i].cap;
  live[i].p = NULL;
  nlive--;
  /* re-insert the rest of the cluster so lookups stay correct */
  for (j = (i + 1) & (livecap - 1); live[j].p != NULL; j = (j + 1) & (livecap - 1)) {
    Block b = live[j];
    live[j].p = NULL;
    nlive--;
    live_insert(b.p, b.cap);
  }
  return cap;
}

static size_t roundcap (size_t n) {
  size_t g = n >= HUGE_FROM ? HUGE_FROM : ((size_t)64 << 10);
  return (n + g - 1) / g * g;
}

static void *bigalloc (size_t n) {
  size_t cap = roundcap(n), i, best = CACHE_SLOTS;
  void *p;
  /* the smallest cached block that fits without wasting more than a quarter */
  for (i = 0; i < ncache; i++) {
    if (cache[i].cap >= cap && cache[i].cap <= cap + cap / 4 &&
        (best == CACHE_SLOTS || cache[i].cap < cache[best].cap))
      best = i;
  }
  if (best < CACHE_SLOTS) {
    p = cache[best].p;
    cap = cache[best].cap;
    cachebytes -= cap;
    cache[best] = cache[--ncache];
  } else {
    p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    if (cap >= HUGE_FROM) madvise(p, cap, MADV_HUGEPAGE);
#endif
  }
  if (!live_insert(p, cap)) {
    munmap(p, cap);
    return NULL;
  }
  return p;
}

static void bigfree (void *p, size_t cap) {
  if (cap > CACHE_MAX / 2) { munmap(p, cap); return; }
  while (ncache > 0 && (ncache == CACHE_SLOTS || cachebytes + cap > CACHE_MAX)) {
    /* evict the oldest (slot 0): keep recent sizes, which a training loop repeats */
    munmap(cache[0].p, cache[0].cap);
    cachebytes -= cache[0].cap;
    memmove(cache, cache + 1, (ncache - 1) * sizeof(Block));
    ncache--;
  }
  cache[ncache].p = p;
  cache[ncache].cap = cap;
  ncache++;
  cachebytes += cap;
}

static void *hm_alloc (void *ud, void *ptr, size_t osize, size_t nsize) {
  size_t owncap = 0;
  void *np;
  (void)ud;
  if (ptr != NULL && osize >= BIG) {
    pthread_mutex_lock(&A.lock);
    owncap = live_remove(ptr);
    pthread_mutex_unlock(&A.lock);
  }
  if (ptr == NULL || owncap == 0) {
    if (nsize < BIG) return A.prev(A.prevud, ptr, osize, nsize);
    /* a new big block, or a small/foreign one growing big */
    pthread_mutex_lock(&A.lock);
    np = bigalloc(nsize);
    pthread_mutex_unlock(&A.lock);
    if (np == NULL) return NULL;
    if (ptr != NULL) {
      memcpy(np, ptr, osize < nsize ? osize : nsize);
      A.prev(A.prevud, ptr, osize, 0);
    }
    return np;
  }
  /* ptr is ours */
  if (nsize == 0) {
    pthread_mutex_lock(&A.lock);
    bigfree(ptr, owncap);
    pthread_mutex_unlock(&A.lock);
    return NULL;
  }
  if (nsize >= BIG && nsize <= owncap) {
    pthread_mutex_lock(&A.lock);
    live_insert(ptr, owncap);             /* keep it */
    pthread_mutex_unlock(&A.lock);
    return ptr;
  }
  if (nsize < BIG) np = A.prev(A.prevud, NULL, 0, nsize);
  else {
    pthread_mutex_lock(&A.lock);
    np = bigalloc(nsize);
    pthread_mutex_unlock(&A.lock);
  }
  pthread_mutex_lock(&A.lock);
  if (np == NULL) {                       /* Lua keeps the old block on failure */
    live_insert(ptr, owncap);
    pthread_mutex_unlock(&A.lock);
    return NULL;
  }
  memcpy(np, ptr, osize < nsize ? osize : nsize);
  bigfree(ptr, owncap);
  pthread_mutex_unlock(&A.lock);
  return np;
}

/*
** Install the caching allocator in front of the state's current one (once per state).
** Safe at any time: blocks the previous allocator made are still freed by it.
*/
void hm_install_allocator (lua_State *L) {
  void *ud;
  lua_Alloc f = lua_getallocf(L, &ud);
  const char *env = getenv("HM_ALLOC_CACHE");
  if (f == hm_alloc || (env != NULL && strcmp(env, "0") == 0)) return;
  if (A.prev != NULL && (A.prev != f || A.prevud != ud)) return;  /* one wrapped allocator */
  /* lua_close unloads C modules (dlclose) before it frees the last objects, which would
  ** then call into unmapped code: pin this library in memory for the process's life. */
  {
    void *self = dlopen(NULL, RTLD_NOW);    /* linked into the executable: nothing to pin */
    int inmain = self != NULL && dlsym(self, "hm_install_allocator") == (void *)hm_install_allocator;
    Dl_info info;
    if (!inmain && !(dladdr((void *)hm_alloc, &info) && info.dli_fname != NULL &&
                     dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) != NULL))
      return;                               /* cannot pin: keep Lua's allocator */
  }
  A.prev = f;
  A.prevud = ud;
  lua_setallocf(L, hm_alloc, NULL);
}

#else

void hm_install_allocator (lua_State *L) {
  (void)L;                                  /* sanitizer builds keep Lua's allocator */
}

#endif
