/*
** nn_ops_generic.h: the kernels of nn_ops.c, written once on `real` and included twice by it,
** for float and for double (as tensor_math_generic.h). Before each inclusion nn_ops.c defines:
**   real        the element type
**   R(name)     this type's copy of a kernel, e.g. R(sigmoidgrad) -> sigmoidgrad_float
**   R_EXP       exp for this type (hm_expf for float: it vectorises, see vecmath.h)
**   R_LOG       log for this type (called once per row)
** Every kernel is an hm_RangeFn over [b, e) of elements or rows, reading an NnCtx; arrays are
** contiguous (rows of `n` elements at a distance of `n`). Sums over a row run in lanes of
** LANES independent accumulators, which the compiler vectorises without reassociating (no
** -ffast-math), and are combined in double; so a result depends on the row alone, never on
** the thread count. The row helpers are forced inline so that each target clone of a
** kernel vectorises them for its own instruction set. The kernels never raise; the bindings
** have checked everything.
*/

/* gi = g * y * (1 - y): sigmoid's backward from its output, one pass */
static HM_HOT void R(sigmoidgrad) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  real *gi = (real *)c->y;
  const real *g = (const real *)c->a, *y = (const real *)c->b;
  int64_t i;
  for (i = b; i < e; i++) gi[i] = g[i] * (y[i] * ((real)1 - y[i]));
}

/* gi = g * (1 - y^2): tanh's backward from its output, one pass */
static HM_HOT void R(tanhgrad) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  real *gi = (real *)c->y;
  const real *g = (const real *)c->a, *y = (const real *)c->b;
  int64_t i;
  for (i = b; i < e; i++) gi[i] = g[i] * ((real)1 - y[i] * y[i]);
}

/* rows [b, e) of y (rows x n) += v (n): a bias broadcast over a batch */
static HM_HOT void R(addrows) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  const real *v = (const real *)c->a;
  int64_t r, j, n = c->n;
  for (r = b; r < e; r++) {
    real *y = (real *)c->y + r * n;
    for (j = 0; j < n; j++) y[j] += v[j];
  }
}

/*
** out[j] += scale * sum over the rows of x (rows x n), for columns [b, e): a bias gradient.
** Columns go in blocks of COLBLK so the partial sums stay in registers/L1 while the rows
** stream past; each column is summed top to bottom in real, as a gemv with a ones vector
** would, then scaled once.
*/
static HM_HOT void R(accrowsum) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  real *out = (real *)c->y;
  const real *x = (const real *)c->a;
  const real scale = (real)c->p;
  int64_t j0, j, r, rows = c->rows, n = c->n;
  for (j0 = b; j0 < e; j0 += COLBLK) {
    int64_t w = e - j0 < COLBLK ? e - j0 : COLBLK;
    real acc[COLBLK];
    for (j = 0; j < w; j++) acc[j] = 0;
    for (r = 0; r < rows; r++) {
      const real *xr = x + r * n + j0;
      for (j = 0; j < w; j++) acc[j] += xr[j];
    }
    for (j = 0; j < w; j++) out[j0 + j] += scale * acc[j];
  }
}

/*
** The largest element of x[0..n) (-inf for an empty row), in LANES running maxima. A NaN is
** skipped here; it reaches the result anyway through the sum of exponentials.
*/
static HM_INLINE real R(rowmax) (const real *x, int64_t n) {
  real acc[LANES], m = -(real)INFINITY;
  int64_t j = 0;
  int k;
  for (k = 0; k < LANES; k++) acc[k] = -(real)INFINITY;
  for (; j + LANES <= n; j += LANES)
    for (k = 0; k < LANES; k++) acc[k] = x[j + k] > acc[k] ? x[j + k] : acc[k];
  for (k = 0; k < LANES; k++) m = acc[k] > m ? acc[k] : m;
  for (; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

/* sum of x[0..n) (times w[j] when w is given), in LANES accumulators combined in double */
static HM_INLINE double R(rowsum) (const real *x, const real *w, int64_t n) {
  real acc[LANES];
  double s = 0;
  int64_t j = 0;
  int k;
  for (k = 0; k < LANES; k++) acc[k] = 0;
  if (w == NULL) {
    for (; j + LANES <= n; j += LANES)
      for (k = 0; k < LANES; k++) acc[k] += x[j + k];
    for (k = 0; k < LANES; k++) s += acc[k];
    for (; j < n; j++) s += x[j];
  } else {
    for (; j + LANES <= n; j += LANES)
      for (k = 0; k < LANES; k++) acc[k] += x[j + k] * w[j + k];
    for (k = 0; k < LANES; k++) s += acc[k];
    for (; j < n; j++) s += x[j] * w[j];
  }
  return s;
}

/*
** sum of exp(x[j] - m) over the row: the exponentials go through a block on the stack, so
** that their loop vectorises whatever the row length, then are summed as rowsum does
*/
static HM_INLINE double R(rowexpsum) (const real *x, int64_t n, real m) {
  real buf[EXPBLK];
  double s = 0;
  int64_t j0, j;
  for (j0 = 0; j0 < n; j0 += EXPBLK) {
    int64_t w = n - j0 < EXPBLK ? n - j0 : EXPBLK;
    for (j = 0; j < w; j++) buf[j] = R_EXP(x[j0 + j] - m);
    s += R(rowsum)(buf, NULL, w);
  }
  return s;
}

/*
** The shift of a row for (log-)softmax: its maximum, or 0 when that is infinite, so that a
** row holding +inf gives NaN/inf as exp(x - m) says rather than inf - inf everywhere, and a
** row of -inf gives log(0) = -inf (the behaviour of x - logsumexp(x)).
*/
static HM_INLINE real R(rowshift) (const real *x, int64_t n) {
  real m = R(rowmax)(x, n);
  return (m == (real)INFINITY || m == -(real)INFINITY) ? (real)0 : m;
}

/* rows [b, e) of y = x - log(sum(exp(x))) (x and y rows x n; y may be x) */
static HM_HOT void R(logsoftmax) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  int64_t r, j, n = c->n;
  for (r = b; r < e; r++) {
    const real *x = (const real *)c->a + r * n;
    real *y = (real *)c->y + r * n;
    real m = R(rowshift)(x, n);
    real lse = m + (real)R_LOG((real)R(rowexpsum)(x, n, m));
    for (j = 0; j < n; j++) y[j] = x[j] - lse;
  }
}

/* rows [b, e) of gi = g - exp(y) * sum(g), y the output of logsoftmax (gi may be g or y) */
static HM_HOT void R(logsoftmaxgrad) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  int64_t r, j, n = c->n;
  for (r = b; r < e; r++) {
    const real *g = (const real *)c->a + r * n, *y = (const real *)c->b + r * n;
    real *gi = (real *)c->y + r * n;
    real s = (real)R(rowsum)(g, NULL, n);
    for (j = 0; j < n; j++) gi[j] = g[j] - R_EXP(y[j]) * s;
  }
}

/* rows [b, e) of y = exp(x - max) / sum(exp(x - max)) (y may be x) */
static HM_HOT void R(softmax) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  int64_t r, j, n = c->n;
  for (r = b; r < e; r++) {
    const real *x = (const real *)c->a + r * n;
    real *y = (real *)c->y + r * n;
    real m = R(rowshift)(x, n), inv;
    for (j = 0; j < n; j++) y[j] = R_EXP(x[j] - m);
    inv = (real)(1.0 / R(rowsum)(y, NULL, n));
    for (j = 0; j < n; j++) y[j] *= inv;
  }
}

/* rows [b, e) of gi = y * (g - sum(g * y)), y the output of softmax (gi may be g or y) */
static HM_HOT void R(softmaxgrad) (void *vc, int64_t b, int64_t e) {
  const NnCtx *c = (const NnCtx *)vc;
  int64_t r, j, n = c->n;
  for (r = b; r < e; r++) {
    const real *g = (const real *)c->a + r * n, *y = (const real *)c->b + r * n;
    real *gi = (real *)c->y + r * n;
    real s = (real)R(rowsum)(g, y, n);
    for (j = 0; j < n; j++) gi[j] = y[j] * (g[j] - s);
  }
}

/*
** Negative log-likelihood over B rows of x (strides sx0, sx1) with targets t[b * st] (1-based,
** already checked) and optional class weights w[k * sw]: returns -sum_b w[t_b] x[b, t_b]
** and sets *total to sum_b w[t_b] (B without weights). Sums in double.
*/
static double R(classnll) (const real *x, int64_t sx0, int64_t sx1, int64_t B,
                           const int64_t *t, int64_t st, const real *w, int64_t sw,
                           double *total) {
  double loss = 0, tw = 0;
  int64_t b;
  for (b = 0; b < B; b++) {
    int64_t k = t[b * st] - 1;
    double wk = w != NULL ? (double)w[k * sw] : 1.0;
    loss -= wk * (double)x[b * sx0 + k * sx1];
    tw += wk;
  }
  *total = tw;
  return loss;
}

/* gi (B x n, strides s0, s1) = 0 except gi[b, t_b] = norm * w[t_b] (norm alone without w) */
static void R(classnllgrad) (real *gi, int64_t s0, int64_t s1, int64_t B, int64_t n,
                             const int64_t *t, int64_t st, const real *w, int64_t sw,
                             double norm) {
  int64_t b, j;
  for (b = 0; b < B; b++) {
    real *row = gi + b * s0;
    int64_t k = t[b * st] - 1;
    for (j = 0; j < n; j++) row[j * s1] = 0;
    row[k * s1] = (real)(w != NULL ? norm * (double)w[k * sw] : norm);
  }
}
