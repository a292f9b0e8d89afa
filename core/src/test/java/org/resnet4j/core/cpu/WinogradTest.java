package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * The Winograd F(2x2, 3x3) convolution against the direct float64 convolution (ConvRef), with ConvTest's
 * tolerance (1e-5 normwise): the transforms add at most a few ulps per output beyond the product's own rounding.
 */
class WinogradTest {
    private static final Kernels KR = Simd.KERNELS;
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreadsAndMode() {
        Parallel.setThreads(DEFAULT_THREADS);
        Winograd.setMode("auto");
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(2, 3, 9, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // odd output: cut tiles
                new ConvGeometry(1, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // whole tiles only
                new ConvGeometry(2, 5, 7, 12, 3, 3, 3, 1, 1, 0, 0, 1, 1, 1),      // no padding, non-square
                new ConvGeometry(1, 3, 6, 5, 4, 3, 3, 1, 1, 2, 1, 1, 1, 1),       // padding 2 and 1
                new ConvGeometry(3, 2, 1, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // 1x1 images: one cut tile each
                new ConvGeometry(2, 2, 3, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                // 5x5 tiles per image, 51 tile rows per task: the second task starts inside image 10
                new ConvGeometry(12, 16, 10, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                // more channels than a micro-kernel tile and several K blocks (520 = 2 x 260)
                new ConvGeometry(1, 520, 4, 6, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                // ResNet-50 layer1-like: 28 tiles a row, 9 rows per task
                new ConvGeometry(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1));
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void forwardMatchesDirectConvolution(ConvGeometry g) {
        assertThat(Winograd.applies(g)).isTrue();
        float[] x = Ref.random(31, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(32, g.cOut() * g.cIn() * 9);
        float[] bias = Ref.random(33, g.cOut());
        for (boolean withBias : new boolean[] {false, true}) {
            float[] y = new float[g.n() * g.cOut() * g.outH() * g.outW()];
            java.util.Arrays.fill(y, Float.NaN); // every element must be written
            Winograd.forward(KR, x, w, withBias ? bias : null, g, y);
            Ref.assertClose(y, ConvRef.forward(x, w, withBias ? bias : null, g), 1e-5, "winograd " + g);
        }
    }

    static Stream<ConvGeometry> weightGradientGeometries() {
        // and one with more chunks of GRADIENT_TILES positions than parts, so that parts sum several chunks
        return Stream.concat(geometries(), Stream.of(new ConvGeometry(64, 4, 32, 32, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1)));
    }

    @ParameterizedTest
    @MethodSource("weightGradientGeometries")
    void weightGradientMatchesDirectConvolution(ConvGeometry g) {
        float[] x = Ref.random(48, g.n() * g.cIn() * g.h() * g.w());
        float[] dy = Ref.random(49, g.n() * g.cOut() * g.outH() * g.outW());
        float[] dw0 = Ref.random(50, g.cOut() * g.cIn() * 9);
        for (Kernels kr : new Kernels[] {KR, new Kernels()}) {
            float[] dw = dw0.clone(); // accumulates
            Winograd.backwardWeight(kr, dy, x, g, dw);
            double[] expected = ConvRef.backwardWeight(dy, x, g);
            for (int i = 0; i < expected.length; i++) expected[i] += dw0[i];
            Ref.assertClose(dw, expected, 1e-5, "winograd weight gradient (" + kr.describe() + ") " + g);
        }
    }

    /** The scalar kernels (4 x 8 micro-kernel, so another packed layout of V) give the same convolution. */
    @ParameterizedTest
    @MethodSource("geometries")
    void scalarKernelsToo(ConvGeometry g) {
        float[] x = Ref.random(45, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(46, g.cOut() * g.cIn() * 9);
        float[] bias = Ref.random(47, g.cOut());
        float[] y = new float[g.n() * g.cOut() * g.outH() * g.outW()];
        java.util.Arrays.fill(y, Float.NaN);
        Winograd.forward(new Kernels(), x, w, bias, g, y);
        Ref.assertClose(y, ConvRef.forward(x, w, bias, g), 1e-5, "scalar winograd " + g);
    }

    /** The im2col path stays correct on the shapes Winograd takes over (the backend no longer runs it there). */
    @ParameterizedTest
    @MethodSource("geometries")
    void im2colMatchesDirectConvolutionToo(ConvGeometry g) {
        float[] x = Ref.random(34, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(35, g.cOut() * g.cIn() * 9);
        float[] y = new float[g.n() * g.cOut() * g.outH() * g.outW()];
        Conv.forwardIm2col(KR, x, w, null, g, y);
        Ref.assertClose(y, ConvRef.forward(x, w, null, g), 1e-5, "im2col " + g);
    }

    /** Every ConvTest geometry through the backend with Winograd taken wherever it applies, and never: all three passes. */
    @ParameterizedTest
    @MethodSource("org.resnet4j.core.cpu.ConvTest#geometries")
    void backendForwardAndInputGradientAreRightWithEitherPath(ConvGeometry g) {
        ConvTest.assertBackendPassesUnderEitherMode(g, 41, "winograd", Winograd::setMode);
    }

    /** The measured shapes of Winograd.pays and paysForWeightGradient (3x3, stride 1, padding 1, square). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        // n, channels, size, forward and input gradient, weight gradient
        "8, 64, 56, true, true", "8, 128, 28, true, true", "8, 256, 14, true, false", "2, 256, 14, false, false",
        "8, 512, 7, false, false", "128, 64, 8, false, false", "128, 32, 16, false, false", "128, 16, 32, false, false"})
    void autoTakesTheShapesWhereItWasMeasuredFaster(int n, int c, int size, boolean forward, boolean weightGradient) {
        ConvGeometry g = new ConvGeometry(n, c, size, size, c, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(Winograd.pays(g)).as("forward %s", g).isEqualTo(forward);
        assertThat(Winograd.paysForWeightGradient(g)).as("weight gradient %s", g).isEqualTo(weightGradient);
    }

    @Test
    void theModeDecides() {
        Winograd.setMode("auto");
        assertThat(Winograd.chosen(new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isTrue();
        assertThat(Winograd.chosenForWeightGradient(new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isTrue();
        assertThat(Winograd.chosen(new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1))).isFalse();
        Winograd.setMode("never");
        assertThat(Winograd.chosen(new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isFalse();
        assertThat(Winograd.chosenForWeightGradient(new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isFalse();
        Winograd.setMode("always");
        assertThat(Winograd.chosenForWeightGradient(new ConvGeometry(1, 512, 4, 4, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isTrue();
        assertThat(Winograd.chosenForWeightGradient(new ConvGeometry(1, 1024, 4, 4, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isFalse();
        assertThat(Winograd.chosen(new ConvGeometry(1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isTrue();
    }

    @Test
    void inputGradientOfAStrideOneConvolutionRunsThroughIt() {
        // the stride-1 input gradient is a forward convolution with the flipped kernel (Conv.transposedForward)
        ConvGeometry g = new ConvGeometry(2, 24, 9, 10, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(Winograd.applies(Conv.transposedForward(g))).isTrue();
        float[] dy = Ref.random(36, g.n() * g.cOut() * g.outH() * g.outW());
        float[] w = Ref.random(37, g.cOut() * g.cIn() * 9);
        float[] dx = new float[g.n() * g.cIn() * g.h() * g.w()];
        float[] wt = new float[w.length];
        Conv.flipTransposed(w, g, wt);
        Winograd.forward(KR, dy, wt, null, Conv.transposedForward(g), dx);
        Ref.assertClose(dx, ConvRef.backwardInput(dy, w, g), 1e-5, "input gradient " + g);
    }

    @Test
    void weightTransformIsGwGt() {
        float[] w = Ref.random(38, 9);
        float[] gw = new float[16];
        Winograd.transformWeight(w, 0, gw);
        double[][] gm = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double s = 0;
                for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) s += gm[i][a] * w[3 * a + b] * gm[j][b];
                assertThat((double) gw[4 * i + j]).as("U[%d][%d]", i, j).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void bitIdenticalForOneAndTwoThreads() {
        ConvGeometry g = new ConvGeometry(12, 16, 10, 10, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Ref.random(39, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(40, g.cOut() * g.cIn() * 9);
        float[] dy = Ref.random(51, g.n() * g.cOut() * g.outH() * g.outW());
        float[][] y = new float[2][g.n() * g.cOut() * g.outH() * g.outW()], dw = new float[2][w.length];
        for (int t = 1; t <= 2; t++) {
            Parallel.setThreads(t);
            Winograd.forward(KR, x, w, null, g, y[t - 1]);
            Winograd.backwardWeight(KR, dy, x, g, dw[t - 1]);
        }
        assertThat(y[1]).isEqualTo(y[0]);
        assertThat(dw[1]).isEqualTo(dw[0]);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        // kernel, stride, padding, dilation, groups: each row breaks one condition
        "3, 2, 1, 1, 1", "3, 1, 2, 2, 1", "3, 1, 1, 1, 2", "1, 1, 0, 1, 1", "5, 1, 2, 1, 1", "3, 1, 3, 1, 1"})
    void appliesOnlyTo3x3StrideOneUndilatedUngroupedWithPaddingUpTo2(int k, int stride, int pad, int dilation, int groups) {
        ConvGeometry g = new ConvGeometry(1, 4, 8, 8, 4, k, k, stride, stride, pad, pad, dilation, dilation, groups);
        assertThat(Winograd.applies(g)).as("%s", g).isFalse();
        assertThat(Winograd.applies(new ConvGeometry(1, 4, 8, 8, 4, 3, 3, 1, 1, pad % 3, pad % 3, 1, 1, 1))).isTrue();
    }

    @Test
    void aMisspelledPropertyFailsTheConvolutionThatReadsItWithTheChoices() {
        ConvGeometry g = new ConvGeometry(1, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        try {
            System.setProperty("resnet4j.conv.winograd", "sometimes");
            Winograd.setMode(null);
            assertThatThrownBy(() -> Winograd.chosen(g)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("auto, always or never").hasMessageContaining("'sometimes'");
            System.setProperty("resnet4j.conv.winograd", "NEVER");
            Winograd.setMode(null);
            assertThat(Winograd.chosen(g)).isFalse();
        } finally {
            System.clearProperty("resnet4j.conv.winograd");
            Winograd.setMode(null);
        }
        assertThat(Winograd.chosen(g)).isTrue(); // auto
    }

    @Test
    void aMisspelledModeIsRefusedWithTheChoices() {
        assertThat(Winograd.mode(" Never ")).isEqualTo("never");
        assertThatThrownBy(() -> Winograd.setMode("fast")).hasMessageContaining("'fast'");
        assertThatThrownBy(() -> Winograd.mode("on"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet4j.conv.winograd").hasMessageContaining("auto, always or never")
                .hasMessageContaining("'on'");
    }
}
