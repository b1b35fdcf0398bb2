/*
** lapack.c: dense linear algebra on OpenBLAS's LAPACK: symmetric eigenproblems (symeig), SVD
** (svd), linear systems (gesv, solve), inverse, Cholesky (potrf/cholesky, potrs, potri).
**
** Strategy: LAPACK works on column-major matrices and overwrites its inputs, so every routine
** first copies its operands into column-major scratch (a strided Tensor_copy into a header
** with strides (1, ld)), runs LAPACK there, and copies the answers out into row-major result
** tensors the same way; the O(n^2) copies are small next to the O(n^3) factorizations, and
** the caller's tensors are never touched except the results. Scratch and workspace blocks are
** Lua userdata pushed before LAPACK runs (workspace sizes come from an lwork = -1 query), so an
** error raised afterwards (singular matrix, no convergence) leaks nothing. Zero-sized matrices
** never reach LAPACK. OpenBLAS exports the Fortran symbols only (no LAPACKE), so their
** prototypes are declared here, with gfortran's hidden string-length arguments at the end.
*/
#include <limits.h>
#include <string.h>

#include "tensor.h"

/* ---- Fortran LAPACK (LP64: Fortran INTEGER is C int) ---- */
typedef size_t flen;   /* gfortran's hidden CHARACTER length argument */
void ssyevd_ (const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
              float *work, const int *lwork, int *iwork, const int *liwork, int *info, flen, flen);
void dsyevd_ (const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
              double *work, const int *lwork, int *iwork, const int *liwork, int *info, flen, flen);
void sgesdd_ (const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
              float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
              int *iwork, int *info, flen);
void dgesdd_ (const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
              double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
              int *iwork, int *info, flen);
void sgesv_ (const int *n, const int *nrhs, float *a, const int *lda, int *ipiv, float *b,
             const int *ldb, int *info);
void dgesv_ (const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
             const int *ldb, int *info);
void sgetrf_ (const int *m, const int *n, float *a, const int *lda, int *ipiv, int *info);
void dgetrf_ (const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void sgetri_ (const int *n, float *a, const int *lda, const int *ipiv, float *work, const int *lwork,
              int *info);
void dgetri_ (const int *n, double *a, const int *lda, const int *ipiv, double *work,
              const int *lwork, int *info);
void spotrf_ (const char *uplo, const int *n, float *a, const int *lda, int *info, flen);
void dpotrf_ (const char *uplo, const int *n, double *a, const int *lda, int *info, flen);
void spotrs_ (const char *uplo, const int *n, const int *nrhs, const float *a, const int *lda,
              float *b, const int *ldb, int *info, flen);
void dpotrs_ (const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
              double *b, const int *ldb, int *info, flen);
void spotri_ (const char *uplo, const int *n, float *a, const int *lda, int *info, flen);
void dpotri_ (const char *uplo, const int *n, double *a, const int *lda, int *info, flen);

/* ===================================================================== kernels */

/* A column-major matrix (rows x cols, columns ld apart) over a plain buffer, as a tensor
** header that Tensor_copy can read and write. Keep it where it was made (t points to st). */
typedef struct ColMat {
  Storage st;
  Tensor t;
} ColMat;

static Tensor *colmat (ColMat *c, int type, void *buf, int64_t rows, int64_t cols, int64_t ld) {
  memset(c, 0, sizeof *c);
  c->st.data = (char *)buf;
  c->st.nbytes = (size_t)(ld * cols) * hm_elsize(type);
  c->t.storage = &c->st;
  c->t.type = type;
  c->t.ndim = 2;
  c->t.size[0] = rows; c->t.size[1] = cols;
  c->t.stride[0] = 1; c->t.stride[1] = ld;
  return &c->t;
}

/* Type-dispatching calls; each returns LAPACK's info. */
static int xsyevd (int type, char jobz, char uplo, int n, void *a, void *w, void *work, int lwork,
                   int *iwork, int liwork) {
  int info = 0, lda = n > 1 ? n : 1;
  if (type == HM_FLOAT) ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  else dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  return info;
}

static int xgesdd (int type, char jobz, int m, int n, void *a, void *s, void *u, int ldu, void *vt,
                   int ldvt, void *work, int lwork, int *iwork) {
  int info = 0, lda = m > 1 ? m : 1;
  if (type == HM_FLOAT)
    sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
  else
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
  return info;
}

static int xgesv (int type, int n, int nrhs, void *a, int *ipiv, void *b) {
  int info = 0, ld = n > 1 ? n : 1;
  if (type == HM_FLOAT) sgesv_(&n, &nrhs, a, &ld, ipiv, b, &ld, &info);
  else dgesv_(&n, &nrhs, a, &ld, ipiv, b, &ld, &info);
  return info;
}

static int xgetrf (int type, int n, void *a, int *ipiv) {
  int info = 0, ld = n > 1 ? n : 1;
  if (type == HM_FLOAT) sgetrf_(&n, &n, a, &ld, ipiv, &info);
  else dgetrf_(&n, &n, a, &ld, ipiv, &info);
  return info;
}

static int xgetri (int type, int n, void *a, const int *ipiv, void *work, int lwork) {
  int info = 0, ld = n > 1 ? n : 1;
  if (type == HM_FLOAT) sgetri_(&n, a, &ld, ipiv, work, &lwork, &info);
  else dgetri_(&n, a, &ld, ipiv, work, &lwork, &info);
  return info;
}

static int xpotrf (int type, char uplo, int n, void *a) {
  int info = 0, ld = n > 1 ? n : 1;
  if (type == HM_FLOAT) spotrf_(&uplo, &n, a, &ld, &info, 1);
  else dpotrf_(&uplo, &n, a, &ld, &info, 1);
  return info;
}

static int xpotrs (int type, char uplo, int n, int nrhs, const void *a, void *b) {
  int info = 0, ld = n > 1 ? n : 1;
  if (type == HM_FLOAT) spotrs_(&uplo, &n, &nrhs, a, &ld, b, &ld, &info, 1);
  else dpotrs_(&uplo, &n, &nrhs, a, &ld, b, &ld, &info, 1);
  return info;
}

static int xpotri (int type, char uplo, int n, void *a) {
  int info = 0, ld = n > 1 ? n : 1;
  if (type == HM_FLOAT) spotri_(&uplo, &n, a, &ld, &info, 1);
  else dpotri_(&uplo, &n, a, &ld, &info, 1);
  return info;
}

/* Element (i, j) of a column-major n x n buffer, read or written as double. */
static double colget (int type, const void *a, int64_t n, int64_t i, int64_t j) {
  return type == HM_FLOAT ? ((const float *)a)[i + j * n] : ((const double *)a)[i + j * n];
}

static void colset (int type, void *a, int64_t n, int64_t i, int64_t j, double v) {
  if (type == HM_FLOAT) ((float *)a)[i + j * n] = (float)v;
  else ((double *)a)[i + j * n] = v;
}

/* Zero the triangle of a column-major n x n matrix that LAPACK left untouched: below the
** diagonal when `upper` holds the answer, above it otherwise. */
static void cleartriangle (int type, void *a, int64_t n, int upper) {
  int64_t i, j;
  for (j = 0; j < n; j++)
    for (i = 0; i < n; i++)
      if (upper ? i > j : i < j) colset(type, a, n, i, j, 0);
}

/* Mirror the stored triangle of a symmetric column-major matrix into the other one. */
static void symmetrize (int type, void *a, int64_t n, int upper) {
  int64_t i, j;
  for (j = 0; j < n; j++)
    for (i = j + 1; i < n; i++) {
      if (upper) colset(type, a, n, i, j, colget(type, a, n, j, i));
      else colset(type, a, n, j, i, colget(type, a, n, i, j));
    }
}

/* Write the identity into a 2D tensor (any strides). */
static void Tensor_eye (Tensor *t) {
  int64_t r = t->size[0], c = t->size[1], i, j;
  for (i = 0; i < r; i++)
    for (j = 0; j < c; j++) Tensor_set(t, i * c + j, i == j);
}

/* Does a column-major rows x cols buffer hold a NaN in the part LAPACK reads (tri: 0 all,
** 1 upper triangle, 2 lower)? Eigen and singular value solvers return garbage on NaN, and
** gesdd rejects it as an "illegal value". */
static int hasnan (int type, const void *a, int64_t rows, int64_t cols, int tri) {
  int64_t i, j;
  for (j = 0; j < cols; j++)
    for (i = 0; i < rows; i++) {
      if ((tri == 1 && i > j) || (tri == 2 && i < j)) continue;
      if (colget(type, a, rows, i, j) != colget(type, a, rows, i, j)) return 1;
    }
  return 0;
}

/* ===================================================================== bindings */

/* A scratch block of n elements of `type`, as a userdata pushed on the stack. */
static void *scratch (lua_State *L, int64_t n, int type) {
  double nb = (double)n * (double)hm_elsize(type);
  if (n < 0 || nb > 1e15) luaL_error(L, "LAPACK workspace of %f bytes is too large", nb);
  return lua_newuserdatauv(L, (size_t)n * hm_elsize(type), 0);
}

static int *iscratch (lua_State *L, int64_t n) {
  if (n < 0 || (double)n * sizeof(int) > 1e15) luaL_error(L, "LAPACK workspace too large");
  return (int *)lua_newuserdatauv(L, (size_t)n * sizeof(int), 0);
}

/* The workspace size a LAPACK query reported in work[0], rounded up (float loses digits). */
static int worksize (lua_State *L, int type, const void *work0, const char *name) {
  double w = type == HM_FLOAT ? *(const float *)work0 : *(const double *)work0;
  w = w * (1 + 1e-6) + 1;
  if (!(w < INT_MAX)) luaL_error(L, "%s: matrix too large for LAPACK's workspace", name);
  return (int)w;
}

/* Count the leading tensor arguments (results come first, as in Torch7). */
static int leadingtensors (lua_State *L) {
  int n = 0;
  while (hm_testtensor(L, n + 1)) n++;
  return n;
}

/*
** Find where results and inputs are: with nin inputs and up to nres optional results before
** them, return the index of the first input and set res[] (0 = absent). Results, if given,
** must all be given.
*/
static int parseresults (lua_State *L, const char *name, const char *usage, int nin, int nres,
                         int *res) {
  int nt = leadingtensors(L), i;
  if (nt != nin && nt != nin + nres) {
    if (nt < nin) hm_checktensor(L, nt + 1);     /* "tensor expected, got ..." */
    luaL_error(L, "wrong arguments to '%s' (expected %s)", name, usage);
  }
  for (i = 0; i < nres; i++) res[i] = (nt == nin + nres) ? i + 1 : 0;
  return nt - nin + 1;
}

static Tensor *checkmatrix (lua_State *L, int idx, int type) {
  Tensor *t = type < 0 ? hm_checktensor(L, idx) : hm_checktensortype(L, idx, type);
  if (type < 0) hm_checkfloating(L, idx, t);
  if (t->ndim != 2)
    luaL_argerror(L, idx, lua_pushfstring(L, "2D tensor expected, got %dD", t->ndim));
  return t;
}

static void checksquare (lua_State *L, int idx, const Tensor *t) {
  if (t->size[0] != t->size[1]) {
    char s[HM_SHAPEBUF];
    Tensor_shapestr(t, s, sizeof s);
    luaL_argerror(L, idx, lua_pushfstring(L, "square matrix expected, got %s", s));
  }
}

/* LAPACK indexes with int and sizes its workspaces in int: keep n^2-sized work in range. */
static void checklapacksize (lua_State *L, int idx, int64_t big, int64_t small) {
  if ((double)small * (double)small * 5 + (double)big * 8 + 64 > INT_MAX ||
      (double)big > INT_MAX / 8)
    luaL_argerror(L, idx, "matrix too large for LAPACK");
}

static int checkchar (lua_State *L, int idx, const char *def, const char *const opts[]) {
  return luaL_checkoption(L, idx, def, opts) % 2;
}

/* Push the result tensor: res (resized unless it already has the shape) or a new one. */
static Tensor *pushresult (lua_State *L, int res, int type, int ndim, int64_t a, int64_t b) {
  int64_t size[2];
  size[0] = a; size[1] = b;
  if (res) {
    Tensor *t = hm_checktensortype(L, res, type);
    if (!(t->ndim == ndim && t->size[0] == a && (ndim == 1 || t->size[1] == b)))
      t = hm_resize(L, res, ndim, size);
    lua_pushvalue(L, res);
    return t;
  }
  return hm_newtensor(L, type, ndim, size);
}

/* Copy an input matrix into new column-major scratch (pushed) and return the buffer. */
static void *colcopy (lua_State *L, const Tensor *t, int64_t rows, int64_t cols) {
  ColMat c;
  void *buf = scratch(L, rows * cols, t->type);
  if (rows * cols > 0) Tensor_copy(colmat(&c, t->type, buf, rows, cols, rows), t);
  return buf;
}

/* Copy a column-major buffer (rows x cols, ld apart) into the tensor r of the same shape. */
static void colout (Tensor *r, const void *buf, int64_t rows, int64_t cols, int64_t ld) {
  ColMat c;
  if (rows * cols > 0) Tensor_copy(r, colmat(&c, r->type, (void *)buf, rows, cols, ld));
}

static void lapackfail (lua_State *L, const char *name, int info) {
  luaL_error(L, "%s: LAPACK reported an illegal value in argument %d", name, -info);
}

/*
** symeig([rese, resv,] A [, 'N'|'V'] [, 'U'|'L']) -> e[, V]
** Eigenvalues e (n, ascending) of the symmetric n x n matrix A, read from its upper ('U',
** default) or lower triangle; with 'V' also the eigenvectors as the columns of V, so that
** A = V diag(e) V^T. 'N' (Torch7's default) returns e only. Errors: not 2D, not square,
** types differ, no convergence.
*/
static int lapack_symeig (lua_State *L) {
  static const char *const jobs[] = { "N", "V", "n", "v", NULL };
  static const char *const uplos[] = { "U", "L", "u", "l", NULL };
  int res[2], ai, wantv, upper, type, n, lwork = 0, liwork = 0, info, qi = 0;
  char job, uplo;
  Tensor *A, *e, *V = NULL;
  void *a = NULL, *w = NULL, *work = NULL;
  int *iwork = NULL;
  double wq[2];
  ai = parseresults(L, "symeig", "[rese, resv,] A [, 'N' or 'V'] [, 'U' or 'L']", 1, 2, res);
  A = checkmatrix(L, ai, -1);
  type = A->type;
  wantv = checkchar(L, ai + 1, "N", jobs);
  upper = !checkchar(L, ai + 2, "U", uplos);
  checksquare(L, ai, A);
  checklapacksize(L, ai, A->size[0], A->size[0]);
  if (res[0]) { hm_checktensortype(L, res[0], type); hm_checktensortype(L, res[1], type); }
  n = (int)A->size[0];
  job = wantv ? 'V' : 'N';
  uplo = upper ? 'U' : 'L';
  luaL_checkstack(L, 8, NULL);
  if (n > 0) {                      /* inputs go to scratch before results are touched */
    a = colcopy(L, A, n, n);
    if (hasnan(type, a, n, n, upper ? 1 : 2)) luaL_error(L, "symeig: the matrix contains NaN");
    w = scratch(L, n, type);
    info = xsyevd(type, job, uplo, n, a, w, wq, -1, &qi, -1);
    if (info < 0) lapackfail(L, "symeig", info);
    lwork = worksize(L, type, wq, "symeig");
    liwork = qi > 1 ? qi : 1;
    work = scratch(L, lwork, type);
    iwork = iscratch(L, liwork);
  }
  e = pushresult(L, res[0], type, 1, n, 0);
  if (wantv) V = pushresult(L, res[1], type, 2, n, n);
  if (n > 0) {
    info = xsyevd(type, job, uplo, n, a, w, work, lwork, iwork, liwork);
    if (info < 0) lapackfail(L, "symeig", info);
    if (info > 0) luaL_error(L, "symeig: the algorithm failed to converge (%d eigenvalues)", info);
    colout(e, w, n, 1, n);
    if (wantv) colout(V, a, n, n, n);
  }
  return wantv ? 2 : 1;
}

/*
** svd([resu, ress, resv,] A [, 'S'|'A']) -> U, S, V with A = U diag(S) V^T (V, not V^T, as
** Torch7). A is m x n, k = min(m, n); S holds k singular values, descending. 'S' (default):
** U is m x k and V is n x k; 'A': U is m x m and V is n x n. Uses divide and conquer (gesdd).
** Errors: not 2D, types differ, no convergence.
*/
static int lapack_svd (lua_State *L) {
  static const char *const jobs[] = { "S", "A", "s", "a", NULL };
  int res[3], ai, all, type, m, n, k, ucols, vrows, ldu, ldvt, lwork = 0, info, i;
  char job;
  Tensor *A, *U, *S, *V;
  void *a = NULL, *s = NULL, *u = NULL, *vt = NULL, *work = NULL;
  int *iwork = NULL;
  double wq[2];
  ai = parseresults(L, "svd", "[resu, ress, resv,] A [, 'S' or 'A']", 1, 3, res);
  A = checkmatrix(L, ai, -1);
  type = A->type;
  all = checkchar(L, ai + 1, "S", jobs);
  for (i = 0; i < 3; i++) if (res[i]) hm_checktensortype(L, res[i], type);
  m = A->size[0] > INT_MAX ? INT_MAX : (int)A->size[0];
  n = A->size[1] > INT_MAX ? INT_MAX : (int)A->size[1];
  k = m < n ? m : n;
  checklapacksize(L, ai, m > n ? m : n, all ? (m > n ? m : n) : k);
  ucols = all ? m : k;
  vrows = all ? n : k;
  ldu = m;
  ldvt = vrows;
  job = all ? 'A' : 'S';
  luaL_checkstack(L, 10, NULL);
  if (k > 0) {
    a = colcopy(L, A, m, n);
    if (hasnan(type, a, m, n, 0)) luaL_error(L, "svd: the matrix contains NaN");
    s = scratch(L, k, type);
    u = scratch(L, (int64_t)ldu * ucols, type);
    vt = scratch(L, (int64_t)ldvt * n, type);
    iwork = iscratch(L, 8 * (int64_t)k);
    info = xgesdd(type, job, m, n, a, s, u, ldu, vt, ldvt, wq, -1, iwork);
    if (info < 0) lapackfail(L, "svd", info);
    lwork = worksize(L, type, wq, "svd");
    work = scratch(L, lwork, type);
  }
  U = pushresult(L, res[0], type, 2, m, ucols);
  S = pushresult(L, res[1], type, 1, k, 0);
  V = pushresult(L, res[2], type, 2, n, vrows);
  if (k == 0) {                          /* no singular values: U and V are identities */
    if (all) { Tensor_eye(U); Tensor_eye(V); }
    return 3;
  }
  info = xgesdd(type, job, m, n, a, s, u, ldu, vt, ldvt, work, lwork, iwork);
  if (info < 0) lapackfail(L, "svd", info);
  if (info > 0) luaL_error(L, "svd: the algorithm failed to converge");
  colout(U, u, m, ucols, ldu);
  colout(S, s, k, 1, k);
  {                                       /* V(j, i) = VT(i, j): VT read row-major */
    ColMat c;
    Tensor *vtt = colmat(&c, type, vt, n, vrows, ldvt);
    vtt->stride[0] = ldvt; vtt->stride[1] = 1;
    Tensor_copy(V, vtt);
  }
  return 3;
}

/* B (n x k, or n) as a column-major header over buf, for copying in and out. */
static Tensor *rhsview (ColMat *c, int type, void *buf, const Tensor *B, int n, int nrhs) {
  Tensor *t = colmat(c, type, buf, n, nrhs, n);
  if (B->ndim == 1) t->ndim = 1;
  return t;
}

/* Check the right-hand side B (1D or 2D, n rows) against the square matrix at mi. */
static void checkrhs (lua_State *L, int bi, const Tensor *B, int mi, const Tensor *A, const char *aname) {
  if (B->ndim != 1 && B->ndim != 2)
    luaL_argerror(L, bi, lua_pushfstring(L, "1D or 2D tensor expected, got %dD", B->ndim));
  checksquare(L, mi, A);
  if (B->size[0] != A->size[0]) hm_sizeerror(L, bi, "B", B, aname, A);
  checklapacksize(L, mi, A->size[0], A->size[0]);
  if (B->ndim == 2 && B->size[1] > INT_MAX / 2) luaL_argerror(L, bi, "matrix too large for LAPACK");
}

/* Shared by gesv and solve: solve A X = B for B at bi and A at ai; pushes X (shaped like B)
** and, when wantlu, the LU factors. res[0], res[1] are optional results for X and LU. */
static int dosolve (lua_State *L, const char *name, int bi, int ai, const int *res, int wantlu) {
  Tensor *A = checkmatrix(L, ai, -1), *B, *X, *LU = NULL, *bt = NULL;
  int type = A->type, n, nrhs, info;
  void *a = NULL, *b = NULL;
  int *ipiv = NULL;
  ColMat cm;
  B = hm_checktensortype(L, bi, type);
  checkrhs(L, bi, B, ai, A, "A");
  if (res[0]) hm_checktensortype(L, res[0], type);
  if (res[1]) hm_checktensortype(L, res[1], type);
  n = (int)A->size[0];
  nrhs = B->ndim == 2 ? (int)B->size[1] : 1;
  luaL_checkstack(L, 8, NULL);
  if (n > 0) {                      /* inputs go to scratch first: results may alias them */
    a = colcopy(L, A, n, n);
    b = scratch(L, (int64_t)n * nrhs, type);
    bt = rhsview(&cm, type, b, B, n, nrhs);
    if (nrhs > 0) Tensor_copy(bt, B);
    ipiv = iscratch(L, n);
  }
  X = pushresult(L, res[0], type, B->ndim, n, nrhs);
  if (wantlu) LU = pushresult(L, res[1], type, 2, n, n);
  if (n == 0) return wantlu ? 2 : 1;
  info = xgesv(type, n, nrhs, a, ipiv, b);
  if (info < 0) lapackfail(L, name, info);
  if (info > 0) luaL_error(L, "%s: matrix is singular (U(%d,%d) is zero)", name, info, info);
  if (nrhs > 0) Tensor_copy(X, bt);
  if (wantlu) colout(LU, a, n, n, n);
  return wantlu ? 2 : 1;
}

/*
** gesv([resb, resa,] B, A) -> X, LU (Torch7 order): solves A X = B for square A (n x n) and
** B (n x k, or n for one right-hand side); LU holds the factors of A = P L U (unit L below the
** diagonal, U on and above it). Errors: types, dims, not square, size mismatch, singular.
*/
static int lapack_gesv (lua_State *L) {
  int res[2], bi = parseresults(L, "gesv", "[resb, resa,] B, A", 2, 2, res);
  return dosolve(L, "gesv", bi, bi + 1, res, 1);
}

/*
** solve([res,] A, B) -> X with A X = B: gesv with the arguments in reading order and only X
** returned. Errors as gesv.
*/
static int lapack_solve (lua_State *L) {
  int res[2], ai = parseresults(L, "solve", "[res,] A, B", 2, 1, res);
  res[1] = 0;
  return dosolve(L, "solve", ai + 1, ai, res, 0);
}

/*
** inverse([res,] A) -> the inverse of the square matrix A (LU factorization, getrf + getri).
** Errors: not 2D, not square, types differ, singular ("inverse: matrix is singular (U(3,3)
** is zero)").
*/
static int lapack_inverse (lua_State *L) {
  int res[1], ai, type, n, info, lwork = 0;
  Tensor *A, *R;
  void *a = NULL, *work = NULL;
  int *ipiv = NULL;
  double wq[2];
  ai = parseresults(L, "inverse", "[res,] A", 1, 1, res);
  A = checkmatrix(L, ai, -1);
  type = A->type;
  checksquare(L, ai, A);
  checklapacksize(L, ai, A->size[0], A->size[0]);
  if (res[0]) hm_checktensortype(L, res[0], type);
  n = (int)A->size[0];
  luaL_checkstack(L, 8, NULL);
  if (n > 0) {
    a = colcopy(L, A, n, n);
    ipiv = iscratch(L, n);
    info = xgetri(type, n, a, ipiv, wq, -1);        /* workspace query only */
    if (info < 0) lapackfail(L, "inverse", info);
    lwork = worksize(L, type, wq, "inverse");
    work = scratch(L, lwork, type);
  }
  R = pushresult(L, res[0], type, 2, n, n);
  if (n == 0) return 1;
  info = xgetrf(type, n, a, ipiv);
  if (info < 0) lapackfail(L, "inverse", info);
  if (info > 0) luaL_error(L, "inverse: matrix is singular (U(%d,%d) is zero)", info, info);
  info = xgetri(type, n, a, ipiv, work, lwork);
  if (info < 0) lapackfail(L, "inverse", info);
  if (info > 0) luaL_error(L, "inverse: matrix is singular (U(%d,%d) is zero)", info, info);
  colout(R, a, n, n, n);
  return 1;
}

static const char *const uplo_opts[] = { "U", "L", "u", "l", NULL };

/*
** potrf([res,] A [, 'U'|'L']) -> the Cholesky factor of the symmetric positive definite A:
** upper U with A = U^T U ('U', Torch7's default) or lower L with A = L L^T ('L'); the other
** triangle is zero. Only that triangle of A is read. cholesky is the same function.
** Errors: not 2D, not square, types differ, not positive definite.
*/
static int lapack_potrf (lua_State *L) {
  int res[1], ai, type, n, info, upper;
  Tensor *A, *R;
  void *a = NULL;
  ai = parseresults(L, "potrf", "[res,] A [, 'U' or 'L']", 1, 1, res);
  A = checkmatrix(L, ai, -1);
  type = A->type;
  upper = !checkchar(L, ai + 1, "U", uplo_opts);
  checksquare(L, ai, A);
  checklapacksize(L, ai, A->size[0], A->size[0]);
  if (res[0]) hm_checktensortype(L, res[0], type);
  n = (int)A->size[0];
  luaL_checkstack(L, 4, NULL);
  if (n > 0) a = colcopy(L, A, n, n);
  R = pushresult(L, res[0], type, 2, n, n);
  if (n == 0) return 1;
  info = xpotrf(type, upper ? 'U' : 'L', n, a);
  if (info < 0) lapackfail(L, "potrf", info);
  if (info > 0)
    luaL_error(L, "potrf: matrix is not positive definite (the leading minor of order %d is not "
               "positive)", info);
  cleartriangle(type, a, n, upper);
  colout(R, a, n, n, n);
  return 1;
}

/*
** potrs([res,] B, chol [, 'U'|'L']) -> X with A X = B, where chol is A's Cholesky factor from
** potrf with the same 'U'/'L'. B is n x k or n. Errors: types, dims, not square, sizes.
*/
static int lapack_potrs (lua_State *L) {
  int res[1], bi, type, n, nrhs, info, upper;
  Tensor *B, *C, *X, *bt = NULL;
  void *c = NULL, *b = NULL;
  ColMat cm;
  bi = parseresults(L, "potrs", "[res,] B, chol [, 'U' or 'L']", 2, 1, res);
  C = checkmatrix(L, bi + 1, -1);
  type = C->type;
  B = hm_checktensortype(L, bi, type);
  upper = !checkchar(L, bi + 2, "U", uplo_opts);
  checkrhs(L, bi, B, bi + 1, C, "chol");
  if (res[0]) hm_checktensortype(L, res[0], type);
  n = (int)C->size[0];
  nrhs = B->ndim == 2 ? (int)B->size[1] : 1;
  luaL_checkstack(L, 4, NULL);
  if (n > 0 && nrhs > 0) {
    c = colcopy(L, C, n, n);
    b = scratch(L, (int64_t)n * nrhs, type);
    bt = rhsview(&cm, type, b, B, n, nrhs);
    Tensor_copy(bt, B);
  }
  X = pushresult(L, res[0], type, B->ndim, n, nrhs);
  if (bt == NULL) return 1;
  info = xpotrs(type, upper ? 'U' : 'L', n, nrhs, c, b);
  if (info < 0) lapackfail(L, "potrs", info);
  Tensor_copy(X, bt);
  return 1;
}

/*
** potri([res,] chol [, 'U'|'L']) -> the inverse of A (full symmetric matrix) from A's
** Cholesky factor chol (potrf with the same 'U'/'L'). Errors: types, dims, not square,
** singular factor.
*/
static int lapack_potri (lua_State *L) {
  int res[1], ci, type, n, info, upper;
  Tensor *C, *R;
  void *c = NULL;
  ci = parseresults(L, "potri", "[res,] chol [, 'U' or 'L']", 1, 1, res);
  C = checkmatrix(L, ci, -1);
  type = C->type;
  upper = !checkchar(L, ci + 1, "U", uplo_opts);
  checksquare(L, ci, C);
  checklapacksize(L, ci, C->size[0], C->size[0]);
  if (res[0]) hm_checktensortype(L, res[0], type);
  n = (int)C->size[0];
  luaL_checkstack(L, 4, NULL);
  if (n > 0) c = colcopy(L, C, n, n);
  R = pushresult(L, res[0], type, 2, n, n);
  if (n == 0) return 1;
  info = xpotri(type, upper ? 'U' : 'L', n, c);
  if (info < 0) lapackfail(L, "potri", info);
  if (info > 0) luaL_error(L, "potri: matrix is singular (chol(%d,%d) is zero)", info, info);
  symmetrize(type, c, n, upper);
  colout(R, c, n, n, n);
  return 1;
}

static const hm_Reg lapack_funcs[] = {
  {"symeig", lapack_symeig, HM_BOTH},
  {"svd", lapack_svd, HM_BOTH},
  {"gesv", lapack_gesv, HM_BOTH},
  {"solve", lapack_solve, HM_BOTH},
  {"inverse", lapack_inverse, HM_BOTH},
  {"potrf", lapack_potrf, HM_BOTH},
  {"cholesky", lapack_potrf, HM_BOTH},
  {"potrs", lapack_potrs, HM_BOTH},
  {"potri", lapack_potri, HM_BOTH},
  {NULL, NULL, 0}
};

void hm_open_lapack (lua_State *L, int F, int M) {
  hm_register(L, F, M, lapack_funcs);
}
