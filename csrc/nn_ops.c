/*
** nn_ops.c: fused kernels for the hot loops of hm.nn's layers (THNN's role in Torch7): the
** Sigmoid and Tanh backward passes, Linear's bias and bias gradient, (Log)SoftMax forward and
** backward, ClassNLL's loss and gradient. The Lua modules call them through hm._nn.
**
** Strategy: each of these was two to five tensor ops chained in Lua (a pass over memory and
** a binding call each, plus temporaries: an expanded max, a ones vector for a gemv), which
** on a minibatch MLP cost more than the arithmetic. Here each is one pass per row (or per
** element) in C, with no temporary in the steady state. Kernels (nn_ops_generic.h, one copy
** per float type) see contiguous arrays; a binding hands them a non-contiguous operand
** through hm_pushcontiguous, and a non-contiguous result is computed into a temporary and
** copied back, as tensor_math.c does. ClassNLL reads its B picked elements through strides
** and needs no copy. Work is split over the pool (by elements, rows or column blocks) only
** past a grain: waking a sleeping worker costs ~10-20 us on these machines (gemm.c found the
** same), more than a whole 100 x 500 layer's worth of these passes. A split matching
** gemm.c's panels (each core re-reading the columns it had just written) was tried for the
** activations: faster in one A/B of the MLP step at 2 threads, slower (in CPU time) in
** another, as its 100 short runs per share cost prefetching what they save in cross-core
** traffic; not worth coupling this file to gemm.c's split.
*/
#include <math.h>
#include <string.h>

#include "tensor.h"
#include "vecmath.h"

/* Hot kernels get AVX-512 and AVX2+FMA (x86-64-v3, for vecmath.h's fmaf) copies picked at
** load time (GCC ifunc), as in tensor_math.c; helpers they call must be inlined into each
** copy to be vectorised. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HM_HOT __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define HM_HOT
#endif
#if defined(__GNUC__)
#define HM_INLINE inline __attribute__((always_inline))
#else
#define HM_INLINE inline
#endif

#define LANES 16            /* independent partial sums per row (one AVX-512 float vector) */
#define COLBLK 256          /* columns per block of the bias gradient's column sums */
#define EXPBLK 256          /* exponentials per block of a row's sum of exp */
#define GRAIN_CHEAP 131072  /* elements of a one-multiply pass below which one thread runs */
#define GRAIN_EXP 32768     /* elements of an exp-per-element pass below which one thread runs */

/* One call: result y, operands a and b, rows x n elements, scalar p. */
typedef struct NnCtx {
  void *y;
  const void *a, *b;
  int64_t rows, n;
  double p;
} NnCtx;

#define real float
#define R(name) name##_float
#define R_EXP hm_expf
#define R_LOG logf
#include "nn_ops_generic.h"
#undef real
#undef R
#undef R_EXP
#undef R_LOG

#define real double
#define R(name) name##_double
#define R_EXP exp
#define R_LOG log
#include "nn_ops_generic.h"
#undef real
#undef R
#undef R_EXP
#undef R_LOG

/* ===================================================================== binding helpers */

/* A float or double tensor argument. */
static Tensor *checkfloattensor (lua_State *L, int arg) {
  Tensor *t = hm_checktensor(L, arg);
  hm_checkfloating(L, arg, t);
  return t;
}

/* Rows and row length of t seen as a matrix over its last dimension (a 1D t is one row). */
static void rowshape (const Tensor *t, int64_t *rows, int64_t *n) {
  *n = t->ndim > 0 ? t->size[t->ndim - 1] : 0;
  *rows = *n > 0 ? Tensor_nelement(t) / *n : 0;
}

/*
** The result argument at arg (res's type checked against `type`), resized like `like`
** unless it has that shape already. Returns the tensor the kernel writes: res itself when
** contiguous, else a pushed contiguous temporary (*tmp set) to copy back with finish().
*/
static Tensor *prepresult (lua_State *L, int arg, int type, const Tensor *like, int *tmp) {
  Tensor *r = hm_checktensortype(L, arg, type);
  if (!Tensor_samesize(r, like)) r = hm_resizeas(L, arg, like);
  *tmp = !Tensor_iscontiguous(r);
  if (*tmp) return hm_newtensorlike(L, r, type);
  return r;
}

static void finish (lua_State *L, int arg, Tensor *w, int tmp) {
  if (tmp) Tensor_copy(hm_checktensor(L, arg), w);
  lua_settop(L, arg);
}

/* Run a float/double kernel pair over n units (elements or rows) with a grain in units. */
static void run (int type, hm_RangeFn ff, hm_RangeFn fd, int64_t units, int64_t grain,
                 NnCtx *c) {
  hm_parallel_for(units, grain < 1 ? 1 : grain, type == HM_FLOAT ? ff : fd, c);
}

/*
** The shared body of the (result, gradOutput, output) backward passes: gradInput at 1 is
** resized like the output at 3, gradOutput at 2 has the output's element count. rowwise
** kernels run over rows of the last dimension, the others over elements.
*/
static int backward3 (lua_State *L, hm_RangeFn ff, hm_RangeFn fd, int rowwise, int64_t grain) {
  Tensor *y = checkfloattensor(L, 3), *g, *gi;
  int tmp;
  NnCtx c;
  hm_checktensortype(L, 1, y->type);
  g = hm_checktensortype(L, 2, y->type);
  if (Tensor_nelement(g) != Tensor_nelement(y)) hm_sizeerror(L, 2, "gradOutput", g, "output", y);
  if (rowwise && Tensor_nelement(y) > 0 && g->size[g->ndim - 1] != y->size[y->ndim - 1])
    hm_sizeerror(L, 2, "gradOutput", g, "output", y);
  lua_settop(L, 3);
  g = hm_pushcontiguous(L, 2);                 /* index 4 */
  y = hm_pushcontiguous(L, 3);                 /* index 5 */
  gi = prepresult(L, 1, y->type, y, &tmp);
  c.y = Tensor_data(gi);
  c.a = Tensor_data(g);
  c.b = Tensor_data(y);
  rowshape(y, &c.rows, &c.n);
  c.p = 0;
  if (Tensor_nelement(y) > 0) {
    if (rowwise) run(y->type, ff, fd, c.rows, grain / (c.n > 0 ? c.n : 1), &c);
    else run(y->type, ff, fd, Tensor_nelement(y), grain, &c);
  }
  finish(L, 1, gi, tmp);
  return 1;
}

/* ===================================================================== bindings */

/*
** hm._nn.sigmoidGrad(gradInput, gradOutput, output) -> gradInput = gradOutput * output *
** (1 - output), gradInput resized like output (any shape; gradOutput has as many elements).
** Errors: types differ or not float/double, element counts differ.
*/
static int nn_sigmoidgrad (lua_State *L) {
  return backward3(L, sigmoidgrad_float, sigmoidgrad_double, 0, GRAIN_CHEAP);
}

/* hm._nn.tanhGrad(gradInput, gradOutput, output) -> gradOutput * (1 - output^2), as sigmoidGrad */
static int nn_tanhgrad (lua_State *L) {
  return backward3(L, tanhgrad_float, tanhgrad_double, 0, GRAIN_CHEAP);
}

/*
** hm._nn.logSoftMaxGrad(gradInput, gradOutput, output) -> gradOutput - exp(output) *
** sum(gradOutput) along the last dimension (output of logSoftMax, 1D or a batch of rows).
** Errors: types, gradOutput's shape differs from output's.
*/
static int nn_logsoftmaxgrad (lua_State *L) {
  return backward3(L, logsoftmaxgrad_float, logsoftmaxgrad_double, 1, GRAIN_EXP);
}

/* hm._nn.softMaxGrad(gradInput, gradOutput, output) -> output * (gradOutput -
** sum(gradOutput * output)) along the last dimension; as logSoftMaxGrad */
static int nn_softmaxgrad (lua_State *L) {
  return backward3(L, softmaxgrad_float, softmaxgrad_double, 1, GRAIN_CHEAP);
}

/* The shared body of logSoftMax and softMax: (output, input) over rows of the last dimension. */
static int rowforward (lua_State *L, hm_RangeFn ff, hm_RangeFn fd) {
  Tensor *x = checkfloattensor(L, 2), *y;
  int tmp;
  NnCtx c;
  hm_checktensortype(L, 1, x->type);
  lua_settop(L, 2);
  x = hm_pushcontiguous(L, 2);                 /* index 3 */
  y = prepresult(L, 1, x->type, x, &tmp);
  c.y = Tensor_data(y);
  c.a = Tensor_data(x);
  c.b = NULL;
  c.p = 0;
  rowshape(x, &c.rows, &c.n);
  if (c.rows > 0) run(x->type, ff, fd, c.rows, GRAIN_EXP / (c.n > 0 ? c.n : 1), &c);
  finish(L, 1, y, tmp);
  return 1;
}

/*
** hm._nn.logSoftMax(output, input) -> output = input - log(sum(exp(input))) along the last
** dimension (the row maximum is subtracted first, so large inputs do not overflow), output
** resized like input (which it may be). Errors: types.
*/
static int nn_logsoftmax (lua_State *L) { return rowforward(L, logsoftmax_float, logsoftmax_double); }

/* hm._nn.softMax(output, input) -> exp(input - max) / sum(exp(input - max)) along the last
** dimension; as logSoftMax */
static int nn_softmax (lua_State *L) { return rowforward(L, softmax_float, softmax_double); }

/* Check that the bias-like 1D tensor at varg has the length of the last dimension of m. */
static void checkrowvector (lua_State *L, int marg, const Tensor *m, int varg, const Tensor *v,
                            const char *mname, const char *vname) {
  if (m->ndim != 2) luaL_argerror(L, marg, lua_pushfstring(L, "2D tensor expected, got %dD", m->ndim));
  if (v->ndim != 1 || v->size[0] != m->size[1]) hm_sizeerror(L, varg, mname, m, vname, v);
}

/*
** hm._nn.addRows(m, v) -> m, with v (n) added to every row of m (B x n): nn.Linear's bias.
** Errors: types, m not 2D, v not of m's row length.
*/
static int nn_addrows (lua_State *L) {
  Tensor *m = checkfloattensor(L, 1), *v = hm_checktensortype(L, 2, m->type), *w;
  NnCtx c;
  checkrowvector(L, 1, m, 2, v, "matrix", "vector");
  lua_settop(L, 2);
  v = hm_pushcontiguous(L, 2);                 /* index 3 */
  w = Tensor_iscontiguous(m) ? m : hm_pushcontiguous(L, 1);
  c.y = Tensor_data(w);
  c.a = Tensor_data(v);
  c.b = NULL;
  c.rows = m->size[0];
  c.n = m->size[1];
  c.p = 0;
  if (c.rows > 0 && c.n > 0)
    run(m->type, addrows_float, addrows_double, c.rows, GRAIN_CHEAP / c.n, &c);
  if (w != m) Tensor_copy(m, w);
  lua_settop(L, 1);
  return 1;
}

/*
** hm._nn.accRowSum(r, m [, scale=1]) -> r, with scale * the sum of m's rows (m B x n) added
** to r (n): nn.Linear's bias gradient, accumulated as Torch7's accGradParameters does.
** Errors: types, m not 2D, r not of m's row length.
*/
static int nn_accrowsum (lua_State *L) {
  Tensor *r = checkfloattensor(L, 1), *m = hm_checktensortype(L, 2, r->type), *w;
  double scale = luaL_optnumber(L, 3, 1.0);
  NnCtx c;
  checkrowvector(L, 2, m, 1, r, "matrix", "result");
  lua_settop(L, 2);
  m = hm_pushcontiguous(L, 2);                 /* index 3 */
  w = Tensor_iscontiguous(r) ? r : hm_pushcontiguous(L, 1);
  c.y = Tensor_data(w);
  c.a = Tensor_data(m);
  c.b = NULL;
  c.rows = m->size[0];
  c.n = m->size[1];
  c.p = scale;
  /* columns are split in whole blocks, so each sum has one order whatever the threads */
  if (c.n > 0 && scale != 0) {
    int64_t grain = GRAIN_CHEAP / (c.rows > 0 ? c.rows : 1);
    grain = (grain + COLBLK - 1) / COLBLK * COLBLK;
    run(r->type, accrowsum_float, accrowsum_double, c.n, grain, &c);
  }
  if (w != r) Tensor_copy(r, w);
  lua_settop(L, 1);
  return 1;
}

/*
** Checks shared by classNLL and classNLLGrad: x at xarg is 1D (n) or 2D (B x n), float or
** double; the long tensor t at targ has B elements (1 for 1D x); w at warg is nil or a 1D
** tensor of x's type with n elements. Sets rows, n, sx0, sx1 (x's row and column strides).
*/
static void nllshape (lua_State *L, int xarg, const Tensor *x, int targ, const Tensor *t,
                      int warg, const Tensor *w, int64_t *B, int64_t *n, int64_t *sx0,
                      int64_t *sx1) {
  if (x->ndim != 1 && x->ndim != 2)
    luaL_argerror(L, xarg, lua_pushfstring(L, "1D or 2D tensor expected, got %dD", x->ndim));
  *B = x->ndim == 2 ? x->size[0] : 1;
  *n = x->size[x->ndim - 1];
  *sx0 = x->ndim == 2 ? x->stride[0] : 0;
  *sx1 = x->stride[x->ndim - 1];
  /* a 1D target, or any one-element tensor for one sample */
  if (Tensor_nelement(t) != *B || (t->ndim > 1 && *B > 1)) hm_sizeerror(L, targ, "input", x, "target", t);
  if (w != NULL && (w->ndim != 1 || w->size[0] != *n)) hm_sizeerror(L, warg, "input", x, "weights", w);
}

/* The position of the first target outside 1..n, or -1 when all are in range. */
static int64_t badtarget (const int64_t *t, int64_t st, int64_t B, int64_t n) {
  int64_t b;
  for (b = 0; b < B; b++)
    if (t[b * st] < 1 || t[b * st] > n) return b;
  return -1;
}

static const int64_t *longdata (const Tensor *t, int64_t *st) {
  *st = t->ndim == 1 ? t->stride[0] : 1;
  return (const int64_t *)Tensor_data(t);
}

/*
** hm._nn.classNLL(input, target [, weights]) -> loss, totalWeight, or nil and the first bad
** target: loss = -sum_b w[t_b] input[b, t_b], totalWeight = sum_b w[t_b] (B without weights).
** input (B x n) or (n), any strides; target a LongTensor of B elements (1 for 1D input),
** 1-based; weights nil or (n). Errors: types, shapes.
*/
static int nn_classnll (lua_State *L) {
  Tensor *x = checkfloattensor(L, 1), *t = hm_checktensortype(L, 2, HM_LONG), *w = NULL;
  int64_t B, n, sx0, sx1, st = 1, sw = 0, bad;
  const int64_t *tp;
  double loss, total;
  if (!lua_isnoneornil(L, 3)) w = hm_checktensortype(L, 3, x->type);
  nllshape(L, 1, x, 2, t, 3, w, &B, &n, &sx0, &sx1);
  if (w != NULL) sw = w->stride[0];
  tp = B > 0 ? longdata(t, &st) : NULL;
  if (B > 0 && (bad = badtarget(tp, st, B, n)) >= 0) {
    lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)tp[bad * st]);
    return 2;
  }
  if (B == 0) { loss = 0; total = 0; }
  else if (x->type == HM_FLOAT)
    loss = classnll_float((const float *)Tensor_data(x), sx0, sx1, B, tp, st,
                          w ? (const float *)Tensor_data(w) : NULL, sw, &total);
  else
    loss = classnll_double((const double *)Tensor_data(x), sx0, sx1, B, tp, st,
                           w ? (const double *)Tensor_data(w) : NULL, sw, &total);
  lua_pushnumber(L, loss);
  lua_pushnumber(L, total);
  return 2;
}

/*
** hm._nn.classNLLGrad(gradInput, target, weights, norm) -> gradInput: zero except
** gradInput[b, t_b] = norm * w[t_b] (norm without weights); or nil and the first bad target
** (gradInput untouched). gradInput (B x n) or (n) is written through its strides; target as
** in classNLL; weights nil or (n). Errors: types, shapes.
*/
static int nn_classnllgrad (lua_State *L) {
  Tensor *gi = checkfloattensor(L, 1), *t = hm_checktensortype(L, 2, HM_LONG), *w = NULL;
  double norm = luaL_checknumber(L, 4);
  int64_t B, n, s0, s1, st, sw = 0, bad;
  const int64_t *tp;
  if (!lua_isnoneornil(L, 3)) w = hm_checktensortype(L, 3, gi->type);
  nllshape(L, 1, gi, 2, t, 3, w, &B, &n, &s0, &s1);
  if (w != NULL) sw = w->stride[0];
  if (B == 0) { lua_settop(L, 1); return 1; }
  tp = longdata(t, &st);
  if ((bad = badtarget(tp, st, B, n)) >= 0) {
    lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)tp[bad * st]);
    return 2;
  }
  if (gi->type == HM_FLOAT)
    classnllgrad_float((float *)Tensor_data(gi), s0, s1, B, n, tp, st,
                       w ? (const float *)Tensor_data(w) : NULL, sw, norm);
  else
    classnllgrad_double((double *)Tensor_data(gi), s0, s1, B, n, tp, st,
                        w ? (const double *)Tensor_data(w) : NULL, sw, norm);
  lua_settop(L, 1);
  return 1;
}

/*
** hm._nn.transposeInto(dst, src) -> dst, made the transpose of the 2D tensor src: a view of
** src's storage (any type; dst takes src's type), as src:t() would return, but in an
** existing header, so that nn.Linear's products allocate nothing per call. dst keeps src's
** storage alive until it is pointed elsewhere. Errors: src not 2D.
*/
static int nn_transposeinto (lua_State *L) {
  Tensor *dst = hm_checktensor(L, 1), *src = hm_checktensor(L, 2);
  int64_t s;
  if (src->ndim != 2)
    luaL_argerror(L, 2, lua_pushfstring(L, "2D tensor expected, got %dD", src->ndim));
  if (dst != src) {
    *dst = *src;
    lua_getiuservalue(L, 2, 1);           /* the storage userdata */
    lua_setiuservalue(L, 1, 1);
  }
  s = dst->size[0]; dst->size[0] = dst->size[1]; dst->size[1] = s;
  s = dst->stride[0]; dst->stride[0] = dst->stride[1]; dst->stride[1] = s;
  lua_settop(L, 1);
  return 1;
}

/* ===================================================================== registration */

static const luaL_Reg nn_funcs[] = {
  {"sigmoidGrad", nn_sigmoidgrad},
  {"tanhGrad", nn_tanhgrad},
  {"logSoftMax", nn_logsoftmax},
  {"logSoftMaxGrad", nn_logsoftmaxgrad},
  {"softMax", nn_softmax},
  {"softMaxGrad", nn_softmaxgrad},
  {"addRows", nn_addrows},
  {"accRowSum", nn_accrowsum},
  {"classNLL", nn_classnll},
  {"classNLLGrad", nn_classnllgrad},
  {"transposeInto", nn_transposeinto},
  {NULL, NULL}
};

/* Installs the kernels as the table hm._nn (module table at F; M, the method table, unused). */
void hm_open_nn (lua_State *L, int F, int M) {
  (void)M;
  F = lua_absindex(L, F);
  luaL_newlib(L, nn_funcs);
  lua_setfield(L, F, "_nn");
}
