/*
** random.c: random numbers from a counter-based generator (Philox4x32-10): generator
** objects, tensor fills (uniform, normal, bernoulli, random, ...), rand/randn/randperm,
** multinomial, scalar draws and the fused sigmoid-then-Bernoulli sampler of RBMs.
**
** Strategy. A generator is only (seed, stream, offset): Philox maps a 128-bit counter
** (block number in the low 64 bits, stream in the high 64) and a 64-bit key (the seed) to
** four 32-bit words, so any block can be computed on its own. A fill of n elements reads
** whole groups of L = PHILOX_LANES = 64 consecutive blocks from the generator's offset, then
** advances the offset past them. Inside group g (blocks offset+64g .. offset+64g+63):
**   - 32-bit draws (float uniform/normal, Bernoulli with a scalar p or float probabilities):
**     4L = 256 elements per group; element g*256 + w*64 + j takes word w of block j;
**   - 64-bit draws (double uniform/normal, Bernoulli with double probabilities, random
**     integers, exponential, cauchy, logNormal, geometric): 2L = 128 elements per group;
**     element g*128 + h*64 + j takes words 2h (low half) and 2h+1 (high half) of block j;
**   - Box-Muller: float element w*64+j (w = 0 or 2) takes the radius from its own word and
**     the angle from element (w+1)*64+j's word, giving r cos to the first and r sin to the
**     second; double element j pairs with 64+j the same way.
** Element i thus depends only on (seed, stream, offset, i): results do not depend on the
** thread count or on how work is split, and the word-major layout makes every sampling
** loop a flat vector loop over the group. spec/random_spec.lua checks this layout against
** a pure-Lua Philox. Non-contiguous targets are filled through a contiguous temporary in
** row-major order, so a transposed target gets the same values as a contiguous one of the
** same shape. Scalar draws (hm.uniform() ...) are the first element of a one-element double
** fill (computed from lane 0 alone).
**
** Speed: the Philox rounds are plain C loops over 64 lanes that GCC vectorises; the
** x86-64-v4 clone multiplies with vpmullq. Bernoulli sampling of 10^7 floats from a
** probability tensor ran at 0.84x memcpy bandwidth with 2 threads (0.43x with 1) on the
** 2-core AVX-512 machines. Float math in the hot kernels here (log, sin/cos, sqrt) is
** polynomial code made of +, *, / and integer bit operations only: libm calls would stop
** vectorisation, and the build is ISO C (-std=c99: no FMA contraction; GNU modes would
** contract), which makes every target_clones variant give bit-identical results. The fused
** sigmoid-Bernoulli calls hm_sigmoid_float (vecmath.h, compiled in tensor_math.c's clones),
** whose explicit fmaf steps round once on every clone, so it is bit-identical too.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensor.h"
#include "philox.h"
#include "vecmath.h"

#define HM_GENERATOR_MT "harmonium.Generator"
#define DEFAULT_SEED 67280421310721u      /* the default generator's seed until reseeded */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* x86-64-v4 (AVX-512 F+DQ+BW+VL) has vpmullq: without it GCC 12 spells each 32x32->64
** product as three vpmuludq, which made Philox 3x slower on the AVX-512 machines */
#define HM_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx512f", "avx2", "default")))
#else
#define HM_CLONES
#endif

/* The vector helpers must inline into the kernels' loops, or those loops do not vectorise
** (GCC gave up inlining them into the large kernels). */
#define VINLINE __attribute__((always_inline)) static inline

#define PER32 (4 * PHILOX_LANES)   /* elements per group for 32-bit draws */
#define PER64 (2 * PHILOX_LANES)   /* elements per group for 64-bit draws */

/* ===================================================================== generator */

typedef struct Generator {
  uint64_t seed;        /* the Philox key */
  uint64_t stream;      /* high 64 bits of every counter */
  uint64_t offset;      /* next unused block */
} Generator;

static void Generator_manualseed (Generator *g, uint64_t seed, uint64_t stream) {
  g->seed = seed;
  g->stream = stream;
  g->offset = 0;
}

/* A seed from the system's entropy, or from the clock if that fails; kept below 2^63 so Lua
** shows it as a positive integer. */
static uint64_t entropy_seed (void) {
  uint64_t s = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f != NULL) {
    if (fread(&s, sizeof s, 1, f) != 1) s = 0;
    fclose(f);
  }
  if (s == 0)
    s = ((uint64_t)time(NULL) << 20) ^ (uint64_t)clock() ^ (uint64_t)(uintptr_t)&s;
  return s & 0x7fffffffffffffffu;
}

/* ===================================================================== vector math
** Polynomials after Cephes (S. Moshier); about 1-2 ulp in float, which is far below the
** resolution of 24-bit uniforms. */

VINLINE uint32_t fbits (float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
VINLINE float bitsf (uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

/* log(x) for normal x > 0 */
VINLINE float vlogf (float x) {
  uint32_t ix = fbits(x);
  float e = (float)((int32_t)(ix >> 23) - 126);
  float m = bitsf((ix & 0x007fffffu) | 0x3f000000u);        /* [0.5, 1) */
  float z, y;
  /* select between computed values: GCC (with the default -ftrapping-math) will not
  ** if-convert, hence not vectorise, a ?: whose arm is float arithmetic */
  float e1 = e - 1.0f, m2 = m + m - 1.0f, m1 = m - 1.0f;
  int small = m < 0.70710678118654752f;
  e = small ? e1 : e;
  m = small ? m2 : m1;
  z = m * m;
  y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += -2.12194440e-4f * e;
  y += -0.5f * z;
  return m + y + 0.693359375f * e;
}

/* sqrt(x) for 0 <= x < 2^126, by three Newton steps on 1/sqrt (sqrtf would call libm for
** errno and stop vectorisation) */
VINLINE float vsqrtf (float x) {
  float y = bitsf(0x5f3759dfu - (fbits(x) >> 1));
  y = y * (1.5f - 0.5f * x * y * y);
  y = y * (1.5f - 0.5f * x * y * y);
  y = y * (1.5f - 0.5f * x * y * y);
  return x * y;
}

/* sin and cos of 2*pi*u for u in [0, 1): quarter turns q, remainder in [-pi/4, pi/4] */
VINLINE void vsincos2pif (float u, float *sn, float *cs) {
  float t = u * 4.0f;                              /* exact */
  int q = (int)(t + 0.5f);
  float a = (t - (float)q) * 1.57079632679489662f; /* t - q is exact */
  float z = a * a;
  float s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * a + a;
  float c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z
             + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
  /* odd quarter turns swap sin and cos; signs flip by xor on the sign bit */
  uint32_t odd = (uint32_t)q & 1u;
  float s1 = odd ? c : s, c1 = odd ? s : c;
  *sn = bitsf(fbits(s1) ^ (((uint32_t)q & 2u) << 30));
  *cs = bitsf(fbits(c1) ^ ((((uint32_t)q + 1u) & 2u) << 30));
}

/* ===================================================================== fill kernels */

enum {
  /* 32-bit draws */
  K_UNIFORM32, K_NORMAL32, K_BERNSCALAR, K_BERNFLOAT, K_SIGBERN32,
  /* 64-bit draws */
  K_UNIFORM64, K_NORMAL64, K_BERNDOUBLE, K_SIGBERN64, K_EXPONENTIAL, K_CAUCHY, K_LOGNORMAL,
  K_GEOMETRIC, K_RANDOM
};

typedef struct Fill {
  int kind;
  void *out;            /* contiguous result, n elements of type otype */
  int otype;
  void *out2;           /* sigmoidBernoulli: probabilities (type of in) */
  const void *in;       /* probabilities or x, contiguous, float or double */
  int64_t n;
  uint64_t blk, stream, key;   /* generator position of group 0 */
  double a, b;          /* distribution parameters */
  uint64_t thresh;      /* K_BERNSCALAR: hit when word < thresh (thresh <= 2^32) */
  uint64_t ia, irange;  /* K_RANDOM: first value (two's complement) and range (0: 2^64) */
  int bad;              /* set when an input probability was outside [0, 1] or NaN */
} Fill;

static void store_f32 (void *out, int type, int64_t base, const float *v, int cnt) {
  int i;
  switch (type) {
    case HM_FLOAT: memcpy((float *)out + base, v, (size_t)cnt * sizeof(float)); break;
    case HM_DOUBLE: for (i = 0; i < cnt; i++) ((double *)out)[base + i] = v[i]; break;
    case HM_LONG: for (i = 0; i < cnt; i++) ((int64_t *)out)[base + i] = (int64_t)v[i]; break;
    default: for (i = 0; i < cnt; i++) ((uint8_t *)out)[base + i] = (uint8_t)v[i]; break;
  }
}

static void store_f64 (void *out, int type, int64_t base, const double *v, int cnt) {
  int i;
  switch (type) {
    case HM_DOUBLE: memcpy((double *)out + base, v, (size_t)cnt * sizeof(double)); break;
    case HM_FLOAT: for (i = 0; i < cnt; i++) ((float *)out)[base + i] = (float)v[i]; break;
    case HM_LONG: for (i = 0; i < cnt; i++) ((int64_t *)out)[base + i] = (int64_t)v[i]; break;
    default: for (i = 0; i < cnt; i++) ((uint8_t *)out)[base + i] = (uint8_t)v[i]; break;
  }
}

static void store_i64 (void *out, int type, int64_t base, const int64_t *v, int cnt) {
  int i;
  switch (type) {
    case HM_LONG: memcpy((int64_t *)out + base, v, (size_t)cnt * sizeof(int64_t)); break;
    case HM_DOUBLE: for (i = 0; i < cnt; i++) ((double *)out)[base + i] = (double)v[i]; break;
    case HM_FLOAT: for (i = 0; i < cnt; i++) ((float *)out)[base + i] = (float)v[i]; break;
    default: for (i = 0; i < cnt; i++) ((uint8_t *)out)[base + i] = (uint8_t)v[i]; break;
  }
}

/* [0, 1) on a 2^-24 grid, and (0, 1] for logarithms */
VINLINE float u24 (uint32_t w) { return (float)(w >> 8) * 0x1p-24f; }
VINLINE float u24open (uint32_t w) { return (float)((w >> 8) + 1) * 0x1p-24f; }
/* [0, 1) on a 2^-53 grid, and (0, 1] */
VINLINE double u53 (uint64_t w) { return (double)(w >> 11) * 0x1p-53; }
VINLINE double u53open (uint64_t w) { return (double)((w >> 11) + 1) * 0x1p-53; }

/* Copy up to PER32 floats of input at base into buf, padding a short last group with a
** harmless value, so the vector loops always run over full groups. */
static inline const float *load_f32 (const float *in, int64_t base, int cnt, float *buf,
                                     float pad) {
  int i;
  if (cnt == PER32) return in + base;
  for (i = 0; i < cnt; i++) buf[i] = in[base + i];
  for (; i < PER32; i++) buf[i] = pad;
  return buf;
}

/*
** One group of PHILOX_LANES blocks, compiled on its own (not inlined): inlined into the
** larger kernels, GCC 12 unrolled the lane loops first and then left the rounds scalar.
*/
HM_CLONES __attribute__((noinline))
static void philox_group (uint32_t out[4][PHILOX_LANES], uint64_t blk, uint64_t stream,
                          uint64_t key) {
  philox4x32_10_lanes(out, blk, stream, key);
}

/* Lane 0 of a group only, for one-element fills (scalar draws): the other lanes are zero. */
static void philox_lane0 (uint32_t out[4][PHILOX_LANES], uint64_t blk, uint64_t stream,
                          uint64_t key) {
  uint32_t c[4];
  int i;
  c[0] = (uint32_t)blk; c[1] = (uint32_t)(blk >> 32);
  c[2] = (uint32_t)stream; c[3] = (uint32_t)(stream >> 32);
  philox4x32_10(c, (uint32_t)key, (uint32_t)(key >> 32));
  memset(out, 0, 4 * PHILOX_LANES * sizeof(uint32_t));
  for (i = 0; i < 4; i++) out[i][0] = c[i];
}

/*
** The 32-bit kernel over groups [g0, g1): float results (converted to the output type on
** store). This is the hot path of uniform, normal and Bernoulli sampling on float tensors.
*/
HM_CLONES static void fill32_range (void *ctx, int64_t g0, int64_t g1) {
  Fill *f = (Fill *)ctx;
  uint32_t w[4][PHILOX_LANES];
  const uint32_t *u = &w[0][0];          /* element e of the group takes word u[e] */
  float v[PER32], v2[PER32], buf[PER32];
  int64_t g;
  int bad = 0, e;
  for (g = g0; g < g1; g++) {
    int64_t base = g * PER32;
    int cnt = (int)(f->n - base < PER32 ? f->n - base : PER32);
    int direct = f->otype == HM_FLOAT && cnt == PER32;      /* write straight to the result */
    float *o = direct ? (float *)f->out + base : v;
    philox_group(w, f->blk + (uint64_t)g * PHILOX_LANES, f->stream, f->key);
    switch (f->kind) {
      case K_UNIFORM32: {
        float lo = (float)f->a, range = (float)(f->b - f->a);
        for (e = 0; e < PER32; e++) o[e] = lo + range * u24(u[e]);
        break;
      }
      case K_NORMAL32: {
        float mean = (float)f->a, sd = (float)f->b;
        int h;
        for (h = 0; h < PER32; h += 2 * PHILOX_LANES)       /* rows 0-1, then rows 2-3 */
          for (e = h; e < h + PHILOX_LANES; e++) {
            float r = vsqrtf(-2.0f * vlogf(u24open(u[e]))), sn, cs;
            vsincos2pif(u24(u[e + PHILOX_LANES]), &sn, &cs);
            o[e] = mean + sd * (r * cs);
            o[e + PHILOX_LANES] = mean + sd * (r * sn);
          }
        break;
      }
      case K_BERNSCALAR: {
        uint32_t t = (uint32_t)f->thresh;
        float all = f->thresh > 0xffffffffu ? 1.0f : 0.0f;
        for (e = 0; e < PER32; e++) o[e] = u[e] < t ? 1.0f : all;
        break;
      }
      case K_BERNFLOAT: {
        const float *p = load_f32((const float *)f->in, base, cnt, buf, 0.5f);
        for (e = 0; e < PER32; e++) {
          float q = p[e];
          bad |= (q < 0.0f) | (q > 1.0f) | (q != q);
          o[e] = (float)(u24(u[e]) < q);
        }
        break;
      }
      case K_SIGBERN32: {
        /* tensor_math's sigmoid, so prob is bit for bit hm.sigmoid(x) */
        const float *x = load_f32((const float *)f->in, base, cnt, buf, 0.0f);
        float *po = cnt == PER32 ? (float *)f->out2 + base : v2;
        hm_sigmoid_float(po, x, PER32);
        for (e = 0; e < PER32; e++) o[e] = (float)(u24(u[e]) < po[e]);
        if (po == v2) memcpy((float *)f->out2 + base, v2, (size_t)cnt * sizeof(float));
        break;
      }
      default: break;
    }
    if (!direct) store_f32(f->out, f->otype, base, v, cnt);
  }
  if (bad) __atomic_store_n(&f->bad, 1, __ATOMIC_RELAXED);
}

/* 1 / (1 + exp(-x)) in double */
static double sigmoid64 (double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  else {
    double e = exp(x);
    return e / (1.0 + e);
  }
}

/*
** The 64-bit kernel over groups [g0, g1): double results, or int64 for K_RANDOM. Double is
** the precise path rather than the fast one, so libm does the transcendental functions.
*/
HM_CLONES static void fill64_range (void *ctx, int64_t g0, int64_t g1) {
  Fill *f = (Fill *)ctx;
  uint32_t w[4][PHILOX_LANES];
  uint64_t u[PER64];
  double v[PER64], v2[PER64];
  int64_t iv[PER64], g;
  const double *in = (const double *)f->in;
  int bad = 0, i, j;
  for (g = g0; g < g1; g++) {
    int64_t base = g * PER64;
    int cnt = (int)(f->n - base < PER64 ? f->n - base : PER64);
    if (f->n == 1)
      philox_lane0(w, f->blk, f->stream, f->key);
    else
      philox_group(w, f->blk + (uint64_t)g * PHILOX_LANES, f->stream, f->key);
    for (i = 0; i < 2; i++)
      for (j = 0; j < PHILOX_LANES; j++)
        u[i * PHILOX_LANES + j] = (uint64_t)w[2 * i][j] | ((uint64_t)w[2 * i + 1][j] << 32);
    switch (f->kind) {
      case K_UNIFORM64:
        for (i = 0; i < PER64; i++) v[i] = f->a + (f->b - f->a) * u53(u[i]);
        break;
      case K_NORMAL64: case K_LOGNORMAL:
        for (j = 0; j < PHILOX_LANES && j < cnt; j++) {     /* pairs (j, LANES + j) */
          double r = sqrt(-2.0 * log(u53open(u[j]))), t = 6.283185307179586 * u53(u[PHILOX_LANES + j]);
          v[j] = f->a + f->b * (r * cos(t));
          v[PHILOX_LANES + j] = f->a + f->b * (r * sin(t));
        }
        if (f->kind == K_LOGNORMAL)
          for (i = 0; i < cnt; i++) v[i] = exp(v[i]);
        break;
      case K_BERNDOUBLE:
        for (i = 0; i < cnt; i++) {
          double q = in[base + i];
          bad |= !(q >= 0.0 && q <= 1.0);
          v[i] = u53(u[i]) < q ? 1.0 : 0.0;
        }
        break;
      case K_SIGBERN64:
        for (i = 0; i < cnt; i++) {
          double q = sigmoid64(in[base + i]);
          v2[i] = q;
          v[i] = u53(u[i]) < q ? 1.0 : 0.0;
        }
        memcpy((double *)f->out2 + base, v2, (size_t)cnt * sizeof(double));
        break;
      case K_EXPONENTIAL:
        for (i = 0; i < cnt; i++) v[i] = -log(u53open(u[i])) / f->a;
        break;
      case K_CAUCHY:
        for (i = 0; i < cnt; i++) v[i] = f->a + f->b * tan(3.141592653589793 * (u53(u[i]) - 0.5));
        break;
      case K_GEOMETRIC: {
        double l = log1p(-f->a);                   /* -inf for p = 1: every draw is 1 */
        for (i = 0; i < cnt; i++) v[i] = floor(log(u53open(u[i])) / l) + 1.0;
        break;
      }
      case K_RANDOM:
        for (i = 0; i < cnt; i++)
          iv[i] = (int64_t)(f->ia + (f->irange ? u[i] % f->irange : u[i]));
        store_i64(f->out, f->otype, base, iv, cnt);
        continue;
      default: break;
    }
    store_f64(f->out, f->otype, base, v, cnt);
  }
  if (bad) __atomic_store_n(&f->bad, 1, __ATOMIC_RELAXED);
}

/*
** Run fill f (kind, out, otype, n and parameters set) from generator g, in parallel, and
** advance g past the groups used. Returns 0, or 1 when an input probability was outside
** [0, 1] or NaN (the output is then unspecified).
*/
static int Generator_fill (Generator *g, Fill *f) {
  int wide = f->kind >= K_UNIFORM64;
  int64_t per = wide ? PER64 : PER32;
  int64_t ngroups = (f->n + per - 1) / per;
  f->blk = g->offset;
  f->stream = g->stream;
  f->key = g->seed;
  f->bad = 0;
  if (ngroups > 0)
    hm_parallel_for(ngroups, HM_PARALLEL_GRAIN / per, wide ? fill64_range : fill32_range, f);
  g->offset += (uint64_t)ngroups * PHILOX_LANES;
  return f->bad;
}

/*
** A sequential reader of 64-bit words in the 64-bit layout, for the samplers that are not
** element-wise (randperm, multinomial). Word k is element k of a 64-bit fill.
*/
typedef struct WordStream {
  const Generator *g;
  uint64_t group;       /* next group to compute */
  int pos;              /* next unread word in buf */
  uint64_t buf[PER64];
} WordStream;

static void WordStream_init (WordStream *s, const Generator *g) {
  s->g = g;
  s->group = 0;
  s->pos = PER64;
}

static uint64_t WordStream_next (WordStream *s) {
  if (s->pos == PER64) {
    uint32_t w[4][PHILOX_LANES];
    int i, j;
    philox_group(w, s->g->offset + s->group * PHILOX_LANES, s->g->stream, s->g->seed);
    for (i = 0; i < 2; i++)
      for (j = 0; j < PHILOX_LANES; j++)
        s->buf[i * PHILOX_LANES + j] = (uint64_t)w[2 * i][j] | ((uint64_t)w[2 * i + 1][j] << 32);
    s->group++;
    s->pos = 0;
  }
  return s->buf[s->pos++];
}

/* Advance the generator past the groups the stream touched. */
static void WordStream_done (WordStream *s, Generator *g) {
  g->offset += s->group * PHILOX_LANES;
}

/*
** Fisher-Yates: r (n int64) becomes a random permutation of 1..n. Draw k (k = 0..n-2)
** picks the partner of position n-1-k.
*/
static void Generator_randperm (Generator *g, int64_t *r, int64_t n) {
  WordStream s;
  int64_t i;
  for (i = 0; i < n; i++) r[i] = i + 1;
  WordStream_init(&s, g);
  for (i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)(WordStream_next(&s) % (uint64_t)(i + 1));
    int64_t t = r[i]; r[i] = r[j]; r[j] = t;
  }
  WordStream_done(&s, g);
}

typedef struct Keyed { double key; int64_t idx; } Keyed;

static int keyed_cmp (const void *a, const void *b) {
  const Keyed *x = (const Keyed *)a, *y = (const Keyed *)b;
  if (x->key != y->key) return x->key > y->key ? -1 : 1;   /* larger keys first */
  return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/*
** Multinomial draws: w is rows x k non-negative weights (validated by the caller: finite,
** each row with a positive sum and, without replacement, at least n positive entries); r is
** rows x n 1-based category indices. scratch holds k Keyed (or k doubles).
** With replacement: inverse CDF by binary search on cumulative sums, one word per draw.
** Without: Efraimidis-Spirakis keys log(u)/w, the n largest in order, one word per
** category, which gives the same distribution as drawing one by one and renormalising.
*/
static void Generator_multinomial (Generator *g, int64_t *r, const double *w, int64_t rows,
                                   int64_t k, int64_t n, int replacement, Keyed *scratch) {
  WordStream s;
  int64_t row, i;
  WordStream_init(&s, g);
  for (row = 0; row < rows; row++) {
    const double *wr = w + row * k;
    int64_t *rr = r + row * n;
    if (replacement) {
      double *cum = (double *)scratch, total = 0;
      int64_t last = 0;
      for (i = 0; i < k; i++) {
        total += wr[i];
        cum[i] = total;
        if (wr[i] > 0) last = i;
      }
      for (i = 0; i < n; i++) {
        double u = u53(WordStream_next(&s)) * total;
        int64_t lo = 0, hi = last;          /* first index with cum > u, within [0, last] */
        while (lo < hi) {
          int64_t mid = lo + (hi - lo) / 2;
          if (cum[mid] > u) hi = mid; else lo = mid + 1;
        }
        rr[i] = lo + 1;
      }
    } else {
      for (i = 0; i < k; i++) {
        double u = u53open(WordStream_next(&s));
        scratch[i].key = wr[i] > 0 ? log(u) / wr[i] : -HUGE_VAL;
        scratch[i].idx = i;
      }
      qsort(scratch, (size_t)k, sizeof(Keyed), keyed_cmp);
      for (i = 0; i < n; i++) rr[i] = scratch[i].idx + 1;
    }
  }
  WordStream_done(&s, g);
}

/* ===================================================================== bindings */

static const char DEFAULTGEN_KEY = 'g';   /* registry[&DEFAULTGEN_KEY]: the default generator */
static const char MODULE_KEY = 'm';       /* registry[&MODULE_KEY]: the module table */

static Generator *defaultgen (lua_State *L) {
  Generator *g;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &DEFAULTGEN_KEY);
  g = (Generator *)lua_touserdata(L, -1);
  lua_pop(L, 1);                          /* the registry keeps it alive */
  return g;
}

static Generator *checkgen (lua_State *L, int arg) {
  return (Generator *)luaL_checkudata(L, arg, HM_GENERATOR_MT);
}

/* The generator given as last argument, or the default one; *nargs gets the number of
** arguments before it. The generator stays on the stack, so it cannot be collected. */
static Generator *optgen (lua_State *L, int *nargs) {
  int top = lua_gettop(L);
  Generator *g = top >= 1 ? (Generator *)luaL_testudata(L, top, HM_GENERATOR_MT) : NULL;
  if (g != NULL) { *nargs = top - 1; return g; }
  *nargs = top;
  return defaultgen(L);
}

static lua_Number optnum (lua_State *L, int arg, int nargs, lua_Number def) {
  if (arg > nargs || lua_isnoneornil(L, arg)) return def;
  return luaL_checknumber(L, arg);
}

static Generator *pushgen (lua_State *L) {
  Generator *g = (Generator *)lua_newuserdatauv(L, sizeof(Generator), 0);
  luaL_setmetatable(L, HM_GENERATOR_MT);
  return g;
}

/* ---------------------------------------------------------------- generator objects */

/*
** hm.Generator([seed [, stream]]) -> a new generator; without a seed it is seeded from the
** system's entropy (see gen:initialSeed()). Generators with different streams give
** independent sequences for the same seed (e.g. one per MPI rank).
*/
static int random_generator (lua_State *L) {
  uint64_t seed = lua_isnoneornil(L, 1) ? entropy_seed() : (uint64_t)luaL_checkinteger(L, 1);
  uint64_t stream = (uint64_t)luaL_optinteger(L, 2, 0);
  Generator_manualseed(pushgen(L), seed, stream);
  return 1;
}

/* gen:manualSeed(seed [, stream]) -> gen: restart at the beginning of (seed, stream) */
static int gen_manualseed (lua_State *L) {
  Generator *g = checkgen(L, 1);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 2);
  Generator_manualseed(g, seed, (uint64_t)luaL_optinteger(L, 3, (lua_Integer)g->stream));
  lua_settop(L, 1);
  return 1;
}

/* gen:seed() -> the new seed, drawn from the system's entropy */
static int gen_seed (lua_State *L) {
  Generator *g = checkgen(L, 1);
  Generator_manualseed(g, entropy_seed(), g->stream);
  lua_pushinteger(L, (lua_Integer)g->seed);
  return 1;
}

static int gen_initialseed (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checkgen(L, 1)->seed);
  return 1;
}

static void pushstate (lua_State *L, const Generator *g) {
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, (lua_Integer)g->seed);
  lua_setfield(L, -2, "seed");
  lua_pushinteger(L, (lua_Integer)g->stream);
  lua_setfield(L, -2, "stream");
  lua_pushinteger(L, (lua_Integer)g->offset);
  lua_setfield(L, -2, "offset");
}

static void readstate (lua_State *L, int arg, Generator *g) {
  static const char *const fields[] = { "seed", "stream", "offset" };
  uint64_t v[3];
  int i;
  luaL_checktype(L, arg, LUA_TTABLE);
  for (i = 0; i < 3; i++) {
    int isint;
    lua_getfield(L, arg, fields[i]);
    v[i] = (uint64_t)lua_tointegerx(L, -1, &isint);
    if (!isint)
      luaL_argerror(L, arg, lua_pushfstring(L, "generator state needs an integer '%s'",
                                            fields[i]));
    lua_pop(L, 1);
  }
  g->seed = v[0]; g->stream = v[1]; g->offset = v[2];
}

/* gen:getState() -> {seed=, stream=, offset=}, a plain table (serialisable, for checkpoints) */
static int gen_getstate (lua_State *L) {
  pushstate(L, checkgen(L, 1));
  return 1;
}

/* gen:setState(state) -> gen, continuing exactly where getState() was taken */
static int gen_setstate (lua_State *L) {
  readstate(L, 2, checkgen(L, 1));
  lua_settop(L, 1);
  return 1;
}

/* gen:clone() -> an independent generator at the same position */
static int gen_clone (lua_State *L) {
  Generator *g = checkgen(L, 1);
  *pushgen(L) = *g;
  return 1;
}

static int gen_tostring (lua_State *L) {
  Generator *g = checkgen(L, 1);
  lua_pushfstring(L, "hm.Generator(seed %I, stream %I, offset %I)", (lua_Integer)g->seed,
                  (lua_Integer)g->stream, (lua_Integer)g->offset);
  return 1;
}

/* hm.manualSeed(seed): reseed the default generator (stream 0, offset 0) */
static int random_manualseed (lua_State *L) {
  Generator_manualseed(defaultgen(L), (uint64_t)luaL_checkinteger(L, 1), 0);
  return 0;
}

/* hm.seed() -> seed: reseed the default generator from the system's entropy */
static int random_seed (lua_State *L) {
  Generator *g = defaultgen(L);
  Generator_manualseed(g, entropy_seed(), 0);
  lua_pushinteger(L, (lua_Integer)g->seed);
  return 1;
}

/* hm.initialSeed() -> the default generator's seed */
static int random_initialseed (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)defaultgen(L)->seed);
  return 1;
}

/* hm.getRNGState() -> state table of the default generator; hm.setRNGState(state) */
static int random_getrngstate (lua_State *L) {
  pushstate(L, defaultgen(L));
  return 1;
}

static int random_setrngstate (lua_State *L) {
  readstate(L, 1, defaultgen(L));
  return 0;
}

/* hm._philox(c0, c1, c2, c3, k0, k1) -> four words: one raw Philox4x32-10 block (for the
** known-answer tests) */
static int random_philox (lua_State *L) {
  uint32_t c[4];
  int i;
  for (i = 0; i < 4; i++) c[i] = (uint32_t)luaL_checkinteger(L, i + 1);
  philox4x32_10(c, (uint32_t)luaL_checkinteger(L, 5), (uint32_t)luaL_checkinteger(L, 6));
  for (i = 0; i < 4; i++) lua_pushinteger(L, (lua_Integer)c[i]);
  return 4;
}

/* ---------------------------------------------------------------- tensor fills */

/*
** Run f into tensor t (any layout): directly when t is contiguous, else through a
** contiguous temporary (same row-major order, so the same values). Returns the kernel's
** code.
*/
static int fill_tensor (lua_State *L, Generator *g, Tensor *t, Fill *f) {
  int bad;
  f->n = Tensor_nelement(t);
  if (f->n == 0) return 0;
  if (Tensor_iscontiguous(t)) {
    f->out = Tensor_data(t);
    f->otype = t->type;
    return Generator_fill(g, f);
  }
  {
    Tensor *tmp = hm_newtensorlike(L, t, t->type);
    f->out = Tensor_data(tmp);
    f->otype = t->type;
    bad = Generator_fill(g, f);
    Tensor_copy(t, tmp);
    lua_pop(L, 1);
  }
  return bad;
}

/* A scalar draw: the first element of a one-element 64-bit fill, as a double. */
static double draw_scalar (Generator *g, Fill *f) {
  double v = 0;
  f->n = 1;
  f->out = &v;
  f->otype = HM_DOUBLE;
  Generator_fill(g, f);
  return v;
}

static void checkrange (lua_State *L, int arg, int ok, const char *what, double x) {
  if (!ok) luaL_argerror(L, arg, lua_pushfstring(L, "%s (got %f)", what, x));
}

/*
** t:uniform([a = 0, b = 1] [, gen]) -> t filled with uniform draws in [a, b), a <= b.
** hm.uniform([a, b] [, gen]) -> one number.
** Float tensors use 24-bit uniforms, double tensors 53-bit ones.
*/
static int random_uniform (lua_State *L) {
  int nargs;
  Generator *g = optgen(L, &nargs);
  Tensor *t = hm_testtensor(L, 1);
  int first = t ? 2 : 1;
  Fill f;
  memset(&f, 0, sizeof f);
  if (t) hm_checkfloating(L, 1, t);
  f.a = optnum(L, first, nargs, 0.0);
  f.b = optnum(L, first + 1, nargs, 1.0);
  if (!(f.a <= f.b))
    luaL_argerror(L, first + 1, lua_pushfstring(L, "empty range [%f, %f)", f.a, f.b));
  if (!t) {
    f.kind = K_UNIFORM64;
    lua_pushnumber(L, draw_scalar(g, &f));
    return 1;
  }
  f.kind = t->type == HM_FLOAT ? K_UNIFORM32 : K_UNIFORM64;
  fill_tensor(L, g, t, &f);
  lua_pushvalue(L, 1);
  return 1;
}

/*
** t:normal([mean = 0, std = 1] [, gen]) -> t filled with Gaussian draws (Box-Muller), std >= 0.
** hm.normal([mean, std] [, gen]) -> one number.
*/
static int random_normal (lua_State *L) {
  int nargs;
  Generator *g = optgen(L, &nargs);
  Tensor *t = hm_testtensor(L, 1);
  int first = t ? 2 : 1;
  Fill f;
  memset(&f, 0, sizeof f);
  if (t) hm_checkfloating(L, 1, t);
  f.a = optnum(L, first, nargs, 0.0);
  f.b = optnum(L, first + 1, nargs, 1.0);
  checkrange(L, first + 1, f.b >= 0, "standard deviation must be >= 0", f.b);
  if (!t) {
    f.kind = K_NORMAL64;
    lua_pushnumber(L, draw_scalar(g, &f));
    return 1;
  }
  f.kind = t->type == HM_FLOAT ? K_NORMAL32 : K_NORMAL64;
  fill_tensor(L, g, t, &f);
  lua_pushvalue(L, 1);
  return 1;
}

/*
** res:bernoulli([p = 0.5] [, gen]) -> res filled with 0/1, 1 with probability p in [0, 1].
** res:bernoulli(probs [, gen]) -> res where element i is 1 with probability probs[i] (row-major);
**   probs is a float or double tensor with values in [0, 1]; res (any type) keeps its shape
**   when it has as many elements as probs, else it is resized as probs. A float probs
**   tensor draws 24-bit uniforms, a double one 53-bit ones; a scalar p compares 32-bit words
**   with round(p * 2^32).
** hm.bernoulli([p] [, gen]) -> 0 or 1.
** Errors: p outside [0, 1] or NaN (checked during sampling; res is then unspecified).
*/
static int random_bernoulli (lua_State *L) {
  int nargs;
  Generator *g = optgen(L, &nargs);
  Tensor *t = hm_testtensor(L, 1), *p;
  Fill f;
  memset(&f, 0, sizeof f);
  if (t && nargs >= 2 && (p = hm_testtensor(L, 2)) != NULL) {
    hm_checkfloating(L, 2, p);
    if (Tensor_nelement(p) != Tensor_nelement(t)) t = hm_resizeas(L, 1, p);
    p = hm_pushcontiguous(L, 2);
    f.in = Tensor_data(p);
    f.kind = p->type == HM_FLOAT ? K_BERNFLOAT : K_BERNDOUBLE;
    if (fill_tensor(L, g, t, &f))
      luaL_argerror(L, 2, "probabilities must be in [0, 1] (found a value outside or NaN)");
    lua_pushvalue(L, 1);
    return 1;
  }
  f.a = optnum(L, t ? 2 : 1, nargs, 0.5);
  checkrange(L, t ? 2 : 1, f.a >= 0 && f.a <= 1, "probability must be in [0, 1]", f.a);
  if (!t) {
    f.kind = K_BERNDOUBLE;
    f.in = &f.a;
    lua_pushinteger(L, draw_scalar(g, &f) != 0);
    return 1;
  }
  f.kind = K_BERNSCALAR;
  f.thresh = (uint64_t)floor(f.a * 4294967296.0 + 0.5);
  fill_tensor(L, g, t, &f);
  lua_pushvalue(L, 1);
  return 1;
}

/* Largest magnitude a type holds exactly as an integer. */
static int64_t int_limit_hi (int type) {
  switch (type) {
    case HM_BYTE: return 255;
    case HM_FLOAT: return (int64_t)1 << 24;
    case HM_DOUBLE: return (int64_t)1 << 53;
    default: return INT64_MAX;
  }
}

static int64_t int_limit_lo (int type) {
  return type == HM_BYTE ? 0 : type == HM_LONG ? INT64_MIN : -int_limit_hi(type);
}

/*
** t:random([gen]) -> t with integers in [0, m]: m = 255 (byte), 2^24 (float), 2^53
**   (double), 2^63-1 (long), as Torch7.
** t:random(b [, gen]) -> integers in [1, b]; t:random(a, b [, gen]) -> integers in [a, b].
**   a <= b, both representable exactly in t's type.
** hm.random([gen]) -> integer in [0, 2^32-1]; hm.random(b), hm.random(a, b) as above.
*/
static int random_random (lua_State *L) {
  int nargs;
  Generator *g = optgen(L, &nargs);
  Tensor *t = hm_testtensor(L, 1);
  int first = t ? 2 : 1, type = t ? t->type : HM_LONG;
  lua_Integer a, b;
  Fill f;
  memset(&f, 0, sizeof f);
  if (nargs >= first + 1) {
    a = luaL_checkinteger(L, first);
    b = luaL_checkinteger(L, first + 1);
  } else if (nargs >= first) {
    a = 1;
    b = luaL_checkinteger(L, first);
  } else {
    a = 0;
    b = t ? int_limit_hi(type) : (lua_Integer)0xffffffff;
  }
  if (a > b)
    luaL_argerror(L, nargs, lua_pushfstring(L, "empty interval [%I, %I]", a, b));
  if (a < int_limit_lo(type) || b > int_limit_hi(type))
    luaL_argerror(L, nargs, lua_pushfstring(L, "interval [%I, %I] does not fit in %s", a, b,
                                            hm_typename(type)));
  f.kind = K_RANDOM;
  f.ia = (uint64_t)a;
  f.irange = (uint64_t)b - (uint64_t)a + 1;       /* 0 means all 2^64 values */
  if (!t) {
    int64_t v = 0;
    f.n = 1;
    f.out = &v;
    f.otype = HM_LONG;
    Generator_fill(g, &f);
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
  }
  fill_tensor(L, g, t, &f);
  lua_pushvalue(L, 1);
  return 1;
}

/* The optional continuous distributions share one binding shape: t:name(a, b [, gen]) or
** hm.name(a, b [, gen]) for a number. */
static int distribution (lua_State *L, int kind, double defa, double defb) {
  int nargs;
  Generator *g = optgen(L, &nargs);
  Tensor *t = hm_testtensor(L, 1);
  int first = t ? 2 : 1;
  Fill f;
  memset(&f, 0, sizeof f);
  if (t) hm_checkfloating(L, 1, t);
  f.kind = kind;
  f.a = optnum(L, first, nargs, defa);
  f.b = optnum(L, first + 1, nargs, defb);
  switch (kind) {
    case K_EXPONENTIAL: checkrange(L, first, f.a > 0, "rate must be > 0", f.a); break;
    case K_GEOMETRIC: checkrange(L, first, f.a > 0 && f.a <= 1, "probability must be in (0, 1]", f.a); break;
    case K_CAUCHY: checkrange(L, first + 1, f.b > 0, "scale must be > 0", f.b); break;
    default: checkrange(L, first + 1, f.b >= 0, "standard deviation must be >= 0", f.b); break;
  }
  if (!t) {
    lua_pushnumber(L, draw_scalar(g, &f));
    return 1;
  }
  fill_tensor(L, g, t, &f);
  lua_pushvalue(L, 1);
  return 1;
}

/* t:exponential([lambda = 1] [, gen]) -> t with draws of density lambda exp(-lambda x) */
static int random_exponential (lua_State *L) { return distribution(L, K_EXPONENTIAL, 1, 0); }
/* t:cauchy([median = 0, sigma = 1] [, gen]) */
static int random_cauchy (lua_State *L) { return distribution(L, K_CAUCHY, 0, 1); }
/* t:logNormal([mean = 1, std = 2] [, gen]) -> exp of Gaussian(mean, std) draws (Torch7 defaults) */
static int random_lognormal (lua_State *L) { return distribution(L, K_LOGNORMAL, 1, 2); }
/* t:geometric(p [, gen]) -> number of trials up to the first success, each with
** probability p in (0, 1]: 1, 2, ... */
static int random_geometric (lua_State *L) {
  luaL_checknumber(L, hm_testtensor(L, 1) ? 2 : 1);
  return distribution(L, K_GEOMETRIC, 0.5, 0);
}

/* ---------------------------------------------------------------- new tensors */

/* The type of hm.Tensor: hm.getdefaulttensortype() when the Lua side defines it. */
static int default_type (lua_State *L) {
  int type = HM_FLOAT;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &MODULE_KEY);
  if (lua_getfield(L, -1, "getdefaulttensortype") == LUA_TFUNCTION) {
    lua_call(L, 0, 1);
    if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "hm.DoubleTensor") == 0)
      type = HM_DOUBLE;
  }
  lua_pop(L, 2);
  return type;
}

/* Sizes from arguments first..nargs: integers, or one table such as t:size(). */
static int readsizes (lua_State *L, int first, int nargs, int64_t *size) {
  int n = 0, i;
  if (first <= nargs && lua_istable(L, first)) {
    int len = (int)luaL_len(L, first);
    luaL_argcheck(L, len <= HM_MAXDIM, first, "too many dimensions");
    for (i = 0; i < len; i++) {
      int isint;
      lua_Integer v;
      lua_geti(L, first, i + 1);
      v = lua_tointegerx(L, -1, &isint);
      lua_pop(L, 1);
      if (!isint || v < 0)
        luaL_argerror(L, first, lua_pushfstring(L, "size %d must be a non-negative integer", i + 1));
      size[i] = v;
    }
    return len;
  }
  for (i = first; i <= nargs; i++) {
    lua_Integer v = luaL_checkinteger(L, i);
    luaL_argcheck(L, v >= 0, i, "size must be non-negative");
    luaL_argcheck(L, n < HM_MAXDIM, i, "too many dimensions");
    size[n++] = v;
  }
  return n;
}

static int newfilled (lua_State *L, int normal) {
  int nargs, ndim, first = 1;
  Generator *g = optgen(L, &nargs);
  int64_t size[HM_MAXDIM];
  Tensor *t;
  Fill f;
  memset(&f, 0, sizeof f);
  if (hm_testtensor(L, 1)) {            /* result form: hm.rand(res, sizes...) */
    hm_checkfloating(L, 1, hm_testtensor(L, 1));
    first = 2;
  }
  ndim = readsizes(L, first, nargs, size);
  if (first == 2) {
    t = hm_resize(L, 1, ndim, size);
    lua_pushvalue(L, 1);
  } else {
    t = hm_newtensor(L, default_type(L), ndim, size);
  }
  f.a = 0;
  f.b = 1;
  f.kind = normal ? (t->type == HM_FLOAT ? K_NORMAL32 : K_NORMAL64)
                  : (t->type == HM_FLOAT ? K_UNIFORM32 : K_UNIFORM64);
  fill_tensor(L, g, t, &f);
  return 1;
}

/* hm.rand([res,] sizes... [, gen]) -> a tensor of the default type, uniform in [0, 1) */
static int random_rand (lua_State *L) { return newfilled(L, 0); }
/* hm.randn([res,] sizes... [, gen]) -> a tensor of the default type, standard normal */
static int random_randn (lua_State *L) { return newfilled(L, 1); }

/* hm.randperm([res,] n [, gen]) -> LongTensor holding a random permutation of 1..n */
static int random_randperm (lua_State *L) {
  int nargs, first = hm_testtensor(L, 1) ? 2 : 1;
  Generator *g = optgen(L, &nargs);
  lua_Integer n;
  Tensor *r;
  int64_t size[1];
  if (first == 2) hm_checktensortype(L, 1, HM_LONG);
  n = luaL_checkinteger(L, first);
  luaL_argcheck(L, n >= 0, first, "n must be >= 0");
  size[0] = n;
  if (first == 2) {
    r = hm_resize(L, 1, 1, size);
    lua_pushvalue(L, 1);
  } else {
    r = hm_newtensor(L, HM_LONG, 1, size);
  }
  Generator_randperm(g, (int64_t *)Tensor_data(r), n);
  return 1;
}

/*
** hm.multinomial([res,] probs, n [, replacement = false] [, gen]) -> LongTensor of 1-based
** category indices: n of them for a 1D probs (k categories), rows x n for a 2D probs, one
** row of draws per row of weights. Weights need not sum to 1 but must be finite and >= 0,
** with a positive sum per row; without replacement n must not exceed the number of positive
** weights in any row (Torch7's semantics). res (a LongTensor) is resized.
*/
static int random_multinomial (lua_State *L) {
  int nargs, first = (hm_testtensor(L, 1) && hm_testtensor(L, 2)) ? 2 : 1;
  Generator *g = optgen(L, &nargs);
  Tensor *p = hm_checktensor(L, first), *w, *r;
  lua_Integer n;
  int replacement, pidx = first;
  int64_t rows, k, row, i, size[2];
  const double *wd;
  Keyed *scratch;
  if (first == 2) hm_checktensortype(L, 1, HM_LONG);
  hm_checkfloating(L, first, p);
  n = luaL_checkinteger(L, first + 1);
  replacement = nargs >= first + 2 ? lua_toboolean(L, first + 2) : 0;
  if (p->ndim != 1 && p->ndim != 2)
    luaL_argerror(L, first, lua_pushfstring(L, "1D or 2D probabilities expected, got %dD", p->ndim));
  rows = p->ndim == 2 ? p->size[0] : 1;
  k = p->size[p->ndim - 1];
  luaL_argcheck(L, k > 0, first, "no categories to sample from");
  luaL_argcheck(L, n >= 0, first + 1, "number of samples must be >= 0");
  /* weights as contiguous doubles; a float copy is fine: sampling is not element-wise */
  if (p->type == HM_DOUBLE) {
    w = hm_pushcontiguous(L, pidx);
  } else {
    w = hm_newtensorlike(L, p, HM_DOUBLE);
    Tensor_copy(w, p);
  }
  wd = (const double *)Tensor_data(w);
  for (row = 0; row < rows; row++) {
    double total = 0;
    int64_t pos = 0;
    for (i = 0; i < k; i++) {
      double x = wd[row * k + i];
      if (!(x >= 0 && isfinite(x)))
        luaL_argerror(L, first, lua_pushfstring(L, "invalid weight %f in row %I (weights must "
                      "be finite and >= 0)", x, (lua_Integer)row + 1));
      total += x;
      pos += x > 0;
    }
    if (!(total > 0 && isfinite(total)))
      luaL_argerror(L, first, lua_pushfstring(L, "weights of row %I sum to %f", (lua_Integer)row + 1, total));
    if (!replacement && n > pos)
      luaL_argerror(L, first + 1, lua_pushfstring(L, "cannot draw %I samples without replacement "
                    "from %I categories of non-zero weight (row %I)", n, (lua_Integer)pos,
                    (lua_Integer)row + 1));
  }
  size[0] = rows; size[1] = n;
  if (first == 2) {
    r = p->ndim == 2 ? hm_resize(L, 1, 2, size) : hm_resize(L, 1, 1, size + 1);
    lua_pushvalue(L, 1);
  } else {
    r = p->ndim == 2 ? hm_newtensor(L, HM_LONG, 2, size) : hm_newtensor(L, HM_LONG, 1, size + 1);
  }
  scratch = (Keyed *)lua_newuserdatauv(L, (size_t)k * sizeof(Keyed), 0);
  if (n > 0) Generator_multinomial(g, (int64_t *)Tensor_data(r), wd, rows, k, n, replacement, scratch);
  lua_pop(L, 1);
  return 1;
}

/*
** The fused RBM sampler: prob = sigmoid(x), sample = bernoulli(prob), in one pass.
**   hm.sigmoidBernoulli(x [, gen]) -> sample, prob (new tensors shaped as x)
**   hm.sigmoidBernoulli(sample, prob, x [, gen]) -> sample, prob, both resized as x
** x is a float or double tensor; prob has x's type; sample may be of any type. The draws
** are those of sample:bernoulli(prob) from the same generator position (same layout and
** compare), so the fused kernel changes speed, not results.
*/
static int random_sigmoidbernoulli (lua_State *L) {
  int nargs, xi;
  Generator *g = optgen(L, &nargs);
  Tensor *x, *s, *p, *xc;
  Fill f;
  memset(&f, 0, sizeof f);
  xi = (nargs >= 2) ? 3 : 1;
  x = hm_checktensor(L, xi);
  hm_checkfloating(L, xi, x);
  if (xi == 3) {
    hm_checktensor(L, 1);
    hm_checktensortype(L, 2, x->type);
  }
  xc = hm_pushcontiguous(L, xi);
  if (xi == 3) {
    s = hm_resizeas(L, 1, x);
    p = hm_resizeas(L, 2, x);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
  } else {
    s = hm_newtensorlike(L, x, x->type);
    p = hm_newtensorlike(L, x, x->type);
  }
  f.kind = x->type == HM_FLOAT ? K_SIGBERN32 : K_SIGBERN64;
  f.in = Tensor_data(xc);
  f.out2 = Tensor_data(p);
  fill_tensor(L, g, s, &f);      /* s is contiguous after the resize */
  return 2;
}

/* ===================================================================== registration */

static const luaL_Reg gen_methods[] = {
  {"manualSeed", gen_manualseed},
  {"seed", gen_seed},
  {"initialSeed", gen_initialseed},
  {"getState", gen_getstate},
  {"setState", gen_setstate},
  {"clone", gen_clone},
  {NULL, NULL}
};

static const hm_Reg random_funcs[] = {
  {"Generator", random_generator, HM_FUNCTION},
  {"manualSeed", random_manualseed, HM_FUNCTION},
  {"seed", random_seed, HM_FUNCTION},
  {"initialSeed", random_initialseed, HM_FUNCTION},
  {"getRNGState", random_getrngstate, HM_FUNCTION},
  {"setRNGState", random_setrngstate, HM_FUNCTION},
  {"_philox", random_philox, HM_FUNCTION},
  {"uniform", random_uniform, HM_BOTH},
  {"normal", random_normal, HM_BOTH},
  {"bernoulli", random_bernoulli, HM_BOTH},
  {"random", random_random, HM_BOTH},
  {"exponential", random_exponential, HM_BOTH},
  {"cauchy", random_cauchy, HM_BOTH},
  {"logNormal", random_lognormal, HM_BOTH},
  {"geometric", random_geometric, HM_BOTH},
  {"rand", random_rand, HM_FUNCTION},
  {"randn", random_randn, HM_FUNCTION},
  {"randperm", random_randperm, HM_FUNCTION},
  {"multinomial", random_multinomial, HM_BOTH},
  {"sigmoidBernoulli", random_sigmoidbernoulli, HM_BOTH},
  {NULL, NULL, 0}
};

void hm_open_random (lua_State *L, int F, int M) {
  F = lua_absindex(L, F);
  M = lua_absindex(L, M);
  if (luaL_newmetatable(L, HM_GENERATOR_MT)) {
    luaL_newlib(L, gen_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gen_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  Generator_manualseed(pushgen(L), DEFAULT_SEED, 0);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &DEFAULTGEN_KEY);
  lua_pushvalue(L, F);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &MODULE_KEY);
  hm_register(L, F, M, random_funcs);
}
