package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * The several-image im2col product (Im2colImages) against the float64 convolution (ConvRef, ConvTest's 1e-5
 * normwise) and, to the bit, against the one-image product it stands in for.
 */
class Im2colImagesTest {
    private static final Kernels KR = Simd.KERNELS;
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreadsAndModes() {
        Parallel.setThreads(DEFAULT_THREADS);
        Im2colImages.setMode("auto");
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(5, 6, 7, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // ResNet-20's 7x7, a last task of fewer images
                new ConvGeometry(4, 5, 9, 9, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1),      // stride 2: 5x5 outputs
                new ConvGeometry(3, 4, 9, 8, 6, 3, 3, 1, 1, 2, 2, 2, 2, 1),      // dilation 2, non-square
                new ConvGeometry(6, 8, 14, 14, 5, 1, 1, 2, 2, 0, 0, 1, 1, 1),    // a 1x1 stride-2 downsampling layer
                new ConvGeometry(2, 3, 5, 7, 4, 3, 5, 1, 1, 0, 2, 1, 1, 1),      // 3x5 kernel, padding on one axis only
                new ConvGeometry(9, 40, 7, 7, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1));   // K = 360: more than one K block
    }

    private static float[] conv(ConvGeometry g, String mode, float[] x, float[] w, float[] bias, OutputEpilogue after) {
        Im2colImages.setMode(mode);
        float[] y = new float[g.n() * g.cOut() * g.outH() * g.outW()];
        java.util.Arrays.fill(y, Float.NaN); // overwritten
        Conv.forwardIm2col(KR, x, w, bias, g, y, after);
        return y;
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void forwardMatchesTheReferenceAndTheOneImageProductToTheBit(ConvGeometry g) {
        float[] x = Ref.random(81, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(82, g.cOut() * g.cIn() * g.kH() * g.kW());
        float[] bias = Ref.random(83, g.cOut());
        float[] several = conv(g, "always", x, w, bias, null);
        Ref.assertClose(several, ConvRef.forward(x, w, bias, g), 1e-5, "several-image forward " + g);
        assertThat(several).isEqualTo(conv(g, "never", x, w, bias, null));
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void theScalarPackerMatchesTheReference(ConvGeometry g) {
        float[] x = Ref.random(84, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(85, g.cOut() * g.cIn() * g.kH() * g.kW());
        Im2colImages.setMode("always");
        float[] y = new float[g.n() * g.cOut() * g.outH() * g.outW()];
        Conv.forwardIm2col(new Kernels(), x, w, null, g, y, null);
        Ref.assertClose(y, ConvRef.forward(x, w, null, g), 1e-5, "several-image forward (scalar kernels) " + g);
    }

    @Test
    void theFusedEpilogueFinishesEveryImagesChannels() {
        ConvGeometry g = new ConvGeometry(5, 6, 7, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Ref.random(86, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(87, g.cOut() * g.cIn() * 9);
        float[] bias = Ref.random(88, g.cOut()), scale = Ref.random(89, g.cOut()), shift = Ref.random(90, g.cOut());
        float[] residual = Ref.random(91, g.n() * g.cOut() * 49);
        OutputEpilogue after = new OutputEpilogue(null, scale, shift, residual, true);
        float[] fused = conv(g, "always", x, w, bias, after);
        double[] expected = ConvRef.forward(x, w, bias, g);
        for (int i = 0; i < expected.length; i++) {
            int co = i / 49 % g.cOut();
            expected[i] = Math.max(0, (float) expected[i] * scale[co] + shift[co] + residual[i]);
        }
        Ref.assertClose(fused, expected, 1e-5, "several-image forward with batch norm, residual and ReLU");
        assertThat(fused).isEqualTo(conv(g, "never", x, w, bias, after));
    }

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        ConvGeometry g = new ConvGeometry(11, 16, 7, 7, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Ref.random(92, g.n() * g.cIn() * 49), w = Ref.random(93, g.cOut() * g.cIn() * 9);
        float[][] y = new float[3][];
        for (int t = 1; t <= 3; t++) {
            Parallel.setThreads(t);
            y[t - 1] = conv(g, "always", x, w, null, null);
        }
        assertThat(y[1]).isEqualTo(y[0]);
        assertThat(y[2]).isEqualTo(y[0]);
    }

    @Test
    void theStrideOneInputGradientTakesThePathToo() {
        // dx is the forward convolution of dy with the flipped kernel (Conv.transposedForward): 7x7 again
        ConvGeometry g = new ConvGeometry(6, 40, 7, 7, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(Im2colImages.chosen(KR, Conv.transposedForward(g))).isTrue();
        float[] dy = Ref.random(94, g.n() * g.cOut() * 49), w = Ref.random(95, g.cOut() * g.cIn() * 9);
        float[] dx = new float[g.n() * g.cIn() * 49];
        java.util.Arrays.fill(dx, Float.NaN);
        Conv.backwardInput(KR, dy, w, g, dx);
        Ref.assertClose(dx, ConvRef.backwardInput(dy, w, g), 1e-5, "input gradient by several-image products " + g);
    }

    @Test
    void autoTakesOutputsThatLeaveAPanelPartEmpty() {
        int nr = KR.nr();
        // ResNet-20's layer3 on Fashion-MNIST: 64 -> 64 at 7x7, batch 128
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(128, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isEqualTo(49 % nr != 0);
        // whole panels already (8x8 = 64 pixels with 32 or 16 columns a panel), one image, groups, plain 1x1 products
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(128, 64, 8, 8, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isEqualTo(64 % nr != 0);
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(1, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isFalse();
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(8, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 2))).isFalse();
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(8, 64, 7, 7, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1))).isFalse();
        // large outputs: 28x28
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(8, 64, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isFalse();
        Im2colImages.setMode("never");
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(128, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isFalse();
        Im2colImages.setMode("always");
        assertThat(Im2colImages.chosen(KR, new ConvGeometry(128, 64, 8, 8, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1))).isTrue();
    }

    @Test
    void aMalformedModeNamesTheProperty() {
        try {
            System.setProperty("resnet4j.conv.images", "sometimes");
            Im2colImages.setMode(null);
            ConvGeometry g = new ConvGeometry(2, 3, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            Consumer<float[]> run = y -> Conv.forwardIm2col(KR, new float[2 * 3 * 49], new float[4 * 3 * 9], null, g, y, null);
            assertThatThrownBy(() -> run.accept(new float[2 * 4 * 49])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dresnet4j.conv.images").hasMessageContaining("auto, always or never");
        } finally {
            System.clearProperty("resnet4j.conv.images");
            Im2colImages.setMode(null);
        }
    }
}
