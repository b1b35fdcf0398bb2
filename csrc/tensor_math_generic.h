/*
** tensor_math_generic.h: the element-wise kernels of tensor_math.c, written once on `real`
** and included twice by it, for float and for double (TH's THGenerateFloatTypes, without the
** macro layers). Before each inclusion tensor_math.c defines:
**   real        the element type
**   R(name)     the name of this type's copy of a kernel, e.g. R(map1) -> map1_float
**   R_EXP, R_LOG, R_LOG1P, R_SQRT, R_FLOOR, R_CEIL, R_ROUND, R_POW, R_SIGMOID, R_TANH, R_ABS
**               the element functions (the float ones vectorise, see vecmath.h)
** Every kernel is an hm_RangeFn over [b, e) of contiguous arrays described by a MapCtx, so
** one switch per call picks the loop and each loop is a plain vectorisable `for`.
** The kernels never raise; the bindings have checked everything.
*/

/* y = f(x; p, q) for the unary ops (scalars p, q come as double, used as real) */
static HM_HOT void R(map1) (void *vc, int64_t b, int64_t e) {
  const MapCtx *c = (const MapCtx *)vc;
  real *y = (real *)c->y;
  const real *x = (const real *)c->a;
  const real p = (real)c->p, q = (real)c->q;
  int64_t i;
  switch (c->op) {
    case OP_ADDS: for (i = b; i < e; i++) y[i] = x[i] + p; break;
    case OP_MULS: for (i = b; i < e; i++) y[i] = x[i] * p; break;
    case OP_DIVS: for (i = b; i < e; i++) y[i] = x[i] / p; break;
    case OP_POWS:
      if (p == 2) for (i = b; i < e; i++) y[i] = x[i] * x[i];
      else for (i = b; i < e; i++) y[i] = R_POW(x[i], p);
      break;
    case OP_RPOW: for (i = b; i < e; i++) y[i] = R_POW(p, x[i]); break;
    case OP_CLAMP:   /* NaN stays NaN: both comparisons are false */
      for (i = b; i < e; i++) y[i] = x[i] < p ? p : (x[i] > q ? q : x[i]);
      break;
    case OP_CMAXS:   /* NaN propagates, as in max of tensors */
      for (i = b; i < e; i++) y[i] = (x[i] > p || x[i] != x[i]) ? x[i] : p;
      break;
    case OP_CMINS: for (i = b; i < e; i++) y[i] = (x[i] < p || x[i] != x[i]) ? x[i] : p; break;
    case OP_EXP: for (i = b; i < e; i++) y[i] = R_EXP(x[i]); break;
    case OP_LOG: for (i = b; i < e; i++) y[i] = R_LOG(x[i]); break;
    case OP_LOG1P: for (i = b; i < e; i++) y[i] = R_LOG1P(x[i]); break;
    case OP_SQRT: for (i = b; i < e; i++) y[i] = R_SQRT(x[i]); break;
    case OP_ABS: for (i = b; i < e; i++) y[i] = R_ABS(x[i]); break;
    case OP_SIGN:    /* 1, -1, or x itself for zeros and NaN */
      for (i = b; i < e; i++) y[i] = x[i] > 0 ? (real)1 : (x[i] < 0 ? (real)-1 : x[i]);
      break;
    case OP_NEG: for (i = b; i < e; i++) y[i] = -x[i]; break;
    case OP_FLOOR: for (i = b; i < e; i++) y[i] = R_FLOOR(x[i]); break;
    case OP_CEIL: for (i = b; i < e; i++) y[i] = R_CEIL(x[i]); break;
    case OP_ROUND: for (i = b; i < e; i++) y[i] = R_ROUND(x[i]); break;
    case OP_SIGMOID: for (i = b; i < e; i++) y[i] = R_SIGMOID(x[i]); break;
    case OP_TANH: for (i = b; i < e; i++) y[i] = R_TANH(x[i]); break;
    default: break;
  }
}

/* y = f(a, b; p) for the binary ops */
static HM_HOT void R(map2) (void *vc, int64_t b, int64_t e) {
  const MapCtx *c = (const MapCtx *)vc;
  real *y = (real *)c->y;
  const real *u = (const real *)c->a, *v = (const real *)c->b;
  const real p = (real)c->p;
  int64_t i;
  switch (c->op) {
    case OP_AXPY:
      if (p == 1) for (i = b; i < e; i++) y[i] = u[i] + v[i];
      else for (i = b; i < e; i++) y[i] = u[i] + p * v[i];
      break;
    case OP_CMUL: for (i = b; i < e; i++) y[i] = u[i] * v[i]; break;
    case OP_CDIV: for (i = b; i < e; i++) y[i] = u[i] / v[i]; break;
    case OP_CMAX:
      for (i = b; i < e; i++) y[i] = (u[i] > v[i] || u[i] != u[i]) ? u[i] : v[i];
      break;
    case OP_CMIN:
      for (i = b; i < e; i++) y[i] = (u[i] < v[i] || u[i] != u[i]) ? u[i] : v[i];
      break;
    case OP_CPOW: for (i = b; i < e; i++) y[i] = R_POW(u[i], v[i]); break;
    default: break;
  }
}

/* y = a + p * b * c (addcmul) or a + p * b / c (addcdiv), in Torch7's evaluation order */
static HM_HOT void R(map3) (void *vc, int64_t b, int64_t e) {
  const MapCtx *c = (const MapCtx *)vc;
  real *y = (real *)c->y;
  const real *t = (const real *)c->a, *u = (const real *)c->b, *v = (const real *)c->c;
  const real p = (real)c->p;
  int64_t i;
  if (c->op == OP_ADDCMUL) for (i = b; i < e; i++) y[i] = t[i] + p * u[i] * v[i];
  else for (i = b; i < e; i++) y[i] = t[i] + p * u[i] / v[i];
}

/* mask = a OP b, or a OP p when c->b is NULL; the mask is a byte array of 0 and 1 */
static HM_HOT void R(compare) (void *vc, int64_t b, int64_t e) {
  const MapCtx *c = (const MapCtx *)vc;
  uint8_t *m = (uint8_t *)c->y;
  const real *u = (const real *)c->a, *v = (const real *)c->b;
  const real p = (real)c->p;
  int64_t i;
  if (v == NULL) {
    switch (c->op) {
      case OP_GT: for (i = b; i < e; i++) m[i] = u[i] > p; break;
      case OP_LT: for (i = b; i < e; i++) m[i] = u[i] < p; break;
      case OP_GE: for (i = b; i < e; i++) m[i] = u[i] >= p; break;
      case OP_LE: for (i = b; i < e; i++) m[i] = u[i] <= p; break;
      case OP_EQ: for (i = b; i < e; i++) m[i] = u[i] == p; break;
      default: for (i = b; i < e; i++) m[i] = u[i] != p; break;
    }
  } else {
    switch (c->op) {
      case OP_GT: for (i = b; i < e; i++) m[i] = u[i] > v[i]; break;
      case OP_LT: for (i = b; i < e; i++) m[i] = u[i] < v[i]; break;
      case OP_GE: for (i = b; i < e; i++) m[i] = u[i] >= v[i]; break;
      case OP_LE: for (i = b; i < e; i++) m[i] = u[i] <= v[i]; break;
      case OP_EQ: for (i = b; i < e; i++) m[i] = u[i] == v[i]; break;
      default: for (i = b; i < e; i++) m[i] = u[i] != v[i]; break;
    }
  }
}
