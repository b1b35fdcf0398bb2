/*
** vecmath.h: float exp, sigmoid and tanh written so that GCC vectorises loops over them,
** plus the exported sigmoid kernel that other C files fuse with (random.c's Bernoulli).
**
** Strategy: libm's expf is a call per element, which keeps loops scalar. These helpers are
** branch-free straight-line code (selects, integer bit tricks, a polynomial), so a loop
** `y[i] = hm_expf(x[i])` becomes 16-wide AVX-512 code inside a target_clones kernel.
** exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (Cody-Waite,
** two constants), exp(r) from Cephes's expf polynomial; 2^n is built in the exponent bits.
** No input can reach undefined behaviour (no out-of-range float-to-int conversion). Maximum
** relative error is about 2e-7 (checked against double in spec/tensor_math_spec.lua).
** The reduction and polynomial steps are explicit fmaf calls, one rounding each: the AVX-512
** and x86-64-v3 clones do each in one instruction (a third less time for sigmoid, exp and
** tanh than a multiply and an add), and the default clone gets the same correctly rounded
** result from libm's fmaf, slowly. ISO C mode (-std=c99) contracts nothing else and nothing
** here depends on -ffast-math, so every clone gives bit-identical results. Selects are bit
** masks (hm_selectf) to keep GCC vectorising on every target. Callers' clones must include
** FMA (AVX-512 implies it; "avx2" alone does not, so use "arch=x86-64-v3").
** Double precision stays on libm (gradient checks want its accuracy).
*/
#ifndef HM_VECMATH_H
#define HM_VECMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The float whose bits are i (memcpy is the defined way to pun; it compiles to nothing). */
static inline float hm_bitsf (int32_t i) {
  float f;
  memcpy(&f, &i, sizeof f);
  return f;
}

/*
** c ? a : b (c is 0 or 1) as bit masks. A plain ?: lets GCC sink the arithmetic that feeds
** one side into a conditional block, which it then will not if-convert (float operations
** "could trap"), so the loop stays scalar; bit masks keep the data flow straight.
*/
static inline float hm_selectf (int c, float a, float b) {
  uint32_t ua, ub, m = (uint32_t)0 - (uint32_t)c;
  memcpy(&ua, &a, sizeof ua);
  memcpy(&ub, &b, sizeof ub);
  ua = (ua & m) | (ub & ~m);
  memcpy(&a, &ua, sizeof a);
  return a;
}

/*
** exp(r) for the reduced argument of x, with n such that exp(x) = 2^n * result, for x in
** [-104, 89] or NaN (callers clamp). n comes from the bits of x*log2(e) + 1.5*2^23 (a float
** whose low mantissa bits hold round(x*log2(e))), never from a float-to-int conversion, so
** even NaN cannot reach undefined behaviour: it propagates through the arithmetic.
*/
static inline float hm_expf_reduced (float x, int32_t *n) {
  float fn, t, r, p;
  uint32_t tb;
  fn = x * 1.44269504088896341f;
  t = fn + 12582912.0f;                    /* 1.5 * 2^23: rounds fn to an integer */
  memcpy(&tb, &t, sizeof tb);
  *n = (int32_t)(tb - 0x4B400000u);        /* round(fn) */
  fn = t - 12582912.0f;
  r = fmaf(fn, -0.693359375f, x);          /* ln 2 = 0.693359375 - 2.12194440e-4 */
  r = fmaf(fn, 2.12194440e-4f, r);
  p = 1.9875691500e-4f;
  p = fmaf(p, r, 1.3981999507e-3f);
  p = fmaf(p, r, 8.3334519073e-3f);
  p = fmaf(p, r, 4.1665795894e-2f);
  p = fmaf(p, r, 1.6666665459e-1f);
  p = fmaf(p, r, 5.0000001201e-1f);
  return fmaf(p, r * r, r) + 1.0f;
}

/* 2^n as a float, for n in [-127, 128]: n = -127 gives 0 (exponent bits 0), 128 gives inf. */
static inline float hm_pow2i (int32_t n) {
  return hm_bitsf((int32_t)((uint32_t)(n + 127) << 23));
}

/*
** exp(x) for float. Clamping to [-104, 89] changes no result (exp rounds to 0 below about
** -103.97 and overflows to inf above about 88.72); NaN passes both selects. With n in
** [-150, 129], 2^n is applied as two factors 2^(n>>1) * 2^(n - (n>>1)) (>> of a negative int
** is an arithmetic shift in GCC and clang), each a normal float, so results in the subnormal
** range underflow gradually with one rounding and results past FLT_MAX become inf.
*/
static inline float hm_expf (float x) {
  float y;
  int32_t n, n1;
  x = hm_selectf(x < -104.0f, -104.0f, x);
  x = hm_selectf(x > 89.0f, 89.0f, x);
  y = hm_expf_reduced(x, &n);
  n1 = n >> 1;
  return y * hm_pow2i(n1) * hm_pow2i(n - n1);
}

/*
** exp(x) for x <= 0 where results below FLT_MIN (x < -87.3) may flush toward 0 (an absolute
** error under 1.2e-38): one scaling factor instead of two, about 15% faster in sigmoid.
*/
static inline float hm_expf_nonpos (float x) {
  int32_t n;
  float y;
  x = hm_selectf(x < -88.0f, -88.0f, x);   /* n >= -127; NaN passes */
  y = hm_expf_reduced(x, &n);
  return y * hm_pow2i(n);
}

/*
** sigmoid(x) = 1 / (1 + exp(-x)), computed from e = exp(-|x|) in [0, 1] as 1/(1+e) for x >= 0
** and e/(1+e) for x < 0, so that it never overflows and keeps full relative accuracy down to
** FLT_MIN. sigmoid(inf) = 1, sigmoid(-inf) = 0, NaN stays NaN.
*/
static inline float hm_sigmoidf (float x) {
  float e = hm_expf_nonpos(-fabsf(x));
  return hm_selectf(x >= 0.0f, 1.0f, e) / (1.0f + e);
}

/*
** tanh(x): an odd polynomial (Cephes tanhf) for |x| < 0.625, where (1-e)/(1+e) would lose
** digits to cancellation; otherwise sign(x) * (1 - e)/(1 + e) with e = exp(-2|x|) in [0, 0.29]
** (the flush of tiny e cannot show: 1 - e rounds to 1 long before).
*/
static inline float hm_tanhf (float x) {
  float ax = fabsf(x), z = x * x, p, e, q;
  p = -5.70498872745e-3f;
  p = fmaf(p, z, 2.06390887954e-2f);
  p = fmaf(p, z, -5.37397155531e-2f);
  p = fmaf(p, z, 1.33314422036e-1f);
  p = fmaf(p, z, -3.33332819422e-1f);
  p = fmaf(p * z, x, x);
  e = hm_expf_nonpos(-2.0f * ax);
  q = (1.0f - e) / (1.0f + e);
  q = hm_selectf(x < 0.0f, -q, q);
  return hm_selectf(ax < 0.625f, p, q);
}

/*
** y[i] = sigmoid(x[i]) for i in [0, n), single-threaded (callers split work with
** hm_parallel_for); y may equal x. Defined in tensor_math.c.
*/
void hm_sigmoid_float (float *y, const float *x, int64_t n);

#endif
