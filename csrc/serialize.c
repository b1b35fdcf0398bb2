/*
** serialize.c: the C half of hm.save/hm.load and the .npy reader/writer (raw tensor bytes
** to and from Lua strings in one memcpy), plus the clocks hm.Timer reads.
**
** Strategy: the file formats (headers, tags, reference ids) are built in Lua with
** string.pack/unpack; only the bulk data crosses here. A tensor's bytes are always the
** row-major contiguous little-endian image of its elements, whatever its strides. On a
** little-endian host (every x86-64) that is one memcpy; a big-endian host swaps in place.
** _frombytes checks the string holds every byte it needs before it allocates, so a corrupt
** size in a file can never ask for more memory than the file itself supplies.
*/
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "tensor.h"

/* ===================================================================== kernels */

static int host_is_little (void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

/* Reverse the byte order of n elements of width w in place (big-endian hosts only). */
static void swap_bytes (char *p, int64_t n, size_t w) {
  int64_t i;
  size_t a;
  if (w == 1) return;
  for (i = 0; i < n; i++, p += w)
    for (a = 0; a < w / 2; a++) {
      char c = p[a];
      p[a] = p[w - 1 - a];
      p[w - 1 - a] = c;
    }
}

/*
** Tensor_tobytes: write the elements of t (any strides) row-major into dst, as little-endian
** bytes; dst holds Tensor_nelement(t) * hm_elsize(t->type) bytes.
*/
static void Tensor_tobytes (const Tensor *t, char *dst) {
  int64_t n = Tensor_nelement(t);
  size_t w = hm_elsize(t->type);
  if (n == 0) return;
  if (Tensor_iscontiguous(t)) {
    memcpy(dst, Tensor_data(t), (size_t)n * w);
  } else {
    /* a contiguous tensor header over dst, so Tensor_copy does the strided walk */
    Storage s;
    Tensor c = *t;
    int64_t st = 1;
    int d;
    s.nbytes = (size_t)n * w;
    s.data = dst;
    c.storage = &s;
    c.offset = 0;
    for (d = c.ndim - 1; d >= 0; d--) {
      c.stride[d] = st;
      st *= c.size[d];
    }
    Tensor_copy(&c, t);
  }
  if (!host_is_little()) swap_bytes(dst, n, w);
}

/* Source formats _frombytes reads: the tensor's own element type, or int32 widened to long. */
#define SRC_NATIVE 0
#define SRC_INT32 1

/*
** Tensor_frombytes: fill the contiguous tensor t from little-endian bytes at src, read as
** t's own type (SRC_NATIVE) or as int32 values widened into a long tensor (SRC_INT32).
*/
static void Tensor_frombytes (Tensor *t, const char *src, int srcfmt) {
  int64_t i, n = Tensor_nelement(t);
  char *dst = (char *)Tensor_data(t);
  if (n == 0) return;
  if (srcfmt == SRC_INT32) {
    int64_t *dp = (int64_t *)dst;
    for (i = 0; i < n; i++) {
      const unsigned char *b = (const unsigned char *)src + 4 * i;
      uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                   (uint32_t)b[3] << 24;
      dp[i] = (int64_t)(int32_t)u;
    }
    return;
  }
  memcpy(dst, src, (size_t)n * hm_elsize(t->type));
  if (!host_is_little()) swap_bytes(dst, n, hm_elsize(t->type));
}

/* ===================================================================== bindings */

/*
** hm._tobytes(t) -> string: the raw row-major contiguous little-endian bytes of t's elements
** (a view is gathered; a zero-element tensor gives "").
*/
static int serialize_tobytes (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  size_t nbytes = (size_t)Tensor_nelement(t) * hm_elsize(t->type);
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, nbytes);
  Tensor_tobytes(t, p);
  luaL_pushresultsize(&b, nbytes);
  return 1;
}

/* Element type from a name: 'float' or 'hm.FloatTensor' (also 'torch.FloatTensor'). */
static int checktypename (lua_State *L, int arg) {
  static const char *const shortnames[] = { "byte", "long", "float", "double" };
  const char *s = luaL_checkstring(L, arg);
  int k;
  for (k = 0; k < HM_NTYPES; k++) {
    const char *full = hm_typename(k);       /* "hm.ByteTensor" */
    if (strcmp(s, shortnames[k]) == 0 || strcmp(s, full) == 0 ||
        (strncmp(s, "torch.", 6) == 0 && strcmp(s + 6, full + 3) == 0))
      return k;
  }
  return luaL_argerror(L, arg, lua_pushfstring(L, "invalid tensor type '%s'", s));
}

/*
** hm._frombytes(type, sizes, s [, pos [, srcfmt]]) -> tensor, nextpos
** A new contiguous tensor of the given type ('float', 'hm.FloatTensor', ...) and sizes
** (a table of integers; {} gives an empty tensor), filled from the bytes of s starting at the
** 1-based position pos (default 1). srcfmt 'i4' reads int32 values into a long tensor.
** Errors when s is too short, before anything is allocated.
*/
static int serialize_frombytes (lua_State *L) {
  static const char *const fmts[] = { "native", "i4", NULL };
  int type = checktypename(L, 1);
  size_t len;
  const char *s;
  lua_Integer pos;
  int srcfmt, ndim, d;
  int64_t size[HM_MAXDIM], n = 1;
  size_t w, avail;
  Tensor *t;
  luaL_checktype(L, 2, LUA_TTABLE);
  s = luaL_checklstring(L, 3, &len);
  pos = luaL_optinteger(L, 4, 1);
  srcfmt = luaL_checkoption(L, 5, "native", fmts);
  luaL_argcheck(L, pos >= 1 && (size_t)(pos - 1) <= len, 4, "position out of range");
  if (srcfmt == SRC_INT32 && type != HM_LONG)
    luaL_argerror(L, 5, "'i4' data can only fill a long tensor");
  ndim = (int)luaL_len(L, 2);
  if (ndim < 0 || ndim > HM_MAXDIM)
    luaL_argerror(L, 2, lua_pushfstring(L, "%d dimensions (at most %d)", ndim, HM_MAXDIM));
  for (d = 0; d < ndim; d++) {
    int isnum;
    lua_Integer v;
    lua_geti(L, 2, d + 1);
    v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum || v < 0)
      luaL_argerror(L, 2, lua_pushfstring(L, "size %d is not a non-negative integer", d + 1));
    size[d] = (int64_t)v;
  }
  /* bytes needed, without overflow: stop as soon as the product exceeds what s holds */
  w = srcfmt == SRC_INT32 ? 4 : hm_elsize(type);
  avail = len - (size_t)(pos - 1);
  if (ndim == 0) n = 0;
  for (d = 0; d < ndim; d++)
    if (size[d] == 0) n = 0;
  if (n != 0) {
    for (d = 0; d < ndim; d++) {
      if ((uint64_t)n > (uint64_t)(avail / w) / (uint64_t)size[d]) { n = -1; break; }
      n *= size[d];
    }
  }
  if (n < 0 || (size_t)n * w > avail)
    return luaL_error(L, "bad argument #3 to '_frombytes' (string too short: the tensor needs "
                      "more than the %I bytes left at position %I)", (lua_Integer)avail, pos);
  t = hm_newtensor(L, type, ndim, size);
  Tensor_frombytes(t, s + (pos - 1), srcfmt);
  lua_pushinteger(L, pos + (lua_Integer)((size_t)n * w));
  return 2;
}

/* hm._clock() -> seconds on a monotonic clock (for hm.Timer's real time) */
static int serialize_clock (lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
  return 1;
}

/* hm._cputime() -> user, sys: CPU seconds this process has used, all threads included */
static int serialize_cputime (lua_State *L) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  lua_pushnumber(L, (lua_Number)ru.ru_utime.tv_sec + (lua_Number)ru.ru_utime.tv_usec * 1e-6);
  lua_pushnumber(L, (lua_Number)ru.ru_stime.tv_sec + (lua_Number)ru.ru_stime.tv_usec * 1e-6);
  return 2;
}

/* ===================================================================== registration */

static const hm_Reg serialize_funcs[] = {
  {"_tobytes", serialize_tobytes, HM_FUNCTION},
  {"_frombytes", serialize_frombytes, HM_FUNCTION},
  {"_clock", serialize_clock, HM_FUNCTION},
  {"_cputime", serialize_cputime, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_serialize (lua_State *L, int F, int M) {
  hm_register(L, F, M, serialize_funcs);
}
