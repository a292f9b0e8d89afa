package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import org.resnet4j.core.Tensor;

class GemmTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    /** Float64 reference of C = alpha op(A) op(B) + beta C over the strided sub-matrices. */
    static double[] reference(boolean tA, boolean tB, int m, int n, int k, double alpha, float[] a, int offA, int lda,
                              float[] b, int offB, int ldb, double beta, float[] c, int offC, int ldc) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) out[i] = c[i];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = tA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    double bv = tB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    s += av * bv;
                }
                int idx = offC + i * ldc + j;
                out[idx] = alpha * s + (beta == 0 ? 0 : beta * c[idx]);
            }
        }
        return out;
    }

    // sizes straddle the tile edges (1, odd, tile +- 1) and the vector width; float32 dot products of
    // length k with inputs in [-1, 1] stay within ~k * 2^-24 of the float64 reference: 1e-5 is honest
    @ParameterizedTest(name = "tA={0} tB={1} m={2} n={3} k={4}")
    @CsvSource({
            "false,false,1,1,1", "false,false,7,5,3", "false,false,64,64,16", "false,false,65,63,17",
            "true,false,33,70,9", "false,true,70,33,31", "true,true,13,129,66", "false,false,130,3,200",
            "true,false,1,97,5", "false,true,97,1,2", "true,true,64,65,1"})
    void matchesReferenceWithOffsetsAndLeadingDims(boolean tA, boolean tB, int m, int n, int k) {
        check(tA, tB, m, n, k, (ta, tb, tc, offA, lda, offB, ldb, beta, offC, ldc) ->
                cl.gemm(tA, tB, m, n, k, 1.5, ta, offA, lda, tb, offB, ldb, beta, tc, offC, ldc));
    }

    /**
     * Few tiles of C and a long K: the product splits K over work-groups and adds the slices in order
     * (forced here, since a small device would not split these). K up to 2049 in [-1, 1]: float32 sums
     * stay well inside 1e-5 normwise.
     */
    @ParameterizedTest(name = "tA={0} tB={1} m={2} n={3} k={4}")
    @CsvSource({"false,false,16,144,1200", "false,true,16,144,1300", "true,false,5,7,2049", "true,true,70,9,777",
            "false,true,3,1,513"})
    void splitKMatchesReference(boolean tA, boolean tB, int m, int n, int k) {
        OpenClTestSupport.withWorkGroupTarget(cl, 1 << 20, () -> {
            assertThat(cl.kSlices(1, m, n, k)).as("slices").isGreaterThan(1);
            check(tA, tB, m, n, k, (ta, tb, tc, offA, lda, offB, ldb, beta, offC, ldc) ->
                    cl.gemm(tA, tB, m, n, k, 1.5, ta, offA, lda, tb, offB, ldb, beta, tc, offC, ldc));
        });
    }

    @Test
    void onlyShortWideProductsSplit() {
        OpenClTestSupport.withWorkGroupTarget(cl, 100, () -> {
            assertThat(cl.kSlices(100, 640, 640, 100_000)).as("enough tiles").isEqualTo(1);
            assertThat(cl.kSlices(3, 16, 144, 2 * OpenClBackend.MIN_K_PER_SLICE - 1)).as("K too short").isEqualTo(1);
            assertThat(cl.kSlices(3, 16, 144, 131_072)).as("two work-groups per unit").isEqualTo(34);
            assertThat(cl.kSlices(3, 16, 144, 2048)).as("slices at least MIN_K_PER_SLICE deep").isEqualTo(8);
            assertThat(cl.kSlices(1, 4096, 4096, 1 << 20)).as("partial blocks within MAX_SLICE_FLOATS").isEqualTo(1);
        });
    }

    interface Runner {
        void run(Tensor a, Tensor b, Tensor c, int offA, int lda, int offB, int ldb, double beta, int offC, int ldc);
    }

    static final Object[][] CASES = {
            {false, false, 1, 1, 1}, {false, false, 7, 5, 3}, {false, false, 64, 64, 16}, {false, false, 65, 63, 17},
            {true, false, 33, 70, 9}, {false, true, 70, 33, 31}, {true, true, 13, 129, 66}, {false, false, 130, 3, 200},
            {true, false, 1, 97, 5}, {false, true, 97, 1, 2}, {true, true, 64, 65, 1},
            // several tiles both ways and K steps enough to cycle a double-buffered kernel's two tiles
            {false, false, 200, 260, 53}, {true, true, 131, 140, 37}};

    static Stream<GemmTuning> tunings() {
        return Stream.of(GemmTuning.NVIDIA_GPU, GemmTuning.AMD_GPU, GemmTuning.INTEL_GPU, GemmTuning.CPU, GemmTuning.DEFAULT,
                new GemmTuning("direct", 32, 64, 4, 4, 8, GemmTuning.DIRECT),
                new GemmTuning("vec8-4x8", 32, 64, 4, 4, 8, GemmTuning.VEC8),
                new GemmTuning("double-buffered 128x128x16/8x8", 128, 128, 16, 8, 8, GemmTuning.DOUBLE_BUFFERED),
                new GemmTuning("double-buffered 32x64x8/4x8", 32, 64, 8, 4, 8, GemmTuning.DOUBLE_BUFFERED));
    }

    /** Every tiling of the table (GPU ones included) on this device, whichever entry the device itself uses. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tunings")
    void everyTilingOfTheTableIsCorrect(GemmTuning t) {
        try (GemmKernel kernel = new GemmKernel(cl, t)) {
            for (Object[] c : CASES) {
                boolean tA = (boolean) c[0], tB = (boolean) c[1];
                int m = (int) c[2], n = (int) c[3], k = (int) c[4];
                check(tA, tB, m, n, k, (ta, tb, tc, offA, lda, offB, ldb, beta, offC, ldc) ->
                        kernel.enqueue(tA, tB, m, n, k, 1.5f, cl.memOf(ta), offA, lda, cl.memOf(tb), offB, ldb, (float) beta,
                                cl.memOf(tc), offC, ldc));
            }
        }
    }

    static void check(boolean tA, boolean tB, int m, int n, int k, Runner runner) {
        int lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 2, ldc = n + 5;
        int offA = 7, offB = 3, offC = 11;
        float[] a = random(offA + (tA ? k : m) * lda, 1), b = random(offB + (tB ? n : k) * ldb, 2);
        float[] c = random(offC + m * ldc, 3);
        for (double beta : new double[] {0.0, 0.5}) {
            Tensor ta = cl.fromFloats(a, a.length), tb = cl.fromFloats(b, b.length), tc = cl.fromFloats(c, c.length);
            runner.run(ta, tb, tc, offA, lda, offB, ldb, beta, offC, ldc);
            double[] expected = reference(tA, tB, m, n, k, 1.5, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            float[] got = tc.toFloats();
            Compare.assertClose("sgemm tA=" + tA + " tB=" + tB + " " + m + "x" + n + "x" + k + " beta=" + beta, got, expected, 1e-5);
            // elements of C outside the (m, n) window are untouched
            for (int i = 0; i < c.length; i++) {
                int rel = i - offC;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside) assertThat(got[i]).as("C[%d] outside the window", i).isEqualTo(c[i]);
            }
        }
    }

    @Test
    void betaZeroDoesNotReadC() {
        int m = 9, n = 10, k = 11;
        float[] a = random(m * k, 4), b = random(k * n, 5), c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN);
        Tensor tc = cl.fromFloats(c, m, n);
        cl.gemm(false, false, m, n, k, 1.0, cl.fromFloats(a, m, k), 0, k, cl.fromFloats(b, k, n), 0, n, 0.0, tc, 0, n);
        float[] got = tc.toFloats();
        for (float v : got) assertThat(v).isFinite();
        Compare.assertClose("sgemm", got, reference(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, new float[m * n], 0, n), 1e-5);
    }

    @Test
    void zeroDepthScalesC() {
        float[] c = random(6, 6);
        Tensor tc = cl.fromFloats(c, 2, 3);
        Tensor empty = cl.zeros(0);
        cl.gemm(false, false, 2, 3, 0, 1.0, empty, 0, 1, empty, 0, 3, 2.0, tc, 0, 3);
        float[] got = tc.toFloats();
        for (int i = 0; i < 6; i++) assertThat(got[i]).isEqualTo(2 * c[i]);
    }
}
