/*
** tensor_reduce.c: reductions over all elements or along one dimension (sum, prod, mean,
** max, min, argmax, argmin, std, var, norm, logsumexp) and cumulative sums and products.
**
** Strategy. Every kernel reads a contiguous input (bindings hand over a non-contiguous one
** through hm_pushcontiguous) and sees a reduction along dimension d as the 3D shape
** (outer, n, inner), where n is the size of d, outer the product of the sizes before it and
** inner the product of those after it. Output element (o, j) reduces x[o][0..n-1][j].
**   - inner == 1: each output reduces one contiguous run, with the same run kernels that
**     reduce all elements (below).
**   - inner > 1: outputs are computed in blocks of BLK neighbouring columns, so every pass
**     over k reads BLK consecutive elements and the inner loop over j vectorises.
** Work is split over threads by output, so each output is computed in a fixed order by one
** thread and results never depend on the thread count.
**
** Reductions over all elements (and over one long row) cut the run into at most MAXBLOCKS
** blocks whose size depends only on the number of elements, reduce the blocks (in parallel
** when large) and combine the partial results in block order: deterministic whatever the
** thread count. Float data are summed in double, and sums are pairwise inside a block, so
** the sum of 10^7 floats is exact to about double precision. Variance takes two passes
** (mean, then squared deviations with a compensating term); logsumexp subtracts the max.
**
** Types: the kernels are written once, as a template (the section under HM_REDUCE_TEMPLATE
** below) that this file includes into itself once per element type (T, with accumulator
** ACC), as TH does with its generic/ files; a debugger steps through it as plain C. No -ffast-math: the run kernels keep 8 independent accumulators, which
** the compiler vectorises without reassociating. Integer sums and products accumulate in
** uint64_t, whose wrap-around is defined, and wrap like the element type when stored.
*/
#ifndef HM_REDUCE_SHARED
#define HM_REDUCE_SHARED

#include <math.h>
#include <string.h>

#include "tensor.h"

/* Operations. OP_DEV and OP_EXPSUM are inner passes of var/std and logsumexp. */
enum {
  OP_SUM, OP_MEAN, OP_PROD, OP_MAX, OP_MIN, OP_VAR, OP_STD, OP_NORM, OP_LSE,
  OP_DEV, OP_EXPSUM, OP_CUMSUM, OP_CUMPROD
};

#define RUNLEAF 4096        /* pairwise summation splits runs longer than this */
#define BLK 256             /* columns per work unit when reducing with inner > 1 */
#define MINBLOCK 65536      /* least elements per block of a long run (one thread's share) */
#define MAXBLOCKS 256       /* most blocks a long run is cut into */

/* A partial or final result: a (floating value), b (second sum of var), u (integer sum or
** product, wrapping), i (0-based index of max/min). */
typedef struct Part {
  double a, b;
  uint64_t u;
  int64_t i;
} Part;

/* One pass over a run cut into blocks. */
typedef struct PassCtx {
  int op;
  const void *x;
  int64_t n, bs;            /* elements, block size */
  double c, p;              /* centre (mean or max), norm order */
  Part *parts;
} PassCtx;

/* A reduction or cumulation along one dimension: input (outer, n, inner), contiguous. */
typedef struct DimCtx {
  int op;
  const void *x;
  void *out;                /* (outer, inner), or (outer, n, inner) when cumulating */
  int64_t *ind;             /* (outer, inner) 1-based indices of max/min, or NULL */
  int64_t outer, n, inner;
  double p;
  int biased;
  int par;                  /* rows may run their blocks in parallel */
} DimCtx;

/* Block size for a run of n elements: depends on n only, so results do not depend on the
** thread count; a multiple of 8 so blocks start on whole vectors. */
static int64_t blocksize (int64_t n) {
  int64_t bs = (n + MAXBLOCKS - 1) / MAXBLOCKS;
  if (bs < MINBLOCK) bs = MINBLOCK;
  return (bs + 7) & ~(int64_t)7;
}

static int64_t min64 (int64_t a, int64_t b) { return a < b ? a : b; }

#define FN(name) FN_(name, TNAME)
#define FN_(name, s) FN__(name, s)
#define FN__(name, s) name##_##s

#endif  /* HM_REDUCE_SHARED */


#ifdef HM_REDUCE_TEMPLATE
/* ===================================================================== kernels, per type
** Included once per element type with T (element), ACC (sum/product accumulator), TNAME
** (name suffix), TFLOAT (1 for float and double) and ISNAN(v) defined. */

/* ------------------------------------------------------------- contiguous runs */

/* Sum of x[0..n): 8 lanes at the leaves, pairwise above RUNLEAF. */
static ACC FN(sum_run) (const T *x, int64_t n) {
  if (n > RUNLEAF) {
    int64_t h = (n / 2) & ~(int64_t)7;
    return FN(sum_run)(x, h) + FN(sum_run)(x + h, n - h);
  } else {
    ACC a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i, m = n & ~(int64_t)7;
    int j;
    for (i = 0; i < m; i += 8)
      for (j = 0; j < 8; j++) a[j] += (ACC)x[i + j];
    for (; i < n; i++) a[0] += (ACC)x[i];
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  }
}

/* Product of x[0..n), 8 lanes. */
static ACC FN(prod_run) (const T *x, int64_t n) {
  ACC a[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  int64_t i, m = n & ~(int64_t)7;
  int j;
  for (i = 0; i < m; i += 8)
    for (j = 0; j < 8; j++) a[j] *= (ACC)x[i + j];
  for (; i < n; i++) a[0] *= (ACC)x[i];
  return ((a[0] * a[1]) * (a[2] * a[3])) * ((a[4] * a[5]) * (a[6] * a[7]));
}

/* Index of the first NaN of x[0..n), or -1. */
static int64_t FN(firstnan) (const T *x, int64_t n) {
  int64_t i;
  for (i = 0; i < n; i++)
    if (ISNAN(x[i])) return i;
  return -1;
}

/* Index of the first largest (sign > 0) or smallest (sign < 0) element of x[0..n), n >= 1;
** a NaN counts as larger and smaller than everything, so the first NaN wins. Two passes: the
** extreme value with 8 lanes (vectorises), then the first index holding it. */
static int64_t FN(argext_run) (const T *x, int64_t n, int sign) {
  T m[8], best;
  int bad[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i, len = n & ~(int64_t)7;
  int j, anynan = 0;
  best = x[0];
  if (len > 0) {
    for (j = 0; j < 8; j++) m[j] = x[j];
    if (sign > 0) {
      for (i = 8; i < len; i += 8)
        for (j = 0; j < 8; j++) m[j] = x[i + j] > m[j] ? x[i + j] : m[j];
    } else {
      for (i = 8; i < len; i += 8)
        for (j = 0; j < 8; j++) m[j] = x[i + j] < m[j] ? x[i + j] : m[j];
    }
    for (i = 0; i < len; i += 8)
      for (j = 0; j < 8; j++) bad[j] |= ISNAN(x[i + j]);
    best = m[0];
    for (j = 0; j < 8; j++) {
      anynan |= bad[j];
      if (sign > 0 ? m[j] > best : m[j] < best) best = m[j];
    }
  }
  for (i = len; i < n; i++) {
    anynan |= ISNAN(x[i]);
    if (sign > 0 ? x[i] > best : x[i] < best) best = x[i];
  }
  if (anynan) return FN(firstnan)(x, n);
  for (i = 0; i < n; i++)
    if (x[i] == best) return i;
  return 0;   /* cannot happen */
}

#if TFLOAT
/* Sum of (x - c)^2 into *ss and of (x - c) into *s, 8 lanes. */
static void FN(dev_run) (const T *x, int64_t n, double c, double *ss, double *s) {
  double q[8] = {0, 0, 0, 0, 0, 0, 0, 0}, a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i, m = n & ~(int64_t)7;
  int j;
  for (i = 0; i < m; i += 8)
    for (j = 0; j < 8; j++) {
      double d = (double)x[i + j] - c;
      q[j] += d * d;
      a[j] += d;
    }
  for (; i < n; i++) {
    double d = (double)x[i] - c;
    q[0] += d * d;
    a[0] += d;
  }
  *ss = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
  *s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* The norm's inner sum: count of nonzeros (p = 0), max |x| (p = inf, NaN wins), else
** sum |x|^p. */
static double FN(norm_run) (const T *x, int64_t n, double p) {
  double a = 0;
  int64_t i;
  if (p == 0) {
    for (i = 0; i < n; i++) a += (x[i] != 0);
  } else if (isinf(p)) {
    for (i = 0; i < n; i++) {
      double v = fabs((double)x[i]);
      if (v > a || (ISNAN(v) && !ISNAN(a))) a = v;
    }
  } else if (p == 1) {
    double l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t m = n & ~(int64_t)7;
    int j;
    for (i = 0; i < m; i += 8)
      for (j = 0; j < 8; j++) l[j] += fabs((double)x[i + j]);
    for (; i < n; i++) l[0] += fabs((double)x[i]);
    a = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
  } else if (p == 2) {
    double s;
    FN(dev_run)(x, n, 0, &a, &s);
  } else {
    for (i = 0; i < n; i++) a += pow(fabs((double)x[i]), p);
  }
  return a;
}
#endif

/* One pass of op over the run x[0..n). */
static Part FN(run) (int op, const T *x, int64_t n, double c, double p) {
  Part r = {0, 0, 0, 0};
  (void)c; (void)p;
  switch (op) {
#if TFLOAT
    case OP_SUM: r.a = FN(sum_run)(x, n); break;
    case OP_PROD: r.a = FN(prod_run)(x, n); break;
    case OP_DEV: FN(dev_run)(x, n, c, &r.a, &r.b); break;
    case OP_NORM: r.a = FN(norm_run)(x, n, p); break;
    case OP_EXPSUM: {
      int64_t i;
      for (i = 0; i < n; i++) r.a += exp((double)x[i] - c);
      break;
    }
#else
    case OP_SUM: r.u = FN(sum_run)(x, n); break;
    case OP_PROD: r.u = FN(prod_run)(x, n); break;
#endif
    case OP_MAX: r.i = FN(argext_run)(x, n, 1); break;
    case OP_MIN: r.i = FN(argext_run)(x, n, -1); break;
    default: break;
  }
  return r;
}

static void FN(pass_units) (void *vctx, int64_t b, int64_t e) {
  PassCtx *c = (PassCtx *)vctx;
  const T *x = (const T *)c->x;
  int64_t u;
  for (u = b; u < e; u++) {
    int64_t lo = u * c->bs;
    c->parts[u] = FN(run)(c->op, x + lo, min64(c->bs, c->n - lo), c->c, c->p);
    c->parts[u].i += lo;
  }
}

/* Is x[i] a better max (sign > 0) or min than x[best]? Ties keep the first; NaN wins. */
static int FN(better) (const T *x, int64_t i, int64_t best, int sign) {
  T v = x[i], w = x[best];
  if (ISNAN(w)) return 0;
  if (ISNAN(v)) return 1;
  return sign > 0 ? v > w : v < w;
}

/* One pass of op over x[0..n), n >= 1, cut into blocks (run in parallel when par) whose
** results are combined in block order. */
static Part FN(pass) (int op, const T *x, int64_t n, double c, double p, int par) {
  Part parts[MAXBLOCKS], r;
  PassCtx ctx;
  int64_t u, nb;
  ctx.op = op; ctx.x = x; ctx.n = n; ctx.c = c; ctx.p = p; ctx.parts = parts;
  ctx.bs = blocksize(n);
  nb = (n + ctx.bs - 1) / ctx.bs;
  if (par && nb > 1) hm_parallel_for(nb, 1, FN(pass_units), &ctx);
  else FN(pass_units)(&ctx, 0, nb);
  r = parts[0];
  for (u = 1; u < nb; u++) {
    const Part *q = &parts[u];
    switch (op) {
      case OP_SUM: case OP_EXPSUM: r.a += q->a; r.u += q->u; break;
      case OP_DEV: r.a += q->a; r.b += q->b; break;
      case OP_PROD: r.a *= q->a; r.u *= q->u; break;
      case OP_MAX: if (FN(better)(x, q->i, r.i, 1)) r.i = q->i; break;
      case OP_MIN: if (FN(better)(x, q->i, r.i, -1)) r.i = q->i; break;
      case OP_NORM:
        if (isinf(p)) { if (q->a > r.a || (q->a != q->a && r.a == r.a)) r.a = q->a; }
        else r.a += q->a;
        break;
      default: break;
    }
  }
  return r;
}

/* Reduce the run x[0..n) with op. Returns in .a the floating result (float types, and the
** mean of integer types), in .u the wrapped integer sum or product (integer types), in .i
** the 0-based index of the max or min. Max and min need n >= 1. */
static Part FN(finish) (int op, const T *x, int64_t n, double p, int biased, int par) {
  Part r = {0, 0, 0, 0};
  (void)p; (void)biased;
  switch (op) {
    case OP_SUM:
      if (n > 0) r = FN(pass)(OP_SUM, x, n, 0, 0, par);
      break;
    case OP_MEAN:
      if (n > 0) r = FN(pass)(OP_SUM, x, n, 0, 0, par);
#if TFLOAT
      r.a = r.a / (double)n;
#else
      r.a = (double)(int64_t)r.u / (double)n;
#endif
      break;
    case OP_PROD:
      if (n > 0) r = FN(pass)(OP_PROD, x, n, 0, 0, par);
      else { r.a = 1; r.u = 1; }
      break;
    case OP_MAX: case OP_MIN:
      if (n > 0) r = FN(pass)(op, x, n, 0, 0, par);
      break;
#if TFLOAT
    case OP_VAR: case OP_STD: {
      double mean, v;
      Part d;
      if (n == 0) { r.a = NAN; break; }
      mean = FN(pass)(OP_SUM, x, n, 0, 0, par).a / (double)n;
      d = FN(pass)(OP_DEV, x, n, mean, 0, par);
      /* d.b is the rounding error of the mean times n: remove its share (two-pass algorithm
      ** with correction, Chan, Golub and LeVeque) */
      v = d.a - d.b * d.b / (double)n;
      if (v < 0) v = 0;
      v /= (double)(biased ? n : n - 1);
      r.a = op == OP_STD ? sqrt(v) : v;
      break;
    }
    case OP_NORM:
      if (n > 0) r = FN(pass)(OP_NORM, x, n, 0, p, par);
      if (p == 2) r.a = sqrt(r.a);
      else if (p != 0 && p != 1 && !isinf(p)) r.a = pow(r.a, 1 / p);
      break;
    case OP_LSE: {
      double m;
      if (n == 0) { r.a = -INFINITY; break; }
      m = (double)x[FN(pass)(OP_MAX, x, n, 0, 0, par).i];
      if (isinf(m) || isnan(m)) { r.a = m; break; }   /* all -inf, some +inf, or NaN */
      r.a = m + log(FN(pass)(OP_EXPSUM, x, n, m, 0, par).a);
      break;
    }
#endif
    default: break;
  }
  return r;
}

/* ------------------------------------------------------------- along a dimension */

/* Output (o, j) for inner == 1: reduce the row at x. */
static void FN(dim_row) (const DimCtx *r, const T *x, T *dst, int64_t *ind) {
  Part q;
  if ((r->op == OP_MAX || r->op == OP_MIN) && r->n == 0) return;
  q = FN(finish)(r->op, x, r->n, r->p, r->biased, r->par);
  switch (r->op) {
    case OP_MAX: case OP_MIN:
      *dst = x[q.i];
      if (ind) *ind = q.i + 1;
      break;
#if !TFLOAT
    case OP_SUM: case OP_PROD: *dst = (T)q.u; break;   /* wraps like the element type */
#endif
    default: *dst = (T)q.a; break;
  }
}

/* Max (sign > 0) or min of each column j < jn of the (n, inner) block at x, n >= 1, into
** dst and 1-based indices into ind (if not NULL); first index on ties, first NaN wins. The
** branch-free select with 32-bit indices lets the compiler vectorise the float types;
** columns longer than 2^31 take the 64-bit loop. */
static void FN(ext_cols) (const T *x, int64_t n, int64_t inner, int64_t jn, int sign, T *dst,
                          int64_t *ind) {
  T best[BLK];
  int64_t k, j;
  for (j = 0; j < jn; j++) best[j] = x[j];
  if (n <= INT32_MAX) {
    int32_t bi[BLK];
    for (j = 0; j < jn; j++) bi[j] = 0;
    for (k = 1; k < n; k++) {
      const T *row = x + k * inner;
      int32_t k32 = (int32_t)k;
      if (sign > 0) {
        for (j = 0; j < jn; j++) {
          T v = row[j];
          int take = (v > best[j]) | (ISNAN(v) & !ISNAN(best[j]));
          best[j] = take ? v : best[j];
          bi[j] = take ? k32 : bi[j];
        }
      } else {
        for (j = 0; j < jn; j++) {
          T v = row[j];
          int take = (v < best[j]) | (ISNAN(v) & !ISNAN(best[j]));
          best[j] = take ? v : best[j];
          bi[j] = take ? k32 : bi[j];
        }
      }
    }
    if (ind) for (j = 0; j < jn; j++) ind[j] = (int64_t)bi[j] + 1;
  } else {
    int64_t bi[BLK];
    for (j = 0; j < jn; j++) bi[j] = 0;
    for (k = 1; k < n; k++) {
      const T *row = x + k * inner;
      for (j = 0; j < jn; j++) {
        T v = row[j];
        if ((sign > 0 ? v > best[j] : v < best[j]) || (ISNAN(v) && !ISNAN(best[j]))) {
          best[j] = v;
          bi[j] = k;
        }
      }
    }
    if (ind) for (j = 0; j < jn; j++) ind[j] = bi[j] + 1;
  }
  for (j = 0; j < jn; j++) dst[j] = best[j];
}

/* Outputs (o, j0..j0+jn-1) for inner > 1: x points at element (o, 0, j0). */
static void FN(dim_block) (const DimCtx *r, const T *x, T *dst, int64_t *ind, int64_t jn) {
  int64_t n = r->n, inner = r->inner, k, j;
  switch (r->op) {
    case OP_SUM: case OP_MEAN: {
      ACC acc[BLK];
      for (j = 0; j < jn; j++) acc[j] = 0;
      for (k = 0; k < n; k++) {
        const T *row = x + k * inner;
        for (j = 0; j < jn; j++) acc[j] += (ACC)row[j];
      }
      if (r->op == OP_MEAN)
        for (j = 0; j < jn; j++) dst[j] = (T)((double)acc[j] / (double)n);
      else
        for (j = 0; j < jn; j++) dst[j] = (T)acc[j];
      break;
    }
    case OP_PROD: {
      ACC acc[BLK];
      for (j = 0; j < jn; j++) acc[j] = 1;
      for (k = 0; k < n; k++) {
        const T *row = x + k * inner;
        for (j = 0; j < jn; j++) acc[j] *= (ACC)row[j];
      }
      for (j = 0; j < jn; j++) dst[j] = (T)acc[j];
      break;
    }
    case OP_MAX: case OP_MIN:
      if (n > 0) FN(ext_cols)(x, n, inner, jn, r->op == OP_MAX ? 1 : -1, dst, ind);
      break;
#if TFLOAT
    case OP_VAR: case OP_STD: {
      double mean[BLK], ss[BLK], s[BLK];
      for (j = 0; j < jn; j++) { mean[j] = 0; ss[j] = 0; s[j] = 0; }
      for (k = 0; k < n; k++) {
        const T *row = x + k * inner;
        for (j = 0; j < jn; j++) mean[j] += (double)row[j];
      }
      for (j = 0; j < jn; j++) mean[j] /= (double)n;
      for (k = 0; k < n; k++) {
        const T *row = x + k * inner;
        for (j = 0; j < jn; j++) {
          double d = (double)row[j] - mean[j];
          ss[j] += d * d;
          s[j] += d;
        }
      }
      for (j = 0; j < jn; j++) {
        double v = ss[j] - s[j] * s[j] / (double)n;
        if (v < 0) v = 0;
        v /= (double)(r->biased ? n : n - 1);
        dst[j] = (T)(r->op == OP_STD ? sqrt(v) : v);
      }
      break;
    }
    case OP_NORM: {
      double a[BLK], p = r->p;
      for (j = 0; j < jn; j++) a[j] = 0;
      for (k = 0; k < n; k++) {
        const T *row = x + k * inner;
        if (p == 2) for (j = 0; j < jn; j++) a[j] += (double)row[j] * row[j];
        else if (p == 1) for (j = 0; j < jn; j++) a[j] += fabs((double)row[j]);
        else if (p == 0) for (j = 0; j < jn; j++) a[j] += (row[j] != 0);
        else if (isinf(p))
          for (j = 0; j < jn; j++) {
            double v = fabs((double)row[j]);
            if (v > a[j] || (ISNAN(v) && !ISNAN(a[j]))) a[j] = v;
          }
        else for (j = 0; j < jn; j++) a[j] += pow(fabs((double)row[j]), p);
      }
      for (j = 0; j < jn; j++) {
        if (p == 2) a[j] = sqrt(a[j]);
        else if (p != 0 && p != 1 && !isinf(p)) a[j] = pow(a[j], 1 / p);
        dst[j] = (T)a[j];
      }
      break;
    }
    case OP_LSE: {
      double m[BLK], a[BLK];
      if (n == 0) { for (j = 0; j < jn; j++) dst[j] = (T)-INFINITY; break; }
      for (j = 0; j < jn; j++) { m[j] = x[j]; a[j] = 0; }
      for (k = 1; k < n; k++) {
        const T *row = x + k * inner;
        for (j = 0; j < jn; j++)
          if (row[j] > m[j] || (ISNAN(row[j]) && !ISNAN(m[j]))) m[j] = row[j];
      }
      for (k = 0; k < n; k++) {
        const T *row = x + k * inner;
        for (j = 0; j < jn; j++) a[j] += exp((double)row[j] - m[j]);
      }
      for (j = 0; j < jn; j++)
        dst[j] = (T)((isinf(m[j]) || isnan(m[j])) ? m[j] : m[j] + log(a[j]));
      break;
    }
#endif
    default: break;
  }
}

/* Work unit u: output row o = u / nblk, columns from (u % nblk) * BLK. */
static void FN(dim_units) (void *vctx, int64_t b, int64_t e) {
  const DimCtx *r = (const DimCtx *)vctx;
  int64_t nblk = (r->inner + BLK - 1) / BLK, u;
  for (u = b; u < e; u++) {
    int64_t o = u / nblk, j0 = (u % nblk) * BLK;
    const T *x = (const T *)r->x + o * r->n * r->inner + j0;
    T *dst = (T *)r->out + o * r->inner + j0;
    int64_t *ind = r->ind ? r->ind + o * r->inner + j0 : NULL;
    if (r->inner == 1) FN(dim_row)(r, x, dst, ind);
    else FN(dim_block)(r, x, dst, ind, min64(BLK, r->inner - j0));
  }
}

/* Work unit u of a cumulation: columns j0.. of row o, running along k. */
static void FN(cum_units) (void *vctx, int64_t b, int64_t e) {
  const DimCtx *r = (const DimCtx *)vctx;
  int64_t nblk = (r->inner + BLK - 1) / BLK, u, n = r->n, inner = r->inner;
  for (u = b; u < e; u++) {
    int64_t o = u / nblk, j0 = (u % nblk) * BLK, jn = min64(BLK, inner - j0), k, j;
    const T *x = (const T *)r->x + o * n * inner + j0;
    T *dst = (T *)r->out + o * n * inner + j0;
    ACC acc[BLK];
    int prod = r->op == OP_CUMPROD;
    if (inner == 1) {          /* one row: keep the running value in a register */
      ACC a = prod ? 1 : 0;
      if (prod) for (k = 0; k < n; k++) { a *= (ACC)x[k]; dst[k] = (T)a; }
      else for (k = 0; k < n; k++) { a += (ACC)x[k]; dst[k] = (T)a; }
      continue;
    }
    for (j = 0; j < jn; j++) acc[j] = prod ? 1 : 0;
    for (k = 0; k < n; k++) {
      const T *row = x + k * inner;
      T *drow = dst + k * inner;
      if (prod) for (j = 0; j < jn; j++) { acc[j] *= (ACC)row[j]; drow[j] = (T)acc[j]; }
      else for (j = 0; j < jn; j++) { acc[j] += (ACC)row[j]; drow[j] = (T)acc[j]; }
    }
  }
}

/* Run the units of a dimension reduction (or cumulation) in parallel by output. A few long
** rows instead run one after the other, each cut into blocks over the threads. */
static void FN(along) (DimCtx *r, int cumulate) {
  int64_t nblk = (r->inner + BLK - 1) / BLK, units = r->outer * nblk;
  int64_t work = r->n * min64(r->inner, BLK), grain;
  if (units == 0) return;
  if (cumulate) {
    grain = work > 0 ? HM_PARALLEL_GRAIN / work : units;
    hm_parallel_for(units, grain, FN(cum_units), r);
  } else if (r->inner == 1 && r->outer < hm_getnumthreads()) {
    r->par = 1;
    FN(dim_units)(r, 0, units);
  } else {
    r->par = 0;
    grain = work > 0 ? HM_PARALLEL_GRAIN / work : units;
    hm_parallel_for(units, grain, FN(dim_units), r);
  }
}

#else  /* !HM_REDUCE_TEMPLATE */

/* ---- instantiate the template for the four element types ---- */
#define HM_REDUCE_TEMPLATE

#define TNAME byte
#define T uint8_t
#define ACC uint64_t
#define TFLOAT 0
#define ISNAN(v) ((void)(v), 0)
#include "tensor_reduce.c"
#undef TNAME
#undef T
#undef ACC
#undef TFLOAT
#undef ISNAN

#define TNAME long
#define T int64_t
#define ACC uint64_t
#define TFLOAT 0
#define ISNAN(v) ((void)(v), 0)
#include "tensor_reduce.c"
#undef TNAME
#undef T
#undef ACC
#undef TFLOAT
#undef ISNAN

#define TNAME float
#define T float
#define ACC double
#define TFLOAT 1
#define ISNAN(v) ((v) != (v))
#include "tensor_reduce.c"
#undef TNAME
#undef T
#undef ACC
#undef TFLOAT
#undef ISNAN

#define TNAME double
#define T double
#define ACC double
#define TFLOAT 1
#define ISNAN(v) ((v) != (v))
#include "tensor_reduce.c"
#undef TNAME
#undef T
#undef ACC
#undef TFLOAT
#undef ISNAN

#undef HM_REDUCE_TEMPLATE

/* ------------------------------------------------------------- type dispatch */

/*
** Tensor_reduceall: reduce every element of the contiguous tensor x with op, using the
** thread pool when large. p is the norm order, biased selects division by n for var/std.
** Returns a Part (see finish): .a floating result, .u integer sum or product, .i 0-based
** index of max/min. Statistics ops need float or double; max and min need an element.
*/
static Part Tensor_reduceall (const Tensor *x, int op, double p, int biased) {
  const void *d = Tensor_data(x);
  int64_t n = Tensor_nelement(x);
  switch (x->type) {
    case HM_BYTE: return finish_byte(op, (const uint8_t *)d, n, p, biased, 1);
    case HM_LONG: return finish_long(op, (const int64_t *)d, n, p, biased, 1);
    case HM_FLOAT: return finish_float(op, (const float *)d, n, p, biased, 1);
    default: return finish_double(op, (const double *)d, n, p, biased, 1);
  }
}

/* Fill in the (outer, n, inner) view of x along dimension d. */
static void dimshape (DimCtx *r, const Tensor *x, int d) {
  int k;
  r->outer = 1;
  r->inner = 1;
  for (k = 0; k < d; k++) r->outer *= x->size[k];
  for (k = d + 1; k < x->ndim; k++) r->inner *= x->size[k];
  r->n = x->size[d];
}

/*
** Tensor_reducedim: reduce the contiguous tensor x along dimension d (0-based) with op into
** the contiguous out, whose shape is x's with size 1 at d (same type as x). ind, when not
** NULL, is a contiguous LongTensor of that shape that receives the 1-based indices of
** max/min (first index on ties). Returns 0, or -1 for max/min over an empty dimension.
*/
static int Tensor_reducedim (Tensor *out, Tensor *ind, const Tensor *x, int d, int op,
                             double p, int biased) {
  DimCtx r;
  r.op = op; r.p = p; r.biased = biased; r.par = 0;
  dimshape(&r, x, d);
  if ((op == OP_MAX || op == OP_MIN) && r.n == 0) return -1;
  r.x = Tensor_data(x);
  r.out = Tensor_data(out);
  r.ind = ind ? (int64_t *)Tensor_data(ind) : NULL;
  switch (x->type) {
    case HM_BYTE: along_byte(&r, 0); break;
    case HM_LONG: along_long(&r, 0); break;
    case HM_FLOAT: along_float(&r, 0); break;
    default: along_double(&r, 0); break;
  }
  return 0;
}

/*
** Tensor_cumulate: out = running sums (OP_CUMSUM) or products (OP_CUMPROD) of the contiguous
** x along dimension d (0-based); out is contiguous, of x's shape and type. Float data run
** in a double accumulator; integer types wrap.
*/
static void Tensor_cumulate (Tensor *out, const Tensor *x, int d, int op) {
  DimCtx r;
  r.op = op; r.p = 0; r.biased = 0; r.par = 0; r.ind = NULL;
  dimshape(&r, x, d);
  r.x = Tensor_data(x);
  r.out = Tensor_data(out);
  switch (x->type) {
    case HM_BYTE: along_byte(&r, 1); break;
    case HM_LONG: along_long(&r, 1); break;
    case HM_FLOAT: along_float(&r, 1); break;
    default: along_double(&r, 1); break;
  }
}

/* ===================================================================== bindings */

/* Push element i (0-based, row-major) of the contiguous x as a Lua number or integer. */
static void pushelement (lua_State *L, const Tensor *x, int64_t i) {
  const void *d = Tensor_data(x);
  switch (x->type) {
    case HM_BYTE: lua_pushinteger(L, ((const uint8_t *)d)[i]); break;
    case HM_LONG: lua_pushinteger(L, (lua_Integer)((const int64_t *)d)[i]); break;
    case HM_FLOAT: lua_pushnumber(L, ((const float *)d)[i]); break;
    default: lua_pushnumber(L, ((const double *)d)[i]); break;
  }
}

/* Raise unless t has an element: max and min of nothing are undefined. */
static void checknonempty (lua_State *L, int arg, int64_t n, const char *what) {
  if (n == 0)
    luaL_argerror(L, arg, lua_pushfstring(L, "cannot take the %s of an empty tensor", what));
}

/* Optional boolean flag at arg (nil or absent is false). */
static int optflag (lua_State *L, int arg) {
  if (lua_isnoneornil(L, arg)) return 0;
  luaL_checktype(L, arg, LUA_TBOOLEAN);
  return lua_toboolean(L, arg);
}

/* Has t exactly the shape (ndim, size)? */
static int hasshape (const Tensor *t, int ndim, const int64_t *size) {
  return t->ndim == ndim && memcmp(t->size, size, sizeof(int64_t) * (size_t)ndim) == 0;
}

/*
** Push the tensor a kernel writes into, of the given type and shape: the result argument
** at arg (resized when its shape differs), or a new tensor when arg is 0. A new temporary
** also stands in for arg when arg shares storage with the input x (the kernel would
** overwrite what it still has to read) or already has the shape but is not contiguous (a
** view keeps its strides); finishoutput then copies the temporary into arg.
*/
static Tensor *pushoutput (lua_State *L, int arg, const Tensor *x, int type, int ndim,
                           const int64_t *size) {
  if (arg != 0) {
    Tensor *r = hm_checktensor(L, arg);
    if (r->storage != x->storage && !(hasshape(r, ndim, size) && !Tensor_iscontiguous(r))) {
      r = hm_resize(L, arg, ndim, size);
      lua_pushvalue(L, arg);
      return r;
    }
  }
  return hm_newtensor(L, type, ndim, size);
}

/* Push the final result: the tensor at stack index oi, copied into the argument arg when
** that was replaced by a temporary. */
static void finishoutput (lua_State *L, int arg, int oi) {
  if (arg != 0 && !lua_rawequal(L, arg, oi)) {
    Tensor *o = hm_checktensor(L, oi), *r = hm_checktensor(L, arg);
    if (!Tensor_samesize(r, o)) r = hm_resizeas(L, arg, o);
    Tensor_copy(r, o);
  }
  lua_pushvalue(L, arg != 0 ? arg : oi);
}

/*
** Reduce the tensor at src along d (0-based) with op into the argument resarg (0: a new
** tensor) and, when indarg is not 0, indices into indarg (-1: a new LongTensor). Pushes the
** values, then the indices if any; returns how many were pushed.
*/
static int reducedim (lua_State *L, int op, int src, int d, int resarg, int indarg, double p,
                      int biased) {
  Tensor *t = hm_checktensor(L, src), *x, *out, *ind = NULL;
  int64_t size[HM_MAXDIM];
  int oi, ii = 0, ndim = t->ndim;
  memcpy(size, t->size, sizeof(int64_t) * (size_t)ndim);
  size[d] = 1;
  x = hm_pushcontiguous(L, src);
  out = pushoutput(L, resarg, x, t->type, ndim, size);
  oi = lua_gettop(L);
  if (indarg != 0) {
    ind = pushoutput(L, indarg > 0 ? indarg : 0, x, HM_LONG, ndim, size);
    ii = lua_gettop(L);
  }
  Tensor_reducedim(out, ind, x, d, op, p, biased);
  finishoutput(L, resarg, oi);
  if (indarg == 0) return 1;
  finishoutput(L, indarg > 0 ? indarg : 0, ii);
  return 2;
}

/* Where the source tensor is: after one result tensor ([res,] t, ...) when argument 2 is a
** tensor, else first. */
static int sourcearg (lua_State *L) {
  return hm_testtensor(L, 2) ? 2 : 1;
}

/* Shared body of sum, prod, mean and logsumexp: ([res,] t [,dim]). floating: 1 when the op
** needs float or double, 2 when only its dimension form does. */
static int sumlike (lua_State *L, int op, int floating) {
  int src = sourcearg(L);
  Tensor *t = hm_checktensor(L, src);
  int d;
  if (src == 2) hm_checktensortype(L, 1, t->type);
  if (src == 1 && lua_isnoneornil(L, 2)) {       /* all elements: a number */
    Part r;
    if (floating == 1) hm_checkfloating(L, src, t);
    hm_pushcontiguous(L, src);
    r = Tensor_reduceall(hm_checktensor(L, -1), op, 0, 0);
    if ((t->type == HM_BYTE || t->type == HM_LONG) && (op == OP_SUM || op == OP_PROD))
      lua_pushinteger(L, (lua_Integer)(int64_t)r.u);
    else
      lua_pushnumber(L, r.a);
    return 1;
  }
  if (floating) hm_checkfloating(L, src, t);
  d = hm_checkdim(L, src + 1, t);
  return reducedim(L, op, src, d, src == 2 ? 1 : 0, 0, 0, 0);
}

/* [res] t:sum([dim]) / hm.sum([res,] t [,dim]): the sum of all elements (a number; an
** integer for byte and long tensors), or sums along dim in a tensor of t's type with size 1
** at dim. Float tensors are summed in double. Errors: dim out of range, res of another type. */
static int reduce_sum (lua_State *L) { return sumlike(L, OP_SUM, 0); }

/* t:prod([dim]) / hm.prod([res,] t [,dim]): as sum, for products; prod of nothing is 1. */
static int reduce_prod (lua_State *L) { return sumlike(L, OP_PROD, 0); }

/* t:mean([dim]) / hm.mean([res,] t [,dim]): the mean of all elements (any type; NaN when
** empty), or means along dim (float and double). */
static int reduce_mean (lua_State *L) { return sumlike(L, OP_MEAN, 2); }

/* t:logsumexp([dim]) / hm.logsumexp([res,] t [,dim]): log(sum(exp(x))) without overflow
** (max subtracted first); -inf when every element is -inf or there is none; NaN propagates.
** Float and double only. */
static int reduce_logsumexp (lua_State *L) { return sumlike(L, OP_LSE, 1); }

/* Shared body of max and min: ([values, indices,] t [,dim]). */
static int maxlike (lua_State *L, int op) {
  const char *what = op == OP_MAX ? "maximum" : "minimum";
  int src = hm_testtensor(L, 2) ? 3 : 1;
  Tensor *t = hm_checktensor(L, src);
  int d;
  if (src == 3) {
    hm_checktensortype(L, 1, t->type);
    hm_checktensortype(L, 2, HM_LONG);
  }
  if (src == 1 && lua_isnoneornil(L, 2)) {
    Part r;
    Tensor *x;
    checknonempty(L, src, Tensor_nelement(t), what);
    x = hm_pushcontiguous(L, src);
    r = Tensor_reduceall(x, op, 0, 0);
    pushelement(L, x, r.i);
    return 1;
  }
  d = hm_checkdim(L, src + 1, t);
  checknonempty(L, src, t->size[d], what);
  if (src == 3 && hm_checktensor(L, 1)->storage == hm_checktensor(L, 2)->storage)
    luaL_argerror(L, 2, "values and indices must not share storage");
  return reducedim(L, op, src, d, src == 3 ? 1 : 0, src == 3 ? 2 : -1, 0, 0);
}

/* t:max([dim]) / hm.max([values, indices,] t [,dim]): the largest element (a number), or
** along dim the largest values (t's type) and their 1-based indices (LongTensor), both with
** size 1 at dim. Ties give the first index; a NaN is larger than everything. Errors: empty
** tensor or dimension, dim out of range, result tensors of the wrong type. */
static int reduce_max (lua_State *L) { return maxlike(L, OP_MAX); }

/* t:min([dim]) / hm.min([values, indices,] t [,dim]): as max, for the smallest. */
static int reduce_min (lua_State *L) { return maxlike(L, OP_MIN); }

/* Shared body of argmax and argmin: ([indices,] t [,dim]). */
static int arglike (lua_State *L, int op) {
  const char *what = op == OP_MAX ? "argmax" : "argmin";
  int src = sourcearg(L);
  Tensor *t = hm_checktensor(L, src);
  int d, top;
  if (src == 2) hm_checktensortype(L, 1, HM_LONG);
  if (src == 1 && lua_isnoneornil(L, 2)) {
    checknonempty(L, src, Tensor_nelement(t), what);
    lua_pushinteger(L, Tensor_reduceall(hm_pushcontiguous(L, src), op, 0, 0).i + 1);
    return 1;
  }
  d = hm_checkdim(L, src + 1, t);
  checknonempty(L, src, t->size[d], what);
  top = lua_gettop(L);
  reducedim(L, op, src, d, 0, src == 2 ? 1 : -1, 0, 0);
  lua_replace(L, top + 1);     /* drop the values, keep the indices */
  lua_settop(L, top + 1);
  return 1;
}

/* t:argmax([dim]) / hm.argmax([indices,] t [,dim]): the 1-based row-major index of the
** first largest element (an integer), or along dim the indices max(dim) returns. */
static int reduce_argmax (lua_State *L) { return arglike(L, OP_MAX); }

/* t:argmin([dim]) / hm.argmin([indices,] t [,dim]): as argmax, for the smallest. */
static int reduce_argmin (lua_State *L) { return arglike(L, OP_MIN); }

/* Shared body of std and var: ([res,] t [,dim] [,biased]) or t:var(biased). */
static int varlike (lua_State *L, int op) {
  int src = sourcearg(L);
  Tensor *t = hm_checktensor(L, src);
  int d;
  if (src == 2) hm_checktensortype(L, 1, t->type);
  hm_checkfloating(L, src, t);
  if (src == 1 && (lua_isnoneornil(L, 2) || lua_isboolean(L, 2))) {
    int biased = optflag(L, 2);
    hm_pushcontiguous(L, src);
    lua_pushnumber(L, Tensor_reduceall(hm_checktensor(L, -1), op, 0, biased).a);
    return 1;
  }
  d = hm_checkdim(L, src + 1, t);
  return reducedim(L, op, src, d, src == 2 ? 1 : 0, 0, 0, optflag(L, src + 2));
}

/* t:var([dim] [,biased]) / hm.var([res,] t [,dim] [,biased]): the variance of all elements
** (a number) or along dim, dividing by n - 1, or by n when biased is true (Torch7's flag).
** Unbiased variance of one element is NaN. Float and double only. */
static int reduce_var (lua_State *L) { return varlike(L, OP_VAR); }

/* t:std([dim] [,biased]) / hm.std([res,] t [,dim] [,biased]): the square root of var. */
static int reduce_std (lua_State *L) { return varlike(L, OP_STD); }

/* t:norm([p] [,dim]) / hm.norm([res,] t [,p] [,dim]): the p-norm (p = 2 by default) of all
** elements (a number) or along dim; p = 0 counts nonzeros, p = math.huge is max |x|.
** Float and double only; p must be >= 0. */
static int reduce_norm (lua_State *L) {
  int src = sourcearg(L);
  Tensor *t = hm_checktensor(L, src);
  double p;
  int d;
  if (src == 2) hm_checktensortype(L, 1, t->type);
  hm_checkfloating(L, src, t);
  p = luaL_optnumber(L, src + 1, 2);
  if (!(p >= 0))
    luaL_argerror(L, src + 1, lua_pushfstring(L, "p must be non-negative, got %f", p));
  if (src == 1 && lua_isnoneornil(L, 3)) {
    hm_pushcontiguous(L, src);
    lua_pushnumber(L, Tensor_reduceall(hm_checktensor(L, -1), OP_NORM, p, 0).a);
    return 1;
  }
  d = hm_checkdim(L, src + 2, t);
  return reducedim(L, OP_NORM, src, d, src == 2 ? 1 : 0, 0, p, 0);
}

/* Shared body of cumsum and cumprod: ([res,] t [,dim]), dim 1 by default as in Torch7. */
static int cumlike (lua_State *L, int op) {
  int src = sourcearg(L), resarg = src == 2 ? 1 : 0, d = 0;
  Tensor *t = hm_checktensor(L, src), *x, *out;
  int64_t size[HM_MAXDIM];
  if (src == 2) hm_checktensortype(L, 1, t->type);
  if (!lua_isnoneornil(L, src + 1)) d = hm_checkdim(L, src + 1, t);
  memcpy(size, t->size, sizeof(int64_t) * (size_t)t->ndim);
  x = hm_pushcontiguous(L, src);
  out = pushoutput(L, resarg, x, t->type, t->ndim, size);
  if (t->ndim > 0) Tensor_cumulate(out, x, d, op);
  finishoutput(L, resarg, lua_gettop(L));
  return 1;
}

/* [res] t:cumsum([dim]) / hm.cumsum([res,] t [,dim]): running sums along dim (default 1),
** same shape and type as t (a new tensor; t is not changed). */
static int reduce_cumsum (lua_State *L) { return cumlike(L, OP_CUMSUM); }

/* [res] t:cumprod([dim]) / hm.cumprod([res,] t [,dim]): running products along dim. */
static int reduce_cumprod (lua_State *L) { return cumlike(L, OP_CUMPROD); }

static const hm_Reg reduce_funcs[] = {
  {"sum", reduce_sum, HM_BOTH},
  {"prod", reduce_prod, HM_BOTH},
  {"mean", reduce_mean, HM_BOTH},
  {"max", reduce_max, HM_BOTH},
  {"min", reduce_min, HM_BOTH},
  {"argmax", reduce_argmax, HM_BOTH},
  {"argmin", reduce_argmin, HM_BOTH},
  {"var", reduce_var, HM_BOTH},
  {"std", reduce_std, HM_BOTH},
  {"norm", reduce_norm, HM_BOTH},
  {"logsumexp", reduce_logsumexp, HM_BOTH},
  {"cumsum", reduce_cumsum, HM_BOTH},
  {"cumprod", reduce_cumprod, HM_BOTH},
  {NULL, NULL, 0}
};

void hm_open_reduce (lua_State *L, int F, int M) {
  hm_register(L, F, M, reduce_funcs);
}

#endif  /* HM_REDUCE_TEMPLATE */
