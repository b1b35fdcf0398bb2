/*
** conv_avx512.h: AVX-512 kernels for conv.c (float only): direct stride-1 convolution and
** 2x2 stride-2 max pooling. conv.c calls them when hm_avx512_available() is true and keeps
** its portable im2col + GEMM and pooling loops for everything else.
*/
#ifndef HM_CONV_AVX512_H
#define HM_CONV_AVX512_H

#include <stdint.h>

/* One stride-1 convolution: input (C, H, W), weight (F, C, kH, kW), output (F, oH, oW) with
** oH = H + 2*padH - kH + 1, oW = W + 2*padW - kW + 1. */
typedef struct DConvShape {
  int64_t C, H, W, F, kH, kW, padH, padW, oH, oW;
} DConvShape;

/* 1 when the CPU (and OS) run AVX-512F code; the kernels below may only be called then. */
int hm_avx512_available (void);

/* Floats of work buffer one call of each kernel needs (per thread). */
int64_t hm_dconv_forward_work (const DConvShape *s);
int64_t hm_dconv_input_work (const DConvShape *s);
int64_t hm_dconv_params_work (const DConvShape *s, int64_t nb);

/* y (F, oH, oW) = w * x + bias (bias may be NULL), one sample. */
void hm_dconv_forward (const DConvShape *s, const float *x, const float *w, const float *bias,
                       float *y, float *work);

/* gx (C, H, W) = the input gradient for gradOutput gy (F, oH, oW), one sample. */
void hm_dconv_backward_input (const DConvShape *s, const float *gy, const float *w, float *gx,
                              float *work);

/* gw (F, C, kH, kW) += scale * the weight gradient summed over the nb samples x (nb, C, H, W)
** and gy (nb, F, oH, oW). */
void hm_dconv_backward_params (const DConvShape *s, const float *x, const float *gy, int64_t nb,
                               float scale, float *gw, float *work);

/* 2x2 max pooling, stride 2, no padding, over planes [p0, p1) of x (H, W) each, into y and
** ind (oH, oW) each, with 2*oH <= H, 2*oW <= W and W < 2^30; indices 1-based in the plane,
** NaN wins (as conv_generic.h's loops). */
void hm_maxpool2x2_avx512 (const float *x, float *y, int64_t *ind, int64_t p0, int64_t p1,
                           int64_t H, int64_t W, int64_t oH, int64_t oW);

#endif
