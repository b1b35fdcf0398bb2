/*
** conv_generic.h: the convolution and pooling kernels of conv.c, written once on `real` and
** included twice by it, for float and for double. Before each inclusion conv.c defines:
**   real        the element type
**   R(name)     this type's copy of a kernel, e.g. R(im2col) -> im2col_float
**   R_GEMM      cblas_sgemm or cblas_dgemm
** The kernels read contiguous arrays described by a ConvGeom and a ConvCtx and never raise;
** the bindings have checked every size. The per-sample kernels are hm_RangeFns over
** [b0, b1) of the batch; each chunk claims its own slot of the scratch buffer.
*/

/* ---------------------------------------------------------------- im2col / col2im */

/*
** cols (C*kH*kW, oH*oW) gets the input patches of one sample x (C, H, W):
** cols[(c*kH + kh)*kW + kw][oh*oW + ow] = x[c][oh*dH - padH + kh][ow*dW - padW + kw],
** or 0 where that falls in the padding.
*/
static HM_HOT void R(im2col) (const ConvGeom *g, const real *x, real *cols) {
  const int64_t H = g->H, W = g->W, oH = g->oH, oW = g->oW, oHW = oH * oW;
  const int64_t dH = g->dH, dW = g->dW, pH = g->padH, pW = g->padW;
  int64_t c, kh, kw, oh, ow;
  for (c = 0; c < g->C; c++) {
    const real *xc = x + c * H * W;
    for (kh = 0; kh < g->kH; kh++) {
      for (kw = 0; kw < g->kW; kw++) {
        real *dst = cols + ((c * g->kH + kh) * g->kW + kw) * oHW;
        int64_t lo, hi;
        owrange(W, oW, dW, pW, kw, &lo, &hi);
        for (oh = 0; oh < oH; oh++) {
          int64_t ih = oh * dH - pH + kh;
          real *d = dst + oh * oW;
          const real *src;
          if (ih < 0 || ih >= H) {
            for (ow = 0; ow < oW; ow++) d[ow] = 0;
            continue;
          }
          src = xc + ih * W - pW + kw;          /* src[ow * dW] is x[c][ih][iw] */
          for (ow = 0; ow < lo; ow++) d[ow] = 0;
          if (dW == 1) {
            for (ow = lo; ow < hi; ow++) d[ow] = src[ow];
          } else {
            for (ow = lo; ow < hi; ow++) d[ow] = src[ow * dW];
          }
          for (ow = hi; ow < oW; ow++) d[ow] = 0;
        }
      }
    }
  }
}

/* x (C, H, W) = the sum of cols (C*kH*kW, oH*oW) scattered back onto the pixels each
** column entry came from (the adjoint of im2col); x is overwritten. */
static HM_HOT void R(col2im) (const ConvGeom *g, const real *cols, real *x) {
  const int64_t H = g->H, W = g->W, oH = g->oH, oW = g->oW, oHW = oH * oW;
  const int64_t dH = g->dH, dW = g->dW, pH = g->padH, pW = g->padW;
  int64_t c, kh, kw, oh, ow;
  memset(x, 0, (size_t)(g->C * H * W) * sizeof(real));
  for (c = 0; c < g->C; c++) {
    real *xc = x + c * H * W;
    for (kh = 0; kh < g->kH; kh++) {
      for (kw = 0; kw < g->kW; kw++) {
        const real *src = cols + ((c * g->kH + kh) * g->kW + kw) * oHW;
        int64_t lo, hi;
        owrange(W, oW, dW, pW, kw, &lo, &hi);
        for (oh = 0; oh < oH; oh++) {
          int64_t ih = oh * dH - pH + kh;
          const real *s = src + oh * oW;
          real *d;
          if (ih < 0 || ih >= H) continue;
          d = xc + ih * W - pW + kw;            /* d[ow * dW] is x[c][ih][iw] */
          if (dW == 1) {
            for (ow = lo; ow < hi; ow++) d[ow] += s[ow];
          } else {
            for (ow = lo; ow < hi; ow++) d[ow * dW] += s[ow];
          }
        }
      }
    }
  }
}

/* ---------------------------------------------------------------- convolution */

/* The sum of p[0 .. n-1] in 16 independent lanes, so that it vectorises and is not bound by
** the latency of one chain of adds (a plain loop made the bias gradient a third of the pass). */
static HM_HOT real R(rowsum) (const real *p, int64_t n) {
  real acc[16], s = 0;
  int64_t i, j;
  for (j = 0; j < 16; j++) acc[j] = 0;
  for (i = 0; i + 16 <= n; i += 16)
    for (j = 0; j < 16; j++) acc[j] += p[i + j];
  for (j = 0; j < 16; j++) s += acc[j];
  for (; i < n; i++) s += p[i];
  return s;
}


/* output[b] (F, oH*oW) = weight (F, CKK) * im2col(input[b]) + bias, for b in [b0, b1). */
static void R(conv_forward_range) (void *vc, int64_t b0, int64_t b1) {
  ConvCtx *c = (ConvCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t F = g->F, CKK = g->C * g->kH * g->kW, oHW = g->oH * g->oW;
  const int64_t inplane = g->C * g->H * g->W;
  real *cols = (real *)c->scratch + (int64_t)claimslot(c) * c->slotsize;
  const real *w = (const real *)c->weight, *bias = (const real *)c->bias;
  int64_t b, f, i;
  for (b = b0; b < b1; b++) {
    const real *x = (const real *)c->in + b * inplane;
    real *y = (real *)c->out + b * F * oHW;
    real beta = 0;
    if (bias != NULL) {
      for (f = 0; f < F; f++) {
        real v = bias[f], *yf = y + f * oHW;
        for (i = 0; i < oHW; i++) yf[i] = v;
      }
      beta = 1;
    }
    if (CKK == 0) {                          /* no input planes: bias (or zeros) only */
      if (bias == NULL) memset(y, 0, (size_t)(F * oHW) * sizeof(real));
      continue;
    }
    if (!g->identity) {
      R(im2col)(g, x, cols);
      x = cols;
    }
    R_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)F, (int)oHW, (int)CKK,
           (real)1, w, (int)CKK, x, (int)oHW, beta, y, (int)oHW);
  }
}

/* gradInput[b] = col2im(weight^T (CKK, F) * gradOutput[b] (F, oH*oW)), for b in [b0, b1). */
static void R(conv_backward_input_range) (void *vc, int64_t b0, int64_t b1) {
  ConvCtx *c = (ConvCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t F = g->F, CKK = g->C * g->kH * g->kW, oHW = g->oH * g->oW;
  const int64_t inplane = g->C * g->H * g->W;
  real *cols = (real *)c->scratch + (int64_t)claimslot(c) * c->slotsize;
  const real *w = (const real *)c->weight;
  int64_t b;
  for (b = b0; b < b1; b++) {
    const real *gy = (const real *)c->in + b * F * oHW;
    real *gx = (real *)c->out + b * inplane;
    if (F == 0) {                            /* no output planes: nothing flows back */
      memset(gx, 0, (size_t)inplane * sizeof(real));
      continue;
    }
    R_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)CKK, (int)oHW, (int)F,
           (real)1, w, (int)CKK, gy, (int)oHW, (real)0, g->identity ? gx : cols, (int)oHW);
    if (!g->identity) R(col2im)(g, cols, gx);
  }
}

/*
** For b in [b0, b1): gw (F, CKK) += scale * gradOutput[b] (F, oH*oW) * im2col(input[b])^T and
** gb (F) += scale * the sums of gradOutput[b]'s planes. Slot 0 adds straight into the caller's
** gradWeight/gradBias; the other slots fill private partials that the binding adds afterwards.
*/
static void R(conv_backward_params_range) (void *vc, int64_t b0, int64_t b1) {
  ConvCtx *c = (ConvCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t F = g->F, CKK = g->C * g->kH * g->kW, oHW = g->oH * g->oW;
  const int64_t inplane = g->C * g->H * g->W;
  const int slot = claimslot(c);
  real *cols = (real *)c->scratch + (int64_t)slot * c->slotsize;
  real *gw, *gb;
  const real scale = (real)c->scale;
  int64_t b, f;
  if (slot == 0) {
    gw = (real *)c->gw;
    gb = (real *)c->gb;
  } else {                                   /* partials after the im2col slots */
    real *part = (real *)c->scratch + (int64_t)c->nslots * c->slotsize +
                 (int64_t)(slot - 1) * (F * CKK + F);
    gw = part;
    gb = c->gb != NULL ? part + F * CKK : NULL;
    memset(part, 0, (size_t)(F * CKK + F) * sizeof(real));
  }
  for (b = b0; b < b1; b++) {
    const real *x = (const real *)c->in + b * inplane;
    const real *gy = (const real *)c->gradout + b * F * oHW;
    if (gb != NULL) {
      for (f = 0; f < F; f++) gb[f] += scale * R(rowsum)(gy + f * oHW, oHW);
    }
    if (F == 0 || CKK == 0 || oHW == 0) continue;
    if (!g->identity) {
      R(im2col)(g, x, cols);
      x = cols;
    }
    R_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)F, (int)CKK, (int)oHW,
           scale, gy, (int)oHW, x, (int)oHW, (real)1, gw, (int)CKK);
  }
}

/* Add the partials of slots 1..nslots-1 into gradWeight and gradBias (after the join). */
static void R(conv_reduce_params) (const ConvCtx *c, int used) {
  const ConvGeom *g = c->g;
  const int64_t F = g->F, CKK = g->C * g->kH * g->kW, n = F * CKK + F;
  real *gw = (real *)c->gw, *gb = (real *)c->gb;
  int s;
  int64_t i;
  for (s = 1; s < used; s++) {
    const real *part = (const real *)c->scratch + (int64_t)c->nslots * c->slotsize + (s - 1) * n;
    for (i = 0; i < F * CKK; i++) gw[i] += part[i];
    if (gb != NULL) for (i = 0; i < F; i++) gb[i] += part[F * CKK + i];
  }
}

/* ---------------------------------------------------------------- pooling */

/*
** Max pooling over planes [p0, p1): out and idx (oH, oW) per plane, idx 1-based in the plane.
** Each window is scanned row by row from its first pixel m: a pixel replaces m when greater
** or NaN, so NaN wins (the last NaN of a window, as in Torch7) and an all -inf window picks
** its first pixel. The update is a select, not a branch: on real data the comparison is a coin
** toss and mispredicted jumps made this loop a fifth of a LeNet step.
*/
static HM_HOT void R(maxpool_forward_range) (void *vc, int64_t p0, int64_t p1) {
  const PoolCtx *c = (const PoolCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t H = g->H, W = g->W, oH = g->oH, oW = g->oW;
  int64_t p, oh, ow, ih, iw;
  for (p = p0; p < p1; p++) {
    const real *x = (const real *)c->in + p * H * W;
    real *y = (real *)c->out + p * oH * oW;
    int64_t *ind = c->indices + p * oH * oW;
    for (oh = 0; oh < oH; oh++) {
      int64_t hs = oh * g->dH - g->padH, he = hs + g->kH;
      if (hs < 0) hs = 0;
      if (he > H) he = H;
      for (ow = 0; ow < oW; ow++) {
        int64_t ws = ow * g->dW - g->padW, we = ws + g->kW, best;
        real m;
        if (ws < 0) ws = 0;
        if (we > W) we = W;
        best = hs * W + ws;
        m = (hs < he && ws < we) ? x[best] : (real)0;
        for (ih = hs; ih < he; ih++) {
          const real *row = x + ih * W;
          for (iw = ws; iw < we; iw++) {
            real v = row[iw];
            int take = (v > m) | (v != v);
            m = take ? v : m;
            best = take ? ih * W + iw : best;
          }
        }
        y[oh * oW + ow] = m;
        ind[oh * oW + ow] = best + 1;
      }
    }
  }
}

/*
** The same for the common 2x2 window, stride 2, no padding, every window inside the plane
** (2*oH <= H, 2*oW <= W): the four pixels a b / c d of a window are compared in that order
** with the rule above, and the loop over ow has no clipping, so it vectorises.
*/
static HM_HOT void R(maxpool2x2_forward_range) (void *vc, int64_t p0, int64_t p1) {
  const PoolCtx *c = (const PoolCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t H = g->H, W = g->W, oH = g->oH, oW = g->oW;
  int64_t p, oh, ow;
  for (p = p0; p < p1; p++) {
    const real *x = (const real *)c->in + p * H * W;
    real *y = (real *)c->out + p * oH * oW;
    int64_t *ind = c->indices + p * oH * oW;
    for (oh = 0; oh < oH; oh++) {
      const real *restrict r0 = x + 2 * oh * W, *restrict r1 = r0 + W;
      real *restrict yo = y + oh * oW;
      int64_t *restrict io = ind + oh * oW;
      const int64_t base = 2 * oh * W + 1;    /* 1-based index of the window's first pixel */
      for (ow = 0; ow < oW; ow++) {
        real a = r0[2 * ow], b = r0[2 * ow + 1], cc = r1[2 * ow], d = r1[2 * ow + 1];
        real m = a;
        int64_t k = 0;
        int t;
        t = (b > m) | (b != b);  m = t ? b : m;  k = t ? 1 : k;
        t = (cc > m) | (cc != cc); m = t ? cc : m; k = t ? W : k;
        t = (d > m) | (d != d);  m = t ? d : m;  k = t ? W + 1 : k;
        yo[ow] = m;
        io[ow] = base + 2 * ow + k;
      }
    }
  }
}

/* gradInput planes [p0, p1) = zeros plus gradOutput added at the recorded maxima; an index
** outside its plane sets c->bad (the binding raises) and is skipped. */
static void R(maxpool_backward_range) (void *vc, int64_t p0, int64_t p1) {
  PoolCtx *c = (PoolCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t HW = g->H * g->W, oHW = g->oH * g->oW;
  int64_t p, i;
  for (p = p0; p < p1; p++) {
    real *gx = (real *)c->out + p * HW;
    const real *gy = (const real *)c->in + p * oHW;
    const int64_t *ind = c->indices + p * oHW;
    memset(gx, 0, (size_t)HW * sizeof(real));
    for (i = 0; i < oHW; i++) {
      int64_t k = ind[i] - 1;
      if (k < 0 || k >= HW) { c->bad = 1; continue; }
      gx[k] += gy[i];
    }
  }
}

/* Average pooling over planes [p0, p1) (forward), see poolwindow for the divisor. */
static HM_HOT void R(avgpool_forward_range) (void *vc, int64_t p0, int64_t p1) {
  const PoolCtx *c = (const PoolCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t H = g->H, W = g->W, oH = g->oH, oW = g->oW;
  int64_t p, oh, ow, ih, iw;
  for (p = p0; p < p1; p++) {
    const real *x = (const real *)c->in + p * H * W;
    real *y = (real *)c->out + p * oH * oW;
    for (oh = 0; oh < oH; oh++) {
      for (ow = 0; ow < oW; ow++) {
        int64_t hs, he, ws, we, n;
        real s = 0;
        n = poolwindow(g, c->countpad, oh, ow, &hs, &he, &ws, &we);
        for (ih = hs; ih < he; ih++)
          for (iw = ws; iw < we; iw++) s += x[ih * W + iw];
        y[oh * oW + ow] = n > 0 ? s / (real)n : (real)0;
      }
    }
  }
}

/* Average pooling backward over planes [p0, p1): each gradOutput element spreads evenly
** (divided by the same count as the forward) over its window. */
static void R(avgpool_backward_range) (void *vc, int64_t p0, int64_t p1) {
  const PoolCtx *c = (const PoolCtx *)vc;
  const ConvGeom *g = c->g;
  const int64_t H = g->H, W = g->W, oH = g->oH, oW = g->oW;
  int64_t p, oh, ow, ih, iw;
  for (p = p0; p < p1; p++) {
    real *gx = (real *)c->out + p * H * W;
    const real *gy = (const real *)c->in + p * oH * oW;
    memset(gx, 0, (size_t)(H * W) * sizeof(real));
    for (oh = 0; oh < oH; oh++) {
      for (ow = 0; ow < oW; ow++) {
        int64_t hs, he, ws, we, n;
        real v;
        n = poolwindow(g, c->countpad, oh, ow, &hs, &he, &ws, &we);
        if (n <= 0) continue;
        v = gy[oh * oW + ow] / (real)n;
        for (ih = hs; ih < he; ih++)
          for (iw = ws; iw < we; iw++) gx[ih * W + iw] += v;
      }
    }
  }
}
