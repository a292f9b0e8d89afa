// C = alpha * op(A) * op(B) + beta * C on row-major matrices with offsets and leading dimensions.
//
// Tiling (sizes are build macros chosen per device by GemmTuning):
//   a work-group computes a TS_M x TS_N tile of C; each work-item holds a WPT_M x WPT_N block of it in
//   registers, spread with stride RTS_M / RTS_N so that neighbouring work-items touch neighbouring
//   columns (coalesced stores, conflict-free local reads).
//   Each step stages a TS_M x TS_K slice of op(A) and a TS_K x TS_N slice of op(B) in local memory,
//   loaded four floats at a time along whichever direction is contiguous in global memory (vload4);
//   chunks that cross the matrix edge are loaded element by element with bounds checks and zero fill,
//   so every size is correct without padding the operands.

#define RTS_M (TS_M / WPT_M)
#define RTS_N (TS_N / WPT_N)
#define GEMM_THREADS (RTS_M * RTS_N)

// Stages tile rows [r0, r0+ROWS) x cols [c0, c0+COLS) of a logical (rows x cols) matrix into
// dst[col][row] (column-major in local memory, i.e. indexed [k][m] for A and [k][n] for B).
// trans == 0: element (r, c) is at p[r*ld + c] (contiguous along c)
// trans == 1: element (r, c) is at p[c*ld + r] (contiguous along r)
#define STAGE_TILE(dst, p, ld, trans, r0, c0, ROWS, COLS, nRows, nCols, DST_STRIDE)                 \
    if (!(trans)) {                                                                                \
        for (int l = tid; l < (ROWS) * (COLS) / 4; l += GEMM_THREADS) {                             \
            int r = l / ((COLS) / 4), c = (l % ((COLS) / 4)) * 4;                                  \
            int gr = (r0) + r, gc = (c0) + c;                                                      \
            float4 v;                                                                              \
            if (gr < (nRows) && gc + 3 < (nCols)) {                                                \
                v = vload4(0, (p) + (size_t)gr * (ld) + gc);                                       \
            } else {                                                                               \
                const __global float* q = (p) + (size_t)gr * (ld);                                 \
                v.s0 = (gr < (nRows) && gc     < (nCols)) ? q[gc]     : 0.0f;                      \
                v.s1 = (gr < (nRows) && gc + 1 < (nCols)) ? q[gc + 1] : 0.0f;                      \
                v.s2 = (gr < (nRows) && gc + 2 < (nCols)) ? q[gc + 2] : 0.0f;                      \
                v.s3 = (gr < (nRows) && gc + 3 < (nCols)) ? q[gc + 3] : 0.0f;                      \
            }                                                                                      \
            dst[(c) * (DST_STRIDE) + r] = v.s0;                                                    \
            dst[(c + 1) * (DST_STRIDE) + r] = v.s1;                                                \
            dst[(c + 2) * (DST_STRIDE) + r] = v.s2;                                                \
            dst[(c + 3) * (DST_STRIDE) + r] = v.s3;                                                \
        }                                                                                          \
    } else {                                                                                       \
        for (int l = tid; l < (ROWS) * (COLS) / 4; l += GEMM_THREADS) {                             \
            int c = l / ((ROWS) / 4), r = (l % ((ROWS) / 4)) * 4;                                  \
            int gr = (r0) + r, gc = (c0) + c;                                                      \
            float4 v;                                                                              \
            if (gc < (nCols) && gr + 3 < (nRows)) {                                                \
                v = vload4(0, (p) + (size_t)gc * (ld) + gr);                                       \
            } else {                                                                               \
                const __global float* q = (p) + (size_t)gc * (ld);                                 \
                v.s0 = (gc < (nCols) && gr     < (nRows)) ? q[gr]     : 0.0f;                      \
                v.s1 = (gc < (nCols) && gr + 1 < (nRows)) ? q[gr + 1] : 0.0f;                      \
                v.s2 = (gc < (nCols) && gr + 2 < (nRows)) ? q[gr + 2] : 0.0f;                      \
                v.s3 = (gc < (nCols) && gr + 3 < (nRows)) ? q[gr + 3] : 0.0f;                      \
            }                                                                                      \
            vstore4(v, 0, dst + (c) * (DST_STRIDE) + r);                                           \
        }                                                                                          \
    }

__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void sgemm(const int M, const int N, const int K, const float alpha,
           const __global float* A, const int offA, const int lda, const int transA,
           const __global float* B, const int offB, const int ldb, const int transB,
           const float beta, __global float* C, const int offC, const int ldc) {
    // A tile as [k][m], B tile as [k][n]
    __local float Asub[TS_K * TS_M];
    __local float Bsub[TS_K * TS_N];

    const int tn = get_local_id(0), tm = get_local_id(1);
    const int tid = tm * RTS_N + tn;
    const int m0 = get_group_id(1) * TS_M, n0 = get_group_id(0) * TS_N;
    const __global float* a = A + offA;
    const __global float* b = B + offB;

    float acc[WPT_M][WPT_N];
    for (int wm = 0; wm < WPT_M; wm++)
        for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TS_K) {
        // op(A) is (M x K): logical rows = m, cols = k
        STAGE_TILE(Asub, a, lda, transA, m0, k0, TS_M, TS_K, M, K, TS_M)
        // op(B) is (K x N): stage its transpose view, logical rows = n, cols = k
        // B untransposed: element (k, n) at b[k*ldb + n] = (n, k) of a transposed view
        STAGE_TILE(Bsub, b, ldb, !transB, n0, k0, TS_N, TS_K, N, K, TS_N)
        barrier(CLK_LOCAL_MEM_FENCE);

        for (int kk = 0; kk < TS_K; kk++) {
            float ra[WPT_M], rb[WPT_N];
            for (int wm = 0; wm < WPT_M; wm++) ra[wm] = Asub[kk * TS_M + tm + wm * RTS_M];
            for (int wn = 0; wn < WPT_N; wn++) rb[wn] = Bsub[kk * TS_N + tn + wn * RTS_N];
            for (int wm = 0; wm < WPT_M; wm++)
                for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = fma(ra[wm], rb[wn], acc[wm][wn]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int wm = 0; wm < WPT_M; wm++) {
        int row = m0 + tm + wm * RTS_M;
        if (row >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            int col = n0 + tn + wn * RTS_N;
            if (col >= N) continue;
            size_t idx = (size_t)offC + (size_t)row * ldc + col;
            float v = alpha * acc[wm][wn];
            // beta == 0 must not read C: NaN or garbage there may not leak into the result
            if (beta != 0.0f) v += beta * C[idx];
            C[idx] = v;
        }
    }
}
