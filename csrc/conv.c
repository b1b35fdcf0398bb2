/*
** conv.c: 2D convolution (im2col + GEMM) and 2D max/average pooling, forward and backward,
** for batch (B x C x H x W) and single (C x H x W) input, float and double.
**
** API (all registered as hm._name; nn.SpatialConvolution, nn.SpatialMaxPooling and
** nn.SpatialAveragePooling call them; every tensor argument must have the input's type,
** except indices, which are hm.LongTensor; results are resized in place and returned):
**
**   hm._conv2d_forward(output, input, weight, bias, kW, kH, dW, dH, padW, padH [, scratch])
**       -> output
**     input (B, C, H, W) or (C, H, W); weight (F, C, kH, kW) or (F, C*kH*kW); bias (F) or nil;
**     output becomes (B, F, oH, oW) or (F, oH, oW) with
**     oH = floor((H + 2*padH - kH) / dH) + 1, oW = floor((W + 2*padW - kW) / dW) + 1.
**   hm._conv2d_backward_input(gradInput, input, gradOutput, weight, kW, kH, dW, dH, padW, padH
**                             [, scratch]) -> gradInput
**     gradInput becomes input's shape and is overwritten with d(loss)/d(input).
**   hm._conv2d_backward_params(gradWeight, gradBias, input, gradOutput, kW, kH, dW, dH, padW,
**                              padH [, scale [, scratch]]) -> gradWeight, gradBias
**     ADDS scale * d(loss)/d(weight) to gradWeight and scale * d(loss)/d(bias) to gradBias
**     (nn's accGradParameters: accumulate, never overwrite; scale defaults to 1). gradWeight
**     must already have weight's shape (F, C, kH, kW) or (F, C*kH*kW); gradBias is (F) or nil.
**
**   hm._maxpool2d_forward(output, indices, input, kW, kH, dW, dH, padW, padH [, ceil_mode])
**       -> output, indices
**     output (B, C, oH, oW) or (C, oH, oW); indices (hm.LongTensor, same shape) hold the
**     1-based position of each maximum inside its input plane, (h - 1) * W + w (Torch7's
**     convention). Padding counts as -inf. NaN wins (propagates), as in Torch7.
**   hm._maxpool2d_backward(gradInput, input, gradOutput, indices) -> gradInput
**     gradInput becomes input's shape: zeros, plus each gradOutput element added at its index.
**   hm._avgpool2d_forward(output, input, kW, kH, dW, dH, padW, padH [, ceil_mode
**                         [, count_include_pad]]) -> output
**   hm._avgpool2d_backward(gradInput, input, gradOutput, kW, kH, dW, dH, padW, padH
**                          [, ceil_mode [, count_include_pad]]) -> gradInput
**     count_include_pad defaults to true (Torch7): each window divides by its size clipped to
**     the padded input; false divides by the number of real input pixels it covers.
**   Pooling output size: floor mode as for convolution; ceil_mode (default false) rounds up,
**   then drops a last window that would start in the right/bottom padding (Torch7).
**
**   hm._conv2d_direct([on]) -> whether float stride-1 convolutions took the direct AVX-512
**     kernels (conv_avx512.c) before the call: false where the CPU lacks AVX-512F. A boolean
**     turns them on or off from then on (specs and benches compare them with im2col + GEMM).
**
**   scratch: an optional tensor of the input's type, owned by the caller (nn keeps it as
**   self.finput / self.fgradInput) and reused across calls, so the hot path allocates nothing;
**   its size and contents are this file's business (it is resized as needed). Without it a
**   temporary is allocated per call.
**
** Errors (raised before anything is written): wrong types, input not 3D/4D, weight/bias/
** gradOutput/indices shapes not matching (both shapes printed), kW/kH/dW/dH < 1, padW/padH < 0
** (pooling: pad > kernel/2, as Torch7), kernel larger than the padded input.
*/
#include <limits.h>
#include <string.h>

#include <cblas.h>

#include "tensor.h"
#include "gemm.h"
#include "conv_avx512.h"

/* OpenBLAS's thread control (blas.c declares them the same way). */
void openblas_set_num_threads (int num_threads);
int openblas_get_num_threads (void);

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HM_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HM_HOT
#endif

/*
** Strategy. Convolution is im2col + GEMM, one sample at a time, as Torch7's
** SpatialConvolutionMM: the patches of sample b become a (C*kH*kW, oH*oW) column matrix, and
**   forward         output[b] (F, oHW)  = weight (F, CKK) * cols + bias
**   backward input  cols = weight^T (CKK, F) * gradOutput[b] (F, oHW); col2im(cols) -> gradInput[b]
**   backward params gradWeight (F, CKK) += scale * gradOutput[b] * cols^T; gradBias += plane sums
** The column matrix of one sample (300 KB for 3x32x32, 5x5) stays in L2, so it is rebuilt in
** the weight pass rather than kept from the forward pass (Torch7's finput would be 20 MB).
** On a batch, the samples are split over our thread pool, each chunk with its own column slot
** in the caller's scratch tensor and OpenBLAS set to one thread for the duration: at these
** sizes (64 x 75 x 1024) one GEMM per core beats one GEMM on both cores, and only one pool
** is awake at a time (DESIGN.md). Weight gradients of chunks other than the first go to
** private partials, added after the join, so the sum does not depend on timing. A single
** sample, or hm.setnumthreads(1), runs serially with OpenBLAS's own threads.
** A 1x1 kernel with stride 1 and no padding needs no im2col: the input is the column matrix.
** On CPUs with AVX-512, float convolutions with stride 1 (and padding below the kernel size)
** skip im2col and GEMM altogether: conv_avx512.c computes them directly from the planes
** (why, there). They are split over the batch the same way.
** Pooling is a direct loop per plane, parallel over the B*C planes of large inputs.
*/

/* Sizes of one convolution or pooling call (C is F for pooling, whose planes are independent). */
typedef struct ConvGeom {
  int64_t B, C, H, W, F;
  int64_t kH, kW, dH, dW, padH, padW;
  int64_t oH, oW;
  int identity;               /* 1x1 kernel, stride 1, no padding: columns are the input */
} ConvGeom;

typedef struct ConvCtx {
  const ConvGeom *g;
  const void *in;             /* input (forward, params) or gradOutput (backward input) */
  void *out;                  /* output or gradInput */
  const void *weight, *bias, *gradout;
  void *gw, *gb;              /* gradWeight, gradBias (NULL: no bias) */
  const DConvShape *ds;       /* the direct kernels' shape, or NULL */
  void *scratch;              /* nslots column slots of slotsize elements, then partials */
  int64_t slotsize;
  int nslots;
  int nextslot;               /* claimed atomically by the chunks */
  double scale;
} ConvCtx;

typedef struct PoolCtx {
  const ConvGeom *g;
  const void *in;             /* input (forward) or gradOutput (backward) */
  void *out;                  /* output (forward) or gradInput (backward) */
  int64_t *indices;
  int countpad;               /* average pooling: divide by the window clipped to the padding */
  int bad;                    /* max pooling backward met an index outside its plane */
} PoolCtx;

/* ===================================================================== kernels */

/* The output columns [lo, hi) whose input column ow*dW - pW + kw lies inside [0, W). */
static void owrange (int64_t W, int64_t oW, int64_t dW, int64_t pW, int64_t kw,
                     int64_t *lo, int64_t *hi) {
  int64_t a = pW - kw, b = W + pW - kw;   /* need a <= ow*dW < b */
  *lo = a <= 0 ? 0 : (a + dW - 1) / dW;
  *hi = b <= 0 ? 0 : (b + dW - 1) / dW;
  if (*lo > oW) *lo = oW;
  if (*hi > oW) *hi = oW;
  if (*hi < *lo) *hi = *lo;
}

/*
** The input window [hs, he) x [ws, we) of pooling output (oh, ow), clipped to the image, and
** the count an average divides by: with countpad, the window clipped to the padded input
** (Torch7's count_include_pad); without, the pixels of the image it covers.
*/
static int64_t poolwindow (const ConvGeom *g, int countpad, int64_t oh, int64_t ow,
                           int64_t *hs, int64_t *he, int64_t *ws, int64_t *we) {
  int64_t h0 = oh * g->dH - g->padH, w0 = ow * g->dW - g->padW;
  int64_t h1 = h0 + g->kH, w1 = w0 + g->kW, n;
  if (h1 > g->H + g->padH) h1 = g->H + g->padH;
  if (w1 > g->W + g->padW) w1 = g->W + g->padW;
  n = (h1 - h0) * (w1 - w0);
  if (h0 < 0) h0 = 0;
  if (w0 < 0) w0 = 0;
  if (h1 > g->H) h1 = g->H;
  if (w1 > g->W) w1 = g->W;
  if (h1 < h0) h1 = h0;
  if (w1 < w0) w1 = w0;
  *hs = h0; *he = h1; *ws = w0; *we = w1;
  return countpad ? n : (h1 - h0) * (w1 - w0);
}

/* The scratch slot of the calling chunk: chunks claim slots in the order they start. */
static int claimslot (ConvCtx *c) {
  int slot = __atomic_fetch_add(&c->nextslot, 1, __ATOMIC_RELAXED);
  return slot < c->nslots ? slot : c->nslots - 1;   /* cannot happen: chunks <= slots */
}

/* Float products go through gemm.c (our AVX-512 kernel where there is one); called inside
** this file's parallel regions it runs on the calling thread. Same arguments as cblas. */
static void conv_sgemm (CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N,
                        int K, float alpha, const float *A, int lda, const float *B, int ldb,
                        float beta, float *C, int ldc) {
  (void)order;                       /* always CblasRowMajor here */
  hm_sgemm(ta == CblasTrans, tb == CblasTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#define real float
#define R(name) name##_float
#define R_GEMM conv_sgemm
#include "conv_generic.h"
#undef real
#undef R
#undef R_GEMM

#define real double
#define R(name) name##_double
#define R_GEMM cblas_dgemm
#include "conv_generic.h"
#undef real
#undef R
#undef R_GEMM

/* ---------------------------------------------------------------- direct (AVX-512) */

/* The direct kernels are on where the CPU has them; hm._conv2d_direct(false) turns them off,
** so that specs can compare them with im2col + GEMM and benches can time both. */
static int direct_on = 1;

/* Whether a convolution takes the direct kernels: float, stride 1, planes on both sides, and
** not a 1x1 kernel (a plain GEMM already). */
static int usedirect (const ConvGeom *g, int type) {
  return direct_on && type == HM_FLOAT && g->dW == 1 && g->dH == 1 && !g->identity &&
         g->C > 0 && g->F > 0 && hm_avx512_available();
}

static void dshape (const ConvGeom *g, DConvShape *s) {
  s->C = g->C; s->H = g->H; s->W = g->W; s->F = g->F; s->kH = g->kH; s->kW = g->kW;
  s->padH = g->padH; s->padW = g->padW; s->oH = g->oH; s->oW = g->oW;
}

static void dconv_forward_range (void *vc, int64_t b0, int64_t b1) {
  ConvCtx *c = (ConvCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t inplane = g->C * g->H * g->W, outplane = g->F * g->oH * g->oW;
  float *work = (float *)c->scratch + (int64_t)claimslot(c) * c->slotsize;
  int64_t b;
  for (b = b0; b < b1; b++)
    hm_dconv_forward(c->ds, (const float *)c->in + b * inplane, (const float *)c->weight,
                     (const float *)c->bias, (float *)c->out + b * outplane, work);
}

static void dconv_backward_input_range (void *vc, int64_t b0, int64_t b1) {
  ConvCtx *c = (ConvCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t inplane = g->C * g->H * g->W, outplane = g->F * g->oH * g->oW;
  float *work = (float *)c->scratch + (int64_t)claimslot(c) * c->slotsize;
  int64_t b;
  for (b = b0; b < b1; b++)
    hm_dconv_backward_input(c->ds, (const float *)c->in + b * outplane, (const float *)c->weight,
                            (float *)c->out + b * inplane, work);
}

/* As conv_backward_params_range: slot 0 adds into gradWeight/gradBias, the others into
** partials after the slots (conv_reduce_params_float adds them). */
static void dconv_backward_params_range (void *vc, int64_t b0, int64_t b1) {
  ConvCtx *c = (ConvCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t F = g->F, CKK = g->C * g->kH * g->kW, oHW = g->oH * g->oW;
  const int slot = claimslot(c);
  float *work = (float *)c->scratch + (int64_t)slot * c->slotsize;
  const float *gy = (const float *)c->gradout;
  const float scale = (float)c->scale;
  float *gw, *gb;
  int64_t b, f;
  if (slot == 0) {
    gw = (float *)c->gw;
    gb = (float *)c->gb;
  } else {
    float *part = (float *)c->scratch + (int64_t)c->nslots * c->slotsize +
                  (int64_t)(slot - 1) * (F * CKK + F);
    gw = part;
    gb = c->gb != NULL ? part + F * CKK : NULL;
    memset(part, 0, (size_t)(F * CKK + F) * sizeof(float));
  }
  if (gb != NULL)
    for (b = b0; b < b1; b++)
      for (f = 0; f < F; f++) gb[f] += scale * rowsum_float(gy + (b * F + f) * oHW, oHW);
  hm_dconv_backward_params(c->ds, (const float *)c->in + b0 * g->C * g->H * g->W,
                           gy + b0 * F * oHW, b1 - b0, scale, gw, work);
}

/* Below this many multiply-adds a batch stays on one thread: waking the pool costs more
** than it saves (a tiny convolution took 1 us serially and 15-25 us split). */
#define CONV_PARALLEL_MACS ((int64_t)1 << 21)

/* Column slots for a batch: one per thread when the batch is split over the pool. */
static int conv_nslots (const ConvGeom *g) {
  int nt = hm_getnumthreads();
  int64_t macs = g->B * g->F * g->C * g->kH * g->kW * g->oH * g->oW;
  if (g->B <= 1 || nt <= 1 || macs < CONV_PARALLEL_MACS) return 1;
  return g->B < nt ? (int)g->B : nt;
}

/*
** Run fn over the B samples: split over the pool with OpenBLAS on one thread when
** c->nslots > 1, else serially. Returns the number of slots the chunks used.
*/
static int conv_run (hm_RangeFn fn, ConvCtx *c, int64_t B) {
  c->nextslot = 0;
  if (B <= 0) return 0;
  if (c->nslots > 1) {
    int saved = openblas_get_num_threads();
    if (saved != 1) openblas_set_num_threads(1);
    hm_parallel_for(B, 1, fn, c);
    if (saved != 1) openblas_set_num_threads(saved);
  } else {
    fn(c, 0, B);
  }
  return c->nextslot < c->nslots ? c->nextslot : c->nslots;
}

static void maxpool2x2_avx512_range (void *vc, int64_t p0, int64_t p1) {
  const PoolCtx *c = (const PoolCtx *)vc;
  hm_maxpool2x2_avx512((const float *)c->in, (float *)c->out, c->indices, p0, p1, c->g->H,
                       c->g->W, c->g->oH, c->g->oW);
}

/* Run a pooling kernel over the P planes of H x W pixels, in parallel when large. */
static void pool_run (hm_RangeFn fn, PoolCtx *c, int64_t P, int64_t HW) {
  int64_t grain = HM_PARALLEL_GRAIN / (HW > 0 ? HW : 1);
  hm_parallel_for(P, grain > 0 ? grain : 1, fn, c);
}

/* ===================================================================== bindings */

#define MAXKERNEL ((int64_t)1 << 30)   /* kernel, stride and padding limit: no overflow below */

/* Read kW, kH, dW, dH, padW, padH from arg .. arg+5. pool: padding at most half the kernel. */
static void checkkernel (lua_State *L, int arg, ConvGeom *g, int pool) {
  static const char *const what[] = { "kernel width", "kernel height", "stride", "stride",
                                      "padding", "padding" };
  int64_t v[6];
  int i;
  for (i = 0; i < 6; i++) {
    lua_Integer x = luaL_checkinteger(L, arg + i);
    if (i < 4 && x < 1)
      luaL_argerror(L, arg + i, lua_pushfstring(L, "%s must be positive, got %I", what[i], x));
    if (i >= 4 && x < 0)
      luaL_argerror(L, arg + i, lua_pushfstring(L, "%s must be non-negative, got %I", what[i], x));
    if (x > MAXKERNEL)
      luaL_argerror(L, arg + i, lua_pushfstring(L, "%s too large (%I)", what[i], x));
    v[i] = x;
  }
  g->kW = v[0]; g->kH = v[1]; g->dW = v[2]; g->dH = v[3]; g->padW = v[4]; g->padH = v[5];
  if (pool && (g->padW > g->kW / 2 || g->padH > g->kH / 2))
    luaL_argerror(L, g->padW > g->kW / 2 ? arg + 4 : arg + 5, lua_pushfstring(L,
      "padding must be at most half the kernel size, got padW = %I, padH = %I for a %I x %I "
      "kernel (kH x kW)", (lua_Integer)g->padW, (lua_Integer)g->padH, (lua_Integer)g->kH,
      (lua_Integer)g->kW));
  g->identity = g->kW == 1 && g->kH == 1 && g->dW == 1 && g->dH == 1 && g->padW == 0 &&
                g->padH == 0;
}

/* Input (B, C, H, W) or (C, H, W): fill B (1 for a single sample), C, H, W; return ndim. */
static int checkinput (lua_State *L, int arg, const Tensor *in, ConvGeom *g) {
  int o;
  if (in->ndim != 3 && in->ndim != 4) {
    char s[HM_SHAPEBUF];
    Tensor_shapestr(in, s, sizeof s);
    luaL_argerror(L, arg, lua_pushfstring(L,
      "3D (C x H x W) or 4D (B x C x H x W) input expected, got %dD %s", in->ndim, s));
  }
  o = in->ndim - 3;
  g->B = o ? in->size[0] : 1;
  g->C = in->size[o]; g->H = in->size[o + 1]; g->W = in->size[o + 2];
  return in->ndim;
}

/* Output size from input, kernel, stride and padding; raise when the kernel does not fit. */
static void outsize (lua_State *L, int arg, ConvGeom *g, int ceilmode) {
  int64_t eh = g->H + 2 * g->padH - g->kH, ew = g->W + 2 * g->padW - g->kW;
  if (eh < 0 || ew < 0)
    luaL_argerror(L, arg, lua_pushfstring(L,
      "kernel size %I x %I (kH x kW) is larger than the padded input size %I x %I",
      (lua_Integer)g->kH, (lua_Integer)g->kW, (lua_Integer)(g->H + 2 * g->padH),
      (lua_Integer)(g->W + 2 * g->padW)));
  if (ceilmode) {
    g->oH = (eh + g->dH - 1) / g->dH + 1;
    g->oW = (ew + g->dW - 1) / g->dW + 1;
    /* the last window must start inside the image or its left/top padding (Torch7) */
    if ((g->oH - 1) * g->dH >= g->H + g->padH) g->oH--;
    if ((g->oW - 1) * g->dW >= g->W + g->padW) g->oW--;
  } else {
    g->oH = eh / g->dH + 1;
    g->oW = ew / g->dW + 1;
  }
}

/* Fill size[] with (B, P, h, w) or (P, h, w) for an ndim-D tensor; return ndim. */
static int shape4 (int64_t *size, int ndim, int64_t B, int64_t P, int64_t h, int64_t w) {
  int i = 0;
  if (ndim == 4) size[i++] = B;
  size[i++] = P; size[i++] = h; size[i] = w;
  return ndim;
}

/* Raise "size mismatch: what is [..], expected [..]" (the expected shape built from size). */
static int shapeerror (lua_State *L, int arg, const char *what, const Tensor *t, int ndim,
                       const int64_t *size) {
  Tensor e;
  char s1[HM_SHAPEBUF], s2[HM_SHAPEBUF];
  memset(&e, 0, sizeof e);
  e.ndim = ndim;
  memcpy(e.size, size, sizeof(int64_t) * (size_t)ndim);
  Tensor_shapestr(t, s1, sizeof s1);
  Tensor_shapestr(&e, s2, sizeof s2);
  return luaL_argerror(L, arg, lua_pushfstring(L, "size mismatch: %s is %s, expected %s",
                                               what, s1, s2));
}

static int hasshape (const Tensor *t, int ndim, const int64_t *size) {
  return t->ndim == ndim && memcmp(t->size, size, sizeof(int64_t) * (size_t)ndim) == 0;
}

/* weight (F, C, kH, kW) or (F, C*kH*kW) for g's input and kernel; sets g->F. */
static void checkweight (lua_State *L, int arg, const char *what, const Tensor *w, ConvGeom *g) {
  int64_t size[4];
  g->F = w->ndim >= 1 ? w->size[0] : 0;
  size[0] = g->F;
  if (w->ndim == 2) {
    size[1] = g->C * g->kH * g->kW;
    if (!hasshape(w, 2, size)) shapeerror(L, arg, what, w, 2, size);
  } else {
    size[1] = g->C; size[2] = g->kH; size[3] = g->kW;
    if (!hasshape(w, 4, size)) shapeerror(L, arg, what, w, 4, size);
  }
}

static void checkbias (lua_State *L, int arg, const char *what, const Tensor *b, int64_t F) {
  if (b != NULL && !hasshape(b, 1, &F)) shapeerror(L, arg, what, b, 1, &F);
}

/* Sizes BLAS takes as int. */
static void checkblas (lua_State *L, const ConvGeom *g) {
  if (g->C * g->kH * g->kW > INT_MAX || g->oH * g->oW > INT_MAX || g->F > INT_MAX)
    luaL_error(L, "convolution too large for BLAS (a matrix side above 2^31-1)");
}

static int sharestorage (const Tensor *t, const Tensor *const *others, int n) {
  int i;
  for (i = 0; i < n; i++)
    if (others[i] != NULL && others[i]->storage == t->storage) return 1;
  return 0;
}

/* An optional tensor argument of the given type (nil gives NULL). */
static Tensor *opttensor (lua_State *L, int arg, int type) {
  return lua_isnoneornil(L, arg) ? NULL : hm_checktensortype(L, arg, type);
}

/* An optional boolean argument. */
static int optboolean (lua_State *L, int arg, int def) {
  if (lua_isnoneornil(L, arg)) return def;
  luaL_checktype(L, arg, LUA_TBOOLEAN);
  return lua_toboolean(L, arg);
}

/*
** The result at arg (a tensor of the type, or nil for a new one) resized to the shape. Returns
** where the kernel should write: the result itself when contiguous and not sharing storage
** with the operands, else a pushed temporary that the caller copies back (*tmp = 1).
*/
static Tensor *prepresult (lua_State *L, int arg, int type, int ndim, const int64_t *size,
                           const Tensor *const *operands, int n, int *tmp) {
  Tensor *r;
  *tmp = 0;
  if (lua_isnoneornil(L, arg)) {
    hm_newtensor(L, type, ndim, size);
    lua_replace(L, arg);
  }
  r = hm_resize(L, arg, ndim, size);
  if (!Tensor_iscontiguous(r) || sharestorage(r, operands, n)) {
    *tmp = 1;
    return hm_newtensor(L, type, ndim, size);
  }
  return r;
}

/* Data of the scratch tensor at arg resized to n elements, or of a pushed temporary when the
** argument is nil or cannot serve (non-contiguous after resize, or shares an operand). */
static void *getscratch (lua_State *L, int arg, int type, int64_t n,
                         const Tensor *const *operands, int nops) {
  Tensor *s = NULL;
  if (!lua_isnoneornil(L, arg) && !sharestorage(hm_checktensor(L, arg), operands, nops)) {
    s = hm_resize(L, arg, 1, &n);
    if (!Tensor_iscontiguous(s)) s = NULL;
  }
  if (s == NULL) s = hm_newtensor(L, type, 1, &n);
  return Tensor_data(s);
}

/*
** hm._conv2d_forward(output, input, weight, bias, kW, kH, dW, dH, padW, padH [, scratch])
** -> output. input (B, C, H, W) or (C, H, W); weight (F, C, kH, kW) or (F, C*kH*kW); bias (F)
** or nil; output (nil for a new one) becomes (B, F, oH, oW) or (F, oH, oW).
*/
static int conv_forward (lua_State *L) {
  Tensor *in = hm_checktensor(L, 2), *w, *b, *out;
  ConvGeom g;
  ConvCtx c;
  DConvShape ds;
  int64_t size[4];
  int ndim, tmp, type, direct;
  hm_checkfloating(L, 2, in);
  type = in->type;
  if (!lua_isnoneornil(L, 1)) hm_checktensortype(L, 1, type);
  w = hm_checktensortype(L, 3, type);
  b = opttensor(L, 4, type);
  checkkernel(L, 5, &g, 0);
  if (!lua_isnoneornil(L, 11)) hm_checktensortype(L, 11, type);
  ndim = checkinput(L, 2, in, &g);
  checkweight(L, 3, "weight", w, &g);
  checkbias(L, 4, "bias", b, g.F);
  outsize(L, 5, &g, 0);
  checkblas(L, &g);
  direct = usedirect(&g, type);
  in = hm_pushcontiguous(L, 2);
  w = hm_pushcontiguous(L, 3);
  if (b != NULL) b = hm_pushcontiguous(L, 4);
  {
    const Tensor *ops[4];
    ops[0] = in; ops[1] = w; ops[2] = b;
    shape4(size, ndim, g.B, g.F, g.oH, g.oW);
    out = prepresult(L, 1, type, ndim, size, ops, 3, &tmp);
    ops[3] = out;
    memset(&c, 0, sizeof c);
    c.g = &g; c.in = Tensor_data(in); c.out = Tensor_data(out);
    c.weight = Tensor_data(w); c.bias = b != NULL ? Tensor_data(b) : NULL;
    c.nslots = conv_nslots(&g);
    if (direct) {
      dshape(&g, &ds);
      c.ds = &ds;
      c.slotsize = hm_dconv_forward_work(&ds);
    } else {
      c.slotsize = g.identity ? 0 : g.C * g.kH * g.kW * g.oH * g.oW;
    }
    c.scratch = getscratch(L, 11, type, c.nslots * c.slotsize, ops, 4);
  }
  conv_run(direct ? dconv_forward_range
                  : type == HM_FLOAT ? conv_forward_range_float : conv_forward_range_double,
           &c, g.B);
  if (tmp) Tensor_copy(hm_checktensor(L, 1), out);
  lua_pushvalue(L, 1);
  return 1;
}

/*
** hm._conv2d_backward_input(gradInput, input, gradOutput, weight, kW, kH, dW, dH, padW, padH
** [, scratch]) -> gradInput, overwritten with the gradient with respect to input (its shape).
** gradOutput must have the forward output's shape.
*/
static int conv_backward_input (lua_State *L) {
  Tensor *in = hm_checktensor(L, 2), *gy, *w, *gx;
  ConvGeom g;
  ConvCtx c;
  DConvShape ds;
  int64_t size[4];
  int ndim, tmp, type, direct;
  hm_checkfloating(L, 2, in);
  type = in->type;
  if (!lua_isnoneornil(L, 1)) hm_checktensortype(L, 1, type);
  gy = hm_checktensortype(L, 3, type);
  w = hm_checktensortype(L, 4, type);
  checkkernel(L, 5, &g, 0);
  if (!lua_isnoneornil(L, 11)) hm_checktensortype(L, 11, type);
  ndim = checkinput(L, 2, in, &g);
  checkweight(L, 4, "weight", w, &g);
  outsize(L, 5, &g, 0);
  shape4(size, ndim, g.B, g.F, g.oH, g.oW);
  if (!hasshape(gy, ndim, size)) shapeerror(L, 3, "gradOutput", gy, ndim, size);
  checkblas(L, &g);
  direct = usedirect(&g, type);
  gy = hm_pushcontiguous(L, 3);
  w = hm_pushcontiguous(L, 4);
  {
    const Tensor *ops[3];
    ops[0] = gy; ops[1] = w;
    shape4(size, ndim, g.B, g.C, g.H, g.W);
    gx = prepresult(L, 1, type, ndim, size, ops, 2, &tmp);
    ops[2] = gx;
    memset(&c, 0, sizeof c);
    c.g = &g; c.in = Tensor_data(gy); c.out = Tensor_data(gx); c.weight = Tensor_data(w);
    c.nslots = conv_nslots(&g);
    if (direct) {
      dshape(&g, &ds);
      c.ds = &ds;
      c.slotsize = hm_dconv_input_work(&ds);
    } else {
      c.slotsize = g.identity ? 0 : g.C * g.kH * g.kW * g.oH * g.oW;
    }
    c.scratch = getscratch(L, 11, type, c.nslots * c.slotsize, ops, 3);
  }
  conv_run(direct ? dconv_backward_input_range
                  : type == HM_FLOAT ? conv_backward_input_range_float
                                     : conv_backward_input_range_double, &c, g.B);
  if (tmp) Tensor_copy(hm_checktensor(L, 1), gx);
  lua_pushvalue(L, 1);
  return 1;
}

/* A contiguous tensor to accumulate into for the one at arg: itself, or a pushed copy that the
** caller copies back (*tmp = 1). */
static Tensor *accumtarget (lua_State *L, int arg, const Tensor *const *ops, int n, int *tmp) {
  Tensor *t = hm_checktensor(L, arg), *c;
  *tmp = 0;
  if (Tensor_iscontiguous(t) && !sharestorage(t, ops, n)) return t;
  *tmp = 1;
  c = hm_newtensorlike(L, t, t->type);
  Tensor_copy(c, t);
  return c;
}

/*
** hm._conv2d_backward_params(gradWeight, gradBias, input, gradOutput, kW, kH, dW, dH, padW,
** padH [, scale [, scratch]]) -> gradWeight, gradBias. Adds scale (default 1) times the
** gradients with respect to weight and bias; gradWeight (F, C, kH, kW) or (F, C*kH*kW) and
** gradBias (F) or nil are never resized.
*/
static int conv_backward_params (lua_State *L) {
  Tensor *in = hm_checktensor(L, 3), *gw, *gb, *gy;
  ConvGeom g;
  ConvCtx c;
  DConvShape ds;
  int64_t size[4];
  int ndim, tmpw, tmpb = 0, type, used, direct;
  lua_Number scale;
  hm_checkfloating(L, 3, in);
  type = in->type;
  gw = hm_checktensortype(L, 1, type);
  gb = opttensor(L, 2, type);
  gy = hm_checktensortype(L, 4, type);
  checkkernel(L, 5, &g, 0);
  scale = luaL_optnumber(L, 11, 1.0);
  if (!lua_isnoneornil(L, 12)) hm_checktensortype(L, 12, type);
  ndim = checkinput(L, 3, in, &g);
  checkweight(L, 1, "gradWeight", gw, &g);
  checkbias(L, 2, "gradBias", gb, g.F);
  outsize(L, 5, &g, 0);
  shape4(size, ndim, g.B, g.F, g.oH, g.oW);
  if (!hasshape(gy, ndim, size)) shapeerror(L, 4, "gradOutput", gy, ndim, size);
  checkblas(L, &g);
  direct = usedirect(&g, type);
  in = hm_pushcontiguous(L, 3);
  gy = hm_pushcontiguous(L, 4);
  {
    const Tensor *ops[4];
    int64_t CKK = g.C * g.kH * g.kW;
    ops[0] = in; ops[1] = gy; ops[2] = NULL; ops[3] = NULL;
    gw = accumtarget(L, 1, ops, 2, &tmpw);
    if (gb != NULL) {
      ops[2] = gw;
      gb = accumtarget(L, 2, ops, 3, &tmpb);
    }
    ops[2] = gw; ops[3] = gb;
    memset(&c, 0, sizeof c);
    c.g = &g; c.in = Tensor_data(in); c.gradout = Tensor_data(gy);
    c.gw = Tensor_data(gw); c.gb = gb != NULL ? Tensor_data(gb) : NULL;
    c.scale = scale;
    c.nslots = conv_nslots(&g);
    if (direct) {
      dshape(&g, &ds);
      c.ds = &ds;
      /* a chunk of hm_parallel_for holds at most ceil(B / nslots) samples */
      c.slotsize = hm_dconv_params_work(&ds, (g.B + c.nslots - 1) / c.nslots);
    } else {
      c.slotsize = g.identity ? 0 : CKK * g.oH * g.oW;
    }
    c.scratch = getscratch(L, 12, type, c.nslots * c.slotsize +
                           (c.nslots - 1) * (g.F * CKK + g.F), ops, 4);
  }
  used = conv_run(direct ? dconv_backward_params_range
                         : type == HM_FLOAT ? conv_backward_params_range_float
                                            : conv_backward_params_range_double, &c, g.B);
  if (type == HM_FLOAT) conv_reduce_params_float(&c, used);
  else conv_reduce_params_double(&c, used);
  if (tmpw) Tensor_copy(hm_checktensor(L, 1), gw);
  if (tmpb) Tensor_copy(hm_checktensor(L, 2), gb);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  return 2;
}

/* Pooling input and geometry: planes are treated as C (g->F = g->C). */
static int poolgeom (lua_State *L, int inarg, const Tensor *in, int karg, ConvGeom *g,
                     int ceilmode) {
  int ndim;
  checkkernel(L, karg, g, 1);
  ndim = checkinput(L, inarg, in, g);
  outsize(L, karg, g, ceilmode);
  g->F = g->C;
  return ndim;
}

/*
** hm._maxpool2d_forward(output, indices, input, kW, kH, dW, dH, padW, padH [, ceil_mode])
** -> output, indices. input (B, C, H, W) or (C, H, W); output and indices (hm.LongTensor, the
** 1-based position (h-1)*W + w of each maximum in its plane) become (B, C, oH, oW) or
** (C, oH, oW); either may be nil for a new one.
*/
static int conv_maxpool_forward (lua_State *L) {
  Tensor *in = hm_checktensor(L, 3), *out, *ind;
  ConvGeom g;
  PoolCtx c;
  int64_t size[4];
  int ndim, tmp, tmpi, type;
  const Tensor *ops[1];
  hm_checkfloating(L, 3, in);
  type = in->type;
  if (!lua_isnoneornil(L, 1)) hm_checktensortype(L, 1, type);
  if (!lua_isnoneornil(L, 2)) hm_checktensortype(L, 2, HM_LONG);
  ndim = poolgeom(L, 3, in, 4, &g, optboolean(L, 10, 0));
  in = hm_pushcontiguous(L, 3);
  ops[0] = in;
  shape4(size, ndim, g.B, g.C, g.oH, g.oW);
  out = prepresult(L, 1, type, ndim, size, ops, 1, &tmp);
  ind = prepresult(L, 2, HM_LONG, ndim, size, ops, 1, &tmpi);
  memset(&c, 0, sizeof c);
  c.g = &g; c.in = Tensor_data(in); c.out = Tensor_data(out);
  c.indices = (int64_t *)Tensor_data(ind);
  {
    /* 2x2, stride 2, no padding, windows inside the plane (floor mode, or ceil mode where
    ** it rounds nothing up): the vectorised kernel */
    int fast = g.kW == 2 && g.kH == 2 && g.dW == 2 && g.dH == 2 && g.padW == 0 &&
               g.padH == 0 && 2 * g.oH <= g.H && 2 * g.oW <= g.W;
    hm_RangeFn fn;
    if (type == HM_FLOAT && fast && g.W < ((int64_t)1 << 30) && hm_avx512_available())
      fn = maxpool2x2_avx512_range;
    else if (type == HM_FLOAT) fn = fast ? maxpool2x2_forward_range_float : maxpool_forward_range_float;
    else fn = fast ? maxpool2x2_forward_range_double : maxpool_forward_range_double;
    pool_run(fn, &c, g.B * g.C, g.H * g.W);
  }
  if (tmp) Tensor_copy(hm_checktensor(L, 1), out);
  if (tmpi) Tensor_copy(hm_checktensor(L, 2), ind);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  return 2;
}

/*
** hm._maxpool2d_backward(gradInput, input, gradOutput, indices) -> gradInput: input's shape,
** zeros plus each gradOutput element added at its index. gradOutput and indices have the
** forward output's shape. Errors: an index outside its plane (raised after gradInput is
** written without it).
*/
static int conv_maxpool_backward (lua_State *L) {
  Tensor *in = hm_checktensor(L, 2), *gy, *ind, *gx;
  ConvGeom g;
  PoolCtx c;
  int64_t size[4];
  int ndim, tmp, type;
  const Tensor *ops[2];
  hm_checkfloating(L, 2, in);
  type = in->type;
  if (!lua_isnoneornil(L, 1)) hm_checktensortype(L, 1, type);
  gy = hm_checktensortype(L, 3, type);
  ind = hm_checktensortype(L, 4, HM_LONG);
  ndim = checkinput(L, 2, in, &g);
  g.F = g.C;
  if (gy->ndim != ndim || gy->size[0] != in->size[0] || (ndim == 4 && gy->size[1] != g.C)) {
    shape4(size, ndim, g.B, g.C, gy->ndim == ndim ? gy->size[ndim - 2] : 1,
           gy->ndim == ndim ? gy->size[ndim - 1] : 1);
    shapeerror(L, 3, "gradOutput", gy, ndim, size);
  }
  g.oH = gy->size[ndim - 2];
  g.oW = gy->size[ndim - 1];
  if (!Tensor_samesize(ind, gy)) hm_sizeerror(L, 4, "indices", ind, "gradOutput", gy);
  gy = hm_pushcontiguous(L, 3);
  ind = hm_pushcontiguous(L, 4);
  ops[0] = gy; ops[1] = ind;
  shape4(size, ndim, g.B, g.C, g.H, g.W);
  gx = prepresult(L, 1, type, ndim, size, ops, 2, &tmp);
  memset(&c, 0, sizeof c);
  c.g = &g; c.in = Tensor_data(gy); c.out = Tensor_data(gx);
  c.indices = (int64_t *)Tensor_data(ind);
  pool_run(type == HM_FLOAT ? maxpool_backward_range_float : maxpool_backward_range_double,
           &c, g.B * g.C, g.H * g.W);
  if (tmp) Tensor_copy(hm_checktensor(L, 1), gx);
  if (c.bad)
    luaL_argerror(L, 4, lua_pushfstring(L, "index out of range: indices must lie in 1..%I "
                                        "(positions in a %I x %I input plane)",
                                        (lua_Integer)(g.H * g.W), (lua_Integer)g.H,
                                        (lua_Integer)g.W));
  lua_pushvalue(L, 1);
  return 1;
}

/*
** hm._avgpool2d_forward(output, input, kW, kH, dW, dH, padW, padH [, ceil_mode
** [, count_include_pad]]) -> output (B, C, oH, oW) or (C, oH, oW). count_include_pad defaults
** to true (Torch7).
*/
static int conv_avgpool_forward (lua_State *L) {
  Tensor *in = hm_checktensor(L, 2), *out;
  ConvGeom g;
  PoolCtx c;
  int64_t size[4];
  int ndim, tmp, type, countpad;
  const Tensor *ops[1];
  hm_checkfloating(L, 2, in);
  type = in->type;
  if (!lua_isnoneornil(L, 1)) hm_checktensortype(L, 1, type);
  ndim = poolgeom(L, 2, in, 3, &g, optboolean(L, 9, 0));
  countpad = optboolean(L, 10, 1);
  in = hm_pushcontiguous(L, 2);
  ops[0] = in;
  shape4(size, ndim, g.B, g.C, g.oH, g.oW);
  out = prepresult(L, 1, type, ndim, size, ops, 1, &tmp);
  memset(&c, 0, sizeof c);
  c.g = &g; c.in = Tensor_data(in); c.out = Tensor_data(out); c.countpad = countpad;
  pool_run(type == HM_FLOAT ? avgpool_forward_range_float : avgpool_forward_range_double,
           &c, g.B * g.C, g.H * g.W);
  if (tmp) Tensor_copy(hm_checktensor(L, 1), out);
  lua_pushvalue(L, 1);
  return 1;
}

/*
** hm._avgpool2d_backward(gradInput, input, gradOutput, kW, kH, dW, dH, padW, padH
** [, ceil_mode [, count_include_pad]]) -> gradInput (input's shape). gradOutput must have the
** forward output's shape.
*/
static int conv_avgpool_backward (lua_State *L) {
  Tensor *in = hm_checktensor(L, 2), *gy, *gx;
  ConvGeom g;
  PoolCtx c;
  int64_t size[4];
  int ndim, tmp, type, countpad;
  const Tensor *ops[1];
  hm_checkfloating(L, 2, in);
  type = in->type;
  if (!lua_isnoneornil(L, 1)) hm_checktensortype(L, 1, type);
  gy = hm_checktensortype(L, 3, type);
  ndim = poolgeom(L, 2, in, 4, &g, optboolean(L, 10, 0));
  countpad = optboolean(L, 11, 1);
  shape4(size, ndim, g.B, g.C, g.oH, g.oW);
  if (!hasshape(gy, ndim, size)) shapeerror(L, 3, "gradOutput", gy, ndim, size);
  gy = hm_pushcontiguous(L, 3);
  ops[0] = gy;
  shape4(size, ndim, g.B, g.C, g.H, g.W);
  gx = prepresult(L, 1, type, ndim, size, ops, 1, &tmp);
  memset(&c, 0, sizeof c);
  c.g = &g; c.in = Tensor_data(gy); c.out = Tensor_data(gx); c.countpad = countpad;
  pool_run(type == HM_FLOAT ? avgpool_backward_range_float : avgpool_backward_range_double,
           &c, g.B * g.C, g.H * g.W);
  if (tmp) Tensor_copy(hm_checktensor(L, 1), gx);
  lua_pushvalue(L, 1);
  return 1;
}

/*
** hm._conv2d_direct([on]) -> whether float convolutions took the direct AVX-512 kernels before
** the call (false where the CPU lacks them); a boolean turns them on or off from now on.
*/
static int conv_direct (lua_State *L) {
  int was = direct_on && hm_avx512_available();
  if (!lua_isnoneornil(L, 1)) direct_on = optboolean(L, 1, 1);
  lua_pushboolean(L, was);
  return 1;
}

static const hm_Reg conv_funcs[] = {
  {"_conv2d_direct", conv_direct, HM_FUNCTION},
  {"_conv2d_forward", conv_forward, HM_FUNCTION},
  {"_conv2d_backward_input", conv_backward_input, HM_FUNCTION},
  {"_conv2d_backward_params", conv_backward_params, HM_FUNCTION},
  {"_maxpool2d_forward", conv_maxpool_forward, HM_FUNCTION},
  {"_maxpool2d_backward", conv_maxpool_backward, HM_FUNCTION},
  {"_avgpool2d_forward", conv_avgpool_forward, HM_FUNCTION},
  {"_avgpool2d_backward", conv_avgpool_backward, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_conv (lua_State *L, int F, int M) {
  hm_register(L, F, M, conv_funcs);
}
