/*
** tensor_math.c: element-wise tensor math (add, cmul, exp, sigmoid, clamp, ...), comparisons
** giving byte masks, and the mask and index ops (maskedSelect, indexSelect, gather, scatter).
**
** Strategy: every element-wise op runs as a kernel over contiguous arrays of float or double
** (tensor_math_generic.h, one copy per type), split over threads by hm_parallel_for. The
** binding hands the kernel contiguous operands: a non-contiguous operand is copied first, and
** a non-contiguous result is computed into a temporary and copied back through the view.
** Byte and long tensors take the same road through double temporaries: their arithmetic is
** exact for |values| < 2^53, scalar arguments are first truncated toward zero (Torch7 casts
** them to the tensor's type), and results are stored truncated and saturated to the type's
** range, as copy() stores them. Comparisons against a number compare byte and long values
** exactly in double; float tensors compare with the number rounded to float (Torch7).
** Mask and index ops are type-agnostic: they move elements by size with a strided walk.
**
** Call forms (Torch7): method `a:add(b)` works in place on a, function `hm.add(a, b)` returns a
** new tensor, and `res:add(a, b)` / `hm.add(res, a, b)` write into res (resized unless it has
** the right size already) and return it. Comparisons and maskedSelect/indexSelect/gather return
** a new tensor from the method form too; masked/index writes (maskedFill, indexCopy, scatter)
** always work in place on their first argument.
*/
#include <math.h>
#include <string.h>

#include "tensor.h"
#include "vecmath.h"

/* Hot float kernels get AVX-512 and AVX2+FMA (x86-64-v3) copies picked at load time (GCC
** ifunc), FMA for vecmath.h's fmaf; the default copy runs on any x86-64. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HM_HOT __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define HM_HOT
#endif

/* ===================================================================== element-wise kernels */

enum {
  /* unary: y = f(x; p, q) */
  OP_ADDS, OP_MULS, OP_DIVS, OP_POWS, OP_RPOW, OP_CLAMP, OP_CMAXS, OP_CMINS,
  OP_EXP, OP_LOG, OP_LOG1P, OP_SQRT, OP_ABS, OP_SIGN, OP_NEG, OP_FLOOR, OP_CEIL, OP_ROUND,
  OP_SIGMOID, OP_TANH,
  /* binary: y = f(a, b; p) */
  OP_AXPY, OP_CMUL, OP_CDIV, OP_CMAX, OP_CMIN, OP_CPOW,
  /* ternary: y = f(a, b, c; p) */
  OP_ADDCMUL, OP_ADDCDIV,
  /* comparisons: mask = a OP b */
  OP_GT, OP_LT, OP_GE, OP_LE, OP_EQ, OP_NE
};

enum { KIND_MAP1, KIND_MAP2, KIND_MAP3, KIND_CMP };

/* One element-wise call: contiguous arrays of n elements of the compute type (the result y
** of a comparison is bytes), scalar arguments p and q. */
typedef struct MapCtx {
  int op;
  void *y;
  const void *a, *b, *c;
  double p, q;
} MapCtx;

static double sigmoid_d (double x) { return 1.0 / (1.0 + exp(-x)); }

#define real float
#define R(name) name##_float
#define R_EXP hm_expf
#define R_LOG logf
#define R_LOG1P log1pf
#define R_SQRT sqrtf
#define R_ABS fabsf
#define R_FLOOR floorf
#define R_CEIL ceilf
#define R_ROUND roundf
#define R_POW powf
#define R_SIGMOID hm_sigmoidf
#define R_TANH hm_tanhf
#include "tensor_math_generic.h"
#undef real
#undef R
#undef R_EXP
#undef R_LOG
#undef R_LOG1P
#undef R_SQRT
#undef R_ABS
#undef R_FLOOR
#undef R_CEIL
#undef R_ROUND
#undef R_POW
#undef R_SIGMOID
#undef R_TANH

#define real double
#define R(name) name##_double
#define R_EXP exp
#define R_LOG log
#define R_LOG1P log1p
#define R_SQRT sqrt
#define R_ABS fabs
#define R_FLOOR floor
#define R_CEIL ceil
#define R_ROUND round
#define R_POW pow
#define R_SIGMOID sigmoid_d
#define R_TANH tanh
#include "tensor_math_generic.h"
#undef real
#undef R
#undef R_EXP
#undef R_LOG
#undef R_LOG1P
#undef R_SQRT
#undef R_ABS
#undef R_FLOOR
#undef R_CEIL
#undef R_ROUND
#undef R_POW
#undef R_SIGMOID
#undef R_TANH

/* Exported for fused kernels (vecmath.h): y[i] = sigmoid(x[i]), one thread. */
HM_HOT void hm_sigmoid_float (float *y, const float *x, int64_t n) {
  int64_t i;
  for (i = 0; i < n; i++) y[i] = hm_sigmoidf(x[i]);
}

static hm_RangeFn kernel_for (int type, int kind) {
  static const hm_RangeFn fns[2][4] = {
    { map1_float, map2_float, map3_float, compare_float },
    { map1_double, map2_double, map3_double, compare_double },
  };
  return fns[type == HM_DOUBLE][kind];
}

/* ===================================================================== mask and index kernels */

/* A row-major walk over the positions of a shape that keeps the element offsets of up to
** three tensors laid over it (each with its own strides). */
typedef struct Iter {
  int ndim, n;
  int64_t size[HM_MAXDIM], idx[HM_MAXDIM];
  int64_t stride[3][HM_MAXDIM];
  int64_t off[3];
} Iter;

static void iter_init (Iter *it, const Tensor *shape) {
  int d;
  it->ndim = shape->ndim;
  it->n = 0;
  for (d = 0; d < shape->ndim; d++) {
    it->size[d] = shape->size[d];
    it->idx[d] = 0;
  }
}

/* Lay t over the walk; returns its slot. t has at least the walk's number of dimensions. */
static int iter_add (Iter *it, const Tensor *t) {
  int k = it->n++, d;
  for (d = 0; d < it->ndim; d++) it->stride[k][d] = t->stride[d];
  it->off[k] = t->offset;
  return k;
}

static void iter_next (Iter *it) {
  int d, k;
  for (d = it->ndim - 1; d >= 0; d--) {
    for (k = 0; k < it->n; k++) it->off[k] += it->stride[k][d];
    if (++it->idx[d] < it->size[d]) return;
    for (k = 0; k < it->n; k++) it->off[k] -= it->stride[k][d] * it->size[d];
    it->idx[d] = 0;
  }
}

static void copyelem (char *dst, const char *src, size_t es) {
  switch (es) {
    case 1: *dst = *src; break;
    case 4: memcpy(dst, src, 4); break;
    default: memcpy(dst, src, 8); break;
  }
}

/* Address of element `off` (in elements) of t's storage. */
static char *elemaddr (const Tensor *t, int64_t off) {
  return t->storage->data + off * (int64_t)hm_elsize(t->type);
}

/* v stored in t's type the way copy() and fill() store it: truncated toward zero and
** saturated for byte and long, NaN giving 0. */
static void packvalue (int type, double v, char *out) {
  switch (type) {
    case HM_BYTE: {
      uint8_t b = !(v > 0) ? 0 : (v >= 255 ? 255 : (uint8_t)v);
      memcpy(out, &b, 1);
      break;
    }
    case HM_LONG: {
      int64_t l = v != v ? 0 : (v >= 9.2233720368547758e18 ? INT64_MAX :
                  (v <= -9.2233720368547758e18 ? INT64_MIN : (int64_t)v));
      memcpy(out, &l, 8);
      break;
    }
    case HM_FLOAT: {
      float f = (float)v;
      memcpy(out, &f, 4);
      break;
    }
    default: memcpy(out, &v, 8); break;
  }
}

/* The number of nonzero bytes of a contiguous mask; *bad gets the first value other than 0
** and 1 (or stays -1). */
static int64_t countmask (const uint8_t *m, int64_t n, int *bad) {
  int64_t i, count = 0;
  *bad = -1;
  for (i = 0; i < n; i++) {
    if (m[i] > 1 && *bad < 0) *bad = m[i];
    count += m[i] != 0;
  }
  return count;
}

/* t[i] = v wherever mask[i] (row-major order over t; mask contiguous with t's element count) */
static void Tensor_maskedFill (Tensor *t, const uint8_t *mask, double v) {
  int64_t n = Tensor_nelement(t), i;
  size_t es = hm_elsize(t->type);
  char val[8];
  Iter it;
  packvalue(t->type, v, val);
  iter_init(&it, t);
  iter_add(&it, t);
  for (i = 0; i < n; i++, iter_next(&it))
    if (mask[i]) copyelem(elemaddr(t, it.off[0]), val, es);
}

/* Successive elements of src (contiguous, same type) go where mask[i] is set. */
static void Tensor_maskedCopy (Tensor *t, const uint8_t *mask, const char *src) {
  int64_t n = Tensor_nelement(t), i;
  size_t es = hm_elsize(t->type);
  Iter it;
  iter_init(&it, t);
  iter_add(&it, t);
  for (i = 0; i < n; i++, iter_next(&it)) {
    if (mask[i]) {
      copyelem(elemaddr(t, it.off[0]), src, es);
      src += es;
    }
  }
}

/* out (contiguous, 1D of the mask's count) = the elements of t where mask[i] is set */
static void Tensor_maskedSelect (Tensor *out, const Tensor *t, const uint8_t *mask) {
  int64_t n = Tensor_nelement(t), i;
  size_t es = hm_elsize(t->type);
  char *dst = (char *)Tensor_data(out);
  Iter it;
  iter_init(&it, t);
  iter_add(&it, t);
  for (i = 0; i < n; i++, iter_next(&it)) {
    if (mask[i]) {
      copyelem(dst, elemaddr(t, it.off[0]), es);
      dst += es;
    }
  }
}

/* The first value of the long tensor idx outside 1..size (row-major); returns 1 if found. */
static int findbadindex (const Tensor *idx, int64_t size, int64_t *bad) {
  int64_t n = Tensor_nelement(idx), i;
  const int64_t *base = (const int64_t *)idx->storage->data;
  Iter it;
  iter_init(&it, idx);
  iter_add(&it, idx);
  for (i = 0; i < n; i++, iter_next(&it)) {
    int64_t v = base[it.off[0]];
    if (v < 1 || v > size) {
      *bad = v;
      return 1;
    }
  }
  return 0;
}

/*
** out = src with slices idx[k] (1-based, checked) of dimension dim, in order: out has src's
** shape with size[dim] = nidx. src and out are contiguous, idx is a contiguous long array.
*/
static void Tensor_indexSelect (Tensor *out, const Tensor *src, int dim, const int64_t *idx,
                                int64_t nidx) {
  int64_t outer = 1, inner = 1, o, k;
  size_t es = hm_elsize(src->type), row;
  const char *s = (const char *)Tensor_data(src);
  char *d = (char *)Tensor_data(out);
  int i;
  for (i = 0; i < dim; i++) outer *= src->size[i];
  for (i = dim + 1; i < src->ndim; i++) inner *= src->size[i];
  row = (size_t)inner * es;
  for (o = 0; o < outer; o++)
    for (k = 0; k < nidx; k++)
      memcpy(d + (size_t)(o * nidx + k) * row, s + (size_t)(o * src->size[dim] + idx[k] - 1) * row, row);
}

/* The view of t narrowed to slice i (0-based) of dimension dim, as a plain struct. */
static Tensor slice (const Tensor *t, int dim, int64_t i) {
  Tensor s = *t;
  s.offset += i * t->stride[dim];
  s.size[dim] = 1;
  return s;
}

/* Fill a strided view with v. */
static void fillview (Tensor *t, double v) {
  int64_t n = Tensor_nelement(t), i;
  size_t es = hm_elsize(t->type);
  char val[8];
  Iter it;
  packvalue(t->type, v, val);
  iter_init(&it, t);
  iter_add(&it, t);
  for (i = 0; i < n; i++, iter_next(&it)) copyelem(elemaddr(t, it.off[0]), val, es);
}

/* Slices idx[k] of t along dim get slice k of src (indexCopy), or v when src is NULL (indexFill). */
static void Tensor_indexCopy (Tensor *t, int dim, const int64_t *idx, int64_t nidx,
                              const Tensor *src, double v) {
  int64_t k;
  for (k = 0; k < nidx; k++) {
    Tensor dst = slice(t, dim, idx[k] - 1);
    if (src != NULL) {
      Tensor s = slice(src, dim, k);
      Tensor_copy(&dst, &s);
    } else {
      fillview(&dst, v);
    }
  }
}

/* out[i][j] = src[idx[i][j]][j] for dim 1 (and so on): out has idx's shape; idx's sizes are
** at most src's outside dim, and its values are checked. */
static void Tensor_gather (Tensor *out, const Tensor *src, int dim, const Tensor *idx) {
  int64_t n = Tensor_nelement(idx), i;
  size_t es = hm_elsize(src->type);
  const int64_t *ib = (const int64_t *)idx->storage->data;
  Iter it;
  int ki, ks, ko;
  iter_init(&it, idx);
  ki = iter_add(&it, idx);
  ks = iter_add(&it, src);
  ko = iter_add(&it, out);
  it.stride[ks][dim] = 0;          /* the index value picks the position along dim */
  for (i = 0; i < n; i++, iter_next(&it)) {
    int64_t v = ib[it.off[ki]] - 1;
    copyelem(elemaddr(out, it.off[ko]), elemaddr(src, it.off[ks] + v * src->stride[dim]), es);
  }
}

/* t[idx[i][j]][j] = src[i][j] for dim 1 (or v when src is NULL); the converse of gather. */
static void Tensor_scatter (Tensor *t, int dim, const Tensor *idx, const Tensor *src, double v) {
  int64_t n = Tensor_nelement(idx), i;
  size_t es = hm_elsize(t->type);
  const int64_t *ib = (const int64_t *)idx->storage->data;
  char val[8];
  Iter it;
  int ki, kt, ks = 0;
  packvalue(t->type, v, val);
  iter_init(&it, idx);
  ki = iter_add(&it, idx);
  kt = iter_add(&it, t);
  if (src != NULL) ks = iter_add(&it, src);
  it.stride[kt][dim] = 0;
  for (i = 0; i < n; i++, iter_next(&it)) {
    int64_t k = ib[it.off[ki]] - 1;
    char *dst = elemaddr(t, it.off[kt] + k * t->stride[dim]);
    copyelem(dst, src != NULL ? elemaddr(src, it.off[ks]) : val, es);
  }
}

/* ===================================================================== bindings: element-wise */

static int isfloating (int type) { return type == HM_FLOAT || type == HM_DOUBLE; }

/* Torch7 casts scalar arguments to the tensor's type: byte and long ones are truncated. */
static double castscalar (int type, double v) {
  if (isfloating(type)) return v;
  if (v != v) return 0;
  return trunc(v);
}

/*
** Is this a result-form call, `res:op(a, ...)` / `hm.op(res, a, ...)`? It is when the first
** two arguments are tensors and there are at least k arguments, k being one more than the
** arguments of the plain form (2 for exp, 3 for cmul, 4 for addcmul).
*/
static int resultform (lua_State *L, int k) {
  return lua_gettop(L) >= k && hm_testtensor(L, 1) != NULL && hm_testtensor(L, 2) != NULL;
}

/* Where the output of a call goes: 1 for result form and in place (method form), 0 for new. */
static int outarg (lua_State *L, int res) {
  return (res || !hm_isfunctionform(L)) ? 1 : 0;
}

/* For result form, check that the result tensor at arg has the given type. */
static void checkresulttype (lua_State *L, int arg, int type) {
  if (arg > 0) hm_checktensortype(L, arg, type);
}

/* Operands of an element-wise op hold the same number of elements (Torch7's rule). */
static void checksamecount (lua_State *L, int arg, const Tensor *a, const Tensor *b) {
  if (Tensor_nelement(a) != Tensor_nelement(b))
    hm_sizeerror(L, arg, "tensor1", a, "tensor2", b);
}

/* An operand that must be a tensor of a given type. */
static Tensor *checkoperand (lua_State *L, int arg, int type) {
  return hm_checktensortype(L, arg, type);
}

/*
** The output tensor: the one at arg (resized like `like` unless it has that size already, so
** that a view keeps its strides and is written through), or a new tensor shaped like `like`
** when arg is 0. Sets *idx to its stack index.
*/
static Tensor *getoutput (lua_State *L, int arg, int type, const Tensor *like, int *idx) {
  if (arg == 0) {
    Tensor *t = hm_newtensorlike(L, like, type);
    *idx = lua_gettop(L);
    return t;
  }
  *idx = arg;
  if (Tensor_samesize(hm_checktensor(L, arg), like)) return hm_checktensor(L, arg);
  return hm_resizeas(L, arg, like);
}

/*
** Run an element-wise op: out = op(ins[0..nin-1]; p, q). The operands have one type and
** out's number of elements. Kernels want contiguous float or double arrays, so other operands
** go through temporaries (double for byte and long), as does a non-contiguous out.
*/
static void elementwise (lua_State *L, Tensor *out, Tensor *const *ins, int nin, int kind,
                         int op, double p, double q) {
  int ct = isfloating(ins[0]->type) ? ins[0]->type : HM_DOUBLE;
  int ot = kind == KIND_CMP ? HM_BYTE : ct;
  int64_t n = Tensor_nelement(out);
  Tensor *dst = out;
  MapCtx c;
  int k;
  const void *src[3] = { NULL, NULL, NULL };
  if (n == 0) return;
  for (k = 0; k < nin; k++) {
    Tensor *t = ins[k];
    if (t->type != ct || !Tensor_iscontiguous(t)) {
      Tensor *tmp = hm_newtensorlike(L, t, ct);
      Tensor_copy(tmp, t);
      t = tmp;
    }
    src[k] = Tensor_data(t);
  }
  if (out->type != ot || !Tensor_iscontiguous(out)) dst = hm_newtensorlike(L, out, ot);
  c.op = op;
  c.y = Tensor_data(dst);
  c.a = src[0];
  c.b = src[1];
  c.c = src[2];
  c.p = p;
  c.q = q;
  hm_parallel_for(n, HM_PARALLEL_GRAIN, kernel_for(ct, kind), &c);
  if (dst != out) Tensor_copy(out, dst);
}

/*
** x:op(p...) in place, hm.op(x, p...) new, res:op(x, p...) / hm.op(res, x, p...) into res.
** nparams numbers follow x; floating ops refuse byte and long tensors.
*/
static int unary (lua_State *L, int op, int floating, int nparams) {
  int res = resultform(L, 2), first = res ? 2 : 1, out, idx;
  Tensor *x = hm_checktensor(L, first), *y;
  double p = 0, q = 0;
  if (floating) hm_checkfloating(L, first, x);
  checkresulttype(L, res, x->type);
  if (nparams >= 1) p = castscalar(x->type, luaL_checknumber(L, first + 1));
  if (nparams >= 2) q = castscalar(x->type, luaL_checknumber(L, first + 2));
  out = outarg(L, res);
  y = getoutput(L, out ? 1 : 0, x->type, x, &idx);
  elementwise(L, y, &x, 1, KIND_MAP1, op, p, q);
  lua_pushvalue(L, idx);
  return 1;
}

static int math_exp (lua_State *L) { return unary(L, OP_EXP, 1, 0); }
static int math_log (lua_State *L) { return unary(L, OP_LOG, 1, 0); }
static int math_log1p (lua_State *L) { return unary(L, OP_LOG1P, 1, 0); }
static int math_sqrt (lua_State *L) { return unary(L, OP_SQRT, 1, 0); }
static int math_sigmoid (lua_State *L) { return unary(L, OP_SIGMOID, 1, 0); }
static int math_tanh (lua_State *L) { return unary(L, OP_TANH, 1, 0); }
static int math_floor (lua_State *L) { return unary(L, OP_FLOOR, 0, 0); }
static int math_ceil (lua_State *L) { return unary(L, OP_CEIL, 0, 0); }
static int math_round (lua_State *L) { return unary(L, OP_ROUND, 0, 0); }
static int math_abs (lua_State *L) { return unary(L, OP_ABS, 0, 0); }
static int math_sign (lua_State *L) { return unary(L, OP_SIGN, 0, 0); }
static int math_neg (lua_State *L) { return unary(L, OP_NEG, 0, 0); }
static int math_mul (lua_State *L) { return unary(L, OP_MULS, 0, 1); }
static int math_div (lua_State *L) { return unary(L, OP_DIVS, 0, 1); }
static int math_clamp (lua_State *L) { return unary(L, OP_CLAMP, 0, 2); }

/*
** add and sub, Torch7's forms: x:add(v), x:add(y), x:add(v, y) in place (x + v*y);
** hm.add(x, v), hm.add(x, y), hm.add(x, v, y) new; res:add(x, ...) / hm.add(res, x, ...) into res.
*/
static int addsub (lua_State *L, double sign) {
  int res, first, idx;
  /* Fast path for the hot-loop forms a:add(b) and res:add(a, b) on same-type, same-size
  ** tensors: each argument is checked once. The general path below checks some twice, which
  ** costs tens of nanoseconds a call on small tensors (bench: Lua call overhead). */
  if (!hm_isfunctionform(L) && lua_gettop(L) <= 3) {
    Tensor *t1 = hm_testtensor(L, 1), *t2 = hm_testtensor(L, 2);
    Tensor *t3 = lua_gettop(L) == 3 ? hm_testtensor(L, 3) : NULL;
    Tensor *out = t1, *x = t3 ? t2 : t1, *y = t3 ? t3 : t2;
    if (t1 && t2 && (t3 || lua_gettop(L) == 2) && isfloating(t1->type) &&
        t1->type == t2->type && y->type == t1->type && Tensor_samesize(out, x) &&
        Tensor_nelement(x) == Tensor_nelement(y)) {
      Tensor *ins[2];
      ins[0] = x;
      ins[1] = y;
      elementwise(L, out, ins, 2, KIND_MAP2, OP_AXPY, sign, 0);
      lua_settop(L, 1);
      return 1;
    }
  }
  res = resultform(L, 3);
  first = res ? 2 : 1;
  Tensor *x = hm_checktensor(L, first), *y = NULL, *out;
  double v = 1;
  if (hm_testtensor(L, first + 1)) {
    y = checkoperand(L, first + 1, x->type);
  } else if (lua_type(L, first + 1) == LUA_TNUMBER) {
    v = castscalar(x->type, lua_tonumber(L, first + 1));
    if (!lua_isnone(L, first + 2)) y = checkoperand(L, first + 2, x->type);
  } else {
    luaL_typeerror(L, first + 1, "harmonium.Tensor or number");
  }
  checkresulttype(L, res, x->type);
  if (y != NULL) checksamecount(L, hm_testtensor(L, first + 1) ? first + 1 : first + 2, x, y);
  out = getoutput(L, outarg(L, res), x->type, x, &idx);
  if (y != NULL) {
    Tensor *ins[2];
    ins[0] = x;
    ins[1] = y;
    elementwise(L, out, ins, 2, KIND_MAP2, OP_AXPY, sign * v, 0);
  } else {
    elementwise(L, out, &x, 1, KIND_MAP1, OP_ADDS, sign * v, 0);
  }
  lua_pushvalue(L, idx);
  return 1;
}

static int math_add (lua_State *L) { return addsub(L, 1); }
static int math_sub (lua_State *L) { return addsub(L, -1); }

/*
** Element-wise binary ops: a:op(b) in place, hm.op(a, b) new, res:op(a, b) / hm.op(res, a, b)
** into res. With scalarop >= 0, b may also be a number.
*/
static int binary (lua_State *L, int op, int scalarop, int floating) {
  int res = resultform(L, 3), first = res ? 2 : 1, idx;
  Tensor *a = hm_checktensor(L, first), *b = NULL, *out;
  double p = 0;
  if (floating) hm_checkfloating(L, first, a);
  if (scalarop >= 0 && lua_type(L, first + 1) == LUA_TNUMBER)
    p = castscalar(a->type, lua_tonumber(L, first + 1));
  else if (scalarop >= 0 && !hm_testtensor(L, first + 1))
    luaL_typeerror(L, first + 1, "harmonium.Tensor or number");
  else
    b = checkoperand(L, first + 1, a->type);
  checkresulttype(L, res, a->type);
  if (b != NULL) checksamecount(L, first + 1, a, b);
  out = getoutput(L, outarg(L, res), a->type, a, &idx);
  if (b != NULL) {
    Tensor *ins[2];
    ins[0] = a;
    ins[1] = b;
    elementwise(L, out, ins, 2, KIND_MAP2, op, 1, 0);
  } else {
    elementwise(L, out, &a, 1, KIND_MAP1, scalarop, p, 0);
  }
  lua_pushvalue(L, idx);
  return 1;
}

static int math_cmul (lua_State *L) { return binary(L, OP_CMUL, -1, 0); }
static int math_cdiv (lua_State *L) { return binary(L, OP_CDIV, -1, 0); }
static int math_cmax (lua_State *L) { return binary(L, OP_CMAX, OP_CMAXS, 0); }
static int math_cmin (lua_State *L) { return binary(L, OP_CMIN, OP_CMINS, 0); }

/*
** pow: x:pow(n) in place, hm.pow(x, n) new, res:pow(x, n) / hm.pow(res, x, n) into res;
** n may be a tensor (element-wise exponents). Number ^ tensor: hm.pow(v, x) new,
** hm.pow(res, v, x) / res:pow(v, x) into res.
*/
static int math_pow (lua_State *L) {
  int idx, first, res, rpow;
  Tensor *x, *out;
  double p = 0;
  if (hm_isfunctionform(L) && lua_type(L, 1) == LUA_TNUMBER) {          /* hm.pow(v, x) */
    res = 0; rpow = 1; first = 2;
  } else if (hm_testtensor(L, 1) && lua_type(L, 2) == LUA_TNUMBER && hm_testtensor(L, 3)) {
    res = 1; rpow = 1; first = 3;                                        /* hm.pow(res, v, x) */
  } else {
    res = resultform(L, 3); rpow = 0; first = res ? 2 : 1;
  }
  x = hm_checktensor(L, first);
  hm_checkfloating(L, first, x);
  checkresulttype(L, res, x->type);
  if (rpow) {
    p = luaL_checknumber(L, first - 1);
  } else if (hm_testtensor(L, first + 1)) {
    Tensor *ins[2];
    ins[0] = x;
    ins[1] = checkoperand(L, first + 1, x->type);
    checksamecount(L, first + 1, x, ins[1]);
    out = getoutput(L, outarg(L, res), x->type, x, &idx);
    elementwise(L, out, ins, 2, KIND_MAP2, OP_CPOW, 1, 0);
    lua_pushvalue(L, idx);
    return 1;
  } else {
    p = luaL_checknumber(L, first + 1);
  }
  out = getoutput(L, rpow ? res : outarg(L, res), x->type, x, &idx);
  elementwise(L, out, &x, 1, KIND_MAP1, rpow ? OP_RPOW : OP_POWS, p, 0);
  lua_pushvalue(L, idx);
  return 1;
}

/*
** addcmul / addcdiv: x:addcmul([v,] t1, t2) in place (x + v*t1.*t2), hm.addcmul(x, [v,] t1, t2)
** new, res:addcmul(x, [v,] t1, t2) / hm.addcmul(res, x, [v,] t1, t2) into res.
*/
static int addc (lua_State *L, int op) {
  int res = resultform(L, 4), first = res ? 2 : 1, idx, a1 = first + 1;
  Tensor *ins[3], *out;
  double v = 1;
  ins[0] = hm_checktensor(L, first);
  if (lua_type(L, a1) == LUA_TNUMBER) {
    v = castscalar(ins[0]->type, lua_tonumber(L, a1));
    a1++;
  }
  ins[1] = checkoperand(L, a1, ins[0]->type);
  ins[2] = checkoperand(L, a1 + 1, ins[0]->type);
  checkresulttype(L, res, ins[0]->type);
  checksamecount(L, a1, ins[0], ins[1]);
  checksamecount(L, a1 + 1, ins[0], ins[2]);
  out = getoutput(L, outarg(L, res), ins[0]->type, ins[0], &idx);
  elementwise(L, out, ins, 3, KIND_MAP3, op, v, 0);
  lua_pushvalue(L, idx);
  return 1;
}

static int math_addcmul (lua_State *L) { return addc(L, OP_ADDCMUL); }
static int math_addcdiv (lua_State *L) { return addc(L, OP_ADDCDIV); }

/*
** Comparisons: a:gt(b) and hm.gt(a, b) give a new hm.ByteTensor mask of 0 and 1 (b a tensor
** of a's type and element count, or a number); mask:gt(a, b) / hm.gt(mask, a, b) fill mask.
*/
static int compare (lua_State *L, int op) {
  int res = resultform(L, 3), first = res ? 2 : 1, idx;
  Tensor *ins[2], *out;
  int nin = 1;
  double p = 0;
  ins[0] = hm_checktensor(L, first);
  if (lua_type(L, first + 1) == LUA_TNUMBER) {
    p = lua_tonumber(L, first + 1);
    if (ins[0]->type == HM_FLOAT) p = (float)p;
  } else if (hm_testtensor(L, first + 1)) {
    ins[1] = checkoperand(L, first + 1, ins[0]->type);
    nin = 2;
  } else {
    luaL_typeerror(L, first + 1, "harmonium.Tensor or number");
  }
  checkresulttype(L, res, HM_BYTE);
  if (nin == 2) checksamecount(L, first + 1, ins[0], ins[1]);
  out = getoutput(L, res, HM_BYTE, ins[0], &idx);
  elementwise(L, out, ins, nin, KIND_CMP, op, p, 0);
  lua_pushvalue(L, idx);
  return 1;
}

static int math_gt (lua_State *L) { return compare(L, OP_GT); }
static int math_lt (lua_State *L) { return compare(L, OP_LT); }
static int math_ge (lua_State *L) { return compare(L, OP_GE); }
static int math_le (lua_State *L) { return compare(L, OP_LE); }
static int math_eq (lua_State *L) { return compare(L, OP_EQ); }
static int math_ne (lua_State *L) { return compare(L, OP_NE); }

/* ===================================================================== bindings: mask and index */

/* Check a mask argument against t; push a contiguous copy and return its bytes. */
static const uint8_t *checkmask (lua_State *L, int arg, const Tensor *t, int64_t *count) {
  Tensor *m = hm_checktensortype(L, arg, HM_BYTE);
  int bad;
  if (Tensor_nelement(m) != Tensor_nelement(t)) hm_sizeerror(L, arg, "tensor", t, "mask", m);
  m = hm_pushcontiguous(L, arg);
  *count = countmask((const uint8_t *)Tensor_data(m), Tensor_nelement(m), &bad);
  if (bad >= 0) luaL_argerror(L, arg, lua_pushfstring(L, "mask values must be 0 or 1, got %d", bad));
  return (const uint8_t *)Tensor_data(m);
}

/* t:maskedFill(mask, v) -> t, with v wherever mask (a byte tensor of t's element count) is 1 */
static int math_maskedfill (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  int64_t count;
  double v;
  hm_checktensortype(L, 2, HM_BYTE);
  v = luaL_checknumber(L, 3);
  Tensor_maskedFill(t, checkmask(L, 2, t, &count), v);
  lua_settop(L, 1);
  return 1;
}

/* A contiguous copy of the tensor at arg that shares no storage with t (for reads while
** writing t); pushes it. */
static Tensor *pushsafecopy (lua_State *L, int arg, const Tensor *t) {
  Tensor *s = hm_checktensor(L, arg), *c;
  if (s->storage != t->storage) return hm_pushcontiguous(L, arg);
  c = hm_newtensorlike(L, s, s->type);
  Tensor_copy(c, s);
  return c;
}

/* t:maskedCopy(mask, src) -> t, with successive elements of src (t's type, at least as many
** as mask has ones, row-major) where mask is 1 */
static int math_maskedcopy (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *src;
  const uint8_t *m;
  int64_t count;
  hm_checktensortype(L, 2, HM_BYTE);
  src = checkoperand(L, 3, t->type);
  m = checkmask(L, 2, t, &count);
  if (Tensor_nelement(src) < count)
    luaL_argerror(L, 3, lua_pushfstring(L, "source has %I elements, mask selects %I",
                                        (lua_Integer)Tensor_nelement(src), (lua_Integer)count));
  src = pushsafecopy(L, 3, t);
  Tensor_maskedCopy(t, m, (const char *)Tensor_data(src));
  lua_settop(L, 1);
  return 1;
}

/* t:maskedSelect(mask) / hm.maskedSelect(t, mask) -> new 1D tensor of the elements where
** mask is 1, in row-major order; res:maskedSelect(t, mask) / hm.maskedSelect(res, t, mask) */
static int math_maskedselect (lua_State *L) {
  int res = lua_gettop(L) >= 3 && hm_testtensor(L, 3) != NULL, first = res ? 2 : 1;
  Tensor *t = hm_checktensor(L, first), *out;
  const uint8_t *m;
  int64_t count;
  hm_checktensortype(L, first + 1, HM_BYTE);
  checkresulttype(L, res, t->type);
  m = checkmask(L, first + 1, t, &count);
  out = hm_newtensor(L, t->type, 1, &count);
  Tensor_maskedSelect(out, t, m);
  if (res) {
    Tensor_copy(hm_resize(L, 1, 1, &count), out);
    lua_settop(L, 1);
  }
  return 1;
}

/* Check a long index tensor at arg: values in 1..size (error names the first bad one). */
static Tensor *checkindex (lua_State *L, int arg, int dim, int64_t size) {
  Tensor *idx = hm_checktensortype(L, arg, HM_LONG);
  int64_t bad;
  if (findbadindex(idx, size, &bad))
    luaL_argerror(L, arg, lua_pushfstring(L, "index %I out of range for dimension %d of size %I",
                                          (lua_Integer)bad, dim + 1, (lua_Integer)size));
  return idx;
}

/* A 1D (or empty) long index tensor at arg, checked against dimension dim of t; pushes a
** contiguous copy and returns its values. */
static const int64_t *checkindexlist (lua_State *L, int arg, const Tensor *t, int dim, int64_t *n) {
  Tensor *idx = hm_checktensortype(L, arg, HM_LONG);
  if (idx->ndim > 1)
    luaL_argerror(L, arg, lua_pushfstring(L, "1D index tensor expected, got %dD", idx->ndim));
  checkindex(L, arg, dim, t->size[dim]);
  idx = hm_pushcontiguous(L, arg);
  *n = Tensor_nelement(idx);
  return (const int64_t *)Tensor_data(idx);
}

/* t:indexSelect(dim, index) / hm.indexSelect(t, dim, index) -> new tensor of the slices
** index[k] (1-based, a 1D long tensor) of t along dim; res:indexSelect(t, dim, index) or
** hm.indexSelect(res, t, dim, index) into res */
static int math_indexselect (lua_State *L) {
  int res = hm_testtensor(L, 1) && hm_testtensor(L, 2), first = res ? 2 : 1, dim;
  Tensor *t = hm_checktensor(L, first), *src, *out;
  const int64_t *idx;
  int64_t n, size[HM_MAXDIM];
  dim = hm_checkdim(L, first + 1, t);
  checkresulttype(L, res, t->type);
  idx = checkindexlist(L, first + 2, t, dim, &n);
  src = hm_pushcontiguous(L, first);
  memcpy(size, t->size, sizeof size);
  size[dim] = n;
  if (res) {
    /* the minibatch gather of a training loop: write straight into a contiguous result
    ** that does not share the source's storage, with no temporary */
    Tensor *r = hm_resize(L, 1, t->ndim, size);
    if (Tensor_iscontiguous(r) && r->storage != src->storage) {
      Tensor_indexSelect(r, src, dim, idx, n);
      lua_settop(L, 1);
      return 1;
    }
  }
  out = hm_newtensor(L, t->type, t->ndim, size);
  Tensor_indexSelect(out, src, dim, idx, n);
  if (res) {
    Tensor_copy(hm_checktensor(L, 1), out);
    lua_settop(L, 1);
  }
  return 1;
}

/* For indexCopy and scatter: src has t's dimensions and, outside dim, its sizes. */
static void checkslices (lua_State *L, int arg, const Tensor *t, const Tensor *src, int dim,
                         int64_t n) {
  int d, ok = src->ndim == t->ndim && src->size[dim] == n;
  for (d = 0; ok && d < t->ndim; d++)
    if (d != dim && src->size[d] != t->size[d]) ok = 0;
  if (!ok) hm_sizeerror(L, arg, "tensor", t, "source", src);
}

/* t:indexCopy(dim, index, src) -> t, slice index[k] of t along dim set to slice k of src */
static int math_indexcopy (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *src;
  int dim = hm_checkdim(L, 2, t);
  const int64_t *idx;
  int64_t n;
  src = checkoperand(L, 4, t->type);
  idx = checkindexlist(L, 3, t, dim, &n);
  checkslices(L, 4, t, src, dim, n);
  src = pushsafecopy(L, 4, t);
  Tensor_indexCopy(t, dim, idx, n, src, 0);
  lua_settop(L, 1);
  return 1;
}

/* t:indexFill(dim, index, v) -> t, slices index[k] of t along dim filled with v */
static int math_indexfill (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1);
  int dim = hm_checkdim(L, 2, t);
  const int64_t *idx;
  int64_t n;
  double v;
  hm_checktensortype(L, 3, HM_LONG);
  v = luaL_checknumber(L, 4);
  idx = checkindexlist(L, 3, t, dim, &n);
  Tensor_indexCopy(t, dim, idx, n, NULL, v);
  lua_settop(L, 1);
  return 1;
}

/* idx has t's number of dimensions and, outside dim (everywhere if alldims), sizes at most t's. */
static void checkindexshape (lua_State *L, int arg, const Tensor *idx, const char *what,
                             const Tensor *t, int dim, int alldims) {
  int d, ok = idx->ndim == t->ndim;
  for (d = 0; ok && d < t->ndim; d++)
    if ((alldims || d != dim) && idx->size[d] > t->size[d]) ok = 0;
  if (!ok) hm_sizeerror(L, arg, "index", idx, what, t);
}

/* t:gather(dim, index) / hm.gather(t, dim, index) -> new tensor shaped like index with
** out[i][j] = t[index[i][j]][j] (dim 1); res:gather(t, dim, index) / hm.gather(res, t, dim, index) */
static int math_gather (lua_State *L) {
  int res = hm_testtensor(L, 1) && hm_testtensor(L, 2), first = res ? 2 : 1, dim;
  Tensor *t = hm_checktensor(L, first), *idx, *out;
  dim = hm_checkdim(L, first + 1, t);
  idx = hm_checktensortype(L, first + 2, HM_LONG);
  checkresulttype(L, res, t->type);
  checkindexshape(L, first + 2, idx, "source", t, dim, 0);
  checkindex(L, first + 2, dim, t->size[dim]);
  out = hm_newtensorlike(L, idx, t->type);
  Tensor_gather(out, t, dim, idx);
  if (res) {
    Tensor *r = hm_checktensor(L, 1);
    if (!Tensor_samesize(r, out)) r = hm_resizeas(L, 1, out);
    Tensor_copy(r, out);
    lua_settop(L, 1);
  }
  return 1;
}

/* t:scatter(dim, index, src) -> t with t[index[i][j]][j] = src[i][j] (dim 1); src may be a
** number. index has t's dimensions, sizes at most t's outside dim and at most src's. */
static int math_scatter (lua_State *L) {
  Tensor *t = hm_checktensor(L, 1), *idx, *src = NULL;
  int dim = hm_checkdim(L, 2, t);
  double v = 0;
  idx = hm_checktensortype(L, 3, HM_LONG);
  if (lua_type(L, 4) == LUA_TNUMBER) v = lua_tonumber(L, 4);
  else src = checkoperand(L, 4, t->type);
  checkindexshape(L, 3, idx, "tensor", t, dim, 0);
  if (src != NULL) checkindexshape(L, 3, idx, "source", src, dim, 1);
  checkindex(L, 3, dim, t->size[dim]);
  if (src != NULL) src = pushsafecopy(L, 4, t);
  Tensor_scatter(t, dim, idx, src, v);
  lua_settop(L, 1);
  return 1;
}

/* ===================================================================== registration */

static const hm_Reg math_funcs[] = {
  {"add", math_add, HM_BOTH},
  {"sub", math_sub, HM_BOTH},
  {"mul", math_mul, HM_BOTH},
  {"div", math_div, HM_BOTH},
  {"cmul", math_cmul, HM_BOTH},
  {"cdiv", math_cdiv, HM_BOTH},
  {"cmax", math_cmax, HM_BOTH},
  {"cmin", math_cmin, HM_BOTH},
  {"addcmul", math_addcmul, HM_BOTH},
  {"addcdiv", math_addcdiv, HM_BOTH},
  {"pow", math_pow, HM_BOTH},
  {"exp", math_exp, HM_BOTH},
  {"log", math_log, HM_BOTH},
  {"log1p", math_log1p, HM_BOTH},
  {"sqrt", math_sqrt, HM_BOTH},
  {"abs", math_abs, HM_BOTH},
  {"sign", math_sign, HM_BOTH},
  {"neg", math_neg, HM_BOTH},
  {"clamp", math_clamp, HM_BOTH},
  {"floor", math_floor, HM_BOTH},
  {"ceil", math_ceil, HM_BOTH},
  {"round", math_round, HM_BOTH},
  {"sigmoid", math_sigmoid, HM_BOTH},
  {"tanh", math_tanh, HM_BOTH},
  {"gt", math_gt, HM_BOTH},
  {"lt", math_lt, HM_BOTH},
  {"ge", math_ge, HM_BOTH},
  {"le", math_le, HM_BOTH},
  {"eq", math_eq, HM_BOTH},
  {"ne", math_ne, HM_BOTH},
  {"maskedFill", math_maskedfill, HM_BOTH},
  {"maskedCopy", math_maskedcopy, HM_BOTH},
  {"maskedSelect", math_maskedselect, HM_BOTH},
  {"indexSelect", math_indexselect, HM_BOTH},
  {"indexCopy", math_indexcopy, HM_BOTH},
  {"indexFill", math_indexfill, HM_BOTH},
  {"gather", math_gather, HM_BOTH},
  {"scatter", math_scatter, HM_BOTH},
  {NULL, NULL, 0}
};

void hm_open_math (lua_State *L, int F, int M) {
  hm_register(L, F, M, math_funcs);
}
