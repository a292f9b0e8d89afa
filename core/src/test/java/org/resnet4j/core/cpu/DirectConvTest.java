package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * The direct 3x3 convolution (DirectConv) against the float64 convolution (ConvRef), with ConvTest's tolerance
 * (1e-5 normwise): each output is one float32 sum of products in (ci, ky, kx) order, like the im2col product's.
 */
class DirectConvTest {
    private static final Kernels KR = Simd.KERNELS;
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreadsAndModes() {
        Parallel.setThreads(DEFAULT_THREADS);
        DirectConv.setMode("auto");
        Winograd.setMode("auto");
        ChannelsLastWeightGradient.setMode(null);
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(2, 3, 9, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // cOut not a multiple of the 4-channel tile
                new ConvGeometry(1, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // one image: tasks take blocks of rows
                new ConvGeometry(2, 5, 7, 12, 3, 3, 3, 1, 1, 0, 0, 1, 1, 1),     // no padding, non-square
                new ConvGeometry(1, 3, 6, 5, 4, 3, 3, 1, 1, 2, 1, 1, 1, 1),      // padding 2 and 1: more dropped columns
                new ConvGeometry(3, 2, 1, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // 1x1 images
                new ConvGeometry(2, 2, 3, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(3, 16, 13, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // odd widths: blocks across row ends
                new ConvGeometry(2, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // ResNet-20's layer1
                new ConvGeometry(2, 16, 4, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // rows of 28: a vector and a tail
                new ConvGeometry(1, 3, 32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // and its stem
                // more images than the weight gradient's parts, several images per chunk, unequal parts
                new ConvGeometry(21, 16, 6, 6, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 70, 5, 9, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1));   // K = 630 and 9 tiles
    }

    private static float[] filledWithNaN(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN); // every element must be written
        return a;
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void forwardMatchesTheFloat64Convolution(ConvGeometry g) {
        assertThat(DirectConv.applies(g)).isTrue();
        float[] x = Ref.random(61, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(62, g.cOut() * g.cIn() * 9);
        float[] bias = Ref.random(63, g.cOut());
        for (Kernels kr : new Kernels[] {KR, new Kernels()}) {
            for (boolean withBias : new boolean[] {false, true}) {
                float[] y = filledWithNaN(g.n() * g.cOut() * g.outH() * g.outW());
                DirectConv.forward(kr, x, w, withBias ? bias : null, g, y, null);
                Ref.assertClose(y, ConvRef.forward(x, w, withBias ? bias : null, g), 1e-5, "direct (" + kr.describe() + ") " + g);
            }
        }
    }

    /** The scalar kernel sums in the vector kernel's order, so the two agree to the bit, not just to the tolerance. */
    @ParameterizedTest
    @MethodSource("geometries")
    void scalarAndVectorForwardsHaveTheSameBits(ConvGeometry g) {
        float[] x = Ref.random(64, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(65, g.cOut() * g.cIn() * 9);
        float[] vector = new float[g.n() * g.cOut() * g.outH() * g.outW()], scalar = vector.clone();
        DirectConv.forward(KR, x, w, null, g, vector, null);
        DirectConv.forward(new Kernels(), x, w, null, g, scalar, null);
        assertThat(vector).isEqualTo(scalar);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void weightGradientAccumulatesTheFloat64One(ConvGeometry g) {
        float[] x = Ref.random(66, g.n() * g.cIn() * g.h() * g.w());
        float[] dy = Ref.random(67, g.n() * g.cOut() * g.outH() * g.outW());
        float[] dw0 = Ref.random(68, g.cOut() * g.cIn() * 9);
        double[] expected = ConvRef.backwardWeight(dy, x, g);
        for (int i = 0; i < expected.length; i++) expected[i] += dw0[i];
        for (Kernels kr : new Kernels[] {KR, new Kernels()}) {
            float[] dw = dw0.clone();
            DirectConv.backwardWeight(kr, dy, x, g, dw);
            Ref.assertClose(dw, expected, 1e-5, "direct weight gradient (" + kr.describe() + ") " + g);
        }
    }

    /**
     * A padded row is the scalar twin's, every width from under a vector to three vectors and a tail (the tail is one
     * more vector ending at the row's end), with margins of 0 to 2; nothing outside the row and its margins changes.
     */
    @Test
    void aPaddedRowIsTheScalarTwinsForEveryWidth() {
        Kernels scalar = new Kernels();
        int lanes = KR.directLanes();
        float[] x = Ref.random(72, 8 * lanes);
        for (int w = 1; w <= 3 * lanes + 3; w++) {
            for (int pw = 0; pw <= 2; pw++) {
                float[] fast = filledWithNaN(8 * lanes), twin = filledWithNaN(8 * lanes);
                KR.padRow(x, 5, w, pw, java.lang.foreign.MemorySegment.ofArray(fast), 3);
                scalar.padRow(x, 5, w, pw, java.lang.foreign.MemorySegment.ofArray(twin), 3);
                for (int i = 0; i < twin.length; i++) {
                    assertThat(Float.floatToRawIntBits(fast[i])).as("w %d pw %d element %d", w, pw, i)
                            .isEqualTo(Float.floatToRawIntBits(twin[i]));
                }
                assertThat(twin[3 + w - 1]).as("w %d: the row's last float copied", w).isEqualTo(x[5 + w - 1]);
            }
        }
    }

    /** Rows copied out of the padded-width staging buffer: each row's w floats, and nothing of the rows around them. */
    @Test
    void unpaddedRowsAreTheRowsForEveryWidth() {
        int lanes = KR.directLanes(), rows = 3;
        for (int w = 1; w <= 3 * lanes + 3; w++) {
            int stride = w + 2;
            float[] src = Ref.random(73, 4 + rows * stride + lanes);
            for (Kernels kr : new Kernels[] {KR, new Kernels()}) {
                float[] dst = filledWithNaN(2 + rows * w + lanes);
                kr.unpadRows(src, 4, stride, dst, 2, w, rows);
                for (int i = 0; i < dst.length; i++) {
                    int r = (i - 2) / w, col = (i - 2) % w;
                    if (i < 2 || r >= rows) assertThat(dst[i]).as("%s w %d: element %d outside the rows", kr.describe(), w, i).isNaN();
                    else assertThat(dst[i]).as("%s w %d row %d column %d", kr.describe(), w, r, col).isEqualTo(src[4 + r * stride + col]);
                }
            }
        }
    }

    /** The two-row weight kernel (24 accumulators with AVX-512) is the one-row kernel twice, to the bit. */
    @Test
    void twoKernelRowsAtOnceAreTwoSingleRows() {
        int lanes = KR.directLanes(), n = 5 * lanes, stride = n + 40, wp = 11;
        float[] dyData = Ref.random(69, 4 * stride), xData = Ref.random(70, stride + 2 * wp + 2 + n);
        var dyp = java.lang.foreign.MemorySegment.ofArray(dyData);
        var xp = java.lang.foreign.MemorySegment.ofArray(xData);
        float[] start = Ref.random(71, 24 * lanes);
        float[] both = start.clone(), single = start.clone();
        KR.direct3x3WeightRows2(dyp, 3, stride, xp, 7, wp, n, both, 0);
        KR.direct3x3WeightRow(dyp, 3, stride, xp, 7, n, single, 0);
        KR.direct3x3WeightRow(dyp, 3, stride, xp, 7 + wp, n, single, 12 * lanes);
        assertThat(both).isEqualTo(single);
    }

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        // one image: the forward's tasks are blocks of rows, as many as the threads ask for
        for (ConvGeometry g : new ConvGeometry[] {
                new ConvGeometry(1, 16, 17, 13, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(19, 16, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1)}) {
            float[] x = Ref.random(72, g.n() * g.cIn() * g.h() * g.w());
            float[] w = Ref.random(73, g.cOut() * g.cIn() * 9);
            float[] dy = Ref.random(74, g.n() * g.cOut() * g.outH() * g.outW());
            float[][] y = new float[3][dy.length], dw = new float[3][w.length];
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                DirectConv.forward(KR, x, w, null, g, y[t - 1], null);
                DirectConv.backwardWeight(KR, dy, x, g, dw[t - 1]);
            }
            assertThat(y[1]).as("forward %s", g).isEqualTo(y[0]);
            assertThat(y[2]).as("forward %s", g).isEqualTo(y[0]);
            assertThat(dw[1]).as("weight gradient %s", g).isEqualTo(dw[0]);
            assertThat(dw[2]).as("weight gradient %s", g).isEqualTo(dw[0]);
        }
    }

    /** The epilogue on each channel's rows gives the bits of the same operations one pass after another. */
    @Test
    void theFusedEpilogueEqualsTheOperationsAfterTheConvolution() {
        ConvGeometry g = new ConvGeometry(3, 16, 10, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        int size = g.n() * g.cOut() * g.outH() * g.outW(), plane = g.outH() * g.outW();
        float[] x = Ref.random(75, g.n() * g.cIn() * g.h() * g.w()), w = Ref.random(76, g.cOut() * g.cIn() * 9);
        float[] bias = Ref.random(77, g.cOut()), scale = Ref.random(78, g.cOut()), shift = Ref.random(79, g.cOut());
        float[] residual = Ref.random(80, size);
        residual[5] = Float.NaN;
        for (Kernels kr : new Kernels[] {KR, new Kernels()}) {
            float[] fused = new float[size];
            DirectConv.forward(kr, x, w, bias, g, fused, new OutputEpilogue(null, scale, shift, residual, true));
            float[] apart = new float[size];
            DirectConv.forward(kr, x, w, null, g, apart, null);
            for (int i = 0; i < size; i++) {
                int c = i / plane % g.cOut();
                float v = apart[i] + bias[c];
                v = Math.fma(v, scale[c], shift[c]) + residual[i];
                apart[i] = v > 0f || v != v ? v : 0f;
            }
            assertThat(fused).as(kr.describe()).isEqualTo(apart);
            assertThat(fused[5]).isNaN();
        }
    }

    /**
     * A NaN in the input spoils exactly the outputs whose window holds it, and nothing of the next call: the dropped
     * columns and the buffers' slack are never read into a kept output.
     */
    @Test
    void aNaNReachesOnlyTheOutputsThatSeeIt() {
        ConvGeometry g = new ConvGeometry(2, 16, 8, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Ref.random(81, g.n() * g.cIn() * g.h() * g.w()), w = Ref.random(82, g.cOut() * g.cIn() * 9);
        float[] dy = Ref.random(83, g.n() * g.cOut() * g.outH() * g.outW());
        float[] bad = x.clone();
        int iy = 0, ix = 8; // last column of image 0, channel 3: its window reaches the next row's dropped columns
        bad[(3 * g.h() + iy) * g.w() + ix] = Float.NaN;
        float[] y = new float[dy.length];
        DirectConv.forward(KR, bad, w, null, g, y, null);
        for (int i = 0; i < y.length; i++) {
            int ox = i % g.outW(), oy = i / g.outW() % g.outH(), image = i / (g.outW() * g.outH() * g.cOut());
            boolean sees = image == 0 && Math.abs(oy - iy) <= 1 && Math.abs(ox - ix) <= 1;
            assertThat(Float.isNaN(y[i])).as("output %d (image %d, row %d, column %d)", i, image, oy, ox).isEqualTo(sees);
        }
        float[] dw = new float[w.length];
        DirectConv.backwardWeight(KR, dy, bad, g, dw);
        assertThat(dw).contains(Float.NaN);
        // the same buffers again, finite data: all finite and right
        float[] clean = new float[dy.length];
        DirectConv.forward(KR, x, w, null, g, clean, null);
        Ref.assertClose(clean, ConvRef.forward(x, w, null, g), 1e-5, "after a NaN");
        float[] dwClean = new float[w.length];
        DirectConv.backwardWeight(KR, dy, x, g, dwClean);
        Ref.assertClose(dwClean, ConvRef.backwardWeight(dy, x, g), 1e-5, "weight gradient after a NaN");
    }

    /** Every ConvTest geometry through the backend with the direct path taken wherever it applies, and never. */
    @ParameterizedTest
    @MethodSource("org.resnet4j.core.cpu.ConvTest#geometries")
    void backendPassesAreRightWithEitherPath(ConvGeometry g) {
        Winograd.setMode("never");
        ChannelsLastWeightGradient.setMode("never"); // which would take the 16-channel weight gradients first
        ConvTest.assertBackendPassesUnderEitherMode(g, 84, "direct", DirectConv::setMode);
    }

    /** The measured shapes of DirectConv.pays and paysForWeightGradient (3x3, stride 1, padding 1, square, N = 128). */
    @ParameterizedTest
    @CsvSource({
        // input channels, output channels, size, forward and input gradient, weight gradient
        "3, 16, 32, true, false", "16, 16, 32, true, true", "32, 32, 16, true, false", "64, 64, 8, false, false",
        "64, 64, 56, false, false"})
    void autoTakesTheShapesWhereItWasMeasuredFaster(int cIn, int cOut, int size, boolean forward, boolean weightGradient) {
        ConvGeometry g = new ConvGeometry(128, cIn, size, size, cOut, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(DirectConv.pays(g)).as("forward %s", g).isEqualTo(forward);
        assertThat(DirectConv.paysForWeightGradient(g)).as("weight gradient %s", g).isEqualTo(weightGradient);
    }

    @Test
    void theModeDecidesAndAMisspelledOneNamesTheProperty() {
        ConvGeometry small = new ConvGeometry(8, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        ConvGeometry strided = new ConvGeometry(8, 16, 32, 32, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        ConvGeometry wide = new ConvGeometry(8, 128, 16, 16, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(DirectConv.chosen(small)).isTrue();
        assertThat(DirectConv.chosen(strided)).isFalse();
        assertThat(DirectConv.chosen(wide)).isFalse();
        DirectConv.setMode("always");
        assertThat(DirectConv.chosen(wide)).isTrue();
        assertThat(DirectConv.chosenForWeightGradient(wide)).isTrue();
        assertThat(DirectConv.chosen(strided)).isFalse();
        DirectConv.setMode("never");
        assertThat(DirectConv.chosen(small)).isFalse();
        assertThat(DirectConv.chosenForWeightGradient(small)).isFalse();
        try {
            System.setProperty("resnet4j.conv.direct", "often");
            DirectConv.setMode(null);
            assertThatThrownBy(() -> DirectConv.chosen(small)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dresnet4j.conv.direct").hasMessageContaining("auto, always or never")
                    .hasMessageContaining("'often'");
        } finally {
            System.clearProperty("resnet4j.conv.direct");
            DirectConv.setMode(null);
        }
        assertThat(DirectConv.chosen(small)).isTrue();
    }
}
