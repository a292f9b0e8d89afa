package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * The weight gradient on channels-last copies without packing (ChannelsLastWeightGradient) against the float64
 * weight gradient (ConvRef), with ConvTest's tolerance; its vector kernel against the scalar twin to the bit, and the
 * same bits for any thread count.
 */
class ChannelsLastWeightGradientTest {
    private static final Kernels KR = Simd.KERNELS;
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(DEFAULT_THREADS);
        ChannelsLastWeightGradient.setMode(null);
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(3, 16, 9, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // odd sizes
                new ConvGeometry(10, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // ResNet-20's layer1, unequal parts
                new ConvGeometry(2, 16, 16, 15, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1),   // stride 2 (the downsampling 3x3)
                new ConvGeometry(2, 4, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // one row block per kernel row
                new ConvGeometry(1, 8, 5, 5, 48, 3, 3, 1, 1, 0, 0, 1, 1, 1),      // no padding, three vectors of cOut
                new ConvGeometry(2, 12, 5, 5, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1),     // pointwise
                new ConvGeometry(2, 12, 8, 9, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1),     // 5x5
                new ConvGeometry(9, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // ResNet-20's layer3
                new ConvGeometry(1, 16, 12, 70, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1));  // one output row per kernel call
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void weightGradientIsTheFloat64OneAddedIn(ConvGeometry g) {
        float[] x = Ref.random(91, g.n() * g.cIn() * g.h() * g.w());
        float[] dy = Ref.random(92, g.n() * g.cOut() * g.outH() * g.outW());
        float[] start = Ref.random(93, g.cOut() * g.cIn() * g.kH() * g.kW());
        double[] expected = ConvRef.backwardWeight(dy, x, g);
        for (int i = 0; i < expected.length; i++) expected[i] += start[i];
        float[][] dw = new float[2][];
        Kernels[] kernels = {KR, new Kernels()};
        for (int k = 0; k < 2; k++) {
            assertThat(ChannelsLastWeightGradient.applies(kernels[k], g)).as("%s applies to %s", kernels[k].describe(), g).isTrue();
            dw[k] = start.clone();
            ChannelsLastWeightGradient.backwardWeight(kernels[k], dy, x, g, dw[k]);
            Ref.assertClose(dw[k], expected, 1e-5, kernels[k].describe() + " " + g);
        }
        assertThat(dw[0]).as("vector kernel against its scalar twin, %s", g).isEqualTo(dw[1]);
    }

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        ConvGeometry g = new ConvGeometry(19, 16, 9, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Ref.random(94, g.n() * g.cIn() * g.h() * g.w());
        float[] dy = Ref.random(95, g.n() * g.cOut() * g.outH() * g.outW());
        float[][] dw = new float[3][g.cOut() * g.cIn() * 9];
        for (int t = 1; t <= 3; t++) {
            Parallel.setThreads(t);
            ChannelsLastWeightGradient.backwardWeight(KR, dy, x, g, dw[t - 1]);
        }
        assertThat(dw[1]).isEqualTo(dw[0]);
        assertThat(dw[2]).isEqualTo(dw[0]);
    }

    /** A NaN in x reaches exactly the weights whose taps read it, and the next call's buffers are clean again. */
    @Test
    void aNaNReachesOnlyTheWeightsThatReadIt() {
        ConvGeometry g = new ConvGeometry(2, 16, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Ref.random(96, g.n() * g.cIn() * g.h() * g.w()), dy = Ref.random(97, g.n() * g.cOut() * 36);
        float[] bad = x.clone();
        bad[(5 * 6 + 2) * 6 + 3] = Float.NaN; // image 0, channel 5, row 2, column 3: every tap sees it
        float[] dw = new float[g.cOut() * g.cIn() * 9];
        ChannelsLastWeightGradient.backwardWeight(KR, dy, bad, g, dw);
        for (int i = 0; i < dw.length; i++) {
            assertThat(Float.isNaN(dw[i])).as("weight %d (input channel %d)", i, i / 9 % g.cIn()).isEqualTo(i / 9 % g.cIn() == 5);
        }
        float[] clean = new float[dw.length];
        ChannelsLastWeightGradient.backwardWeight(KR, dy, x, g, clean);
        Ref.assertClose(clean, ConvRef.backwardWeight(dy, x, g), 1e-5, "after a NaN");
    }

    /** Every ConvTest geometry through the backend with this path wherever it applies, and never. */
    @ParameterizedTest
    @MethodSource("org.resnet4j.core.cpu.ConvTest#geometries")
    void backendPassesAreRightWithEitherPath(ConvGeometry g) {
        ConvTest.assertBackendPassesUnderEitherMode(g, 98, "channels-last weight gradient", ChannelsLastWeightGradient::setMode);
    }

    /** The shapes measured in ConvBench (ChannelsLastWeightGradient.pays). */
    @ParameterizedTest
    @CsvSource({
        // n, input channels, output channels, size, stride, pays
        "128, 16, 16, 28, 1, true", "128, 32, 32, 14, 1, true", "128, 64, 64, 7, 1, true", "128, 16, 32, 32, 2, true",
        "128, 32, 64, 16, 2, false", "8, 64, 64, 56, 1, false", "8, 128, 128, 28, 1, false"})
    void autoTakesTheShapesWhereItWasMeasuredFaster(int n, int cIn, int cOut, int size, int stride, boolean pays) {
        ConvGeometry g = new ConvGeometry(n, cIn, size, size, cOut, 3, 3, stride, stride, 1, 1, 1, 1, 1);
        assertThat(ChannelsLastWeightGradient.pays(g)).as("%s", g).isEqualTo(pays);
    }
}
