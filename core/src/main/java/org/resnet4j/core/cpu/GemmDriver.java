package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import org.resnet4j.core.Parallel;

/**
 * The BLIS loop nest around the micro-kernel: C (m x n) = alpha * op(A) op(B) + beta * C, blocked
 * into NC columns, KC depth and MC rows, with A and B packed per block into per-thread native
 * buffers.
 *
 * <p>Threads split C into disjoint tiles, never K: every C element is summed over p in order 0..k-1
 * by exactly one task, in KC blocks whose boundaries do not depend on the tiling. So the result is
 * bit-identical for any thread count.
 */
final class GemmDriver {
    /** Most depth per packed block; K is cut into equal blocks of at most this (fewer passes over C). */
    static final int KC = Integer.getInteger("resnet4j.gemm.kc", 512);
    static final int MC = Integer.getInteger("resnet4j.gemm.mc", 72);
    static final int NC = Integer.getInteger("resnet4j.gemm.nc", 4096);
    /**
     * Largest packed A block (bytes) for which a task of at most MC rows packs A once per K block and then
     * streams B one micro-panel at a time (see {@link #block}); about half of L2.
     */
    static final int A_RESIDENT = Integer.getInteger("resnet4j.gemm.aresident", 256 << 10);
    /**
     * Most bytes of B packed at a time when A stays resident (see {@link #block}): a chunk of whole micro-panels,
     * in L2, so that a packer reads runs of its rows instead of one micro-panel's width of each.
     */
    static final int B_CHUNK = Integer.getInteger("resnet4j.gemm.bchunk", 128 << 10);
    /** Below this many multiply-adds a product runs on the calling thread. */
    private static final long SERIAL_WORK = 1L << 17;

    /** Packs op(A)[i0:i0+mc, p0:p0+kc] into dst in the kernels' A layout. */
    interface APacker {
        void pack(int i0, int mc, int p0, int kc, MemorySegment dst);
    }

    /** Packs op(B)[p0:p0+kc, j0:j0+nc] into dst in the kernels' B layout. */
    interface BPacker {
        void pack(int p0, int kc, int j0, int nc, MemorySegment dst);
    }

    private GemmDriver() {}

    /**
     * The depth of K's blocks: K cut into equal blocks of at most KC (e.g. 576 = 2 x 288, not 512 + 64:
     * a shallow last block would cost a whole pass over C). It depends on k only, never on the tiling,
     * so every C element sums in the same order.
     */
    static int kBlock(int k) {
        int blocks = (k + KC - 1) / KC;
        return (k + blocks - 1) / blocks;
    }

    /**
     * An A packed once, whole, and then shared read-only by every task and call that multiplies by it:
     * a convolution's weights, which each image's product would otherwise pack again. K block by K
     * block ({@link #kBlock}), each holding all rows in the kernels' MR-row panels, so the block of rows
     * [i0, i0+mc) at depth p0 is one contiguous slice; i0 must be a multiple of MR, as the tilings are.
     */
    static final class PackedA implements APacker {
        private final MemorySegment packed;
        private final int mr, mrRows;

        private PackedA(MemorySegment packed, int mr, int mrRows) {
            this.packed = packed;
            this.mr = mr;
            this.mrRows = mrRows;
        }

        /** Packs op(A) (m x k) with {@code source} into {@code into}, which must hold {@link #floats} floats. */
        static PackedA of(Kernels kr, APacker source, int m, int k, MemorySegment into) {
            int mrRows = roundUp(m, kr.mr()), kc = kBlock(k);
            for (int p0 = 0; p0 < k; p0 += kc) {
                int kcb = Math.min(kc, k - p0);
                source.pack(0, m, p0, kcb, into.asSlice((long) p0 * mrRows * 4, (long) mrRows * kcb * 4));
            }
            return new PackedA(into, kr.mr(), mrRows);
        }

        static long floats(Kernels kr, int m, int k) {
            return (long) roundUp(m, kr.mr()) * k;
        }

        MemorySegment block(int i0, int mc, int p0, int kc) {
            return packed.asSlice(((long) p0 * mrRows + (long) i0 * kc) * 4, (long) roundUp(mc, mr) * kc * 4);
        }

        /** Copies a block out (block() uses the packed memory in place; this serves any other caller). */
        @Override
        public void pack(int i0, int mc, int p0, int kc, MemorySegment dst) {
            MemorySegment src = block(i0, mc, p0, kc);
            MemorySegment.copy(src, 0, dst, 0, src.byteSize());
        }
    }

    static APacker matrixA(Kernels kr, float[] a, int off, int lda, boolean trans) {
        return (i0, mc, p0, kc, dst) -> kr.packA(a, off, lda, trans, i0, mc, p0, kc, dst);
    }

    static BPacker matrixB(Kernels kr, float[] b, int off, int ldb, boolean trans) {
        return (p0, kc, j0, nc, dst) -> kr.packB(b, off, ldb, trans, p0, kc, j0, nc, dst);
    }

    /** The plain GEMM of the Backend contract. */
    static void sgemm(Kernels kr, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int offA, int lda, float[] b, int offB, int ldb,
                      float beta, float[] c, int offC, int ldc, boolean parallel) {
        run(kr, m, n, k, alpha, matrixA(kr, a, offA, lda, transA), matrixB(kr, b, offB, ldb, transB),
                beta, c, offC, ldc, parallel);
    }

    static void run(Kernels kr, int m, int n, int k, float alpha, APacker ap, BPacker bp,
                    float beta, float[] c, int offC, int ldc, boolean parallel) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == 0f) {
            // nothing to multiply: C = beta * C, as BLAS does
            scaleC(m, n, beta, c, offC, ldc);
            return;
        }
        int threads = parallel ? Parallel.threads() : 1;
        if (threads <= 1 || (long) m * n * k < SERIAL_WORK) {
            block(kr, 0, m, 0, n, k, alpha, ap, bp, beta, c, offC, ldc);
            return;
        }
        int mr = kr.mr(), nr = kr.nr();
        int mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr;
        // Split the longer side of C when there are enough panels: every task repacks the whole of the other
        // operand, so the repeated packing is that of the smaller one (with m < n that is A: the weight gradient's
        // dy, not its im2col^T, which is the larger and dearer B). Two tiles per thread balance the load.
        int want = 2 * threads;
        int nChunks, mChunks;
        if (m > MC && mPanels >= want && (m >= n || nPanels < want)) {
            nChunks = 1;
            mChunks = want;
        } else if (nPanels >= threads) {
            // one row block: each tile repacks all of A, so only as many tiles as threads
            nChunks = m <= MC ? threads : Math.min(nPanels, want);
            mChunks = 1;
        } else {
            nChunks = nPanels;
            mChunks = Math.min(mPanels, (want + nChunks - 1) / nChunks);
        }
        final int nc = nChunks, mch = mChunks;
        if (nc == 1 && SHARED_B && (m + mch - 1) / mch > MC) {
            rowStrips(kr, m, n, k, alpha, ap, bp, beta, c, offC, ldc, mch);
            return;
        }
        Parallel.forEach(nc * mch, t -> {
            int ti = t / nc, tj = t % nc;
            int i0 = Math.min(m, (int) ((long) mPanels * ti / mch) * mr);
            int i1 = Math.min(m, (int) ((long) mPanels * (ti + 1) / mch) * mr);
            int j0 = Math.min(n, (int) ((long) nPanels * tj / nc) * nr);
            int j1 = Math.min(n, (int) ((long) nPanels * (tj + 1) / nc) * nr);
            if (i1 > i0 && j1 > j0) block(kr, i0, i1, j0, j1, k, alpha, ap, bp, beta, c, offC, ldc);
        });
    }

    /** -Dresnet4j.gemm.sharedb=false: row strips pack B each for themselves, as before {@link #rowStrips}. */
    static final boolean SHARED_B = !"false".equals(System.getProperty("resnet4j.gemm.sharedb"));

    /**
     * C split into {@code strips} row strips of more than MC rows each, all of B's columns: each B block is packed
     * once, by all threads (whole micro-panels each), into one buffer that every strip then reads, where each strip
     * would otherwise pack the whole block itself (a 1024^3 product on two threads packed B four times). The strips
     * then run {@link #block}'s BLIS order on the shared block: the same A blocks, K blocks and macro-kernel calls,
     * so C has the same bits as there, for any thread count.
     */
    static void rowStrips(Kernels kr, int m, int n, int k, float alpha, APacker ap, BPacker bp,
                          float beta, float[] c, int offC, int ldc, int strips) {
        int mr = kr.mr(), nr = kr.nr(), kcMax = kBlock(k), mPanels = (m + mr - 1) / mr;
        int ncMax = Math.min(NC, n), packers = Math.min((ncMax + nr - 1) / nr, 2 * Parallel.threads());
        MemorySegment shared = Workspace.get().sharedB((long) roundUp(ncMax, nr) * kcMax);
        PackedA packedA = ap instanceof PackedA pa ? pa : null;
        for (int jc = 0; jc < n; jc += NC) {
            final int j0 = jc, ncb = Math.min(NC, n - jc), panels = (ncb + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += kcMax) {
                final int p0 = pc, kcb = Math.min(kcMax, k - pc);
                // each packer a run of whole micro-panels, at the offset block() would have packed them to
                int parts = Math.min(panels, packers);
                Parallel.forEach(parts, t -> {
                    int q0 = panels * t / parts, q1 = panels * (t + 1) / parts;
                    int cols = Math.min(ncb, q1 * nr) - q0 * nr;
                    bp.pack(p0, kcb, j0 + q0 * nr, cols, shared.asSlice((long) q0 * nr * kcb * 4, (long) (q1 - q0) * nr * kcb * 4));
                });
                Parallel.forEach(strips, t -> {
                    int i0 = Math.min(m, (int) ((long) mPanels * t / strips) * mr);
                    int i1 = Math.min(m, (int) ((long) mPanels * (t + 1) / strips) * mr);
                    MemorySegment aBuf = packedA != null ? null : Workspace.get().packA((long) roundUp(MC, mr) * kcMax + nr);
                    aBlocksTimesB(kr, i0, i1, j0, ncb, p0, kcb, k, packedA, ap, aBuf, shared, alpha, beta, c, offC, ldc, null);
                });
            }
        }
    }

    /** At most this many parts of K in {@link #runSplitK}, each at least {@link #SPLIT_K_MIN} deep. */
    static final int SPLIT_K_PARTS = 32, SPLIT_K_MIN = 2048;
    /** The most floats of partial sums {@link #runSplitK} keeps (16 MiB). */
    static final long SPLIT_K_MAX_PARTIALS = 4L << 20;

    /**
     * Whether a product is better split over K ({@link #runSplitK}) than over C's rows ({@link #run}): K long
     * enough for four parts (on two cores, two each) and the parts' partial sums small. It depends on the
     * shape alone, never on the thread count.
     */
    static boolean splitKPays(int m, int n, int k) {
        int parts = kParts(k);
        return parts >= 4 && (long) parts * m * n <= SPLIT_K_MAX_PARTIALS;
    }

    /** How many parts {@link #runSplitK} cuts K into: a function of k alone, so that C does not depend on the thread count. */
    static int kParts(int k) {
        return Math.max(1, Math.min(SPLIT_K_PARTS, k / SPLIT_K_MIN));
    }

    /**
     * C = alpha op(A) op(B) + beta C for a small C and a long K (a weight gradient: K = every output pixel of
     * the batch). {@link #run} would split C's rows over tasks, and every task would pack all of B; here the
     * tasks take parts of K instead, each multiplying its part into its own block of partial sums, so that
     * each operand is packed once in all. The blocks are added in part order, and the parts depend on k
     * alone: C has the same bits for any thread count.
     *
     * <p>Measured against {@link #run} on the 2-core AVX2 machine (weight gradients alternating 40 times in one
     * JVM, median speed ratio): ResNet-20's 3x3 layers at N = 128, 16/32/64 channels 1.15-1.21 / 1.07-1.09 /
     * 1.02-1.07, its strided 16->32 and 32->64 1.14-1.18 / 1.11; ResNet-50's (N = 8) 3x3 64->64 56x56 1.05,
     * 1x1 64->256 and 256->128 at 56x56 1.14-1.27 / 1.13. A whole ResNet-20 training step (N = 128) 1.041
     * (quartiles 1.019 / 1.059), ResNet-50's (N = 8) 1.028 (0.957 / 1.117).
     */
    static void runSplitK(Kernels kr, int m, int n, int k, float alpha, APacker ap, BPacker bp,
                          float beta, float[] c, int offC, int ldc) {
        int parts = kParts(k), per = (k + parts - 1) / parts, mn = m * n;
        float[] partial = Workspace.get().splitK(parts * mn);
        // every part is at least SPLIT_K_MIN - 1 deep: parts <= k / SPLIT_K_MIN
        Parallel.forEach(parts, p -> {
            int k0 = p * per, kc = Math.min(per, k - k0);
            block(kr, 0, m, 0, n, kc, 1f, (i0, mc, p0, kcb, dst) -> ap.pack(i0, mc, k0 + p0, kcb, dst),
                    (p0, kcb, j0, nc, dst) -> bp.pack(k0 + p0, kcb, j0, nc, dst), 0f, partial, p * mn, n);
        });
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < parts; p++) sum += partial[p * mn + i * n + j];
                int idx = offC + i * ldc + j;
                c[idx] = beta == 0f ? alpha * sum : alpha * sum + beta * c[idx];
            }
        }
    }

    /**
     * One task: rows [i0, i1) and columns [j0, j1) of C, all of K.
     *
     * <p>When the task has at most MC rows and their A block fits in about half of L2, B is packed a chunk of
     * micro-panels ({@link #B_CHUNK} bytes) at a time right before the micro-kernels use it: the chunk stays in
     * L2 and the packed B never travels out to L3 and back (with few rows, each packed B float is used by only a
     * few tiles, so that round trip costs about as much as the packing). A chunk rather than one micro-panel:
     * the packer then reads runs of each row of B (ResNet-50 inference 1.076, ResNet-20's 1.150 in
     * bench/two_builds.sh; training steps unchanged, 0.99). Otherwise the BLIS order: a B block of NC columns,
     * A blocks of MC rows. Either way every tile sums the same K blocks in the same order, so C is the same.
     */
    static void block(Kernels kr, int i0, int i1, int j0, int j1, int k, float alpha, APacker ap, BPacker bp,
                      float beta, float[] c, int offC, int ldc) {
        block(kr, i0, i1, j0, j1, k, alpha, ap, bp, beta, c, offC, ldc, null);
    }

    /** Called for each tile of C right after its last K block, while the tile is still in cache. */
    interface TileDone {
        /** C[i0:i1, j0:j1] (rows and columns of the product) holds its final values. */
        void finish(int i0, int i1, int j0, int j1);
    }

    /** {@link #block}, then {@code done} (nullable) on each tile of C as soon as it is final. */
    static void block(Kernels kr, int i0, int i1, int j0, int j1, int k, float alpha, APacker ap, BPacker bp,
                      float beta, float[] c, int offC, int ldc, TileDone done) {
        int mr = kr.mr(), nr = kr.nr();
        Workspace ws = Workspace.get();
        int kcMax = kBlock(k);
        PackedA packedA = ap instanceof PackedA pa ? pa : null;
        int rows = i1 - i0;
        // (with more rows each B panel's column strip of C spans too many rows: measured slower)
        if (rows <= MC && (long) roundUp(rows, mr) * kcMax * 4 <= A_RESIDENT) {
            // (nr floats of slack: packers may copy whole vectors past a block's end)
            MemorySegment aBuf = packedA != null ? null : ws.packA((long) roundUp(rows, mr) * kcMax + nr);
            int chunk = Math.max(nr, (int) (B_CHUNK / (4L * kcMax)) / nr * nr);
            MemorySegment bBuf = ws.packB((long) chunk * kcMax);
            for (int jc = j0; jc < j1; jc += NC) {
                int ncb = Math.min(NC, j1 - jc);
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kcb = Math.min(kcMax, k - pc);
                    MemorySegment a = packedA != null ? packedA.block(i0, rows, pc, kcb) : aBuf;
                    if (packedA == null) ap.pack(i0, rows, pc, kcb, aBuf);
                    for (int jr = jc; jr < jc + ncb; jr += chunk) {
                        int cols = Math.min(chunk, jc + ncb - jr);
                        bp.pack(pc, kcb, jr, cols, bBuf);
                        kr.macro(rows, cols, kcb, a, bBuf, c, offC + i0 * ldc + jr, ldc, alpha, beta, pc == 0);
                        if (done != null && pc + kcb == k) done.finish(i0, i1, jr, jr + cols);
                    }
                }
            }
            return;
        }
        int ncMax = Math.min(NC, j1 - j0);
        int mcMax = Math.min(MC, rows);
        MemorySegment aBuf = packedA != null ? null : ws.packA((long) roundUp(mcMax, mr) * kcMax + nr);
        MemorySegment bBuf = ws.packB((long) roundUp(ncMax, nr) * kcMax);
        for (int jc = j0; jc < j1; jc += NC) {
            int ncb = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kcb = Math.min(kcMax, k - pc);
                bp.pack(pc, kcb, jc, ncb, bBuf);
                aBlocksTimesB(kr, i0, i1, jc, ncb, pc, kcb, k, packedA, ap, aBuf, bBuf, alpha, beta, c, offC, ldc, done);
            }
        }
    }

    /**
     * Rows [i0, i1) of C at columns [jc, jc + ncb) times one packed B block of depth [pc, pc + kcb): MC rows of A at a
     * time, packed into aBuf (or taken from packedA), then {@code done} (nullable) on each tile the last K block
     * finished.
     */
    private static void aBlocksTimesB(Kernels kr, int i0, int i1, int jc, int ncb, int pc, int kcb, int k,
                                      PackedA packedA, APacker ap, MemorySegment aBuf, MemorySegment b,
                                      float alpha, float beta, float[] c, int offC, int ldc, TileDone done) {
        for (int ic = i0; ic < i1; ic += MC) {
            int mcb = Math.min(MC, i1 - ic);
            MemorySegment a = aBuf;
            if (packedA != null) a = packedA.block(ic, mcb, pc, kcb);
            else ap.pack(ic, mcb, pc, kcb, aBuf);
            kr.macro(mcb, ncb, kcb, a, b, c, offC + ic * ldc + jc, ldc, alpha, beta, pc == 0);
            if (done != null && pc + kcb == k) done.finish(ic, ic + mcb, jc, jc + ncb);
        }
    }

    static void scaleC(int m, int n, float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = offC + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) c[row + j] *= beta;
            }
        }
    }

    static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }
}
