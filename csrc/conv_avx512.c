/*
** conv_avx512.c: AVX-512 kernels for conv.c (float): direct stride-1 convolution (forward,
** input gradient, weight gradient) and 2x2 stride-2 max pooling. See conv_avx512.h.
*/
#include <string.h>

#include "conv_avx512.h"

/*
** Why direct convolution. The layers of small networks (LeNet: 1 -> 6 and 6 -> 16 planes,
** 5x5) have so few input planes that im2col + GEMM spends most of its time copying: the
** column matrix is kH*kW times the output, the GEMMs are thin (M = 6 or 16) and OpenBLAS packs
** both operands again on every sample. Here the sums are blocked in registers straight from
** the input, as an implicit GEMM.
**
** Shifted copies. With stride 1, output (oh, ow) reads the padded input at (oh + kh, ow + kw).
** Let xs[c][kw] be padded plane c cut to the columns [kw, kw + oW): Hp rows of oW. Then, with
** j = oh*oW + ow, that input is xs[c][kw][j + kh*oW]: every row of im2col's column matrix is a
** contiguous run of xs, and 16 consecutive outputs are one unaligned load. xs is kW copies of
** the input (im2col makes kH*kW copies of the output) and is rebuilt per sample, in cache.
**   forward       y[f][j] = b[f] + sum over c, kh, kw of w[f][c][kh][kw] xs[c][kw][j + kh*oW]
**   weight grad   gw[f][c][kh][kw] += sum over samples and j of gy[f][j] xs[c][kw][j + kh*oW]
**   input grad    the taps t = (c, kh, kw) first, T[t][j] = sum over f of w[f][t] gy[f][j]
**                 (a GEMM with K = F, blocked the same way), then each vector of gx gathers
**                 its kH*kW taps from T with masked loads (col2im as a gather: no overlapping
**                 read-modify-writes of gx rows, which stall on store forwarding).
** Lanes past the end of a plane are masked on load, so no sum ever sees them.
*/

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#define HM_AVX512 __attribute__((target("avx512f")))
#define HM_INLINE512 static inline __attribute__((always_inline, target("avx512f")))
#ifdef __clang__
#define HM_UNROLL _Pragma("unroll")
#else
#define HM_UNROLL _Pragma("GCC unroll 8")
#endif

int hm_avx512_available (void) {
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
  }
  return cached;
}

#define MAXNJ 6

/* The lanes [0, n) of a vector, n clipped to [0, 16]. */
static __mmask16 lanes (int64_t n) {
  return (__mmask16)(n <= 0 ? 0 : n >= 16 ? 0xFFFF : (1u << n) - 1);
}

/* Vectors of 16 lanes per block, and rows (filters or taps) per block, for M rows and nvec
** vectors: the shape among 8x3, 6x4 and 4x6 registers with the least work, counting the
** multiply-adds of lanes past the end and the loads and broadcasts of each step. */
static void blockshape (int64_t M, int64_t nvec, int *MB, int *NJ) {
  static const int shapes[3][2] = { { 8, 3 }, { 6, 4 }, { 4, 6 } };
  double best = 0;
  int i;
  for (i = 0; i < 3; i++) {
    const int64_t mb = shapes[i][0], nj = shapes[i][1];
    const int64_t nblk = (nvec + nj - 1) / nj, mblk = (M + mb - 1) / mb;
    const double cost = (double)(M * nblk * nj) / 2 + (double)(mblk * nblk * nj + M * nblk) / 3;
    if (i == 0 || cost < best) {
      best = cost;
      *MB = (int)mb;
      *NJ = (int)nj;
    }
  }
}

/* ---------------------------------------------------------------- shifted copies */

/* Plane stride of xs: Hp*oW rounded up to 16. */
static int64_t xs_stride (int64_t Hp, int64_t oW) {
  return (Hp * oW + 15) / 16 * 16;
}

/* xs (C*kW planes of stride PS) = the shifted copies of x (C, H, W) padded by padH, padW. The
** masks depend on the column block only, so the rows are the inner loop: one masked load and
** one masked store each. */
HM_AVX512 static void build_shifted (const float *x, int64_t C, int64_t H, int64_t W,
                                     int64_t padH, int64_t padW, int64_t kW, int64_t Hp,
                                     int64_t oW, int64_t PS, float *xs) {
  const __m512 zero = _mm512_setzero_ps();
  const int64_t r0 = padH < Hp ? padH : Hp, r1 = padH + H < Hp ? padH + H : Hp;
  int64_t c, kw, r, ow0;
  for (c = 0; c < C; c++) {
    for (kw = 0; kw < kW; kw++) {
      float *d = xs + (c * kW + kw) * PS;
      const int64_t off = kw - padW;             /* input column of output column 0 */
      for (ow0 = 0; ow0 < oW; ow0 += 16) {
        /* mo: the lanes of the output row; m: those inside the input row (the others are 0) */
        const __mmask16 mo = lanes(oW - ow0);
        int64_t lo = -(off + ow0), hi = W - (off + ow0);
        const float *src;
        __mmask16 m;
        if (lo < 0) lo = 0;
        if (hi > oW - ow0) hi = oW - ow0;
        m = lo >= hi ? 0 : (__mmask16)(lanes(hi) & ~lanes(lo));
        for (r = 0; r < r0; r++) _mm512_mask_storeu_ps(d + r * oW + ow0, mo, zero);
        src = x + c * H * W + (r0 - padH) * W + off + ow0;
        for (; r < r1; r++, src += W)
          _mm512_mask_storeu_ps(d + r * oW + ow0, mo, _mm512_maskz_loadu_ps(m, src));
        for (; r < Hp; r++) _mm512_mask_storeu_ps(d + r * oW + ow0, mo, zero);
      }
    }
  }
}

/* ---------------------------------------------------------------- forward */

typedef struct Fwd {
  const float *xs;            /* Ci*kW shifted planes of stride PS */
  int64_t Ci, kH, kW, oW, PS;
  const float *w;             /* (Fo, Ci, kH, kW) */
  int64_t Fo;
  const float *bias;          /* Fo, or NULL */
  float *y;                   /* (Fo, J) */
  int64_t J;
} Fwd;

/*
** Filters [f0, f0 + FB) times the NJ vectors of outputs from j0: FB*NJ accumulators stay in
** registers over the whole (Ci, kW, kH) sum; each step loads NJ input vectors and broadcasts
** FB weights. FB, NJ and TAIL (the last block: loads and stores masked at J) are constants
** at every call, so the loops unroll.
*/
HM_INLINE512 void fwd_block (const Fwd *c, int64_t j0, int64_t f0, const int FB, const int NJ,
                             const int TAIL, const __mmask16 *lm) {
  __m512 acc[8][MAXNJ];
  const int64_t KK = c->kH * c->kW, CKK = c->Ci * KK;
  int64_t ci, kw, kh;
  int fb, n;
  HM_UNROLL
  for (fb = 0; fb < FB; fb++) {
    __m512 b = _mm512_set1_ps(c->bias != NULL ? c->bias[f0 + fb] : 0.0f);
    HM_UNROLL
    for (n = 0; n < NJ; n++) acc[fb][n] = b;
  }
  for (ci = 0; ci < c->Ci; ci++) {
    for (kw = 0; kw < c->kW; kw++) {
      const float *xp = c->xs + (ci * c->kW + kw) * c->PS + j0;
      const float *wp = c->w + f0 * CKK + ci * KK + kw;
      for (kh = 0; kh < c->kH; kh++) {
        __m512 xv[MAXNJ];
        HM_UNROLL
        for (n = 0; n < NJ; n++)
          xv[n] = TAIL ? _mm512_maskz_loadu_ps(lm[n], xp + kh * c->oW + 16 * n)
                       : _mm512_loadu_ps(xp + kh * c->oW + 16 * n);
        HM_UNROLL
        for (fb = 0; fb < FB; fb++) {
          __m512 w = _mm512_set1_ps(wp[fb * CKK + kh * c->kW]);
          HM_UNROLL
          for (n = 0; n < NJ; n++) acc[fb][n] = _mm512_fmadd_ps(w, xv[n], acc[fb][n]);
        }
      }
    }
  }
  HM_UNROLL
  for (fb = 0; fb < FB; fb++) {
    float *y = c->y + (f0 + fb) * c->J + j0;
    HM_UNROLL
    for (n = 0; n < NJ; n++) {
      if (!TAIL) _mm512_storeu_ps(y + 16 * n, acc[fb][n]);
      else if (lm[n] != 0) _mm512_mask_storeu_ps(y + 16 * n, lm[n], acc[fb][n]);
    }
  }
}

#define FWD_CASE(fb, nj) case fb: \
  if (tail) fwd_block(c, j0, f0, fb, nj, 1, lm); else fwd_block(c, j0, f0, fb, nj, 0, lm); \
  break

HM_AVX512 static void fwd_run (const Fwd *c) {
  const int64_t nvec = (c->J + 15) / 16;
  int64_t j0, f0;
  int FBMAX, NJ;
  blockshape(c->Fo, nvec, &FBMAX, &NJ);
  for (j0 = 0; j0 < c->J; j0 += 16 * NJ) {
    const int tail = j0 + 16 * NJ > c->J;
    __mmask16 lm[MAXNJ];
    int n;
    for (n = 0; n < NJ; n++) lm[n] = lanes(c->J - j0 - 16 * n);
    for (f0 = 0; f0 < c->Fo; f0 += FBMAX) {
      const int64_t fb = c->Fo - f0 < FBMAX ? c->Fo - f0 : FBMAX;
      if (NJ == 3) {
        switch (fb) {
          FWD_CASE(1, 3); FWD_CASE(2, 3); FWD_CASE(3, 3); FWD_CASE(4, 3);
          FWD_CASE(5, 3); FWD_CASE(6, 3); FWD_CASE(7, 3); default: FWD_CASE(8, 3);
        }
      } else if (NJ == 4) {
        switch (fb) {
          FWD_CASE(1, 4); FWD_CASE(2, 4); FWD_CASE(3, 4); FWD_CASE(4, 4);
          FWD_CASE(5, 4); default: FWD_CASE(6, 4);
        }
      } else {
        switch (fb) { FWD_CASE(1, 6); FWD_CASE(2, 6); FWD_CASE(3, 6); default: FWD_CASE(4, 6); }
      }
    }
  }
}

int64_t hm_dconv_forward_work (const DConvShape *s) {
  return s->C * s->kW * xs_stride(s->H + 2 * s->padH, s->oW);
}

void hm_dconv_forward (const DConvShape *s, const float *x, const float *w, const float *bias,
                       float *y, float *work) {
  Fwd c;
  const int64_t Hp = s->H + 2 * s->padH;
  c.PS = xs_stride(Hp, s->oW);
  build_shifted(x, s->C, s->H, s->W, s->padH, s->padW, s->kW, Hp, s->oW, c.PS, work);
  c.xs = work; c.Ci = s->C; c.kH = s->kH; c.kW = s->kW; c.oW = s->oW;
  c.w = w; c.Fo = s->F; c.bias = bias;
  c.y = y; c.J = s->oH * s->oW;
  fwd_run(&c);
}

/* ---------------------------------------------------------------- input gradient */

typedef struct Taps {
  const float *gy;            /* (F, J) */
  int64_t F, J;
  const float *w;             /* (F, T) */
  int64_t T;
  float *t;                   /* (T, TS) */
  int64_t TS;
} Taps;

/* Taps [t0, t0 + TB) times NJ vectors of outputs from j0, summed over the F planes. */
HM_INLINE512 void taps_block (const Taps *c, int64_t j0, int64_t t0, const int TB, const int NJ,
                              const int TAIL, const __mmask16 *lm) {
  __m512 acc[8][MAXNJ];
  int64_t f;
  int tb, n;
  HM_UNROLL
  for (tb = 0; tb < TB; tb++) {
    HM_UNROLL
    for (n = 0; n < NJ; n++) acc[tb][n] = _mm512_setzero_ps();
  }
  for (f = 0; f < c->F; f++) {
    const float *g = c->gy + f * c->J + j0;
    const float *wp = c->w + f * c->T + t0;
    __m512 gv[MAXNJ];
    HM_UNROLL
    for (n = 0; n < NJ; n++)
      gv[n] = TAIL ? _mm512_maskz_loadu_ps(lm[n], g + 16 * n) : _mm512_loadu_ps(g + 16 * n);
    HM_UNROLL
    for (tb = 0; tb < TB; tb++) {
      __m512 w = _mm512_set1_ps(wp[tb]);
      HM_UNROLL
      for (n = 0; n < NJ; n++) acc[tb][n] = _mm512_fmadd_ps(w, gv[n], acc[tb][n]);
    }
  }
  HM_UNROLL
  for (tb = 0; tb < TB; tb++) {
    float *t = c->t + (t0 + tb) * c->TS + j0;
    HM_UNROLL
    for (n = 0; n < NJ; n++)
      if (!TAIL || lm[n] != 0) _mm512_storeu_ps(t + 16 * n, acc[tb][n]);   /* TS covers it */
  }
}

#define TAPS_CASE(tb, nj) case tb: \
  if (tail) taps_block(c, j0, t0, tb, nj, 1, lm); else taps_block(c, j0, t0, tb, nj, 0, lm); \
  break

HM_AVX512 static void taps_run (const Taps *c) {
  const int64_t nvec = (c->J + 15) / 16;
  int64_t j0, t0;
  int TBMAX, NJ;
  blockshape(c->T, nvec, &TBMAX, &NJ);
  for (j0 = 0; j0 < c->J; j0 += 16 * NJ) {
    const int tail = j0 + 16 * NJ > c->J;
    __mmask16 lm[MAXNJ];
    int n;
    for (n = 0; n < NJ; n++) lm[n] = lanes(c->J - j0 - 16 * n);
    for (t0 = 0; t0 < c->T; t0 += TBMAX) {
      const int64_t tb = c->T - t0 < TBMAX ? c->T - t0 : TBMAX;
      if (NJ == 3) {
        switch (tb) {
          TAPS_CASE(1, 3); TAPS_CASE(2, 3); TAPS_CASE(3, 3); TAPS_CASE(4, 3);
          TAPS_CASE(5, 3); TAPS_CASE(6, 3); TAPS_CASE(7, 3); default: TAPS_CASE(8, 3);
        }
      } else if (NJ == 4) {
        switch (tb) {
          TAPS_CASE(1, 4); TAPS_CASE(2, 4); TAPS_CASE(3, 4); TAPS_CASE(4, 4);
          TAPS_CASE(5, 4); default: TAPS_CASE(6, 4);
        }
      } else {
        switch (tb) {
          TAPS_CASE(1, 6); TAPS_CASE(2, 6); TAPS_CASE(3, 6); default: TAPS_CASE(4, 6);
        }
      }
    }
  }
}

/*
** gx (C, H, W) from the taps T (C*kH*kW rows of stride TS, each an (oH, oW) plane): each
** vector of 16 pixels adds, for every tap whose output row exists, the tap's plane at the
** shifted position, under masks[wv*kW + kw] (the lanes whose output column exists).
*/
HM_AVX512 static void gather_taps (const DConvShape *s, const float *t, int64_t TS,
                                   const __mmask16 *masks, float *gx) {
  const int64_t H = s->H, W = s->W, kH = s->kH, kW = s->kW, oH = s->oH, oW = s->oW;
  const int64_t nwv = (W + 15) / 16;
  int64_t c, ih, wv, kh, kw;
  for (c = 0; c < s->C; c++) {
    for (ih = 0; ih < H; ih++) {
      float *g = gx + (c * H + ih) * W;
      /* the rows kh whose output row oh = ih + padH - kh exists */
      const int64_t khlo = ih + s->padH - oH + 1 > 0 ? ih + s->padH - oH + 1 : 0;
      const int64_t khhi = ih + s->padH + 1 < kH ? ih + s->padH + 1 : kH;
      for (wv = 0; wv < nwv; wv++) {
        const int64_t iw0 = 16 * wv;
        const __mmask16 *mk = masks + wv * kW;
        /* four partial sums: one chain of kH*kW dependent adds would wait on their latency */
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (kh = khlo; kh < khhi; kh++) {
          /* tap (c, kh, kw) at output (oh, iw0 + padW - kw) */
          const float *row = t + (c * kH + kh) * kW * TS + (ih + s->padH - kh) * oW + iw0 +
                             s->padW;
          for (kw = 0; kw + 4 <= kW; kw += 4) {
            a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(mk[kw], row + kw * (TS - 1)));
            a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(mk[kw + 1], row + (kw + 1) * (TS - 1)));
            a2 = _mm512_add_ps(a2, _mm512_maskz_loadu_ps(mk[kw + 2], row + (kw + 2) * (TS - 1)));
            a3 = _mm512_add_ps(a3, _mm512_maskz_loadu_ps(mk[kw + 3], row + (kw + 3) * (TS - 1)));
          }
          for (; kw < kW; kw++)
            a3 = _mm512_add_ps(a3, _mm512_maskz_loadu_ps(mk[kw], row + kw * (TS - 1)));
        }
        a0 = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        if (W - iw0 >= 16) _mm512_storeu_ps(g + iw0, a0);
        else _mm512_mask_storeu_ps(g + iw0, lanes(W - iw0), a0);
      }
    }
  }
}

/* Slack before and after T: the gather's masked loads start up to kW - 1 before a row and
** end up to kW + 15 after one. */
static int64_t taps_slack (const DConvShape *s) {
  return (s->kW + 15) / 16 * 16 + 16;
}

int64_t hm_dconv_input_work (const DConvShape *s) {
  const int64_t TS = (s->oH * s->oW + 15) / 16 * 16, nwv = (s->W + 15) / 16;
  const int64_t maskfloats = (nwv * s->kW * (int64_t)sizeof(__mmask16) + 63) / 64 * 16;
  return s->C * s->kH * s->kW * TS + 2 * taps_slack(s) + maskfloats;
}

void hm_dconv_backward_input (const DConvShape *s, const float *gy, const float *w, float *gx,
                              float *work) {
  Taps c;
  const int64_t slack = taps_slack(s), nwv = (s->W + 15) / 16;
  __mmask16 *masks;
  int64_t wv, kw;
  c.gy = gy; c.F = s->F; c.J = s->oH * s->oW;
  c.w = w; c.T = s->C * s->kH * s->kW;
  c.TS = (c.J + 15) / 16 * 16;
  c.t = work + slack;
  masks = (__mmask16 *)(void *)(c.t + c.T * c.TS + slack);
  for (wv = 0; wv < nwv; wv++)
    for (kw = 0; kw < s->kW; kw++) {
      /* lanes l with an output column ow = 16wv + l + padW - kw in [0, oW) and a pixel */
      const int64_t ow0 = 16 * wv + s->padW - kw;
      int64_t lo = -ow0, hi = s->oW - ow0;
      if (hi > s->W - 16 * wv) hi = s->W - 16 * wv;
      if (lo < 0) lo = 0;
      masks[wv * s->kW + kw] = lo >= hi ? 0 : (__mmask16)(lanes(hi) & ~lanes(lo));
    }
  taps_run(&c);
  gather_taps(s, c.t, c.TS, masks, gx);
}

/* ---------------------------------------------------------------- weight gradient */

typedef struct Prm {
  const float *xs;            /* per sample Ci*kW shifted planes of stride PS */
  int64_t Ci, kH, kW, oW, PS;
  const float *gy;            /* (nb, Fo, J) */
  int64_t Fo, J, nb;
  float *vacc;                /* Fo*Ci*kH*kW accumulators of 16 lanes, between chunks */
  float *gw;                  /* (Fo, Ci, kH, kW), added to at the last chunk */
  float scale;
  int first, last;            /* the chunk is the first / the last of the call */
} Prm;

/*
** Filters [f0, f0 + FB) of input plane ci, kernel column kw, rows [kh0, kh0 + KB): FB*KB
** accumulators over the nb samples of a chunk; each step loads FB gradOutput vectors and KB
** inputs. The accumulators start at 0 in the first chunk (else from vacc) and end in vacc,
** or, in the last chunk, summed over their lanes into gw.
*/
HM_INLINE512 void prm_block (const Prm *p, int64_t f0, int64_t ci, int64_t kw, int64_t kh0,
                             const int FB, const int KB) {
  __m512 acc[4][5];
  const int64_t KK = p->kH * p->kW, CKK = p->Ci * KK, nfull = p->J / 16;
  const int64_t w0 = f0 * CKK + ci * KK + kh0 * p->kW + kw;    /* weight (f0, ci, kh0, kw) */
  const __mmask16 mt = lanes(p->J % 16);
  int64_t b, v;
  int fb, k;
  HM_UNROLL
  for (fb = 0; fb < FB; fb++) {
    HM_UNROLL
    for (k = 0; k < KB; k++)
      acc[fb][k] = p->first ? _mm512_setzero_ps()
                            : _mm512_loadu_ps(p->vacc + 16 * (w0 + fb * CKK + k * p->kW));
  }
  for (b = 0; b < p->nb; b++) {
    const float *g = p->gy + (b * p->Fo + f0) * p->J;
    const float *xp = p->xs + ((b * p->Ci + ci) * p->kW + kw) * p->PS + kh0 * p->oW;
    for (v = 0; v < nfull; v++) {
      __m512 gv[4];
      HM_UNROLL
      for (fb = 0; fb < FB; fb++) gv[fb] = _mm512_loadu_ps(g + fb * p->J + 16 * v);
      HM_UNROLL
      for (k = 0; k < KB; k++) {
        __m512 xv = _mm512_loadu_ps(xp + k * p->oW + 16 * v);
        HM_UNROLL
        for (fb = 0; fb < FB; fb++) acc[fb][k] = _mm512_fmadd_ps(gv[fb], xv, acc[fb][k]);
      }
    }
    if (mt != 0) {              /* the last, partial vector: both operands masked */
      __m512 gv[4];
      HM_UNROLL
      for (fb = 0; fb < FB; fb++) gv[fb] = _mm512_maskz_loadu_ps(mt, g + fb * p->J + 16 * v);
      HM_UNROLL
      for (k = 0; k < KB; k++) {
        __m512 xv = _mm512_maskz_loadu_ps(mt, xp + k * p->oW + 16 * v);
        HM_UNROLL
        for (fb = 0; fb < FB; fb++) acc[fb][k] = _mm512_fmadd_ps(gv[fb], xv, acc[fb][k]);
      }
    }
  }
  HM_UNROLL
  for (fb = 0; fb < FB; fb++) {
    HM_UNROLL
    for (k = 0; k < KB; k++) {
      const int64_t i = w0 + fb * CKK + k * p->kW;
      if (p->last) p->gw[i] += p->scale * _mm512_reduce_add_ps(acc[fb][k]);
      else _mm512_storeu_ps(p->vacc + 16 * i, acc[fb][k]);
    }
  }
}

#define PRM_CASE(fb, kb) case kb: prm_block(p, f0, ci, kw, kh0, fb, kb); break
#define PRM_FB(fb) \
  switch (kb) { \
    PRM_CASE(fb, 1); PRM_CASE(fb, 2); PRM_CASE(fb, 3); PRM_CASE(fb, 4); default: PRM_CASE(fb, 5); \
  }

HM_AVX512 static void prm_run (const Prm *p) {
  int64_t ci, kw, f0, kh0;
  for (ci = 0; ci < p->Ci; ci++)
    for (kw = 0; kw < p->kW; kw++)
      for (f0 = 0; f0 < p->Fo; f0 += 4) {
        const int64_t fb = p->Fo - f0 < 4 ? p->Fo - f0 : 4;
        for (kh0 = 0; kh0 < p->kH; kh0 += 5) {
          const int64_t kb = p->kH - kh0 < 5 ? p->kH - kh0 : 5;
          switch (fb) {
            case 1: PRM_FB(1); break;
            case 2: PRM_FB(2); break;
            case 3: PRM_FB(3); break;
            default: PRM_FB(4); break;
          }
        }
      }
}

/*
** Samples per chunk of the weight gradient. The chunk's shifted copies should stay in L2
** (256 KB), but every chunk but the last also moves the vector accumulators, 64 bytes per
** weight, through memory: enough samples that this stays small beside the multiply-adds
** (16 vectors of lanes per weight, 64 when the accumulators outgrow L2), within 16 MB of
** copies.
*/
static int64_t prm_pb (const DConvShape *s, int64_t nb) {
  const int64_t per = s->C * s->kW * xs_stride(s->H + 2 * s->padH, s->oW);
  const int64_t nvec = (s->oH * s->oW + 15) / 16, nw = s->F * s->C * s->kH * s->kW;
  const int64_t want = ((nw * 16 > 65536 ? 64 : 16) + nvec - 1) / nvec;
  int64_t pb = 65536 / per;
  if (pb < want) pb = want;
  if (pb > 4194304 / per) pb = 4194304 / per;
  if (pb < 1) pb = 1;
  if (pb > nb) pb = nb > 0 ? nb : 1;
  return pb;
}

int64_t hm_dconv_params_work (const DConvShape *s, int64_t nb) {
  const int64_t pb = prm_pb(s, nb);
  return (pb < nb ? s->F * s->C * s->kH * s->kW * 16 : 0) +      /* vacc: several chunks */
         pb * s->C * s->kW * xs_stride(s->H + 2 * s->padH, s->oW);
}

void hm_dconv_backward_params (const DConvShape *s, const float *x, const float *gy, int64_t nb,
                               float scale, float *gw, float *work) {
  Prm p;
  const int64_t Hp = s->H + 2 * s->padH, nw = s->F * s->C * s->kH * s->kW;
  const int64_t pb = prm_pb(s, nb), inplane = s->C * s->H * s->W, J = s->oH * s->oW;
  int64_t b0, b;
  if (nb <= 0) return;
  p.Ci = s->C; p.kH = s->kH; p.kW = s->kW; p.oW = s->oW;
  p.PS = xs_stride(Hp, s->oW);
  p.Fo = s->F; p.J = J;
  p.vacc = pb < nb ? work : NULL;
  p.xs = work + (pb < nb ? nw * 16 : 0);
  p.gw = gw;
  p.scale = scale;
  for (b0 = 0; b0 < nb; b0 += pb) {
    p.nb = nb - b0 < pb ? nb - b0 : pb;
    p.first = b0 == 0;
    p.last = b0 + p.nb >= nb;
    for (b = 0; b < p.nb; b++)
      build_shifted(x + (b0 + b) * inplane, s->C, s->H, s->W, s->padH, s->padW, s->kW, Hp,
                    s->oW, p.PS, (float *)p.xs + b * s->C * s->kW * p.PS);
    p.gy = gy + b0 * s->F * J;
    prm_run(&p);
  }
}

/* ---------------------------------------------------------------- max pooling */

HM_AVX512 void hm_maxpool2x2_avx512 (const float *x, float *y, int64_t *ind, int64_t p0,
                                     int64_t p1, int64_t H, int64_t W, int64_t oH, int64_t oW) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i kb = _mm512_set1_epi32(1), kc = _mm512_set1_epi32((int)W),
                kd = _mm512_set1_epi32((int)W + 1);
  int64_t p, oh, ow;
  for (p = p0; p < p1; p++) {
    const float *xp = x + p * H * W;
    float *yp = y + p * oH * oW;
    int64_t *ip = ind + p * oH * oW;
    for (oh = 0; oh < oH; oh++) {
      const float *r0 = xp + 2 * oh * W, *r1 = r0 + W;
      const int64_t base = 2 * oh * W + 1;
      for (ow = 0; ow < oW; ow += 16) {
        const int64_t n = oW - ow < 16 ? oW - ow : 16;
        const __mmask16 mlo = (__mmask16)(n >= 8 ? 0xFFFF : (1u << (2 * n)) - 1);
        const __mmask16 mhi = (__mmask16)(n > 8 ? (1u << (2 * n - 16)) - 1 : 0);
        const __mmask16 mout = (__mmask16)((1u << n) - 1);
        __m512 lo0 = _mm512_maskz_loadu_ps(mlo, r0 + 2 * ow);
        __m512 hi0 = _mm512_maskz_loadu_ps(mhi, r0 + 2 * ow + 16);
        __m512 lo1 = _mm512_maskz_loadu_ps(mlo, r1 + 2 * ow);
        __m512 hi1 = _mm512_maskz_loadu_ps(mhi, r1 + 2 * ow + 16);
        __m512 a = _mm512_permutex2var_ps(lo0, even, hi0), b = _mm512_permutex2var_ps(lo0, odd, hi0);
        __m512 c = _mm512_permutex2var_ps(lo1, even, hi1), d = _mm512_permutex2var_ps(lo1, odd, hi1);
        __m512 m = a;
        __m512i k = _mm512_setzero_si512(), idx;
        __mmask16 t;
        /* a pixel replaces the maximum when greater or NaN (the scalar loops' rule) */
        t = _mm512_cmp_ps_mask(b, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q);
        m = _mm512_mask_mov_ps(m, t, b); k = _mm512_mask_mov_epi32(k, t, kb);
        t = _mm512_cmp_ps_mask(c, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(c, c, _CMP_UNORD_Q);
        m = _mm512_mask_mov_ps(m, t, c); k = _mm512_mask_mov_epi32(k, t, kc);
        t = _mm512_cmp_ps_mask(d, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q);
        m = _mm512_mask_mov_ps(m, t, d); k = _mm512_mask_mov_epi32(k, t, kd);
        _mm512_mask_storeu_ps(yp + oh * oW + ow, mout, m);
        /* index = base + 2*(ow + lane) + k, as 64-bit */
        idx = _mm512_add_epi32(k, _mm512_slli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8,
                                                                     7, 6, 5, 4, 3, 2, 1, 0), 1));
        {
          const __m512i off = _mm512_set1_epi64(base + 2 * ow);
          __m512i i0 = _mm512_add_epi64(off, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(idx)));
          __m512i i1 = _mm512_add_epi64(off, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(idx, 1)));
          _mm512_mask_storeu_epi64(ip + oh * oW + ow, (__mmask8)(mout & 0xFF), i0);
          _mm512_mask_storeu_epi64(ip + oh * oW + ow + 8, (__mmask8)(mout >> 8), i1);
        }
      }
    }
  }
}

#else   /* no x86-64 AVX-512 here: conv.c never calls the kernels */

int hm_avx512_available (void) { return 0; }
int64_t hm_dconv_forward_work (const DConvShape *s) { (void)s; return 0; }
int64_t hm_dconv_input_work (const DConvShape *s) { (void)s; return 0; }
int64_t hm_dconv_params_work (const DConvShape *s, int64_t nb) { (void)s; (void)nb; return 0; }
void hm_dconv_forward (const DConvShape *s, const float *x, const float *w, const float *bias,
                       float *y, float *work) {
  (void)s; (void)x; (void)w; (void)bias; (void)y; (void)work;
}
void hm_dconv_backward_input (const DConvShape *s, const float *gy, const float *w, float *gx,
                              float *work) {
  (void)s; (void)gy; (void)w; (void)gx; (void)work;
}
void hm_dconv_backward_params (const DConvShape *s, const float *x, const float *gy, int64_t nb,
                               float scale, float *gw, float *work) {
  (void)s; (void)x; (void)gy; (void)nb; (void)scale; (void)gw; (void)work;
}
void hm_maxpool2x2_avx512 (const float *x, float *y, int64_t *ind, int64_t p0, int64_t p1,
                           int64_t H, int64_t W, int64_t oH, int64_t oW) {
  (void)x; (void)y; (void)ind; (void)p0; (void)p1; (void)H; (void)W; (void)oH; (void)oW;
}

#endif
