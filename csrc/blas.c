/*
** blas.c: matrix and vector products on OpenBLAS (dot, mv, mm, ger, addmv, addmm, addr,
** bmm, baddbmm), BLAS thread control, and two benchmark helpers.
**
** Strategy: BLAS reads a matrix through a pointer, a leading dimension and a transpose flag,
** so any 2D operand whose rows or whose columns are unit-stride is used in place: a row-major
** block (narrowed or not) is NoTrans with ld = stride[0], a column-major one (a t() view) is
** the row-major transpose, Trans with ld = stride[1]. Only an operand with neither stride 1
** (or with stride 0 from expand) is copied to a contiguous temporary. The result is written
** in place the same way: a column-major result C is computed as C^T = B^T A^T. Only a result
** with neither stride 1 goes through a temporary that is copied back. BLAS never sees a zero
** dimension (it rejects ld = 0 and prints to stderr), and the k = 0 case of addmm/addmv is
** just r = beta * M. A result that shares storage with a factor gets a clone of the factor,
** as Torch7 does, since BLAS forbids C aliasing A or B.
**
** Kernels (top half) take BLAS-ready operands and never raise; bindings (bottom half) parse
** Torch7's optional arguments, check types and shapes, make operands BLAS-ready, then call.
*/
#include <limits.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "tensor.h"
#include "gemm.h"

/* OpenBLAS's thread control; cblas.h of OpenBLAS declares them too, netlib's does not. */
void openblas_set_num_threads (int num_threads);
int openblas_get_num_threads (void);

/* ===================================================================== kernels */

/* How BLAS sees one 2D operand: `trans` says the row-major matrix stored at data (ld apart)
** is the transpose of the tensor. */
typedef struct BMat {
  void *data;
  int trans;
  int ld;
} BMat;

/* Describe a 2D tensor (sizes rows x cols, strides s0, s1) for row-major BLAS; strides of
** dimensions of size 1 do not matter. Returns 0 when BLAS cannot read it in place. */
static int blas_mat (const Tensor *m, BMat *b) {
  int64_t r = m->size[0], c = m->size[1], s0 = m->stride[0], s1 = m->stride[1], ld;
  if ((c == 1 || s1 == 1) && (r == 1 || s0 >= c)) {
    b->trans = 0;
    ld = (r == 1) ? c : s0;
  } else if ((r == 1 || s0 == 1) && (c == 1 || s1 >= r)) {
    b->trans = 1;
    ld = (c == 1) ? r : s1;
  } else {
    return 0;
  }
  if (ld < 1) ld = 1;
  if (ld > INT_MAX) return 0;
  b->ld = (int)ld;
  b->data = Tensor_data(m);
  return 1;
}

/* The increment BLAS uses for a 1D tensor; 0 when it must be copied (stride 0, too large). */
static int blas_inc (const Tensor *v) {
  if (v->size[0] <= 1) return 1;
  if (v->stride[0] < 1 || v->stride[0] > INT_MAX) return 0;
  return (int)v->stride[0];
}

/* t = beta * t over any strides; beta = 0 stores zeros so that NaN in garbage never leaks. */
static void Tensor_scale (const Tensor *t, double beta) {
  int64_t idx[HM_MAXDIM] = {0}, n = Tensor_nelement(t), i, off = 0, run, st;
  int d, nd = t->ndim;
  if (beta == 1 || n == 0) return;
  run = t->size[nd - 1];                /* walk the innermost dimension as one run */
  st = t->stride[nd - 1];
  if (Tensor_iscontiguous(t)) { run = n; st = 1; }
  for (i = 0; i < n; i += run) {
    int64_t k;
    if (t->type == HM_FLOAT) {
      float *p = (float *)Tensor_data(t) + off, f = (float)beta;
      if (beta == 0) for (k = 0; k < run; k++) p[k * st] = 0.0f;
      else for (k = 0; k < run; k++) p[k * st] *= f;
    } else {
      double *p = (double *)Tensor_data(t) + off;
      if (beta == 0) for (k = 0; k < run; k++) p[k * st] = 0.0;
      else for (k = 0; k < run; k++) p[k * st] *= beta;
    }
    for (d = nd - 2; d >= 0; d--) {       /* next run, row-major */
      off += t->stride[d];
      if (++idx[d] < t->size[d]) break;
      off -= t->stride[d] * t->size[d];
      idx[d] = 0;
    }
  }
}

static CBLAS_TRANSPOSE optrans (int trans) { return trans ? CblasTrans : CblasNoTrans; }

/*
** r = beta * r + alpha * m1 * m2, with r (n x p), m1 (n x k), m2 (k x p), float or double.
** Every operand must pass blas_mat (the binding makes sure). With beta = 0 the old contents
** of r are never read.
*/
static void Tensor_gemm (Tensor *r, double beta, double alpha, const Tensor *m1, const Tensor *m2) {
  int64_t n = m1->size[0], k = m1->size[1], p = m2->size[1];
  BMat A, B, C;
  const BMat *X, *Y;
  CBLAS_TRANSPOSE tx, ty;
  int rows, cols;
  if (n == 0 || p == 0) return;
  if (k == 0) { Tensor_scale(r, beta); return; }
  blas_mat(m1, &A);
  blas_mat(m2, &B);
  blas_mat(r, &C);
  if (!C.trans) {            /* C = op(A) op(B), row-major */
    X = &A; Y = &B; tx = optrans(A.trans); ty = optrans(B.trans);
    rows = (int)n; cols = (int)p;
  } else {                   /* C^T = op(B)^T op(A)^T, C^T row-major with ld C.ld */
    X = &B; Y = &A; tx = optrans(!B.trans); ty = optrans(!A.trans);
    rows = (int)p; cols = (int)n;
  }
  if (r->type == HM_FLOAT)
    hm_sgemm(tx == CblasTrans, ty == CblasTrans, rows, cols, (int)k, (float)alpha, X->data,
             X->ld, Y->data, Y->ld, (float)beta, C.data, C.ld);
  else
    cblas_dgemm(CblasRowMajor, tx, ty, rows, cols, (int)k, alpha, X->data, X->ld,
                Y->data, Y->ld, beta, C.data, C.ld);
}

/*
** r = beta * r + alpha * mat * vec, with r (n), mat (n x m), vec (m). mat passes blas_mat,
** r and vec pass blas_inc.
*/
static void Tensor_gemv (Tensor *r, double beta, double alpha, const Tensor *mat, const Tensor *vec) {
  int64_t n = mat->size[0], m = mat->size[1];
  int incx = blas_inc(vec), incy = blas_inc(r);
  BMat A;
  if (n == 0) return;
  if (m == 0 || beta == 0) Tensor_scale(r, beta);   /* zero first: gemv may scale garbage */
  if (m == 0) return;
  blas_mat(mat, &A);
  if (r->type == HM_FLOAT) {
    if (!A.trans)
      cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)m, (float)alpha, A.data, A.ld,
                  Tensor_data(vec), incx, (float)beta, Tensor_data(r), incy);
    else
      cblas_sgemv(CblasRowMajor, CblasTrans, (int)m, (int)n, (float)alpha, A.data, A.ld,
                  Tensor_data(vec), incx, (float)beta, Tensor_data(r), incy);
  } else {
    if (!A.trans)
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)m, alpha, A.data, A.ld,
                  Tensor_data(vec), incx, beta, Tensor_data(r), incy);
    else
      cblas_dgemv(CblasRowMajor, CblasTrans, (int)m, (int)n, alpha, A.data, A.ld,
                  Tensor_data(vec), incx, beta, Tensor_data(r), incy);
  }
}

/*
** r = beta * r + alpha * x y^T, with r (n x m), x (n), y (m); r passes blas_mat, x and y
** pass blas_inc.
*/
static void Tensor_ger (Tensor *r, double beta, double alpha, const Tensor *x, const Tensor *y) {
  int64_t n = x->size[0], m = y->size[0];
  BMat C;
  const Tensor *u = x, *v = y;
  int rows = (int)n, cols = (int)m;
  Tensor_scale(r, beta);
  if (n == 0 || m == 0 || alpha == 0) return;
  blas_mat(r, &C);
  if (C.trans) { u = y; v = x; rows = (int)m; cols = (int)n; }   /* r^T += alpha y x^T */
  if (r->type == HM_FLOAT)
    cblas_sger(CblasRowMajor, rows, cols, (float)alpha, Tensor_data(u), blas_inc(u),
               Tensor_data(v), blas_inc(v), C.data, C.ld);
  else
    cblas_dger(CblasRowMajor, rows, cols, alpha, Tensor_data(u), blas_inc(u),
               Tensor_data(v), blas_inc(v), C.data, C.ld);
}

/* x . y for 1D tensors passing blas_inc, or contiguous tensors of any shape (n elements). */
static double Tensor_dot (const Tensor *x, const Tensor *y, int64_t n) {
  int incx = x->ndim == 1 ? blas_inc(x) : 1, incy = y->ndim == 1 ? blas_inc(y) : 1;
  if (n == 0) return 0;
  if (x->type == HM_FLOAT)
    return cblas_sdot((int)n, Tensor_data(x), incx, Tensor_data(y), incy);
  return cblas_ddot((int)n, Tensor_data(x), incx, Tensor_data(y), incy);
}

/* The 2D slice i of a 3D tensor, as a header on the C stack. */
static Tensor slice3 (const Tensor *t, int64_t i) {
  Tensor s = *t;
  s.offset = t->offset + i * t->stride[0];
  s.ndim = 2;
  s.size[0] = t->size[1]; s.size[1] = t->size[2];
  s.stride[0] = t->stride[1]; s.stride[1] = t->stride[2];
  return s;
}

/* r[i] = beta * r[i] + alpha * b1[i] * b2[i] for each i of the batch; slices as in Tensor_gemm. */
static void Tensor_bgemm (Tensor *r, double beta, double alpha, const Tensor *b1, const Tensor *b2) {
  int64_t i;
  for (i = 0; i < b1->size[0]; i++) {
    Tensor rs = slice3(r, i), s1 = slice3(b1, i), s2 = slice3(b2, i);
    Tensor_gemm(&rs, beta, alpha, &s1, &s2);
  }
}

/* ===================================================================== bindings */

/* Can BLAS use this 2D (or batch of 2D, for 3D) tensor in place? */
static int blasready (const Tensor *t) {
  BMat b;
  if (t->ndim == 1) return blas_inc(t) != 0;
  if (t->ndim == 3) {
    Tensor s = slice3(t, 0);
    return blas_mat(&s, &b);
  }
  return blas_mat(t, &b);
}

static int sameview (const Tensor *a, const Tensor *b) {
  return a->storage == b->storage && a->offset == b->offset && Tensor_samesize(a, b) &&
         memcmp(a->stride, b->stride, sizeof(int64_t) * (size_t)a->ndim) == 0;
}

/* Replace the tensor at idx by a contiguous clone of it. */
static Tensor *replaceclone (lua_State *L, int idx) {
  Tensor *t = hm_checktensor(L, idx);
  Tensor *c = hm_newtensorlike(L, t, t->type);
  Tensor_copy(c, t);
  lua_replace(L, idx);
  return c;
}

/* Make the factor at idx safe to read while the result r is written, and BLAS-ready. */
static Tensor *prepfactor (lua_State *L, int idx, const Tensor *r) {
  Tensor *t = hm_checktensor(L, idx);
  if (t->storage == r->storage || !blasready(t)) return replaceclone(L, idx);
  return t;
}

/* Resize the result at idx unless it already has that shape: a same-shaped view keeps its
** strides (Torch7's resize does the same), so results can be written into narrowed blocks. */
static Tensor *resizeresult (lua_State *L, int idx, int ndim, const int64_t *size) {
  Tensor *t = hm_checktensor(L, idx);
  if (t->ndim == ndim && memcmp(t->size, size, sizeof(int64_t) * (size_t)ndim) == 0) return t;
  return hm_resize(L, idx, ndim, size);
}

static void checkdims (lua_State *L, int idx, const Tensor *t, int ndim) {
  if (t->ndim != ndim)
    luaL_argerror(L, idx, lua_pushfstring(L, "%dD tensor expected, got %dD", ndim, t->ndim));
}

static void checkblassize (lua_State *L, int idx, const Tensor *t) {
  int d;
  for (d = 0; d < t->ndim; d++)
    if (t->size[d] > INT_MAX) luaL_argerror(L, idx, "tensor too large for BLAS (a size above 2^31-1)");
}

/* Arguments of the add* family after parsing: stack indices (0 = absent) and scalars. */
typedef struct AddArgs {
  int res, M, m1, m2;
  double beta, alpha;
} AddArgs;

/*
** Torch7's argument rules for addmm, addmv, addr and baddbmm:
**   function form  hm.addmm([res,] [beta,] M, [alpha,] m1, m2)
**   method form    res:addmm([beta,] [M,] [alpha,] m1, m2)   (M defaults to res)
** In the method form a single number before m1, m2 with no M is alpha (nn's
** gradWeight:addmm(scale, gradOutput:t(), input)), and two numbers are beta and alpha.
*/
static void parseadd (lua_State *L, const char *name, const char *usage, AddArgs *a) {
  int top = lua_gettop(L), i, nt = 0, nn = 0, pos = 1;
  int method = !hm_isfunctionform(L);
  for (i = 1; i <= top; i++) {
    if (hm_testtensor(L, i)) nt++;
    else if (lua_type(L, i) == LUA_TNUMBER) nn++;
    else luaL_typeerror(L, i, "number or tensor");
  }
  a->res = a->M = 0;
  a->beta = a->alpha = 1;
  if (method || nt == 4) {
    if (!hm_testtensor(L, 1)) goto bad;
    a->res = 1; pos = 2; nt--;
  }
  if (nt != 3 && !(nt == 2 && method)) goto bad;
  if (pos <= top && lua_type(L, pos) == LUA_TNUMBER && (nt == 3 || nn == 2)) {
    a->beta = lua_tonumber(L, pos++);
  }
  if (nt == 3) {
    if (pos > top || !hm_testtensor(L, pos)) goto bad;
    a->M = pos++;
  } else {
    a->M = a->res;
  }
  if (pos <= top && lua_type(L, pos) == LUA_TNUMBER) a->alpha = lua_tonumber(L, pos++);
  if (pos + 1 != top || !hm_testtensor(L, pos) || !hm_testtensor(L, pos + 1)) goto bad;
  a->m1 = pos;
  a->m2 = pos + 1;
  return;
bad:
  luaL_error(L, "wrong arguments to '%s' (expected %s)", name, usage);
}

/* Check types: m1 is float or double and every other tensor has its type. */
static int checktypes (lua_State *L, const AddArgs *a) {
  Tensor *m1 = hm_checktensor(L, a->m1);
  hm_checkfloating(L, a->m1, m1);
  hm_checktensortype(L, a->m2, m1->type);
  if (a->M) hm_checktensortype(L, a->M, m1->type);
  if (a->res) hm_checktensortype(L, a->res, m1->type);
  return m1->type;
}

/* Push the result tensor (res, or a fresh one) with the given shape; returns its index. */
static int pushresult (lua_State *L, const AddArgs *a, int type, int ndim, const int64_t *size) {
  if (a->res) {
    resizeresult(L, a->res, ndim, size);
    lua_pushvalue(L, a->res);
  } else {
    hm_newtensor(L, type, ndim, size);
  }
  return lua_gettop(L);
}

/*
** The shared tail of the add* family: with result r at ridx (already shaped), factors at
** a->m1, a->m2 and the added tensor at a->M, compute r = beta M + alpha m1 m2 with `kernel`.
** A result BLAS cannot write in place goes through a contiguous temporary.
*/
typedef void (*ProductFn) (Tensor *r, double beta, double alpha, const Tensor *x, const Tensor *y);

static int finishadd (lua_State *L, AddArgs *a, int ridx, ProductFn kernel) {
  Tensor *r = hm_checktensor(L, ridx), *x, *y, *target = r;
  Tensor *M = a->M ? hm_checktensor(L, a->M) : NULL;
  double beta = a->beta;
  if (M == NULL) beta = 0;
  x = prepfactor(L, a->m1, r);
  y = prepfactor(L, a->m2, r);
  if (M != NULL && beta != 0 && !sameview(M, r) && M->storage == r->storage)
    M = replaceclone(L, a->M);                  /* an overlapping view of the result */
  /* a result BLAS cannot write in place, or a batch whose slices overlap (stride 0) */
  if (!blasready(r) || (r->ndim == 3 && r->size[0] > 1 && r->stride[0] == 0))
    target = hm_newtensorlike(L, r, r->type);
  if (beta != 0 && M != NULL && !sameview(M, target)) Tensor_copy(target, M);
  kernel(target, beta, a->alpha, x, y);
  if (target != r) Tensor_copy(r, target);
  lua_pushvalue(L, ridx);
  return 1;
}

/* A stack header with the given 2D shape, for size-mismatch messages. */
static Tensor shape2 (int64_t a, int64_t b) {
  Tensor t;
  memset(&t, 0, sizeof t);
  t.ndim = 2; t.size[0] = a; t.size[1] = b;
  return t;
}

/*
** addmm: [res] = beta * M + alpha * m1 * m2; M (n x p), m1 (n x k), m2 (k x p).
** Function form hm.addmm([res,] [beta,] M, [alpha,] m1, m2); method form
** res:addmm([beta,] [M,] [alpha,] m1, m2) with M = res by default (in place).
** Errors: wrong argument pattern, types differ, not 2D, size mismatch.
*/
static int blas_addmm (lua_State *L) {
  AddArgs a;
  Tensor *M, *m1, *m2;
  int type, ridx;
  parseadd(L, "addmm", "[res,] [beta,] M, [alpha,] m1, m2", &a);
  type = checktypes(L, &a);
  M = hm_checktensor(L, a.M); m1 = hm_checktensor(L, a.m1); m2 = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, m1, 2);
  checkdims(L, a.m2, m2, 2);
  checkdims(L, a.M, M, 2);
  if (m1->size[1] != m2->size[0]) hm_sizeerror(L, a.m2, "m1", m1, "m2", m2);
  if (M->size[0] != m1->size[0] || M->size[1] != m2->size[1]) {
    Tensor prod = shape2(m1->size[0], m2->size[1]);
    hm_sizeerror(L, a.M, "M", M, "m1*m2", &prod);
  }
  checkblassize(L, a.m1, m1);
  checkblassize(L, a.m2, m2);
  ridx = pushresult(L, &a, type, 2, M->size);
  return finishadd(L, &a, ridx, Tensor_gemm);
}

/*
** addmv: [res] = beta * v + alpha * mat * vec; v (n), mat (n x m), vec (m).
** Argument forms as addmm. Errors: types, dims (v and vec 1D, mat 2D), size mismatch.
*/
static int blas_addmv (lua_State *L) {
  AddArgs a;
  Tensor *M, *mat, *vec;
  int type, ridx;
  parseadd(L, "addmv", "[res,] [beta,] v, [alpha,] mat, vec", &a);
  type = checktypes(L, &a);
  M = hm_checktensor(L, a.M); mat = hm_checktensor(L, a.m1); vec = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, mat, 2);
  checkdims(L, a.m2, vec, 1);
  checkdims(L, a.M, M, 1);
  if (mat->size[1] != vec->size[0]) hm_sizeerror(L, a.m2, "mat", mat, "vec", vec);
  if (M->size[0] != mat->size[0]) hm_sizeerror(L, a.M, "v", M, "mat", mat);
  checkblassize(L, a.m1, mat);
  ridx = pushresult(L, &a, type, 1, M->size);
  return finishadd(L, &a, ridx, Tensor_gemv);
}

/*
** addr: [res] = beta * M + alpha * vec1 vec2^T; M (n x m), vec1 (n), vec2 (m).
** Argument forms as addmm. Errors: types, dims, size mismatch.
*/
static int blas_addr (lua_State *L) {
  AddArgs a;
  Tensor *M, *x, *y;
  int type, ridx;
  parseadd(L, "addr", "[res,] [beta,] M, [alpha,] vec1, vec2", &a);
  type = checktypes(L, &a);
  M = hm_checktensor(L, a.M); x = hm_checktensor(L, a.m1); y = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, x, 1);
  checkdims(L, a.m2, y, 1);
  checkdims(L, a.M, M, 2);
  if (M->size[0] != x->size[0] || M->size[1] != y->size[0]) {
    Tensor outer = shape2(x->size[0], y->size[0]);
    hm_sizeerror(L, a.M, "M", M, "vec1*vec2", &outer);
  }
  checkblassize(L, a.m1, x);
  checkblassize(L, a.m2, y);
  ridx = pushresult(L, &a, type, 2, M->size);
  /* ger adds into r, so beta must act even when M is absent (beta = 0 clears r) */
  return finishadd(L, &a, ridx, Tensor_ger);
}

/*
** baddbmm: [res] = beta * M + alpha * b1 @ b2 per batch; M (B x n x p), b1 (B x n x k),
** b2 (B x k x p). Argument forms as addmm. Errors: types, dims (3D), size mismatch.
*/
static int blas_baddbmm (lua_State *L) {
  AddArgs a;
  Tensor *M, *b1, *b2;
  int type, ridx;
  parseadd(L, "baddbmm", "[res,] [beta,] M, [alpha,] batch1, batch2", &a);
  type = checktypes(L, &a);
  M = hm_checktensor(L, a.M); b1 = hm_checktensor(L, a.m1); b2 = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, b1, 3);
  checkdims(L, a.m2, b2, 3);
  checkdims(L, a.M, M, 3);
  if (b1->size[0] != b2->size[0] || b1->size[2] != b2->size[1])
    hm_sizeerror(L, a.m2, "batch1", b1, "batch2", b2);
  if (M->size[0] != b1->size[0] || M->size[1] != b1->size[1] || M->size[2] != b2->size[2]) {
    Tensor prod = *b1;
    prod.size[2] = b2->size[2];
    hm_sizeerror(L, a.M, "M", M, "batch1*batch2", &prod);
  }
  checkblassize(L, a.m1, b1);
  checkblassize(L, a.m2, b2);
  ridx = pushresult(L, &a, type, 3, M->size);
  return finishadd(L, &a, ridx, Tensor_bgemm);
}

/* Products without an added term: hm.mm(a, b), hm.mm(res, a, b), res:mm(a, b), a:mm(b). */
static void parseproduct (lua_State *L, const char *name, const char *usage, AddArgs *a) {
  int top = lua_gettop(L), i;
  for (i = 1; i <= top; i++) hm_checktensor(L, i);
  if (top != 2 && top != 3) luaL_error(L, "wrong arguments to '%s' (expected %s)", name, usage);
  a->res = (top == 3) ? 1 : 0;
  a->M = 0;
  a->m1 = top - 1;
  a->m2 = top;
  a->beta = 0;
  a->alpha = 1;
}

/*
** mm: [res] = m1 * m2; m1 (n x k), m2 (k x p). hm.mm([res,] m1, m2) or res:mm(m1, m2);
** m1:mm(m2) returns a new tensor. Errors: types, not 2D, size mismatch.
*/
static int blas_mm (lua_State *L) {
  AddArgs a;
  Tensor *m1, *m2;
  int64_t size[2];
  int type, ridx;
  parseproduct(L, "mm", "[res,] m1, m2", &a);
  type = checktypes(L, &a);
  m1 = hm_checktensor(L, a.m1); m2 = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, m1, 2);
  checkdims(L, a.m2, m2, 2);
  if (m1->size[1] != m2->size[0]) hm_sizeerror(L, a.m2, "m1", m1, "m2", m2);
  checkblassize(L, a.m1, m1);
  checkblassize(L, a.m2, m2);
  size[0] = m1->size[0]; size[1] = m2->size[1];
  ridx = pushresult(L, &a, type, 2, size);
  return finishadd(L, &a, ridx, Tensor_gemm);
}

/*
** mv: [res] = mat * vec; mat (n x m), vec (m). hm.mv([res,] mat, vec) or res:mv(mat, vec).
** Errors: types, dims, size mismatch.
*/
static int blas_mv (lua_State *L) {
  AddArgs a;
  Tensor *mat, *vec;
  int type, ridx;
  parseproduct(L, "mv", "[res,] mat, vec", &a);
  type = checktypes(L, &a);
  mat = hm_checktensor(L, a.m1); vec = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, mat, 2);
  checkdims(L, a.m2, vec, 1);
  if (mat->size[1] != vec->size[0]) hm_sizeerror(L, a.m2, "mat", mat, "vec", vec);
  checkblassize(L, a.m1, mat);
  ridx = pushresult(L, &a, type, 1, mat->size);
  return finishadd(L, &a, ridx, Tensor_gemv);
}

/*
** ger: [res] = vec1 vec2^T; vec1 (n), vec2 (m). hm.ger([res,] vec1, vec2) or res:ger(vec1, vec2).
** Errors: types, dims.
*/
static int blas_ger (lua_State *L) {
  AddArgs a;
  Tensor *x, *y;
  int64_t size[2];
  int type, ridx;
  parseproduct(L, "ger", "[res,] vec1, vec2", &a);
  type = checktypes(L, &a);
  x = hm_checktensor(L, a.m1); y = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, x, 1);
  checkdims(L, a.m2, y, 1);
  checkblassize(L, a.m1, x);
  checkblassize(L, a.m2, y);
  size[0] = x->size[0]; size[1] = y->size[0];
  ridx = pushresult(L, &a, type, 2, size);
  return finishadd(L, &a, ridx, Tensor_ger);
}

/*
** bmm: [res] = b1 @ b2 per batch; b1 (B x n x k), b2 (B x k x p) -> (B x n x p).
** hm.bmm([res,] b1, b2) or res:bmm(b1, b2). Errors: types, not 3D, size mismatch.
*/
static int blas_bmm (lua_State *L) {
  AddArgs a;
  Tensor *b1, *b2;
  int64_t size[3];
  int type, ridx;
  parseproduct(L, "bmm", "[res,] batch1, batch2", &a);
  type = checktypes(L, &a);
  b1 = hm_checktensor(L, a.m1); b2 = hm_checktensor(L, a.m2);
  checkdims(L, a.m1, b1, 3);
  checkdims(L, a.m2, b2, 3);
  if (b1->size[0] != b2->size[0] || b1->size[2] != b2->size[1])
    hm_sizeerror(L, a.m2, "batch1", b1, "batch2", b2);
  checkblassize(L, a.m1, b1);
  checkblassize(L, a.m2, b2);
  size[0] = b1->size[0]; size[1] = b1->size[1]; size[2] = b2->size[2];
  ridx = pushresult(L, &a, type, 3, size);
  return finishadd(L, &a, ridx, Tensor_bgemm);
}

/*
** dot: x:dot(y) or hm.dot(x, y) -> number, the sum of x[i] * y[i] over all elements in
** row-major order. Errors: types differ or not floating, element counts differ.
*/
static int blas_dot (lua_State *L) {
  Tensor *x = hm_checktensor(L, 1), *y;
  int64_t n;
  hm_checkfloating(L, 1, x);
  y = hm_checktensortype(L, 2, x->type);
  n = Tensor_nelement(x);
  if (n != Tensor_nelement(y)) hm_sizeerror(L, 2, "x", x, "y", y);
  if (n > INT_MAX) luaL_argerror(L, 1, "tensor too large for BLAS (more than 2^31-1 elements)");
  if (!(x->ndim == 1 ? blas_inc(x) : Tensor_iscontiguous(x))) x = hm_pushcontiguous(L, 1);
  if (!(y->ndim == 1 ? blas_inc(y) : Tensor_iscontiguous(y))) y = hm_pushcontiguous(L, 2);
  lua_pushnumber(L, Tensor_dot(x, y, n));
  return 1;
}

/* hm.setblasthreads(n): number of threads OpenBLAS uses (1..256). */
static int blas_setblasthreads (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 1 && n <= 256, 1, "number of threads must be in 1..256");
  openblas_set_num_threads((int)n);
  return 0;
}

/* hm.getblasthreads() -> number of threads OpenBLAS uses. */
static int blas_getblasthreads (lua_State *L) {
  lua_pushinteger(L, openblas_get_num_threads());
  return 1;
}

/*
** hm.setgemm(name) -> name in effect: which float matrix product addmm, mm, bmm, nn and the
** RBMs use: "harmonium" (our AVX-512 kernel, gemm.c; the default where the CPU has AVX-512)
** or "openblas". Asking for "harmonium" on a CPU without AVX-512 gives "openblas".
** hm.getgemm() -> the name in effect. HARMONIUM_GEMM=openblas in the environment sets the
** default.
*/
static int blas_setgemm (lua_State *L) {
  static const char *const names[] = {"openblas", "harmonium", NULL};
  int want = luaL_checkoption(L, 1, NULL, names);
  lua_pushstring(L, names[hm_sgemm_select(want)]);
  return 1;
}

static int blas_getgemm (lua_State *L) {
  lua_pushstring(L, hm_sgemm_native() ? "harmonium" : "openblas");
  return 1;
}

static double now_seconds (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void checkcontig (lua_State *L, int idx, const Tensor *t) {
  if (!Tensor_iscontiguous(t)) luaL_argerror(L, idx, "contiguous tensor expected");
}

/*
** hm._rawsgemm(c, a, b, iters) -> seconds: cblas_sgemm c = a * b, iters times, with nothing
** in between; the reference the benchmarks compare hm.mm against. All contiguous float 2D.
*/
static int blas_rawsgemm (lua_State *L) {
  Tensor *c = hm_checktensortype(L, 1, HM_FLOAT), *a = hm_checktensortype(L, 2, HM_FLOAT);
  Tensor *b = hm_checktensortype(L, 3, HM_FLOAT);
  lua_Integer iters = luaL_checkinteger(L, 4), i;
  double t0;
  checkdims(L, 1, c, 2); checkdims(L, 2, a, 2); checkdims(L, 3, b, 2);
  checkcontig(L, 1, c); checkcontig(L, 2, a); checkcontig(L, 3, b);
  if (a->size[1] != b->size[0]) hm_sizeerror(L, 3, "a", a, "b", b);
  if (c->size[0] != a->size[0] || c->size[1] != b->size[1]) hm_sizeerror(L, 1, "c", c, "a", a);
  checkblassize(L, 2, a); checkblassize(L, 3, b);
  luaL_argcheck(L, iters >= 0, 4, "iteration count must be non-negative");
  t0 = now_seconds();
  if (Tensor_nelement(a) > 0 && Tensor_nelement(b) > 0) {
    int n = (int)a->size[0], k = (int)a->size[1], p = (int)b->size[1];
    for (i = 0; i < iters; i++)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, p, k, 1.0f, Tensor_data(a), k,
                  Tensor_data(b), p, 0.0f, Tensor_data(c), p);
  }
  lua_pushnumber(L, now_seconds() - t0);
  return 1;
}

/* hm._memcpybench(dst, src, iters) -> seconds: memcpy of src's bytes into dst, iters times. */
static int blas_memcpybench (lua_State *L) {
  Tensor *dst = hm_checktensor(L, 1), *src = hm_checktensor(L, 2);
  lua_Integer iters = luaL_checkinteger(L, 3), i;
  size_t nbytes = (size_t)Tensor_nelement(src) * hm_elsize(src->type);
  double t0;
  checkcontig(L, 1, dst); checkcontig(L, 2, src);
  if ((size_t)Tensor_nelement(dst) * hm_elsize(dst->type) < nbytes)
    hm_sizeerror(L, 1, "dst", dst, "src", src);
  luaL_argcheck(L, iters >= 0, 3, "iteration count must be non-negative");
  t0 = now_seconds();
  for (i = 0; i < iters && nbytes > 0; i++) {
    memcpy(Tensor_data(dst), Tensor_data(src), nbytes);
    __asm__ __volatile__("" : : "r"(Tensor_data(dst)) : "memory");   /* keep every copy */
  }
  lua_pushnumber(L, now_seconds() - t0);
  return 1;
}

static const hm_Reg blas_funcs[] = {
  {"dot", blas_dot, HM_BOTH},
  {"mv", blas_mv, HM_BOTH},
  {"mm", blas_mm, HM_BOTH},
  {"ger", blas_ger, HM_BOTH},
  {"bmm", blas_bmm, HM_BOTH},
  {"addmv", blas_addmv, HM_BOTH},
  {"addmm", blas_addmm, HM_BOTH},
  {"addr", blas_addr, HM_BOTH},
  {"baddbmm", blas_baddbmm, HM_BOTH},
  {"setblasthreads", blas_setblasthreads, HM_FUNCTION},
  {"getblasthreads", blas_getblasthreads, HM_FUNCTION},
  {"setgemm", blas_setgemm, HM_FUNCTION},
  {"getgemm", blas_getgemm, HM_FUNCTION},
  {"_rawsgemm", blas_rawsgemm, HM_FUNCTION},
  {"_memcpybench", blas_memcpybench, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_blas (lua_State *L, int F, int M) {
  hm_register(L, F, M, blas_funcs);
}
