package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Convolution forward and both backward passes, OpenCL vs the CPU baseline and vs a float64 loop
 * written here from the definition. Tolerances: 1e-5 forward, 1e-4 gradients (normwise relative); the
 * sums have at most a few hundred terms of size ~1, so float32 rounding is ~1e-6 relative.
 */
class ConvKernelTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    // n, cIn, h, w, cOut, kH, kW, strideH, strideW, padH, padW, dilH, dilW, groups, bias
    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of(new ConvGeometry(1, 3, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1), true),     // basic 3x3
                Arguments.of(new ConvGeometry(3, 4, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2), false),    // stride 2, groups 2, odd sizes
                Arguments.of(new ConvGeometry(3, 5, 1, 1, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1), true),     // spatial 1, pointwise
                Arguments.of(new ConvGeometry(1, 8, 11, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8), true),   // depthwise
                Arguments.of(new ConvGeometry(3, 4, 10, 10, 8, 3, 3, 1, 1, 3, 3, 2, 2, 4), false),  // pad 3, dilation 2, groups 4
                Arguments.of(new ConvGeometry(1, 3, 7, 9, 5, 1, 3, 2, 1, 0, 1, 1, 1, 1), true),     // non-square kernel and stride
                Arguments.of(new ConvGeometry(2, 3, 15, 15, 4, 7, 7, 2, 2, 3, 3, 1, 1, 1), false),  // stem-like 7x7/2
                Arguments.of(new ConvGeometry(3, 3, 5, 5, 3, 2, 2, 2, 2, 0, 0, 1, 1, 1), true),     // even kernel
                Arguments.of(new ConvGeometry(1, 4, 8, 8, 8, 1, 1, 2, 2, 0, 0, 1, 1, 1), false),    // 1x1 stride 2 shortcut
                Arguments.of(new ConvGeometry(3, 2, 7, 7, 4, 3, 3, 1, 1, 0, 0, 2, 2, 2), true),     // dilation 2, no padding
                Arguments.of(new ConvGeometry(3, 6, 5, 3, 6, 3, 1, 1, 2, 1, 0, 1, 2, 6), false),    // depthwise, non-square, mixed
                Arguments.of(new ConvGeometry(3, 17, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1), true));  // odd channels past a tile
    }

    /** Float64 convolution straight from the definition. */
    static double[] referenceForward(float[] x, float[] w, float[] b, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), cpg = g.cInPerGroup(), copg = g.cOutPerGroup();
        double[] y = new double[g.n() * g.cOut() * oh * ow];
        for (int n = 0; n < g.n(); n++)
            for (int co = 0; co < g.cOut(); co++) {
                int gr = co / copg;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double s = b == null ? 0 : b[co];
                        for (int ci = 0; ci < cpg; ci++)
                            for (int ky = 0; ky < g.kH(); ky++)
                                for (int kx = 0; kx < g.kW(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    s += (double) x[((n * g.cIn() + gr * cpg + ci) * g.h() + iy) * g.w() + ix]
                                            * w[((co * cpg + ci) * g.kH() + ky) * g.kW() + kx];
                                }
                        y[((n * g.cOut() + co) * oh + oy) * ow + ox] = s;
                    }
            }
        return y;
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("configurations")
    void forward(ConvGeometry g, boolean bias) {
        Pair x = Pair.random(cl, 1, g.inputShape()), w = Pair.random(cl, 2, g.weightShape());
        Pair b = bias ? Pair.random(cl, 3, g.cOut()) : null;
        Pair y = Pair.random(cl, 4, g.outputShape()); // garbage in y: the kernels overwrite
        CpuBackend.get().conv2dForward(x.cpu(), w.cpu(), b == null ? null : b.cpu(), g, y.cpu());
        cl.conv2dForward(x.cl(), w.cl(), b == null ? null : b.cl(), g, y.cl());
        y.assertClose("conv forward vs cpu", 1e-5);
        Compare.assertClose("conv forward vs float64", y.cl().toFloats(),
                referenceForward(x.cpu().toFloats(), w.cpu().toFloats(), b == null ? null : b.cpu().toFloats(), g), 1e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void backwardInput(ConvGeometry g, boolean ignored) {
        Pair dy = Pair.random(cl, 5, g.outputShape()), w = Pair.random(cl, 6, g.weightShape());
        Pair dx = Pair.random(cl, 7, g.inputShape());
        CpuBackend.get().conv2dBackwardInput(dy.cpu(), w.cpu(), g, dx.cpu());
        cl.conv2dBackwardInput(dy.cl(), w.cl(), g, dx.cl());
        dx.assertClose("conv backward input", 1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void backwardWeightAccumulates(ConvGeometry g, boolean ignored) {
        Pair dy = Pair.random(cl, 8, g.outputShape()), x = Pair.random(cl, 9, g.inputShape());
        Pair dw = Pair.random(cl, 10, g.weightShape()); // prior gradient: the kernel adds to it
        CpuBackend.get().conv2dBackwardWeight(dy.cpu(), x.cpu(), g, dw.cpu());
        cl.conv2dBackwardWeight(dy.cl(), x.cl(), g, dw.cl());
        dw.assertClose("conv backward weight", 1e-4);
    }

    /** Several image chunks per call: a scratch budget of two images, so batch 3 runs as chunks of 2 and 1. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void chunkedOverImages(ConvGeometry g, boolean bias) {
        if (g.n() < 3) return;
        long ohw = (long) g.outH() * g.outW();
        cl.setColBudgetFloats(2 * Math.max((long) g.cInPerGroup() * g.kH() * g.kW() * ohw, (long) g.cOutPerGroup() * ohw));
        try {
            forward(g, bias);
            backwardInput(g, bias);
            backwardWeightAccumulates(g, bias);
        } finally {
            cl.setColBudgetFloats(0);
        }
    }

    /** The weight gradient's long product (K = images x pixels) split over work-groups, as on a large GPU. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void weightGradientWithSplitK(ConvGeometry g, boolean ignored) {
        OpenClTestSupport.withWorkGroupTarget(cl, 1 << 20, () -> {
            backwardWeightAccumulates(new ConvGeometry(16, g.cIn(), g.h(), g.w(), g.cOut(), g.kH(), g.kW(), g.strideH(),
                    g.strideW(), g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.groups()), ignored);
        });
    }

    /** Forward products deep enough to split K (cIn/groups * 9 = 576), their slices summed straight into NCHW. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("deepConfigurations")
    void forwardWithSplitK(ConvGeometry g, boolean bias) {
        OpenClTestSupport.withWorkGroupTarget(cl, 1 << 20, () -> {
            assertThat(cl.kSlices(1, g.cOutPerGroup(), g.n() * g.outH() * g.outW(), g.cInPerGroup() * g.kH() * g.kW()))
                    .isGreaterThan(1);
            forward(g, bias);
        });
    }

    static Stream<Arguments> deepConfigurations() {
        return Stream.of(
                Arguments.of(new ConvGeometry(2, 64, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1), true),
                Arguments.of(new ConvGeometry(3, 128, 4, 4, 10, 3, 3, 2, 2, 1, 1, 1, 1, 2), false));
    }

    /** Weight gradients sum over images and positions: the order is fixed, so repeats give the same bits. */
    @org.junit.jupiter.api.Test
    void weightGradientIsBitReproducible() {
        ConvGeometry g = new ConvGeometry(3, 17, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        Pair dy = Pair.random(cl, 60, g.outputShape()), x = Pair.random(cl, 61, g.inputShape());
        float[] first = null;
        for (int rep = 0; rep < 3; rep++) {
            var dw = cl.zeros(g.weightShape());
            cl.conv2dBackwardWeight(dy.cl(), x.cl(), g, dw);
            float[] now = dw.toFloats();
            if (first == null) first = now;
            else org.assertj.core.api.Assertions.assertThat(now).as("repeat %d", rep).containsExactly(first);
        }
    }
}
