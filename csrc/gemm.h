/*
** gemm.h: single-precision matrix product with our own AVX-512 kernel (gemm.c), falling back
** to OpenBLAS's cblas_sgemm where the CPU lacks AVX-512 or the user asked for OpenBLAS.
*/
#ifndef HM_GEMM_H
#define HM_GEMM_H

/*
** C = alpha * op(A) * op(B) + beta * C, all row-major: op(A) is M x K, op(B) is K x N, C is
** M x N with leading dimension ldc; transA/transB nonzero mean A/B are stored transposed
** (cblas_sgemm(CblasRowMajor, ...) semantics, including: beta = 0 never reads C). Runs on our
** thread pool (as many threads as hm.setblasthreads allows), serially when called from inside
** a parallel region. M, N, K >= 0; ld* >= 1 and large enough.
*/
void hm_sgemm (int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
               const float *B, int ldb, float beta, float *C, int ldc);

/* Which implementation hm_sgemm uses: 1 our kernel, 0 OpenBLAS. hm_sgemm_select returns the
** choice made: asking for ours on a CPU without AVX-512 gives OpenBLAS. */
int hm_sgemm_native (void);
int hm_sgemm_select (int native);

#endif
