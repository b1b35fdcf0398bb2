/*
** serialize.c: the C half of hm.save/hm.load and the .npy reader/writer (raw tensor bytes
** to and from Lua strings in one memcpy, or straight between a Lua file and the tensor's
** memory in one fwrite/fread), plus the clocks hm.Timer reads.
**
** Strategy: the file formats (headers, tags, reference ids) are built in Lua with
** string.pack/unpack; only the bulk data crosses here. A tensor's bytes are always the
** row-major contiguous little-endian image of its elements, whatever its strides. On a
** little-endian host (every x86-64) that is one memcpy; a big-endian host swaps in place.
** _frombytes checks the string holds every byte it needs before it allocates, so a corrupt
** size in a file can never ask for more memory than the file itself supplies.
*/
#include <stdio.h>
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

/*
** Tensor_widen_i4: the first 4n bytes of the contiguous long tensor t hold n little-endian
** int32 values (as fread left them); widen them in place to int64. Walking from the end
** reads every int32 before the int64 stores reach it.
*/
static void Tensor_widen_i4 (Tensor *t) {
  int64_t i, n = Tensor_nelement(t);
  int64_t *dp = (int64_t *)Tensor_data(t);
  const unsigned char *b = (const unsigned char *)dp;
  for (i = n - 1; i >= 0; i--) {
    const unsigned char *q = b + 4 * i;
    uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                 (uint32_t)q[3] << 24;
    dp[i] = (int64_t)(int32_t)u;
  }
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
** Read the size table at arg into size[] and return the number of dimensions; *n gets the
** element count, or -1 when the byte count (n x w) would exceed limit, so a corrupt size
** never overflows and never reaches an allocation.
*/
static int checksizes (lua_State *L, int arg, int64_t *size, size_t w, size_t limit, int64_t *n) {
  int ndim, d;
  luaL_checktype(L, arg, LUA_TTABLE);
  ndim = (int)luaL_len(L, arg);
  if (ndim < 0 || ndim > HM_MAXDIM)
    luaL_argerror(L, arg, lua_pushfstring(L, "%d dimensions (at most %d)", ndim, HM_MAXDIM));
  for (d = 0; d < ndim; d++) {
    int isnum;
    lua_Integer v;
    lua_geti(L, arg, d + 1);
    v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum || v < 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "size %d is not a non-negative integer", d + 1));
    size[d] = (int64_t)v;
  }
  *n = ndim == 0 ? 0 : 1;
  for (d = 0; d < ndim; d++)
    if (size[d] == 0) *n = 0;
  if (*n != 0) {
    for (d = 0; d < ndim; d++) {
      if ((uint64_t)*n > (uint64_t)(limit / w) / (uint64_t)size[d]) { *n = -1; break; }
      *n *= size[d];
    }
  }
  return ndim;
}

static const char *const srcfmts[] = { "native", "i4", NULL };

/*
** hm._frombytes(type, sizes, s [, pos [, srcfmt]]) -> tensor, nextpos
** A new contiguous tensor of the given type ('float', 'hm.FloatTensor', ...) and sizes
** (a table of integers; {} gives an empty tensor), filled from the bytes of s starting at the
** 1-based position pos (default 1). srcfmt 'i4' reads int32 values into a long tensor.
** Errors when s is too short, before anything is allocated.
*/
static int serialize_frombytes (lua_State *L) {
  int type = checktypename(L, 1);
  size_t len, w, avail;
  const char *s = luaL_checklstring(L, 3, &len);
  lua_Integer pos = luaL_optinteger(L, 4, 1);
  int srcfmt = luaL_checkoption(L, 5, "native", srcfmts);
  int ndim;
  int64_t size[HM_MAXDIM], n;
  Tensor *t;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_argcheck(L, pos >= 1 && (size_t)(pos - 1) <= len, 4, "position out of range");
  if (srcfmt == SRC_INT32 && type != HM_LONG)
    luaL_argerror(L, 5, "'i4' data can only fill a long tensor");
  w = srcfmt == SRC_INT32 ? 4 : hm_elsize(type);
  avail = len - (size_t)(pos - 1);
  ndim = checksizes(L, 2, size, w, avail, &n);
  if (n < 0 || (size_t)n * w > avail)
    return luaL_error(L, "bad argument #3 to '_frombytes' (string too short: the tensor needs "
                      "more than the %I bytes left at position %I)", (lua_Integer)avail, pos);
  t = hm_newtensor(L, type, ndim, size);
  Tensor_frombytes(t, s + (pos - 1), srcfmt);
  lua_pushinteger(L, pos + (lua_Integer)((size_t)n * w));
  return 2;
}

/* The FILE * of an open Lua file handle at arg. */
static FILE *checkfile (lua_State *L, int arg) {
  luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, arg, LUA_FILEHANDLE);
  if (p->closef == NULL) luaL_argerror(L, arg, "attempt to use a closed file");
  return p->f;
}

/*
** hm._fwrite(file, t) -> true, or nil plus a message (as file:write)
** Writes t's elements to an open Lua file as hm._tobytes(t) would give them, straight from
** the tensor's memory when it is contiguous (no copy, no allocation); a view is gathered
** into a scratch block first.
*/
static int serialize_fwrite (lua_State *L) {
  FILE *f = checkfile(L, 1);
  Tensor *t = hm_checktensor(L, 2);
  size_t nbytes = (size_t)Tensor_nelement(t) * hm_elsize(t->type);
  const char *p;
  if (nbytes == 0) { lua_pushboolean(L, 1); return 1; }
  if (Tensor_iscontiguous(t) && host_is_little()) {
    p = (const char *)Tensor_data(t);
  } else {
    char *scratch = (char *)lua_newuserdatauv(L, nbytes, 0);
    Tensor_tobytes(t, scratch);
    p = scratch;
  }
  if (fwrite(p, 1, nbytes, f) != nbytes) return luaL_fileresult(L, 0, NULL);
  lua_pushboolean(L, 1);
  return 1;
}

/*
** hm._fread(file, type, sizes [, srcfmt]) -> tensor
** A new contiguous tensor read from the current position of an open Lua file (the inverse of
** hm._fwrite; srcfmt 'i4' reads int32 values into a long tensor). The bytes left in a
** seekable file are checked before the tensor is allocated.
** ERRORS: "file too short" when the file holds fewer bytes than the tensor needs
*/
static int serialize_fread (lua_State *L) {
  FILE *f = checkfile(L, 1);
  int type = checktypename(L, 2);
  int srcfmt = luaL_checkoption(L, 4, "native", srcfmts);
  size_t w = srcfmt == SRC_INT32 ? 4 : hm_elsize(type), limit = (size_t)-1, nbytes, got;
  int64_t size[HM_MAXDIM], n;
  int ndim;
  long cur;
  Tensor *t;
  if (srcfmt == SRC_INT32 && type != HM_LONG)
    luaL_argerror(L, 4, "'i4' data can only fill a long tensor");
  cur = ftell(f);
  if (cur >= 0 && fseek(f, 0, SEEK_END) == 0) {
    long end = ftell(f);
    if (end >= cur) limit = (size_t)(end - cur);
    fseek(f, cur, SEEK_SET);
  }
  ndim = checksizes(L, 3, size, w, limit, &n);
  if (n < 0 || (size_t)n * w > limit)
    return luaL_error(L, "bad argument #3 to '_fread' (file too short: the tensor needs more "
                      "than the %I bytes left)", (lua_Integer)limit);
  t = hm_newtensor(L, type, ndim, size);
  nbytes = (size_t)n * w;
  got = nbytes ? fread(Tensor_data(t), 1, nbytes, f) : 0;
  if (got != nbytes)
    return luaL_error(L, "bad argument #1 to '_fread' (file too short: read %I of %I bytes)",
                      (lua_Integer)got, (lua_Integer)nbytes);
  if (srcfmt == SRC_INT32) Tensor_widen_i4(t);
  else if (!host_is_little()) swap_bytes((char *)Tensor_data(t), n, w);
  return 1;
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
  {"_fwrite", serialize_fwrite, HM_FUNCTION},
  {"_fread", serialize_fread, HM_FUNCTION},
  {"_clock", serialize_clock, HM_FUNCTION},
  {"_cputime", serialize_cputime, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_serialize (lua_State *L, int F, int M) {
  hm_register(L, F, M, serialize_funcs);
}
