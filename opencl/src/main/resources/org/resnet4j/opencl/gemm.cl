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

// Split K: with a third NDRange dimension, work-group z multiplies only the K range
// [z*kPerSlice, (z+1)*kPerSlice) and writes its own (M x N) block of C, sliceStrideC floats after the
// previous one; gemm_slices_sum then adds the blocks in slice order. That keeps products with a small
// C and a long K (a convolution's weight gradient: K = images x pixels) from running on a handful of
// work-groups. A two-dimensional launch has z = 0 and kPerSlice = K: the plain product.
#define K_SLICE_PROLOGUE                                                                           \
    const int kBegin = get_group_id(2) * kPerSlice;                                                \
    a += transA ? (size_t)kBegin * lda : (size_t)kBegin;                                           \
    b += transB ? 0 : (size_t)kBegin * ldb;                                                        \
    const int bShift = transB ? kBegin : 0;                                                        \
    C += (size_t)get_group_id(2) * sliceStrideC;                                                   \
    const int Kslice = min(K - kBegin, kPerSlice);

// B's rows (transB: its columns) may be cut into groups too: along the index that is contiguous in
// memory (n, or k when transB), every bGroup elements start bGroupStride floats further on (bGroup 0:
// no groups). A convolution's dy (images x channels x pixels) is then read as the (channels x
// images*pixels) matrix it is, without a copy. With transB the index is k, shifted by the slice's start
// (bShift) so that groups stay aligned to whole images under split K.
#define B_IDX(i) (bGroup > 0 ? (size_t)(((i) + bShift) / bGroup) * bGroupStride + ((i) + bShift) % bGroup   \
                             : (size_t)((i) + bShift))
// whether elements i..i+3 of that index are consecutive floats
#define B_RUN4(i) (bGroup <= 0 || ((i) + bShift) % bGroup + 3 < bGroup)
#define A_IDX(i) ((size_t)(i))
#define A_RUN4(i) 1

// Where element (row, col) of C lives: row * ldc + col, except that every colGroup columns start
// colGroupStride floats further on. A convolution's product (channels x images*pixels) then lands
// straight in NCHW order (colGroup = pixels of one image, colGroupStride = one image's floats);
// a plain product passes colGroup = N, colGroupStride = 0.
#define C_INDEX(row, col) ((size_t)offC + (size_t)(row) * ldc + (size_t)((col) / colGroup) * colGroupStride + (col) % colGroup)

#define RTS_M (TS_M / WPT_M)
#define RTS_N (TS_N / WPT_N)
#define GEMM_THREADS (RTS_M * RTS_N)

// The parameters every SGEMM kernel takes (OpenClBackend sets them in this order).
#define GEMM_PARAMS                                                                                      \
    const int M, const int N, const int K, const float alpha,                                            \
    const __global float* A, const int offA, const int lda, const int transA,                            \
    const __global float* B, const int offB, const int ldb, const int transB,                            \
    const float beta, __global float* C, const int offC, const int ldc,                                  \
    const int kPerSlice, const int sliceStrideC, const int colGroup, const int colGroupStride,           \
    const int bGroup, const int bGroupStride
#define GEMM_ARGS M, N, K, alpha, A, offA, lda, transA, B, offB, ldb, transB, beta, C, offC, ldc,        \
    kPerSlice, sliceStrideC, colGroup, colGroupStride, bGroup, bGroupStride

// The local-tile kernels' start: this work-item's place in the tile (tid), the tile's corner (m0, n0),
// the operands at their offsets and split-K slice, and its WPT_M x WPT_N block of C in registers at zero.
#define TILED_PROLOGUE                                                                                   \
    const int tn = get_local_id(0), tm = get_local_id(1);                                                \
    const int tid = tm * RTS_N + tn;                                                                     \
    const int m0 = get_group_id(1) * TS_M, n0 = get_group_id(0) * TS_N;                                  \
    const __global float* a = A + offA;                                                                  \
    const __global float* b = B + offB;                                                                  \
    K_SLICE_PROLOGUE                                                                                     \
    float acc[WPT_M][WPT_N];                                                                             \
    for (int wm = 0; wm < WPT_M; wm++)                                                                   \
        for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = 0.0f;

// Staging a tile: rows [r0, r0+ROWS) x cols [c0, c0+COLS) of a logical (rows x cols) matrix go to
// dst[col][row] (column-major in local memory, i.e. indexed [k][m] for A and [k][n] for B), four floats
// at a time along whichever direction is contiguous in global memory:
// trans == 0: element (r, c) is at p[r*ld + IDX(c)] (contiguous along c)
// trans == 1: element (r, c) is at p[c*ld + IDX(r)] (contiguous along r)
// IDX maps the contiguous index to its offset in a row of storage, RUN4 says whether 4 of them are adjacent.
// LOAD_TILE reads this work-item's share into registers, STORE_TILE writes it to local memory: apart,
// so that a kernel can load the next tile while it multiplies the current one.
// v = elements i..i+3 of the row at q (offsets through AT), each 0 past the end (n) or when !rowOk
#define GATHER4(v, q, rowOk, i, n, AT)                                                                   \
    do {                                                                                                 \
        v.s0 = ((rowOk) && (i)     < (n)) ? (q)[AT(i)]       : 0.0f;                                     \
        v.s1 = ((rowOk) && (i) + 1 < (n)) ? (q)[AT((i) + 1)] : 0.0f;                                     \
        v.s2 = ((rowOk) && (i) + 2 < (n)) ? (q)[AT((i) + 2)] : 0.0f;                                     \
        v.s3 = ((rowOk) && (i) + 3 < (n)) ? (q)[AT((i) + 3)] : 0.0f;                                     \
    } while (0)

#define LOADS(ROWS, COLS) (((ROWS) * (COLS) / 4 + GEMM_THREADS - 1) / GEMM_THREADS)

// regs[i] = the float4 of load l = tid + i*GEMM_THREADS (zero past the edges)
#define LOAD_TILE(regs, p, ld, trans, r0, c0, ROWS, COLS, nRows, nCols, IDX, RUN4)                      \
    for (int i = 0; i < LOADS(ROWS, COLS); i++) {                                                        \
        int l = tid + i * GEMM_THREADS;                                                                  \
        if (l >= (ROWS) * (COLS) / 4) break;                                                             \
        int r, c;                                                                                        \
        if (!(trans)) { r = l / ((COLS) / 4); c = (l % ((COLS) / 4)) * 4; }                              \
        else { c = l / ((ROWS) / 4); r = (l % ((ROWS) / 4)) * 4; }                                       \
        int gr = (r0) + r, gc = (c0) + c;                                                                \
        /* the index that strides by ld in memory (outer) and the contiguous one (inner) */              \
        int outer = (trans) ? gc : gr, inner = (trans) ? gr : gc;                                        \
        int nOuter = (trans) ? (nCols) : (nRows), nInner = (trans) ? (nRows) : (nCols);                  \
        const __global float* q = (p) + (size_t)outer * (ld);                                            \
        float4 v;                                                                                        \
        if (outer < nOuter && inner + 3 < nInner && RUN4(inner)) v = vload4(0, q + IDX(inner));          \
        else GATHER4(v, q, outer < nOuter, inner, nInner, IDX);                                          \
        regs[i] = v;                                                                                     \
    }

// dst[c][r] = the loaded elements
#define STORE_TILE(dst, regs, trans, ROWS, COLS, DST_STRIDE)                                             \
    for (int i = 0; i < LOADS(ROWS, COLS); i++) {                                                        \
        int l = tid + i * GEMM_THREADS;                                                                  \
        if (l >= (ROWS) * (COLS) / 4) break;                                                             \
        float4 v = regs[i];                                                                              \
        if (!(trans)) {                                                                                  \
            int r = l / ((COLS) / 4), c = (l % ((COLS) / 4)) * 4;                                        \
            (dst)[(c) * (DST_STRIDE) + r] = v.s0;                                                        \
            (dst)[(c + 1) * (DST_STRIDE) + r] = v.s1;                                                    \
            (dst)[(c + 2) * (DST_STRIDE) + r] = v.s2;                                                    \
            (dst)[(c + 3) * (DST_STRIDE) + r] = v.s3;                                                    \
        } else {                                                                                         \
            int c = l / ((ROWS) / 4), r = (l % ((ROWS) / 4)) * 4;                                        \
            vstore4(v, 0, (dst) + (c) * (DST_STRIDE) + r);                                               \
        }                                                                                                \
    }

__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void sgemm(GEMM_PARAMS) {
    // A tile as [k][m], B tile as [k][n]
    __local float Asub[TS_K * TS_M];
    __local float Bsub[TS_K * TS_N];

    TILED_PROLOGUE

    float4 stagedA[LOADS(TS_M, TS_K)], stagedB[LOADS(TS_N, TS_K)];
    for (int k0 = 0; k0 < Kslice; k0 += TS_K) {
        // op(A) is (M x K): logical rows = m, cols = k
        LOAD_TILE(stagedA, a, lda, transA, m0, k0, TS_M, TS_K, M, Kslice, A_IDX, A_RUN4)
        STORE_TILE(Asub, stagedA, transA, TS_M, TS_K, TS_M)
        // op(B) is (K x N): stage its transpose view, logical rows = n, cols = k
        // B untransposed: element (k, n) at b[k*ldb + n] = (n, k) of a transposed view
        LOAD_TILE(stagedB, b, ldb, !transB, n0, k0, TS_N, TS_K, N, Kslice, B_IDX, B_RUN4)
        STORE_TILE(Bsub, stagedB, !transB, TS_N, TS_K, TS_N)
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
            size_t idx = C_INDEX(row, col);
            float v = alpha * acc[wm][wn];
            // beta == 0 must not read C: NaN or garbage there may not leak into the result
            if (beta != 0.0f) v += beta * C[idx];
            C[idx] = v;
        }
    }
}

// Double-buffered local tiles with float4 register blocks, for GPUs where the plain tiled kernel is
// bound by local-memory reads (two per multiply-add with 4x4 blocks). Each work-item owns WPT_M rows and
// WPT_N columns in runs of four (run q of rows starts at q*4*RTS_M + 4*tm), so it reads op(A) and op(B)
// from local memory as float4s: WPT_M/4 + WPT_N/4 reads per WPT_M*WPT_N multiply-adds. While one pair
// of local tiles is multiplied, the next K step is already loading from global memory into registers;
// it is stored into the other pair afterwards, so each step needs one barrier. Tiles are padded by four
// floats to spread the transposing stores over the banks. Needs WPT_M and WPT_N multiples of 4.
#define TS_MP (TS_M + 4)
#define TS_NP (TS_N + 4)
// LOAD_TILE for op(B) in sgemm_db, without a division per load: a slot's n stays the same from one K step
// to the next, so its offset within B's grouped rows (B_IDX) is computed once (bOff); with transB the
// contiguous index is k, whose group and remainder (bQ, bRem) advance by TS_K each step. Loads that cross
// a group's end, or the matrix edge, go element by element through B_IDX.
#define B_SLOTS LOADS(TS_N, TS_K)
// B's storage offset of index i: through the groups in sgemm_db_grouped (bGroup > 0 there), plain in sgemm_db
#define B_AT(i) (grouped ? B_IDX(i) : (size_t)((i) + bShift))
#define LOAD_B(regs, k0)                                                                                 \
    for (int i = 0; i < B_SLOTS; i++) {                                                                  \
        int l = tid + i * GEMM_THREADS;                                                                  \
        if (l >= TS_N * TS_K / 4) break;                                                                 \
        float4 v;                                                                                        \
        if (!transB) {                                                                                   \
            int n = n0 + (l % (TS_N / 4)) * 4, k = (k0) + l / (TS_N / 4);                                \
            const __global float* q = b + (size_t)k * ldb;                                               \
            if (k < Kslice && n + 3 < N && (!grouped || bRun[i])) v = vload4(0, q + (grouped ? bOff[i] : n)); \
            else GATHER4(v, q, k < Kslice, n, N, B_AT);                                                  \
        } else {                                                                                         \
            int n = n0 + l / (TS_K / 4), k = (k0) + (l % (TS_K / 4)) * 4;                                \
            const __global float* q = b + (size_t)n * ldb;                                               \
            size_t off = grouped ? (size_t)bQ[i] * bGroupStride + bRem[i] : (size_t)(k + bShift);        \
            if (n < N && k + 3 < Kslice && (!grouped || bRem[i] + 3 < bGroup)) v = vload4(0, q + off);    \
            else GATHER4(v, q, n < N, k, Kslice, B_AT);                                                  \
            if (grouped) {                                                                               \
                bRem[i] += TS_K;                                                                         \
                while (bRem[i] >= bGroup) { bRem[i] -= bGroup; bQ[i]++; }                                \
            }                                                                                            \
        }                                                                                                \
        regs[i] = v;                                                                                     \
    }

// The body of sgemm_db and sgemm_db_grouped: `grouped` is a literal in each, so the compiler drops the
// group arithmetic (and its registers) from the plain product, which it slowed by 7% on an H100.
inline void sgemm_db_body(GEMM_PARAMS, __local float* Asub, __local float* Bsub, const int grouped) {
    TILED_PROLOGUE

    // each B slot's place in B's groups (see LOAD_B)
    size_t bOff[B_SLOTS];
    int bRun[B_SLOTS], bQ[B_SLOTS], bRem[B_SLOTS];
    for (int i = 0; i < B_SLOTS; i++) {
        int l = tid + i * GEMM_THREADS;
        if (!grouped) {
            break;
        } else if (!transB) {
            int n = n0 + (l % (TS_N / 4)) * 4;
            bOff[i] = B_IDX(n);
            bRun[i] = B_RUN4(n);
        } else {
            int k = (l % (TS_K / 4)) * 4 + bShift;
            bQ[i] = k / bGroup;
            bRem[i] = k % bGroup;
        }
    }

    float4 nextA[LOADS(TS_M, TS_K)], nextB[B_SLOTS];
    LOAD_TILE(nextA, a, lda, transA, m0, 0, TS_M, TS_K, M, Kslice, A_IDX, A_RUN4)
    LOAD_B(nextB, 0)
    STORE_TILE(Asub, nextA, transA, TS_M, TS_K, TS_MP)
    STORE_TILE(Bsub, nextB, !transB, TS_N, TS_K, TS_NP)
    barrier(CLK_LOCAL_MEM_FENCE);

    int cur = 0;
    for (int k0 = 0; k0 < Kslice; k0 += TS_K) {
        const int more = k0 + TS_K < Kslice;
        if (more) {
            LOAD_TILE(nextA, a, lda, transA, m0, k0 + TS_K, TS_M, TS_K, M, Kslice, A_IDX, A_RUN4)
            LOAD_B(nextB, k0 + TS_K)
        }
        const __local float* As = Asub + cur * TS_K * TS_MP;
        const __local float* Bs = Bsub + cur * TS_K * TS_NP;
#pragma unroll
        for (int kk = 0; kk < TS_K; kk++) {
            float ra[WPT_M], rb[WPT_N];
            for (int q = 0; q < WPT_M / 4; q++) {
                float4 v = vload4(0, As + kk * TS_MP + q * 4 * RTS_M + 4 * tm);
                ra[4 * q] = v.s0; ra[4 * q + 1] = v.s1; ra[4 * q + 2] = v.s2; ra[4 * q + 3] = v.s3;
            }
            for (int q = 0; q < WPT_N / 4; q++) {
                float4 v = vload4(0, Bs + kk * TS_NP + q * 4 * RTS_N + 4 * tn);
                rb[4 * q] = v.s0; rb[4 * q + 1] = v.s1; rb[4 * q + 2] = v.s2; rb[4 * q + 3] = v.s3;
            }
            for (int wm = 0; wm < WPT_M; wm++)
                for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = fma(ra[wm], rb[wn], acc[wm][wn]);
        }
        if (more) {
            STORE_TILE(Asub + (cur ^ 1) * TS_K * TS_MP, nextA, transA, TS_M, TS_K, TS_MP)
            STORE_TILE(Bsub + (cur ^ 1) * TS_K * TS_NP, nextB, !transB, TS_N, TS_K, TS_NP)
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        cur ^= 1;
    }

    for (int wm = 0; wm < WPT_M; wm++) {
        int row = m0 + (wm / 4) * 4 * RTS_M + 4 * tm + wm % 4;
        if (row >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            int col = n0 + (wn / 4) * 4 * RTS_N + 4 * tn + wn % 4;
            if (col >= N) continue;
            size_t idx = C_INDEX(row, col);
            float v = alpha * acc[wm][wn];
            if (beta != 0.0f) v += beta * C[idx];
            C[idx] = v;
        }
    }
}

// op(A) tiles as [k][m], op(B) tiles as [k][n], two of each
#define SGEMM_DB_KERNEL(name, grouped)                                                                   \
    __kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))                                      \
    void name(GEMM_PARAMS) {                                                                             \
        __local float Asub[2 * TS_K * TS_MP];                                                            \
        __local float Bsub[2 * TS_K * TS_NP];                                                            \
        sgemm_db_body(GEMM_ARGS, Asub, Bsub, grouped);                                                   \
    }
SGEMM_DB_KERNEL(sgemm_db, 0)
// sgemm_db for a B read in groups (bGroup > 0)
SGEMM_DB_KERNEL(sgemm_db_grouped, 1)

// The same product without local memory, for CPU devices: there the "local" tile is ordinary memory
// behind a barrier that the driver must emulate, while the caches already do the tiling. Each
// work-item keeps its WPT_M x WPT_N block of C in registers and streams op(A) and op(B) from global
// memory; rows and columns past the edge are clamped for loading and skipped when storing.
__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void sgemm_direct(GEMM_PARAMS) {
    const int tn = get_local_id(0), tm = get_local_id(1);
    const int m0 = get_group_id(1) * TS_M, n0 = get_group_id(0) * TS_N;
    const __global float* a = A + offA;
    const __global float* b = B + offB;
    K_SLICE_PROLOGUE
    // op(A)(m, k) = a[aBase[m] + k * aStep]; op(B)(k, n) = b[bBase[n] + B_IDX(k)] with transB, else b[bBase[n] + k * ldb]
    const size_t aStep = transA ? (size_t)lda : 1;
    size_t aBase[WPT_M], bBase[WPT_N];
    for (int wm = 0; wm < WPT_M; wm++) {
        int row = min(m0 + tm + wm * RTS_M, M - 1);
        aBase[wm] = transA ? (size_t)row : (size_t)row * lda;
    }
    for (int wn = 0; wn < WPT_N; wn++) {
        int col = min(n0 + tn + wn * RTS_N, N - 1);
        bBase[wn] = transB ? (size_t)col * ldb : B_IDX(col);
    }
    float acc[WPT_M][WPT_N];
    for (int wm = 0; wm < WPT_M; wm++)
        for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = 0.0f;
    for (int k = 0; k < Kslice; k++) {
        float ra[WPT_M], rb[WPT_N];
        for (int wm = 0; wm < WPT_M; wm++) ra[wm] = a[aBase[wm] + k * aStep];
        const size_t bk = transB ? B_IDX(k) : (size_t)k * ldb;
        for (int wn = 0; wn < WPT_N; wn++) rb[wn] = b[bBase[wn] + bk];
        for (int wm = 0; wm < WPT_M; wm++)
            for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = fma(ra[wm], rb[wn], acc[wm][wn]);
    }
    for (int wm = 0; wm < WPT_M; wm++) {
        int row = m0 + tm + wm * RTS_M;
        if (row >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            int col = n0 + tn + wn * RTS_N;
            if (col >= N) continue;
            size_t idx = C_INDEX(row, col);
            float v = alpha * acc[wm][wn];
            if (beta != 0.0f) v += beta * C[idx];
            C[idx] = v;
        }
    }
}

// CPU variant with explicit 8-wide vectors: each work-item owns WPT_M consecutive rows and 8
// consecutive columns of C (WPT_N must be 8), one float8 accumulator per row, so the inner loop is a
// broadcast of op(A) times a float8 row of op(B) (vload8 when B is untransposed and the 8 columns are
// inside the matrix; an 8-element gather otherwise).
__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void sgemm_vec8(GEMM_PARAMS) {
    const int tn = get_local_id(0), tm = get_local_id(1);
    const int row0 = get_group_id(1) * TS_M + tm * WPT_M, col0 = get_group_id(0) * TS_N + tn * 8;
    const __global float* a = A + offA;
    const __global float* b = B + offB;
    K_SLICE_PROLOGUE
    const size_t aStep = transA ? (size_t)lda : 1;
    size_t aBase[WPT_M];
    for (int wm = 0; wm < WPT_M; wm++) {
        int row = min(row0 + wm, M - 1);
        aBase[wm] = transA ? (size_t)row : (size_t)row * lda;
    }
    float8 acc[WPT_M];
    for (int wm = 0; wm < WPT_M; wm++) acc[wm] = (float8)(0.0f);
    if (!transB && col0 + 8 <= N && (bGroup <= 0 || col0 % bGroup + 7 < bGroup)) {
        const __global float* bp = b + B_IDX(col0);
        for (int k = 0; k < Kslice; k++) {
            float8 bv = vload8(0, bp + (size_t)k * ldb);
            for (int wm = 0; wm < WPT_M; wm++) acc[wm] = fma((float8)(a[aBase[wm] + k * aStep]), bv, acc[wm]);
        }
    } else {
        size_t bb[8];
        for (int j = 0; j < 8; j++) {
            int col = min(col0 + j, N - 1);
            bb[j] = transB ? (size_t)col * ldb : B_IDX(col);
        }
        for (int k = 0; k < Kslice; k++) {
            size_t o = transB ? B_IDX(k) : (size_t)k * ldb;
            float8 bv = (float8)(b[bb[0] + o], b[bb[1] + o], b[bb[2] + o], b[bb[3] + o],
                                 b[bb[4] + o], b[bb[5] + o], b[bb[6] + o], b[bb[7] + o]);
            for (int wm = 0; wm < WPT_M; wm++) acc[wm] = fma((float8)(a[aBase[wm] + k * aStep]), bv, acc[wm]);
        }
    }
    for (int wm = 0; wm < WPT_M; wm++) {
        int row = row0 + wm;
        if (row >= M) continue;
        float r[8];
        vstore8(acc[wm], 0, r);
        for (int j = 0; j < 8; j++) {
            int col = col0 + j;
            if (col >= N) continue;
            size_t idx = C_INDEX(row, col);
            float v = alpha * r[j];
            if (beta != 0.0f) v += beta * C[idx];
            C[idx] = v;
        }
    }
}

// C (M x N, placed as C_INDEX says) = alpha * (sum over s of P[s]) + beta * C, where P
// holds `slices` dense (M x N) blocks from a split-K product; the sum runs in slice order, so the
// result does not depend on how the device schedules the slices.
__kernel void gemm_slices_sum(const __global float* P, const int slices, const int M, const int N,
                              const float alpha, const float beta, __global float* C, const int offC,
                              const int ldc, const int colGroup, const int colGroupStride) {
    const size_t i = get_global_id(0);
    if (i >= (size_t)M * N) return;
    const size_t mn = (size_t)M * N;
    float acc = 0.0f;
    for (int s = 0; s < slices; s++) acc += P[s * mn + i];
    const size_t idx = C_INDEX(i / N, i % N);
    float v = alpha * acc;
    if (beta != 0.0f) v += beta * C[idx];
    C[idx] = v;
}
