/*
** tensor.c: storage, tensor views, copy across types, construction from Lua tables,
** Torch7-style indexing and the view methods (narrow, select, transpose, view, expand, ...).
**
** Strategy: every tensor is a small userdata (sizes, strides, offset) whose user value 1 is
** the storage userdata holding the data, so views share storage and the garbage collector
** sees the bytes. Element-wise kernels elsewhere work on contiguous arrays; a binding hands
** them a non-contiguous operand through hm_pushcontiguous (a copy), so the only strided walk
** in the core is Tensor_copy here.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensor.h"

/* ===================================================================== plain helpers */

static const size_t elsizes[HM_NTYPES] = { 1, 8, 4, 8 };
static const char *const typenames[HM_NTYPES] = {
  "hm.ByteTensor", "hm.LongTensor", "hm.FloatTensor", "hm.DoubleTensor"
};

size_t hm_elsize (int type) { return elsizes[type]; }
const char *hm_typename (int type) { return typenames[type]; }

int64_t Tensor_nelement (const Tensor *t) {
  int64_t n = 1;
  int d;
  if (t->ndim == 0) return 0;
  for (d = 0; d < t->ndim; d++) n *= t->size[d];
  return n;
}

int Tensor_iscontiguous (const Tensor *t) {
  int64_t expect = 1;
  int d;
  for (d = t->ndim - 1; d >= 0; d--) {
    if (t->size[d] != 1) {
      if (t->stride[d] != expect) return 0;
      expect *= t->size[d];
    }
  }
  return 1;
}

int Tensor_samesize (const Tensor *a, const Tensor *b) {
  int d;
  if (a->ndim != b->ndim) return 0;
  for (d = 0; d < a->ndim; d++)
    if (a->size[d] != b->size[d]) return 0;
  return 1;
}

void *Tensor_data (const Tensor *t) {
  return t->storage->data + t->offset * (int64_t)elsizes[t->type];
}

void Tensor_shapestr (const Tensor *t, char *buf, size_t n) {
  size_t len = 0;
  int d;
  len += (size_t)snprintf(buf + len, n - len, "[");
  for (d = 0; d < t->ndim && len < n; d++)
    len += (size_t)snprintf(buf + len, n - len, d ? " x %lld" : "%lld", (long long)t->size[d]);
  if (len < n) snprintf(buf + len, n - len, "]");
}

static int64_t linear_offset (const Tensor *t, int64_t linear) {
  int64_t off = t->offset;
  int d;
  for (d = t->ndim - 1; d >= 0; d--) {
    off += (linear % t->size[d]) * t->stride[d];
    linear /= t->size[d];
  }
  return off;
}

static double load_as_double (int type, const char *base, int64_t i) {
  switch (type) {
    case HM_BYTE: return ((const uint8_t *)base)[i];
    case HM_LONG: return (double)((const int64_t *)base)[i];
    case HM_FLOAT: return ((const float *)base)[i];
    default: return ((const double *)base)[i];
  }
}

/* Conversion to integer types truncates toward zero, as C and Torch7 do; out-of-range
** values would be undefined behaviour in C, so they saturate instead. */
static uint8_t to_byte (double v) {
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  return (uint8_t)v;
}

static int64_t to_long (double v) {
  if (v != v) return 0;
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return (int64_t)v;
}

static void store_double (int type, char *base, int64_t i, double v) {
  switch (type) {
    case HM_BYTE: ((uint8_t *)base)[i] = to_byte(v); break;
    case HM_LONG: ((int64_t *)base)[i] = to_long(v); break;
    case HM_FLOAT: ((float *)base)[i] = (float)v; break;
    default: ((double *)base)[i] = v; break;
  }
}

double Tensor_get (const Tensor *t, int64_t linear) {
  return load_as_double(t->type, t->storage->data, linear_offset(t, linear));
}

void Tensor_set (const Tensor *t, int64_t linear, double v) {
  store_double(t->type, t->storage->data, linear_offset(t, linear), v);
}

/* ------------------------------------------------------------- strided copy */

/* An offset walker over one tensor in row-major order, after merging dimensions that are
** contiguous with each other, so that a transposed matrix walks in 2 loops, not n. */
typedef struct Walk {
  int ndim;
  int64_t size[HM_MAXDIM], stride[HM_MAXDIM], idx[HM_MAXDIM];
  int64_t off;
} Walk;

static void walk_init (Walk *w, const Tensor *t) {
  int d, n = 0;
  for (d = 0; d < t->ndim; d++) {
    if (t->size[d] == 1) continue;
    if (n > 0 && w->stride[n - 1] == t->stride[d] * t->size[d]) {
      w->size[n - 1] *= t->size[d];
      w->stride[n - 1] = t->stride[d];
    } else {
      w->size[n] = t->size[d];
      w->stride[n] = t->stride[d];
      n++;
    }
  }
  if (n == 0) { w->size[0] = 1; w->stride[0] = 1; n = 1; }
  w->ndim = n;
  for (d = 0; d < n; d++) w->idx[d] = 0;
  w->off = t->offset;
}

/* Advance past one run of the innermost dimension. */
static void walk_nextrun (Walk *w) {
  int d = w->ndim - 2;
  for (; d >= 0; d--) {
    w->off += w->stride[d];
    if (++w->idx[d] < w->size[d]) return;
    w->off -= w->stride[d] * w->size[d];
    w->idx[d] = 0;
  }
}

#define COPY_RUN(DT, ST, CONV) do { \
    DT *dp = (DT *)dst->storage->data; const ST *sp = (const ST *)src->storage->data; \
    int64_t k; \
    for (k = 0; k < run; k++) dp[doff + k * ds] = CONV(sp[soff + k * ss]); \
  } while (0)
#define ID(x) (x)

static void copy_run (Tensor *dst, int64_t doff, int64_t ds, const Tensor *src,
                      int64_t soff, int64_t ss, int64_t run) {
  int pair = dst->type * HM_NTYPES + src->type;
  switch (pair) {
    case HM_FLOAT * HM_NTYPES + HM_FLOAT: COPY_RUN(float, float, ID); break;
    case HM_FLOAT * HM_NTYPES + HM_DOUBLE: COPY_RUN(float, double, (float)); break;
    case HM_DOUBLE * HM_NTYPES + HM_DOUBLE: COPY_RUN(double, double, ID); break;
    case HM_DOUBLE * HM_NTYPES + HM_FLOAT: COPY_RUN(double, float, ID); break;
    case HM_BYTE * HM_NTYPES + HM_BYTE: COPY_RUN(uint8_t, uint8_t, ID); break;
    case HM_LONG * HM_NTYPES + HM_LONG: COPY_RUN(int64_t, int64_t, ID); break;
    case HM_FLOAT * HM_NTYPES + HM_BYTE: COPY_RUN(float, uint8_t, ID); break;
    case HM_DOUBLE * HM_NTYPES + HM_BYTE: COPY_RUN(double, uint8_t, ID); break;
    case HM_LONG * HM_NTYPES + HM_BYTE: COPY_RUN(int64_t, uint8_t, ID); break;
    default: {
      int64_t k;
      for (k = 0; k < run; k++)
        store_double(dst->type, dst->storage->data, doff + k * ds,
                     load_as_double(src->type, src->storage->data, soff + k * ss));
    }
  }
}

void Tensor_copy (Tensor *dst, const Tensor *src) {
  int64_t n = Tensor_nelement(dst), done = 0;
  Walk wd, ws;
  if (n == 0) return;
  if (dst->type == src->type && Tensor_iscontiguous(dst) && Tensor_iscontiguous(src)) {
    memmove(Tensor_data(dst), Tensor_data(src), (size_t)n * elsizes[dst->type]);
    return;
  }
  walk_init(&wd, dst);
  walk_init(&ws, src);
  /* walk both in runs: each step copies as many elements as both inner runs allow */
  {
    int64_t dpos = 0, spos = 0;     /* position within the current inner run */
    int64_t dlen = wd.size[wd.ndim - 1], slen = ws.size[ws.ndim - 1];
    int64_t dst_s = wd.stride[wd.ndim - 1], src_s = ws.stride[ws.ndim - 1];
    while (done < n) {
      int64_t run = dlen - dpos;
      if (slen - spos < run) run = slen - spos;
      copy_run(dst, wd.off + dpos * dst_s, dst_s, src, ws.off + spos * src_s, src_s, run);
      done += run;
      dpos += run; spos += run;
      if (dpos == dlen) { dpos = 0; if (done < n) walk_nextrun(&wd); }
      if (spos == slen) { spos = 0; if (done < n) walk_nextrun(&ws); }
    }
  }
}

/* ===================================================================== Lua-side helpers */

/* The tensor metatable of the state that opened the core last. Checking a tensor argument
** is then one pointer compare instead of luaL_checkudata's registry lookup by name, which
** was a third of the cost of a:add(b) on small tensors. Other states fall back to the lookup. */
static const void *tensor_mt;

Tensor *hm_testtensor (lua_State *L, int arg) {
  void *p = lua_touserdata(L, arg);
  if (p != NULL && lua_getmetatable(L, arg)) {
    const void *mt = lua_topointer(L, -1);
    lua_pop(L, 1);
    if (mt == tensor_mt) return (Tensor *)p;
    return (Tensor *)luaL_testudata(L, arg, HM_TENSOR_MT);
  }
  return NULL;
}

Tensor *hm_checktensor (lua_State *L, int arg) {
  Tensor *t = hm_testtensor(L, arg);
  if (t == NULL) luaL_typeerror(L, arg, HM_TENSOR_MT);
  return t;
}

Tensor *hm_checktensortype (lua_State *L, int arg, int type) {
  Tensor *t = hm_checktensor(L, arg);
  if (t->type != type) {
    const char *msg = lua_pushfstring(L, "%s expected, got %s", typenames[type], typenames[t->type]);
    luaL_argerror(L, arg, msg);
  }
  return t;
}

void hm_checkfloating (lua_State *L, int arg, const Tensor *t) {
  if (t->type != HM_FLOAT && t->type != HM_DOUBLE) {
    const char *msg = lua_pushfstring(L, "hm.FloatTensor or hm.DoubleTensor expected, got %s",
                                      typenames[t->type]);
    luaL_argerror(L, arg, msg);
  }
}

int hm_sizeerror (lua_State *L, int arg, const char *what1, const Tensor *a,
                  const char *what2, const Tensor *b) {
  char s1[HM_SHAPEBUF], s2[HM_SHAPEBUF];
  Tensor_shapestr(a, s1, sizeof s1);
  Tensor_shapestr(b, s2, sizeof s2);
  return luaL_argerror(L, arg, lua_pushfstring(L, "size mismatch: %s is %s, %s is %s",
                                                what1, s1, what2, s2));
}

int hm_checkdim (lua_State *L, int arg, const Tensor *t) {
  lua_Integer d = luaL_checkinteger(L, arg);
  if (d < 0) d += t->ndim + 1;       /* -1 is the last dimension */
  if (d < 1 || d > t->ndim)
    luaL_argerror(L, arg, lua_pushfstring(L, "dimension %d out of range for %dD tensor",
                                          (int)luaL_checkinteger(L, arg), t->ndim));
  return (int)d - 1;
}

/* Push a storage userdata with room for nbytes, aligned. */
static Storage *newstorage (lua_State *L, size_t nbytes) {
  Storage *s = (Storage *)lua_newuserdatauv(L, sizeof(Storage) + nbytes + HM_ALIGN, 0);
  uintptr_t p = (uintptr_t)(s + 1);
  p = (p + HM_ALIGN - 1) & ~(uintptr_t)(HM_ALIGN - 1);
  s->data = (char *)p;
  s->nbytes = nbytes;
  return s;
}

/* Push a tensor header sharing nothing yet; caller sets storage. */
static Tensor *newheader (lua_State *L, int type) {
  Tensor *t = (Tensor *)lua_newuserdatauv(L, sizeof(Tensor), 1);
  memset(t, 0, sizeof *t);
  t->type = type;
  luaL_setmetatable(L, HM_TENSOR_MT);
  return t;
}

static void setcontiguousstrides (Tensor *t) {
  int64_t s = 1;
  int d;
  for (d = t->ndim - 1; d >= 0; d--) {
    t->stride[d] = s;
    s *= t->size[d];
  }
}

static size_t checked_nbytes (lua_State *L, int type, int ndim, const int64_t *size) {
  double n = 1;
  int d;
  for (d = 0; d < ndim; d++) {
    if (size[d] < 0)
      luaL_error(L, "invalid size: dimension %d has negative size %I", d + 1, (lua_Integer)size[d]);
    n *= (double)size[d];
  }
  if (ndim == 0) n = 0;
  if (n * (double)elsizes[type] > 1e15)
    luaL_error(L, "invalid size: %f elements is too many", n);
  return (size_t)n * elsizes[type];
}

Tensor *hm_newtensor (lua_State *L, int type, int ndim, const int64_t *size) {
  size_t nbytes = checked_nbytes(L, type, ndim, size);
  Tensor *t = newheader(L, type);
  Storage *s = newstorage(L, nbytes);
  lua_setiuservalue(L, -2, 1);
  t->storage = s;
  t->ndim = ndim;
  memcpy(t->size, size, sizeof(int64_t) * (size_t)ndim);
  setcontiguousstrides(t);
  return t;
}

Tensor *hm_newtensorlike (lua_State *L, const Tensor *like, int type) {
  return hm_newtensor(L, type, like->ndim, like->size);
}

Tensor *hm_newview (lua_State *L, int arg) {
  Tensor *src = hm_checktensor(L, arg);
  Tensor *t;
  arg = lua_absindex(L, arg);
  t = newheader(L, src->type);
  *t = *src;
  lua_getiuservalue(L, arg, 1);
  lua_setiuservalue(L, -2, 1);
  return t;
}

Tensor *hm_resize (lua_State *L, int arg, int ndim, const int64_t *size) {
  Tensor *t = hm_checktensor(L, arg);
  size_t need = checked_nbytes(L, t->type, ndim, size);
  int same = (t->ndim == ndim && memcmp(t->size, size, sizeof(int64_t) * (size_t)ndim) == 0);
  /* A result of the right shape keeps its strides, so writing into a view of a larger tensor
  ** (res = x:narrow(...)) fills that view; callers handle non-contiguous results. */
  if (same) return t;
  arg = lua_absindex(L, arg);
  t->ndim = ndim;
  memcpy(t->size, size, sizeof(int64_t) * (size_t)ndim);
  setcontiguousstrides(t);
  if (t->offset * elsizes[t->type] + need > t->storage->nbytes) {
    /* too small: a fresh storage (old views keep the old one) */
    t->storage = newstorage(L, need);
    t->offset = 0;
    lua_setiuservalue(L, arg, 1);
  }
  return t;
}

Tensor *hm_resizeas (lua_State *L, int arg, const Tensor *like) {
  int64_t size[HM_MAXDIM];
  int ndim = like->ndim;
  memcpy(size, like->size, sizeof(int64_t) * (size_t)ndim);  /* like may be the tensor at arg */
  return hm_resize(L, arg, ndim, size);
}

Tensor *hm_pushcontiguous (lua_State *L, int arg) {
  Tensor *t = hm_checktensor(L, arg), *c;
  if (Tensor_iscontiguous(t)) {
    lua_pushvalue(L, arg);
    return t;
  }
  c = hm_newtensorlike(L, t, t->type);
  Tensor_copy(c, t);
  return c;
}

/* ===================================================================== construction */

static int checktypearg (lua_State *L, int arg) {
  static const char *const names[] = { "byte", "long", "float", "double", NULL };
  return luaL_checkoption(L, arg, NULL, names);
}

/* Is the table at idx a size list (metatable hm.LongStorage, set by the Lua side)? */
static int issizetable (lua_State *L, int idx) {
  int r;
  if (!lua_getmetatable(L, idx)) return 0;
  luaL_getmetatable(L, "hm.LongStorage");
  r = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return r;
}

/* Read sizes from a size table (or plain array of integers) at idx. */
static int readsizetable (lua_State *L, int idx, int arg, int64_t *size) {
  int n = (int)luaL_len(L, idx), d;
  luaL_argcheck(L, n <= HM_MAXDIM, arg, "too many dimensions");
  for (d = 0; d < n; d++) {
    int isnum;
    lua_Integer v;
    lua_geti(L, idx, d + 1);
    v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum || v < 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "size %d must be a non-negative integer", d + 1));
    size[d] = v;
  }
  return n;
}

/* Read sizes from arguments first..top: either integers or one size table. */
static int readsizes (lua_State *L, int first, int64_t *size) {
  int top = lua_gettop(L), n = 0, i;
  if (first <= top && lua_istable(L, first))
    return readsizetable(L, first, first, size);
  for (i = first; i <= top; i++) {
    lua_Integer v;
    int isnum;
    v = lua_tointegerx(L, i, &isnum);
    if (!isnum) {
      if (lua_type(L, i) == LUA_TNUMBER)
        luaL_argerror(L, i, "size must be an integer");
      luaL_typeerror(L, i, "number");
    }
    if (v < 0) luaL_argerror(L, i, "size must be non-negative");
    luaL_argcheck(L, n < HM_MAXDIM, i, "too many dimensions");
    size[n++] = v;
  }
  return n;
}

/* Find the shape of a nested table of numbers. */
static int nestedshape (lua_State *L, int idx, int64_t *size) {
  int ndim = 0;
  lua_pushvalue(L, idx);
  while (lua_istable(L, -1)) {
    if (ndim >= HM_MAXDIM) luaL_error(L, "nested table has too many dimensions");
    size[ndim++] = (int64_t)luaL_len(L, -1);
    if (size[ndim - 1] == 0) break;
    lua_geti(L, -1, 1);
    lua_remove(L, -2);
  }
  lua_pop(L, 1);
  return ndim;
}

static void fillnested (lua_State *L, int idx, Tensor *t, int dim, int64_t *pos) {
  int64_t n = (int64_t)luaL_len(L, idx), i;
  if (n != t->size[dim])
    luaL_error(L, "nested table is not rectangular: dimension %d has %I and %I elements",
               dim + 1, (lua_Integer)t->size[dim], (lua_Integer)n);
  for (i = 1; i <= n; i++) {
    lua_geti(L, idx, i);
    if (dim == t->ndim - 1) {
      int isnum;
      lua_Number v = lua_tonumberx(L, -1, &isnum);
      if (!isnum)
        luaL_error(L, "nested table holds a %s where a number was expected", luaL_typename(L, -1));
      if (t->type == HM_LONG && lua_isinteger(L, -1))
        ((int64_t *)t->storage->data)[(*pos)++] = lua_tointeger(L, -1);
      else
        store_double(t->type, t->storage->data, (*pos)++, v);
    } else {
      if (!lua_istable(L, -1))
        luaL_error(L, "nested table is not rectangular: expected a table at depth %d", dim + 2);
      fillnested(L, lua_gettop(L), t, dim + 1, pos);
    }
    lua_pop(L, 1);
  }
}

/*
** _new(type, ...): the tensor constructors behind hm.FloatTensor(...) and friends.
**   ()               an empty tensor
**   (n1, n2, ...)    sizes (zero-filled)
**   (sizeTable)      sizes from t:size()
**   ({{1,2},{3,4}})  values from a nested table
**   (tensor)         a new view of the same storage
*/
static int tensor_new (lua_State *L) {
  int type = checktypearg(L, 1);
  int64_t size[HM_MAXDIM];
  int ndim;
  Tensor *t;
  if (lua_gettop(L) >= 2 && hm_testtensor(L, 2)) {
    Tensor *src = hm_checktensor(L, 2);
    if (src->type != type) {
      t = hm_newtensorlike(L, src, type);
      Tensor_copy(t, src);
    } else {
      hm_newview(L, 2);
    }
    return 1;
  }
  if (lua_istable(L, 2) && !issizetable(L, 2)) {
    int64_t pos = 0;
    ndim = nestedshape(L, 2, size);
    if (ndim == 1 && size[0] == 0) ndim = 0;
    t = hm_newtensor(L, type, ndim, size);
    if (ndim > 0 && Tensor_nelement(t) > 0) fillnested(L, 2, t, 0, &pos);
    return 1;
  }
  ndim = readsizes(L, 2, size);
  t = hm_newtensor(L, type, ndim, size);
  memset(Tensor_data(t), 0, t->storage->nbytes);
  return 1;
}

/* Push one element as a Lua value: integers for byte and long (read directly, so longs
** above 2^53 keep every bit), floats otherwise. */
static void pushelement (lua_State *L, const Tensor *t, int64_t off) {
  switch (t->type) {
    case HM_LONG: lua_pushinteger(L, ((const int64_t *)t->storage->data)[off]); break;
    case HM_BYTE: lua_pushinteger(L, ((const uint8_t *)t->storage->data)[off]); break;
    default: lua_pushnumber(L, load_as_double(t->type, t->storage->data, off)); break;
  }
}

static void totable_rec (lua_State *L, const Tensor *t, int dim, int64_t off) {
  int64_t i, n = t->size[dim];
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    int64_t o = off + i * t->stride[dim];
    if (dim == t->ndim - 1) {
      pushelement(L, t, o);
    } else {
      totable_rec(L, t, dim + 1, o);
    }
    lua_rawseti(L, -2, i + 1);
  }
}

/* t:totable() -> nested Lua table */
static int tensor_totable (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  luaL_checkstack(L, t->ndim + 4, "tensor too deep");
  if (t->ndim == 0) lua_newtable(L);
  else totable_rec(L, t, 0, t->offset);
  return 1;
}

/* ===================================================================== shape queries */

static void pushsizetable (lua_State *L, int n, const int64_t *v) {
  int d;
  lua_createtable(L, n, 0);
  for (d = 0; d < n; d++) {
    lua_pushinteger(L, v[d]);
    lua_rawseti(L, -2, d + 1);
  }
  luaL_getmetatable(L, "hm.LongStorage");
  if (lua_istable(L, -1)) lua_setmetatable(L, -2);
  else lua_pop(L, 1);
}

/* t:size() -> size table; t:size(d) -> integer */
static int tensor_size (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  if (lua_isnoneornil(L, 2)) pushsizetable(L, t->ndim, t->size);
  else lua_pushinteger(L, t->size[hm_checkdim(L, 2, t)]);
  return 1;
}

static int tensor_stride (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  if (lua_isnoneornil(L, 2)) pushsizetable(L, t->ndim, t->stride);
  else lua_pushinteger(L, t->stride[hm_checkdim(L, 2, t)]);
  return 1;
}

static int tensor_dim (lua_State *L) {
  lua_pushinteger(L, hm_checktensor(L, 1)->ndim);
  return 1;
}

static int tensor_nelement (lua_State *L) {
  lua_pushinteger(L, Tensor_nelement(hm_checktensor(L, 1)));
  return 1;
}

static int tensor_iscontiguous (lua_State *L) {
  lua_pushboolean(L, Tensor_iscontiguous(hm_checktensor(L, 1)));
  return 1;
}

static int tensor_issamesizeas (lua_State *L) {
  lua_pushboolean(L, Tensor_samesize(hm_checktensor(L, 1), hm_checktensor(L, 2)));
  return 1;
}

static int tensor_storageoffset (lua_State *L) {
  lua_pushinteger(L, hm_checktensor(L, 1)->offset + 1);
  return 1;
}

/* t:type() -> "hm.FloatTensor"; the converting form t:type(name) lives in Lua */
static int tensor_typename (lua_State *L) {
  lua_pushstring(L, typenames[hm_checktensor(L, 1)->type]);
  return 1;
}

static int tensor_typeindex (lua_State *L) {
  lua_pushinteger(L, hm_checktensor(L, 1)->type);
  return 1;
}

/* t:_storageid() -> light userdata naming the storage, for shared-reference checks */
static int tensor_storageid (lua_State *L) {
  lua_pushlightuserdata(L, hm_checktensor(L, 1)->storage);
  return 1;
}

/* ===================================================================== views */

/* t:narrow(dim, index, size) -> view of elements index..index+size-1 along dim */
static int tensor_narrow (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int d = hm_checkdim(L, 2, t);
  lua_Integer i = luaL_checkinteger(L, 3), n = luaL_checkinteger(L, 4);
  if (i < 1 || i > t->size[d] + (n == 0))
    luaL_argerror(L, 3, lua_pushfstring(L, "index %d out of range for dimension %d of size %d",
                                        (int)i, d + 1, (int)t->size[d]));
  if (n < 0 || i - 1 + n > t->size[d])
    luaL_argerror(L, 4, lua_pushfstring(L, "size %d out of range (index %d, dimension %d of size %d)",
                                        (int)n, (int)i, d + 1, (int)t->size[d]));
  r = hm_newview(L, 1);
  r->offset += (i - 1) * t->stride[d];
  r->size[d] = n;
  return 1;
}

static void select_inplace (Tensor *r, int d, int64_t i) {
  int k;
  r->offset += i * r->stride[d];
  for (k = d; k < r->ndim - 1; k++) {
    r->size[k] = r->size[k + 1];
    r->stride[k] = r->stride[k + 1];
  }
  r->ndim--;
}

static int64_t checkindex (lua_State *L, int arg, lua_Integer i, int64_t size, int d) {
  if (i < 0) i += size + 1;       /* -1 is the last element */
  if (i < 1 || i > size)
    luaL_argerror(L, arg, lua_pushfstring(L, "index %d out of range for dimension %d of size %d",
                                          (int)i, d + 1, (int)size));
  return i - 1;
}

/* t:select(dim, index) -> view with dim removed */
static int tensor_select (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int d = hm_checkdim(L, 2, t);
  int64_t i = checkindex(L, 3, luaL_checkinteger(L, 3), t->size[d], d);
  luaL_argcheck(L, t->ndim > 1, 1, "cannot select on a 1D tensor (use t[i] for a number)");
  r = hm_newview(L, 1);
  select_inplace(r, d, i);
  return 1;
}

/* t:transpose(d1, d2) -> view with two dimensions swapped */
static int tensor_transpose (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int a = hm_checkdim(L, 2, t), b = hm_checkdim(L, 3, t);
  int64_t s;
  r = hm_newview(L, 1);
  s = r->size[a]; r->size[a] = r->size[b]; r->size[b] = s;
  s = r->stride[a]; r->stride[a] = r->stride[b]; r->stride[b] = s;
  return 1;
}

/* t:t() -> transpose of a 2D tensor */
static int tensor_t (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int64_t s;
  if (t->ndim != 2)
    luaL_argerror(L, 1, lua_pushfstring(L, "2D tensor expected, got %dD", t->ndim));
  r = hm_newview(L, 1);
  s = r->size[0]; r->size[0] = r->size[1]; r->size[1] = s;
  s = r->stride[0]; r->stride[0] = r->stride[1]; r->stride[1] = s;
  return 1;
}

/* t:permute(p1, ..., pn) -> view whose dimension i is t's dimension p_i */
static int tensor_permute (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int64_t perm[HM_MAXDIM];
  int seen[HM_MAXDIM] = {0}, n, d;
  n = readsizes(L, 2, perm);
  if (n != t->ndim)
    luaL_argerror(L, 2, lua_pushfstring(L, "permutation of %d dimensions expected, got %d",
                                        t->ndim, n));
  for (d = 0; d < n; d++) {
    if (perm[d] < 1 || perm[d] > n || seen[perm[d] - 1]++)
      luaL_argerror(L, 2, "invalid permutation (each dimension exactly once expected)");
  }
  r = hm_newview(L, 1);
  for (d = 0; d < n; d++) {
    r->size[d] = t->size[perm[d] - 1];
    r->stride[d] = t->stride[perm[d] - 1];
  }
  return 1;
}

/* t:squeeze([dim]) -> view without dimensions of size 1 */
static int tensor_squeeze (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int d, n = 0;
  if (!lua_isnoneornil(L, 2)) {
    d = hm_checkdim(L, 2, t);
    r = hm_newview(L, 1);
    if (r->size[d] == 1 && r->ndim > 1) select_inplace(r, d, 0);
    return 1;
  }
  r = hm_newview(L, 1);
  for (d = 0; d < t->ndim; d++) {
    if (t->size[d] != 1) {
      r->size[n] = t->size[d];
      r->stride[n] = t->stride[d];
      n++;
    }
  }
  if (n == 0 && t->ndim > 0) { r->size[0] = 1; r->stride[0] = 1; n = 1; }
  r->ndim = n;
  return 1;
}

/* t:unsqueeze(dim) -> view with a new dimension of size 1 at dim (1..ndim+1) */
static int tensor_unsqueeze (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  lua_Integer d = luaL_checkinteger(L, 2);
  int k;
  luaL_argcheck(L, d >= 1 && d <= t->ndim + 1, 2, "dimension out of range");
  luaL_argcheck(L, t->ndim < HM_MAXDIM, 1, "too many dimensions");
  r = hm_newview(L, 1);
  for (k = r->ndim; k > d - 1; k--) {
    r->size[k] = r->size[k - 1];
    r->stride[k] = r->stride[k - 1];
  }
  r->size[d - 1] = 1;
  r->stride[d - 1] = (d - 1 < t->ndim) ? t->size[d - 1] * t->stride[d - 1] : 1;
  r->ndim++;
  return 1;
}

/* t:expand(sizes) -> view repeating dimensions of size 1 (stride 0) */
static int tensor_expand (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int64_t size[HM_MAXDIM];
  int n, d, lead;
  if (hm_testtensor(L, 2)) {
    Tensor *like = hm_checktensor(L, 2);
    n = like->ndim;
    memcpy(size, like->size, sizeof(int64_t) * (size_t)n);
  } else {
    n = readsizes(L, 2, size);
  }
  if (n < t->ndim)
    luaL_argerror(L, 2, lua_pushfstring(L, "cannot expand %dD tensor to %d dimensions", t->ndim, n));
  lead = n - t->ndim;
  r = hm_newview(L, 1);
  for (d = n - 1; d >= 0; d--) {
    int sd = d - lead;
    if (sd >= 0) {
      if (t->size[sd] == size[d]) { r->size[d] = size[d]; r->stride[d] = t->stride[sd]; }
      else if (t->size[sd] == 1) { r->size[d] = size[d]; r->stride[d] = 0; }
      else {
        char s1[HM_SHAPEBUF];
        Tensor_shapestr(t, s1, sizeof s1);
        luaL_argerror(L, 2, lua_pushfstring(L, "cannot expand %s: dimension %d has size %d, not 1 or %d",
                                            s1, sd + 1, (int)t->size[sd], (int)size[d]));
      }
    } else {
      r->size[d] = size[d];
      r->stride[d] = 0;
    }
  }
  r->ndim = n;
  return 1;
}

/* Resolve one -1 in a size list against nelement; error when sizes do not match. */
static void infersizes (lua_State *L, int arg, int64_t *size, int n, int64_t nel) {
  int64_t known = 1;
  int d, neg = -1;
  for (d = 0; d < n; d++) {
    if (size[d] == -1) {
      if (neg >= 0) luaL_argerror(L, arg, "only one size may be -1");
      neg = d;
    } else {
      known *= size[d];
    }
  }
  if (neg >= 0) {
    if (known == 0 || nel % known != 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "cannot infer size -1 for %d elements", (int)nel));
    size[neg] = nel / known;
    known = nel;
  }
  if (known != nel)
    luaL_argerror(L, arg, lua_pushfstring(L, "size mismatch: the new shape has %d elements, the tensor %d",
                                          (int)known, (int)nel));
}

/* read sizes allowing -1 */
static int readshape (lua_State *L, int first, int64_t *size) {
  int top = lua_gettop(L), n = 0, i;
  if (first <= top && lua_istable(L, first)) {
    int m = (int)luaL_len(L, first);
    luaL_argcheck(L, m <= HM_MAXDIM, first, "too many dimensions");
    for (i = 0; i < m; i++) {
      lua_geti(L, first, i + 1);
      size[n++] = lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    return n;
  }
  for (i = first; i <= top; i++) {
    luaL_argcheck(L, n < HM_MAXDIM, i, "too many dimensions");
    size[n++] = luaL_checkinteger(L, i);
  }
  return n;
}

/* t:view(sizes) -> contiguous view with a new shape (one size may be -1) */
static int tensor_view (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int64_t size[HM_MAXDIM];
  int n;
  if (hm_testtensor(L, 2)) {
    Tensor *like = hm_checktensor(L, 2);
    n = like->ndim;
    memcpy(size, like->size, sizeof(int64_t) * (size_t)n);
  } else {
    n = readshape(L, 2, size);
  }
  infersizes(L, 2, size, n, Tensor_nelement(t));
  if (!Tensor_iscontiguous(t))
    luaL_argerror(L, 1, "view needs a contiguous tensor (call contiguous() or use reshape)");
  r = hm_newview(L, 1);
  r->ndim = n;
  memcpy(r->size, size, sizeof(int64_t) * (size_t)n);
  setcontiguousstrides(r);
  return 1;
}

/* t:reshape(sizes) -> a view when t is contiguous, else a reshaped copy */
static int tensor_reshape (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *r;
  int64_t size[HM_MAXDIM];
  int n = readshape(L, 2, size);
  infersizes(L, 2, size, n, Tensor_nelement(t));
  if (Tensor_iscontiguous(t)) {
    r = hm_newview(L, 1);
  } else {
    r = hm_newtensorlike(L, t, t->type);
    Tensor_copy(r, t);
  }
  r->ndim = n;
  memcpy(r->size, size, sizeof(int64_t) * (size_t)n);
  setcontiguousstrides(r);
  return 1;
}

/* t:contiguous() -> t itself when contiguous, else a contiguous copy */
static int tensor_contiguous (lua_State *L) {
  hm_pushcontiguous(L, 1);
  return 1;
}

/* t:clone() -> contiguous copy */
static int tensor_clone (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  Tensor *r = hm_newtensorlike(L, t, t->type);
  Tensor_copy(r, t);
  return 1;
}

/* dst:copy(src) -> dst; any types, same number of elements */
static int tensor_copy (lua_State *L) {
  Tensor *dst = hm_checktensor(L, 1), *src = hm_checktensor(L, 2);
  if (Tensor_nelement(dst) != Tensor_nelement(src))
    hm_sizeerror(L, 2, "destination", dst, "source", src);
  Tensor_copy(dst, src);
  lua_settop(L, 1);
  return 1;
}

/* t:resize(sizes) -> t, contiguous with the new shape (contents kept where storage allows) */
static int tensor_resize (lua_State *L) {
  int64_t size[HM_MAXDIM];
  int n;
  hm_checktensor(L, 1);
  n = readsizes(L, 2, size);
  hm_resize(L, 1, n, size);
  lua_settop(L, 1);
  return 1;
}

static int tensor_resizeas (lua_State *L) {
  hm_checktensor(L, 1);
  hm_resizeas(L, 1, hm_checktensor(L, 2));
  lua_settop(L, 1);
  return 1;
}

/* ---------------------------------------------------------------- fill */

static void fill_contig (int type, void *p, int64_t n, double v) {
  int64_t i;
  switch (type) {
    case HM_FLOAT: { float *x = p, f = (float)v; for (i = 0; i < n; i++) x[i] = f; break; }
    case HM_DOUBLE: { double *x = p; for (i = 0; i < n; i++) x[i] = v; break; }
    case HM_LONG: { int64_t *x = p, l = to_long(v); for (i = 0; i < n; i++) x[i] = l; break; }
    default: memset(p, to_byte(v), (size_t)n); break;
  }
}

/* Fill a possibly strided tensor with v. */
static void Tensor_fill (Tensor *t, double v) {
  int64_t n = Tensor_nelement(t), i;
  if (Tensor_iscontiguous(t)) {
    fill_contig(t->type, Tensor_data(t), n, v);
    return;
  }
  {
    Walk w;
    int64_t len, st;
    walk_init(&w, t);
    len = w.size[w.ndim - 1];
    st = w.stride[w.ndim - 1];
    for (i = 0; i < n; i += len) {
      int64_t k;
      for (k = 0; k < len; k++) store_double(t->type, t->storage->data, w.off + k * st, v);
      if (i + len < n) walk_nextrun(&w);
    }
  }
}

static int tensor_fill (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  Tensor_fill(t, luaL_checknumber(L, 2));
  lua_settop(L, 1);
  return 1;
}

static int tensor_zero (lua_State *L) {
  Tensor_fill(hm_checktensor(L, 1), 0);
  lua_settop(L, 1);
  return 1;
}

/* ===================================================================== indexing */

/* Apply a Torch7 index table {i, {a,b}, {}, ...} to the view r in place. The view keeps
** one dimension per range and loses one per number. Returns 1 if every entry was a number
** and the result is a single element at offset *off. */
static int applyindextable (lua_State *L, int keyidx, Tensor *r) {
  int n = (int)luaL_len(L, keyidx), k, d = 0;
  if (n > r->ndim)
    luaL_error(L, "index table has %d entries for a %dD tensor", n, r->ndim);
  for (k = 1; k <= n; k++) {
    int tt = lua_geti(L, keyidx, k);
    if (tt == LUA_TNUMBER) {
      lua_Integer i = luaL_checkinteger(L, -1);
      int64_t size = r->size[d];
      if (i < 0) i += size + 1;
      if (i < 1 || i > size)
        luaL_error(L, "index %d out of range for dimension %d of size %d", (int)i, k, (int)size);
      if (r->ndim == 1) {   /* a number: stay 1-element 1D and report it */
        r->offset += (i - 1) * r->stride[d];
        r->size[d] = 1;
        lua_pop(L, 1);
        if (k == n) return 1;
        continue;
      }
      select_inplace(r, d, i - 1);
    } else if (tt == LUA_TTABLE) {
      int m = (int)luaL_len(L, -1);
      int64_t size = r->size[d];
      lua_Integer a = 1, b = size;
      if (m >= 1) { lua_geti(L, -1, 1); a = luaL_checkinteger(L, -1); lua_pop(L, 1); }
      if (m >= 2) { lua_geti(L, -1, 2); b = luaL_checkinteger(L, -1); lua_pop(L, 1); }
      else if (m == 1) b = a;
      if (a < 0) a += size + 1;
      if (b < 0) b += size + 1;
      if (a < 1 || a > size || b < a - 1 || b > size)
        luaL_error(L, "index range {%d, %d} out of range for dimension %d of size %d",
                   (int)a, (int)b, k, (int)size);
      r->offset += (a - 1) * r->stride[d];
      r->size[d] = b - a + 1;
      d++;
    } else {
      luaL_error(L, "index table entry %d must be a number or a table, got %s", k,
                 luaL_typename(L, -1));
    }
    lua_pop(L, 1);
  }
  return 0;
}

/* __index: t[i] (a number for 1D, a view otherwise), t[{...}], t[mask], t.method */
static int tensor_index (lua_State *L) {
  Tensor *t;
  if (lua_type(L, 2) == LUA_TSTRING) {   /* method lookup first: it is the hot path */
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
  }
  t = hm_checktensor(L, 1);
  switch (lua_type(L, 2)) {
    case LUA_TNUMBER: {
      lua_Integer i;
      if (!lua_isinteger(L, 2) && !(lua_tonumber(L, 2) == (lua_Number)lua_tointeger(L, 2)))
        luaL_error(L, "index must be an integer");
      i = lua_tointeger(L, 2);
      if (t->ndim == 0) luaL_error(L, "cannot index an empty tensor");
      if (i < 0) i += t->size[0] + 1;
      if (i < 1 || i > t->size[0])
        luaL_error(L, "index %d out of range for dimension 1 of size %d", (int)lua_tointeger(L, 2),
                   (int)t->size[0]);
      if (t->ndim == 1) {
        pushelement(L, t, t->offset + (i - 1) * t->stride[0]);
      } else {
        Tensor *r = hm_newview(L, 1);
        select_inplace(r, 0, i - 1);
      }
      return 1;
    }
    case LUA_TTABLE: {
      Tensor *r = hm_newview(L, 1);
      if (applyindextable(L, 2, r)) pushelement(L, r, r->offset);
      return 1;
    }
    case LUA_TUSERDATA: {
      if (hm_testtensor(L, 2)) {     /* t[mask] -> maskedSelect */
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_getfield(L, -1, "maskedSelect");
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
        lua_call(L, 2, 1);
        return 1;
      }
    }
    /* FALLTHROUGH */
    default:
      lua_pushnil(L);
      return 1;
  }
}

/* Assign value at stack 3 (number or tensor) into view r (at stack top). */
static void assign (lua_State *L, Tensor *r) {
  if (lua_type(L, 3) == LUA_TNUMBER) {
    Tensor_fill(r, lua_tonumber(L, 3));
  } else {
    Tensor *src = hm_testtensor(L, 3);
    if (src == NULL) luaL_error(L, "cannot assign a %s to a tensor element (number or tensor expected)",
                                luaL_typename(L, 3));
    if (Tensor_nelement(src) != Tensor_nelement(r)) {
      char s1[HM_SHAPEBUF], s2[HM_SHAPEBUF];
      Tensor_shapestr(r, s1, sizeof s1);
      Tensor_shapestr(src, s2, sizeof s2);
      luaL_error(L, "size mismatch in assignment: target is %s, value is %s", s1, s2);
    }
    Tensor_copy(r, src);
  }
}

/* __newindex: t[i] = v, t[{...}] = v, t[mask] = v */
static int tensor_newindex (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  switch (lua_type(L, 2)) {
    case LUA_TNUMBER: {
      lua_Integer i = lua_tointeger(L, 2);
      if (t->ndim == 0) luaL_error(L, "cannot index an empty tensor");
      if (i < 0) i += t->size[0] + 1;
      if (i < 1 || i > t->size[0])
        luaL_error(L, "index %d out of range for dimension 1 of size %d", (int)lua_tointeger(L, 2),
                   (int)t->size[0]);
      if (t->ndim == 1 && lua_type(L, 3) == LUA_TNUMBER) {
        int64_t off = t->offset + (i - 1) * t->stride[0];
        if (t->type == HM_LONG && lua_isinteger(L, 3))   /* every bit of a 64-bit integer */
          ((int64_t *)t->storage->data)[off] = lua_tointeger(L, 3);
        else
          store_double(t->type, t->storage->data, off, lua_tonumber(L, 3));
      } else {
        Tensor *r = hm_newview(L, 1);
        if (r->ndim == 1) { r->offset += (i - 1) * r->stride[0]; r->size[0] = 1; }
        else select_inplace(r, 0, i - 1);
        assign(L, r);
      }
      return 0;
    }
    case LUA_TTABLE: {
      Tensor *r = hm_newview(L, 1);
      applyindextable(L, 2, r);
      assign(L, r);
      return 0;
    }
    case LUA_TUSERDATA:
      if (hm_testtensor(L, 2)) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_getfield(L, -1, lua_type(L, 3) == LUA_TNUMBER ? "maskedFill" : "maskedCopy");
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, 3);
        lua_call(L, 3, 0);
        return 0;
      }
      /* FALLTHROUGH */
    default:
      return luaL_error(L, "cannot set field '%s' of a tensor", luaL_tolstring(L, 2, NULL));
  }
}

static int tensor_len (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  lua_pushinteger(L, t->ndim > 0 ? t->size[0] : 0);
  return 1;
}

/* ===================================================================== registration */

static const hm_Reg tensor_funcs[] = {
  {"size", tensor_size, HM_BOTH},
  {"stride", tensor_stride, HM_BOTH},
  {"dim", tensor_dim, HM_BOTH},
  {"nDimension", tensor_dim, HM_BOTH},
  {"nElement", tensor_nelement, HM_BOTH},
  {"numel", tensor_nelement, HM_BOTH},
  {"isContiguous", tensor_iscontiguous, HM_BOTH},
  {"isSameSizeAs", tensor_issamesizeas, HM_BOTH},
  {"storageOffset", tensor_storageoffset, HM_BOTH},
  {"_typename", tensor_typename, HM_BOTH},
  {"_typeindex", tensor_typeindex, HM_BOTH},
  {"_storageid", tensor_storageid, HM_BOTH},
  {"narrow", tensor_narrow, HM_BOTH},
  {"select", tensor_select, HM_BOTH},
  {"transpose", tensor_transpose, HM_BOTH},
  {"t", tensor_t, HM_BOTH},
  {"permute", tensor_permute, HM_BOTH},
  {"squeeze", tensor_squeeze, HM_BOTH},
  {"unsqueeze", tensor_unsqueeze, HM_BOTH},
  {"expand", tensor_expand, HM_BOTH},
  {"view", tensor_view, HM_BOTH},
  {"reshape", tensor_reshape, HM_BOTH},
  {"contiguous", tensor_contiguous, HM_BOTH},
  {"clone", tensor_clone, HM_BOTH},
  {"copy", tensor_copy, HM_BOTH},
  {"resize", tensor_resize, HM_BOTH},
  {"resizeAs", tensor_resizeas, HM_BOTH},
  {"fill", tensor_fill, HM_BOTH},
  {"zero", tensor_zero, HM_BOTH},
  {"totable", tensor_totable, HM_BOTH},
  {"_new", tensor_new, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_tensor (lua_State *L, int F, int M) {
  F = lua_absindex(L, F);
  M = lua_absindex(L, M);
  hm_register(L, F, M, tensor_funcs);
  luaL_getmetatable(L, HM_TENSOR_MT);
  tensor_mt = lua_topointer(L, -1);
  lua_pushvalue(L, M);
  lua_pushcclosure(L, tensor_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, M);
  lua_pushcclosure(L, tensor_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, tensor_len);
  lua_setfield(L, -2, "__len");
  lua_pop(L, 1);
  /* size tables (t:size()) carry this metatable; the Lua side gives it __tostring */
  luaL_newmetatable(L, "hm.LongStorage");
  lua_setfield(L, F, "_LongStorage");
}
