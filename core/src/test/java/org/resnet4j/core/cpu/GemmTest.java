package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Tensor;
import java.util.stream.Stream;

/**
 * SGEMM against a float64 triple loop. Tolerance 1e-5 normwise: inputs are uniform in [-1, 1], so the
 * float32 rounding of a length-k dot product with fused multiply-adds grows like sqrt(k) * 2^-24
 * (about 1e-6 at k = 2000); 1e-5 leaves a margin of ten while any indexing or packing bug gives O(1).
 */
class GemmTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    static Stream<Arguments> shapes() {
        int[][] mnk = {
            {1, 1, 1}, {3, 3, 3}, {7, 7, 7}, {17, 17, 17}, {63, 63, 63}, {129, 129, 129}, {257, 257, 257},
            {1, 257, 3}, {130, 7, 300}, {5, 300, 2}, {300, 1, 17}, {6, 16, 1}, {12, 32, 513}, {149, 67, 31},
            // row blocks over one shared packed B, with several K blocks (1100 = 3 x 367)
            {400, 150, 1100}
        };
        Stream.Builder<Arguments> s = Stream.builder();
        for (int[] d : mnk) {
            for (int t = 0; t < 4; t++) s.add(Arguments.of(d[0], d[1], d[2], (t & 1) != 0, (t & 2) != 0));
        }
        return s.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void matchesDoubleReference(int m, int n, int k, boolean ta, boolean tb) {
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
        int offA = 7, offB = 5, offC = 11;
        float[] a = Ref.random(1, offA + (ta ? k : m) * lda);
        float[] b = Ref.random(2, offB + (tb ? n : k) * ldb);
        float[] c = Ref.random(3, offC + m * ldc);
        double alpha = 0.75, beta = -1.25;
        double[] expected = Ref.gemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        Tensor tc = CPU.fromFloats(c, c.length);
        CPU.gemm(ta, tb, m, n, k, alpha, CPU.fromFloats(a, a.length), offA, lda, CPU.fromFloats(b, b.length), offB, ldb,
                beta, tc, offC, ldc);
        float[] got = tc.toFloats();
        Ref.assertClose(got, expected, 1e-5, "gemm " + m + "x" + n + "x" + k);
        // elements outside C's rows/columns (padding of ldc, the offset) must be untouched
        for (int i = 0; i < got.length; i++) {
            int row = (i - offC) / ldc, col = (i - offC) % ldc;
            if (i < offC || row >= m || col >= n) assertThat(got[i]).as("untouched element %d", i).isEqualTo(c[i]);
        }
    }

    @Test
    void betaZeroDoesNotReadC() {
        for (int[] d : new int[][] {{1, 1, 1}, {7, 33, 5}, {150, 70, 260}}) {
            int m = d[0], n = d[1], k = d[2];
            float[] a = Ref.random(4, m * k), b = Ref.random(5, k * n);
            float[] c = new float[m * n];
            Arrays.fill(c, Float.NaN);
            double[] expected = Ref.gemm(false, false, m, n, k, 2.0, a, 0, k, b, 0, n, 0.0, new float[m * n], 0, n);
            Tensor tc = CPU.fromFloats(c, m, n);
            CPU.gemm(false, false, m, n, k, 2.0, CPU.fromFloats(a, m, k), 0, k, CPU.fromFloats(b, k, n), 0, n, 0.0, tc, 0, n);
            Ref.assertClose(tc.toFloats(), expected, 1e-5, "beta=0 with NaN in C");
        }
    }

    @Test
    void kZeroScalesC() {
        float[] c = {1, 2, 3, 4};
        Tensor tc = CPU.fromFloats(c, 2, 2);
        Tensor empty = CPU.zeros(1);
        CPU.gemm(false, false, 2, 2, 0, 1.0, empty, 0, 1, empty, 0, 1, 0.5, tc, 0, 2);
        assertThat(tc.toFloats()).containsExactly(0.5f, 1f, 1.5f, 2f);
    }

    @Test
    void bitIdenticalForOneAndTwoThreads() {
        // column blocks (m < n), and row blocks over a shared B with several K blocks (m > n)
        for (int[] d : new int[][] {{203, 517, 389}, {517, 203, 1100}}) {
            int m = d[0], n = d[1], k = d[2];
            float[] a = Ref.random(6, m * k), b = Ref.random(7, k * n), c0 = Ref.random(8, m * n);
            float[][] results = new float[2][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Tensor tc = CPU.fromFloats(c0, m, n);
                CPU.gemm(false, true, m, n, k, 1.0, CPU.fromFloats(a, m, k), 0, k, CPU.fromFloats(b, n, k), 0, k, 0.5, tc, 0, n);
                results[t - 1] = tc.toFloats();
            }
            assertThat(results[1]).as("%dx%dx%d", m, n, k).isEqualTo(results[0]);
        }
    }

    /**
     * Row strips over one shared packed B (GemmDriver.rowStrips: each B block packed once, by all threads, for every
     * strip) give C the bits of the serial product, for any number of strips and threads, with A packed block by block
     * or once for all (PackedA), through the register-stored tiles (alpha 1, beta 0) and the scratch ones.
     */
    @Test
    void rowStripsOverASharedBHaveTheSerialProductsBits() {
        Kernels kr = Simd.KERNELS;
        int m = 3 * GemmDriver.MC + 41, n = 3 * kr.nr() + 7, k = GemmDriver.KC + 300;
        float[] a = Ref.random(11, m * k), b = Ref.random(12, n * k), c0 = Ref.random(13, m * n);
        GemmDriver.APacker byBlock = GemmDriver.matrixA(kr, a, 0, k, false);
        GemmDriver.BPacker bT = GemmDriver.matrixB(kr, b, 0, k, true);
        GemmDriver.PackedA once = GemmDriver.PackedA.of(kr, byBlock, m, k,
                java.lang.foreign.Arena.ofAuto().allocate(GemmDriver.PackedA.floats(kr, m, k) * 4, 64));
        for (float[] rule : new float[][] {{1f, 0f}, {0.5f, 1.25f}}) {
            float[] serial = c0.clone();
            GemmDriver.block(kr, 0, m, 0, n, k, rule[0], byBlock, bT, rule[1], serial, 0, n);
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (int strips = 2; strips <= 4; strips++) {
                    for (GemmDriver.APacker ap : new GemmDriver.APacker[] {byBlock, once}) {
                        float[] c = c0.clone();
                        GemmDriver.rowStrips(kr, m, n, k, rule[0], ap, bT, rule[1], c, 0, n, strips);
                        assertThat(c).as("alpha %s beta %s, %d threads, %d strips, %s", rule[0], rule[1], threads,
                                strips, ap == once ? "PackedA" : "A by block").isEqualTo(serial);
                    }
                }
            }
        }
    }

    /**
     * A column of C has the same bits whichever tile computed it: with 32 vector registers two full B panels run as
     * one wider tile (VectorKernels.tilePair), and each column must still equal its product computed alone.
     */
    @Test
    void aColumnHasTheSameBitsWhicheverTileComputedIt() {
        Kernels kr = Simd.KERNELS;
        int nr = kr.nr(), m = 13, n = 5 * nr + 3, k = 77;
        float[] a = Ref.random(9, m * k), b = Ref.random(10, k * n);
        float[] whole = new float[m * n];
        GemmDriver.sgemm(kr, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, whole, 0, n, false);
        for (int j = 0; j < n; j++) {
            float[] alone = new float[m];
            GemmDriver.sgemm(kr, false, false, m, 1, k, 1f, a, 0, k, b, j, n, 0f, alone, 0, 1, false);
            for (int i = 0; i < m; i++) {
                assertThat(whole[i * n + j]).as("C[%d][%d]", i, j).isEqualTo(alone[i]);
            }
        }
    }

    /**
     * The vector kernels sum each element over k in the same order as the scalar twin and apply the same update rule,
     * so C has the same bits. That covers the full tiles that store from registers (C = A*B on the first K block,
     * C += A*B on later ones and with beta 1) as well as the tiles that go through a scratch tile (other alpha and
     * beta, the edges): three K blocks, full and partial tiles, both tile widths.
     */
    @ParameterizedTest(name = "alpha={0} beta={1}")
    @MethodSource("updateRules")
    void vectorKernelsHaveTheScalarTwinsBits(float alpha, float beta) {
        Kernels vector = Simd.KERNELS, scalar = new Kernels();
        int m = 5 * vector.mr() + 1, n = 4 * vector.nr() + 5, k = 2 * GemmDriver.KC + 77, ldc = n + 3;
        assertThat(GemmDriver.kBlock(k)).as("K block").isLessThan(k / 2);
        float[] a = Ref.random(16, m * k), b = Ref.random(17, k * n), c0 = Ref.random(18, m * ldc);
        float[] fast = c0.clone(), slow = c0.clone();
        GemmDriver.sgemm(vector, false, false, m, n, k, alpha, a, 0, k, b, 0, n, beta, fast, 0, ldc, false);
        GemmDriver.sgemm(scalar, false, false, m, n, k, alpha, a, 0, k, b, 0, n, beta, slow, 0, ldc, false);
        for (int i = 0; i < fast.length; i++) {
            if (Float.floatToRawIntBits(fast[i]) != Float.floatToRawIntBits(slow[i])) {
                assertThat(fast[i]).as("C[%d][%d]", i / ldc, i % ldc).isEqualTo(slow[i]);
            }
        }
    }

    static Stream<Arguments> updateRules() {
        return Stream.of(Arguments.of(1f, 0f), Arguments.of(1f, 1f), Arguments.of(1f, -1.25f), Arguments.of(0.75f, 1f),
                Arguments.of(0.75f, 0f));
    }

    /**
     * A long K cut into parts, each multiplied into its own partial sums and added in order (the weight
     * gradients' product): against the float64 reference, with offsets, alpha and beta, both kernel sets.
     * K up to 16391: float32 rounding ~ sqrt(k) 2^-24 = 8e-6 worst case in the summation tree; 2e-5 is honest.
     */
    @ParameterizedTest(name = "{0} m={1} n={2} k={3} transA={4} transB={5}")
    @MethodSource("splitKShapes")
    void splitKMatchesDoubleReference(Kernels kr, int m, int n, int k, boolean ta, boolean tb) {
        assertThat(GemmDriver.kParts(k)).as("parts").isGreaterThan(1);
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
        int offA = 7, offB = 5, offC = 11;
        float[] a = Ref.random(11, offA + (ta ? k : m) * lda), b = Ref.random(12, offB + (tb ? n : k) * ldb);
        for (double beta : new double[] {0.0, -1.25}) {
            float[] c = Ref.random(13, offC + m * ldc);
            if (beta == 0.0) Arrays.fill(c, offC, offC + m * ldc, Float.NaN); // beta = 0 never reads C
            double[] expected = Ref.gemm(ta, tb, m, n, k, 0.75, a, offA, lda, b, offB, ldb, beta,
                    beta == 0.0 ? new float[c.length] : c, offC, ldc);
            float[] got = c.clone();
            GemmDriver.runSplitK(kr, m, n, k, 0.75f, GemmDriver.matrixA(kr, a, offA, lda, ta), GemmDriver.matrixB(kr, b, offB, ldb, tb),
                    (float) beta, got, offC, ldc);
            for (int i = 0; i < got.length; i++) {
                int row = (i - offC) / ldc, col = (i - offC) % ldc;
                if (i < offC || row >= m || col >= n) {
                    assertThat(Float.floatToRawIntBits(got[i])).as("untouched element %d", i).isEqualTo(Float.floatToRawIntBits(c[i]));
                    got[i] = (float) expected[i];
                }
            }
            Ref.assertClose(got, expected, 2e-5, "split-K gemm " + m + "x" + n + "x" + k + " beta " + beta);
        }
    }

    static Stream<Arguments> splitKShapes() {
        int[][] mnk = {{144, 16, 8192 + 7}, {7, 33, 16391}, {64, 40, 4096}, {1, 1, 6000}};
        Stream.Builder<Arguments> s = Stream.builder();
        PackTest.kernels().forEach(kr -> {
            for (int[] d : mnk) {
                for (int t = 0; t < 4; t++) s.add(Arguments.of(kr, d[0], d[1], d[2], (t & 1) != 0, (t & 2) != 0));
            }
        });
        return s.build();
    }

    @Test
    void splitKOnlyForLongKAndSmallPartials() {
        assertThat(GemmDriver.kParts(2047)).isEqualTo(1);
        assertThat(GemmDriver.kParts(131_072)).isEqualTo(GemmDriver.SPLIT_K_PARTS);
        assertThat(GemmDriver.splitKPays(144, 16, 131_072)).as("ResNet-20's 16-channel weight gradient").isTrue();
        assertThat(GemmDriver.splitKPays(144, 16, 4 * GemmDriver.SPLIT_K_MIN - 1)).as("three parts").isFalse();
        assertThat(GemmDriver.splitKPays(512, 4608, 1 << 20)).as("partials past SPLIT_K_MAX_PARTIALS").isFalse();
    }

    /** The parts depend on k alone: the same bits on one, two and three threads. */
    @Test
    void splitKIsBitIdenticalForAnyThreadCount() {
        int m = 144, n = 16, k = 9000;
        float[] a = Ref.random(14, m * k), b = Ref.random(15, k * n);
        float[][] results = new float[3][];
        for (int t = 1; t <= 3; t++) {
            Parallel.setThreads(t);
            float[] c = new float[m * n];
            Kernels kr = Simd.KERNELS;
            GemmDriver.runSplitK(kr, m, n, k, 1f, GemmDriver.matrixA(kr, a, 0, k, false), GemmDriver.matrixB(kr, b, 0, n, false),
                    0f, c, 0, n);
            results[t - 1] = c;
        }
        assertThat(results[1]).isEqualTo(results[0]);
        assertThat(results[2]).isEqualTo(results[0]);
    }
}
