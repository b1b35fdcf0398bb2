/*
** gemm.c: single-precision C = alpha * op(A) * op(B) + beta * C with our own AVX-512 kernel.
**
** Why our own: Debian's OpenBLAS 0.3.21 runs its AVX2 (Haswell) kernels wherever
** OPENBLAS_CORETYPE says so or it does not know the CPU, which on these AVX-512 machines is
** about half of what the FMA units can do. Every float product in the library (nn.Linear,
** the RBMs, convolution's im2col products) goes through hm_sgemm, so this one loop nest
** sets the speed of most training. Doubles stay on OpenBLAS (they serve gradient checks and
** AIS, not hot loops), and so does everything on a CPU without AVX-512.
**
** Layout (Goto/BLIS, row-major): a 12 x 32 block of C lives in 24 zmm accumulators. Each
** step of k loads 32 floats of B (two vectors) and broadcasts 12 floats of A straight from
** A's memory (rows or columns: either stride works for a broadcast, so A is never packed).
** B is packed once per (k-block, column block) into panels of 32 columns, k-major, so the
** kernel reads it with aligned unit-stride loads whatever B's layout; a transposed B
** (nn.Linear's forward, x * W^T) is packed with 16 x 16 register transposes. Rows past M
** use kernels with fewer accumulators (no padding work); columns past N are zero in the
** packed panel and masked off at the store. k is cut into blocks of at most 256 so a panel
** (256 x 32 floats, 32 KB) stays in L1 while the rows of A stream past it.
**
** Threads: the columns (or, for narrow products, the rows) are split between our pool's
** threads in whole panels, so each thread packs only its own part of B and writes its own
** part of C; the result does not depend on the split (each element is summed in the same
** order). Small products stay on the calling thread: waking a worker costs more.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "tensor.h"
#include "gemm.h"

int openblas_get_num_threads (void);

#if defined(__x86_64__) && defined(__GNUC__)
#define HM_GEMM_KERNEL 1
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#endif

#define MR 12              /* rows of C per kernel call (broadcasts) */
#define NR 32              /* columns of C per kernel call (two vectors of 16) */
#define KC 256             /* largest k block: a 256 x 32 packed panel is 32 KB (L1) */
#define MC 192             /* rows of A per block: 192 x 256 floats, 192 KB (L2) */
#define NC 512             /* columns of B packed at once: 512 KB */
#define SERIAL_FLOPS 1.5e6 /* below this, one thread (about 8 us of work; a hand-off to a
                              worker costs 1-2 us, 8 when the worker shares our CPU) */

static int native = -1;    /* -1 undecided, 0 OpenBLAS, 1 ours */

static int cpu_has_kernel (void) {
#ifdef HM_GEMM_KERNEL
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
      && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

int hm_sgemm_select (int want) {
  native = want && cpu_has_kernel();
  return native;
}

/* Ours by default where the CPU has AVX-512; HARMONIUM_GEMM=openblas asks for OpenBLAS. */
int hm_sgemm_native (void) {
  if (native < 0) {
    const char *e = getenv("HARMONIUM_GEMM");
    hm_sgemm_select(!(e && strcmp(e, "openblas") == 0));
  }
  return native;
}

static void openblas_sgemm (int transA, int transB, int M, int N, int K, float alpha,
                            const float *A, int lda, const float *B, int ldb, float beta,
                            float *C, int ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#ifdef HM_GEMM_KERNEL

/* ---------------------------------------------------------------- micro-kernels */

/*
** C[0..R-1][0..nr-1] = alpha * sum_p a(i, p) * bp[p][j] + beta * C (beta = 0: C not read).
** a(i, p) is a[p * as + i] (AT = 1: a packed sliver, as = MR, or A stored transposed) or
** a[i * as + p] (AT = 0: rows of A read in place); bp is a packed panel of B (NV * 16 floats
** per p). R, NV and AT are constants at every call site, so the loops unroll and acc0/acc1
** become registers.
*/
static ALWAYS_INLINE AVX512 void kernel_body (const int R, const int NV, const int AT, int64_t kc,
                                              const float *a, int64_t as, const float *bp,
                                              float *c, int64_t ldc, __mmask16 m0, __mmask16 m1,
                                              float alpha, float beta) {
  __m512 acc0[MR], acc1[MR];
  int i;
  int64_t p;
#pragma GCC unroll 12
  for (i = 0; i < R; i++) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  for (p = 0; p < kc; p++) {
    __m512 b0 = _mm512_load_ps(bp), b1 = b0;
    if (NV == 2) b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
    for (i = 0; i < R; i++) {
      __m512 ai = _mm512_set1_ps(AT ? a[i] : a[i * as]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      if (NV == 2) acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
    bp += NV * 16;
    a += AT ? as : 1;
  }
  {
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (i = 0; i < R; i++) {
      float *cr = c + i * ldc;
      __m512 v = _mm512_mul_ps(acc0[i], va);
      if (beta != 0.0f) v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, cr), vb, v);
      _mm512_mask_storeu_ps(cr, m0, v);
      if (NV == 2) {
        v = _mm512_mul_ps(acc1[i], va);
        if (beta != 0.0f) v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, cr + 16), vb, v);
        _mm512_mask_storeu_ps(cr + 16, m1, v);
      }
    }
  }
}

typedef void (*KernelFn) (int64_t kc, const float *a, int64_t as, const float *bp, float *c,
                          int64_t ldc, __mmask16 m0, __mmask16 m1, float alpha, float beta);

#define KDEF(R, NV, AT) \
  static AVX512 void kernel_##R##_##NV##_##AT (int64_t kc, const float *a, int64_t as, \
      const float *bp, float *c, int64_t ldc, __mmask16 m0, __mmask16 m1, float alpha, \
      float beta) { \
    kernel_body(R, NV, AT, kc, a, as, bp, c, ldc, m0, m1, alpha, beta); \
  }
#define KDEF_R(NV, AT) KDEF(1, NV, AT) KDEF(2, NV, AT) KDEF(3, NV, AT) KDEF(4, NV, AT) \
  KDEF(5, NV, AT) KDEF(6, NV, AT) KDEF(7, NV, AT) KDEF(8, NV, AT) KDEF(9, NV, AT) \
  KDEF(10, NV, AT) KDEF(11, NV, AT) KDEF(12, NV, AT)
KDEF_R(1, 0) KDEF_R(2, 0) KDEF_R(1, 1) KDEF_R(2, 1)

#define KREF(NV, AT) { kernel_1_##NV##_##AT, kernel_2_##NV##_##AT, kernel_3_##NV##_##AT, \
  kernel_4_##NV##_##AT, kernel_5_##NV##_##AT, kernel_6_##NV##_##AT, kernel_7_##NV##_##AT, \
  kernel_8_##NV##_##AT, kernel_9_##NV##_##AT, kernel_10_##NV##_##AT, kernel_11_##NV##_##AT, \
  kernel_12_##NV##_##AT }
/* kernels[AT][NV - 1][R - 1] */
static const KernelFn kernels[2][2][MR] = {
  { KREF(1, 0), KREF(2, 0) },
  { KREF(1, 1), KREF(2, 1) },
};

/* ---------------------------------------------------------------- packing */

static __mmask16 lanes (int64_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* Width of panel q when the block has nc columns: 32, or 16 for a last panel of <= 16. */
static int panel_width (int64_t nc, int64_t q) {
  return nc - q * NR > 16 ? 32 : 16;
}

/* B(p, j) = b[p * ldb + j]: rows of B are unit-stride; copy 32 (or 16) at a time. */
static AVX512 void pack_rows (int64_t kc, int64_t nc, const float *b, int64_t ldb, float *dst) {
  int64_t q, p, npanel = (nc + NR - 1) / NR;
  for (q = 0; q < npanel; q++) {
    int64_t j0 = q * NR;
    int w = panel_width(nc, q);
    __mmask16 m0 = lanes(nc - j0), m1 = lanes(nc - j0 - 16);
    float *d = dst + q * kc * NR;
    const float *s = b + j0;
    for (p = 0; p < kc; p++, s += ldb, d += w) {
      _mm512_store_ps(d, _mm512_maskz_loadu_ps(m0, s));
      if (w == 32) _mm512_store_ps(d + 16, _mm512_maskz_loadu_ps(m1, s + 16));
    }
  }
}

/* r[i][j] <- r[j][i] for 16 vectors of 16 floats. */
static ALWAYS_INLINE AVX512 void transpose16 (__m512 r[16]) {
  __m512 t[16];
  int i;
#pragma GCC unroll 8
  for (i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  /* r[4i + e], 128-bit lane k: rows 4i..4i+3 at column 4k + e */
#pragma GCC unroll 4
  for (i = 0; i < 4; i++) {
    r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  /* a 4 x 4 transpose of 128-bit lanes among r[e], r[4+e], r[8+e], r[12+e] */
#pragma GCC unroll 4
  for (i = 0; i < 4; i++) {
    __m512 x0 = _mm512_shuffle_f32x4(r[i], r[4 + i], 0x44);
    __m512 x1 = _mm512_shuffle_f32x4(r[i], r[4 + i], 0xEE);
    __m512 y0 = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0x44);
    __m512 y1 = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0xEE);
    t[i] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    t[4 + i] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    t[8 + i] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    t[12 + i] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
#pragma GCC unroll 16
  for (i = 0; i < 16; i++) r[i] = t[i];
}

/* B(p, j) = b[j * ldb + p]: columns of B are unit-stride (B stored transposed, as nn.Linear's
** weight is); read 16 x 16 blocks along p and transpose them in registers. */
static AVX512 void pack_cols (int64_t kc, int64_t nc, const float *b, int64_t ldb, float *dst) {
  int64_t q, p0, npanel = (nc + NR - 1) / NR;
  for (q = 0; q < npanel; q++) {
    int64_t j0 = q * NR;
    int w = panel_width(nc, q), h;
    float *d = dst + q * kc * NR;
    for (h = 0; h < w / 16; h++) {
      int64_t jh = j0 + 16 * h, nh = nc - jh, t;
      if (nh > 16) nh = 16;
      for (p0 = 0; p0 < kc; p0 += 16) {
        int64_t np = kc - p0 < 16 ? kc - p0 : 16, s;
        __mmask16 pm = lanes(np);
        __m512 r[16];
        for (t = 0; t < 16; t++)
          r[t] = t < nh ? _mm512_maskz_loadu_ps(pm, b + (jh + t) * ldb + p0) : _mm512_setzero_ps();
        transpose16(r);
        for (s = 0; s < np; s++) _mm512_store_ps(d + (p0 + s) * w + 16 * h, r[s]);
      }
    }
  }
}

/* A block rows [0, mc) x k [0, kc) into slivers of MR rows, MR floats per p. A(i, p) is
** a[p * lda + i] (AT = 1: columns unit-stride, a copy) or a[i * lda + p] (AT = 0: rows
** unit-stride, transposed 16 x 16 in registers, 12 lanes kept). */
static AVX512 void pack_a (int AT, int64_t mc, int64_t kc, const float *a, int64_t lda,
                           float *dst) {
  int64_t i0, p, p0;
  for (i0 = 0; i0 < mc; i0 += MR, dst += kc * MR) {
    int64_t r = mc - i0 < MR ? mc - i0 : MR;
    __mmask16 rm = lanes(r);
    if (AT) {
      const float *s = a + i0;
      for (p = 0; p < kc; p++, s += lda)
        _mm512_mask_storeu_ps(dst + p * MR, lanes(MR), _mm512_maskz_loadu_ps(rm, s));
    } else {
      for (p0 = 0; p0 < kc; p0 += 16) {
        int64_t np = kc - p0 < 16 ? kc - p0 : 16, t;
        __mmask16 pm = lanes(np);
        __m512 v[16];
        for (t = 0; t < 16; t++)
          v[t] = t < r ? _mm512_maskz_loadu_ps(pm, a + (i0 + t) * lda + p0) : _mm512_setzero_ps();
        transpose16(v);
        for (t = 0; t < np; t++) _mm512_mask_storeu_ps(dst + (p0 + t) * MR, lanes(MR), v[t]);
      }
    }
  }
}

/* ---------------------------------------------------------------- blocked loop nest */

/* Each thread's packing buffers (B block, then A block), kept for the next call: workers
** live as long as the process. */
static __thread float *packbuf;

static float *get_packbuf (void) {
  if (!packbuf) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (size_t)KC * (NC + MC) * sizeof(float)) != 0) return NULL;
    packbuf = p;
  }
  return packbuf;
}

typedef struct Job {
  int transA, transB;
  int64_t M, N, K, lda, ldb, ldc;
  float alpha, beta;
  const float *A, *B;
  float *C;
  int splitN, nchunks;     /* split columns (in panels) or rows (in MR slivers) */
  int packA;               /* copy A into slivers, or read it in place */
} Job;

/* The block rows [m0, m1) x columns [n0, n1) of C, on this thread. Returns 0 without memory. */
static AVX512 int gemm_block (const Job *j, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  int64_t ars = j->transA ? 1 : j->lda, acs = j->transA ? j->lda : 1;
  int64_t nkb = (j->K + KC - 1) / KC, kcb = (j->K + nkb - 1) / nkb;   /* even k blocks */
  int64_t pc, jc, ic;
  float *bbuf = get_packbuf(), *abuf;
  if (!bbuf) return 0;
  abuf = bbuf + (size_t)KC * NC;
  for (pc = 0; pc < j->K; pc += kcb) {
    int64_t kc = j->K - pc < kcb ? j->K - pc : kcb;
    float beta = pc == 0 ? j->beta : 1.0f;
    for (jc = n0; jc < n1; jc += NC) {
      int64_t nc = n1 - jc < NC ? n1 - jc : NC, npanel = (nc + NR - 1) / NR, q;
      if (j->transB) pack_cols(kc, nc, j->B + jc * j->ldb + pc, j->ldb, bbuf);
      else pack_rows(kc, nc, j->B + pc * j->ldb + jc, j->ldb, bbuf);
      for (ic = m0; ic < m1; ic += MC) {
        int64_t mc = m1 - ic < MC ? m1 - ic : MC;
        const float *a = j->A + ic * ars + pc * acs;
        int AT = j->transA != 0;
        int64_t as = j->lda, sliver;     /* a(i, p) addressing, the step between slivers */
        if (j->packA) {
          pack_a(j->transA, mc, kc, a, j->lda, abuf);
          a = abuf; AT = 1; as = MR; sliver = kc * MR;
        } else {
          sliver = MR * ars;
        }
        for (q = 0; q < npanel; q++) {
          int64_t nr = nc - q * NR < NR ? nc - q * NR : NR, i;
          int nv = panel_width(nc, q) / 16;
          __mmask16 k0 = lanes(nr), k1 = lanes(nr - 16);
          const float *bp = bbuf + q * kc * NR;
          float *c = j->C + ic * j->ldc + jc + q * NR;
          for (i = 0; i < mc; i += MR) {
            int r = mc - i < MR ? (int)(mc - i) : MR;
            kernels[AT][nv - 1][r - 1](kc, a + i / MR * sliver, as, bp, c + i * j->ldc,
                                       j->ldc, k0, k1, j->alpha, beta);
          }
        }
      }
    }
  }
  return 1;
}

/* The block [m0, m1) x [n0, n1) on this thread; OpenBLAS does it when this thread has no
** packing buffer (gemm_block fails before it writes anything). */
static void gemm_part (const Job *j, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1 || gemm_block(j, m0, m1, n0, n1)) return;
  openblas_sgemm(j->transA, j->transB, (int)(m1 - m0), (int)(n1 - n0), (int)j->K, j->alpha,
                 j->A + (j->transA ? m0 : m0 * j->lda), (int)j->lda,
                 j->B + (j->transB ? n0 * j->ldb : n0), (int)j->ldb, j->beta,
                 j->C + m0 * j->ldc + n0, (int)j->ldc);
}

/* Chunks [b, e) of nchunks: an even share of whole panels (or slivers). */
static void gemm_chunk (void *ctx, int64_t b, int64_t e) {
  const Job *j = ctx;
  if (j->splitN) {
    int64_t np = (j->N + NR - 1) / NR;
    int64_t n0 = np * b / j->nchunks * NR, n1 = np * e / j->nchunks * NR;
    gemm_part(j, 0, j->M, n0, n1 < j->N ? n1 : j->N);
  } else {
    int64_t ns = (j->M + MR - 1) / MR;
    int64_t m0 = ns * b / j->nchunks * MR, m1 = ns * e / j->nchunks * MR;
    gemm_part(j, m0, m1 < j->M ? m1 : j->M, 0, j->N);
  }
}

/*
** Whether to pack A. A block of at most MC rows is read in place when it is one block (so
** no re-reads from far away) and its rows do not alias in L1: rows a multiple of 4 KB apart
** (lda = 1024, 2048, ...) all map to one cache set, and 12 of them plus B's lines thrash it.
** Packing costs a pass over A per block of columns, so it only pays for larger products.
*/
static int want_pack_a (int transA, int64_t M, int64_t lda) {
  int64_t off = (lda * (int64_t)sizeof(float)) % 4096;
  if (M > MC) return 1;
  return off < 256 || off > 4096 - 256 || (transA && off < 1024);
}

static void native_sgemm (int transA, int transB, int M, int N, int K, float alpha,
                          const float *A, int lda, const float *B, int ldb, float beta,
                          float *C, int ldc) {
  Job j;
  int nt = openblas_get_num_threads(), pool = hm_getnumthreads();
  int64_t np = (N + NR - 1) / NR, ns = (M + MR - 1) / MR;
  if (nt > pool) nt = pool;
  if (2.0 * M * N * K < SERIAL_FLOPS) nt = 1;
  j.transA = transA; j.transB = transB;
  j.M = M; j.N = N; j.K = K; j.lda = lda; j.ldb = ldb; j.ldc = ldc;
  j.alpha = alpha; j.beta = beta; j.A = A; j.B = B; j.C = C;
  j.packA = want_pack_a(transA, M, lda);
  /* columns when there are enough panels to share (no B packed twice), else rows */
  j.splitN = np >= 2 * nt || np >= ns;
  if (j.splitN && np < nt) nt = (int)np;
  if (!j.splitN && ns < nt) nt = (int)ns;
  if (nt < 1) nt = 1;
  j.nchunks = nt;
  if (nt == 1) gemm_part(&j, 0, M, 0, N);
  else hm_parallel_for(nt, 1, gemm_chunk, &j);
}

#endif /* HM_GEMM_KERNEL */

void hm_sgemm (int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
               const float *B, int ldb, float beta, float *C, int ldc) {
  if (M <= 0 || N <= 0) return;
#ifdef HM_GEMM_KERNEL
  if (K > 0 && hm_sgemm_native()) {
    native_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#endif
  openblas_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
