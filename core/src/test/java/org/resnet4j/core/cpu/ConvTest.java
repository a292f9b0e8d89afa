package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Tensor;

/**
 * Convolution forward, input gradient and weight gradient against a direct float64 convolution
 * written from the definition (no im2col). Tolerance 1e-5 normwise: every output is a float32 dot
 * product of at most a few thousand terms of inputs in [-1, 1] (error ~ sqrt(K) * 2^-24, about 1e-6
 * here), and the weight gradient sums over N*P terms in fixed-size blocks; any indexing slip gives O(1).
 */
class ConvTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(2, 3, 9, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(1, 4, 11, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                new ConvGeometry(3, 4, 8, 10, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1),      // pointwise: straight to GEMM
                new ConvGeometry(2, 6, 10, 9, 4, 3, 2, 1, 2, 2, 1, 2, 1, 2),      // dilation, groups, non-square
                new ConvGeometry(1, 3, 23, 19, 8, 7, 7, 2, 2, 3, 3, 1, 1, 1),     // stem-like 7x7/2
                new ConvGeometry(2, 8, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8),       // depthwise
                new ConvGeometry(2, 5, 5, 5, 7, 1, 1, 2, 2, 0, 0, 1, 1, 1),       // 1x1 stride 2 (downsample)
                new ConvGeometry(2, 6, 9, 7, 5, 1, 1, 2, 3, 0, 0, 1, 1, 1),       // 1x1, unequal strides, odd sizes
                new ConvGeometry(1, 2, 4, 4, 3, 5, 3, 1, 1, 2, 0, 1, 1, 1),       // kernel larger than unpadded input
                new ConvGeometry(2, 16, 20, 20, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // several panels and K blocks
                new ConvGeometry(1, 40, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // K = 360
                // weights packed once per call and sliced per task: several K blocks (576 = 2 x 288) and
                // several MC row blocks (80, and 576 rows of W^T for the input gradient), per group too
                new ConvGeometry(3, 64, 6, 6, 80, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 600, 3, 3, 90, 1, 1, 1, 1, 0, 0, 1, 1, 1),    // pointwise, K = 600
                new ConvGeometry(2, 128, 4, 4, 160, 3, 3, 1, 1, 1, 1, 1, 1, 2),   // 2 groups of 64 -> 80
                // channels-last weight gradient (cIn a multiple of 16): stride 2 and odd sizes, dilation with
                // a pixel past the 8-lane blocks, an output-channel count that is not a multiple of the tile
                new ConvGeometry(2, 32, 11, 13, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                new ConvGeometry(3, 16, 9, 9, 7, 3, 3, 1, 1, 2, 2, 2, 2, 1),
                new ConvGeometry(1, 48, 5, 6, 40, 5, 3, 1, 1, 0, 1, 1, 1, 1),
                // weight gradients over K = n*oh*ow >= 4 x 2048 pixels: DirectConv's parts (16 -> 16, 3x3; with
                // -Dresnet4j.conv.direct=never, DirectConvTest, channels-last split over K, GemmDriver.splitKPays) and
                // the im2col path split over K (pointwise 24 -> 40, 2 groups)
                new ConvGeometry(8, 16, 32, 33, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(3, 24, 48, 60, 40, 1, 1, 1, 1, 0, 0, 1, 1, 2));
    }

    /**
     * The backend's three passes of g (forward with bias, input gradient, weight gradient into zeros) against the float64
     * convolution, 1e-5 normwise, outputs pre-filled with NaN; for the path tests that switch a convolution path.
     */
    /** {@link #assertBackendPassesMatchTheReference} with a path's -D mode set to always, then never, through setMode. */
    static void assertBackendPassesUnderEitherMode(ConvGeometry g, long seed, String path, java.util.function.Consumer<String> setMode) {
        for (String mode : new String[] {"always", "never"}) {
            setMode.accept(mode);
            assertBackendPassesMatchTheReference(g, seed, path + " " + mode);
        }
    }

    static void assertBackendPassesMatchTheReference(ConvGeometry g, long seed, String what) {
        float[] x = Ref.random(seed, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(seed + 1, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
        float[] bias = Ref.random(seed + 2, g.cOut());
        float[] dy = Ref.random(seed + 3, g.n() * g.cOut() * g.outH() * g.outW());
        Tensor y = CPU.zeros(g.outputShape()), dx = CPU.zeros(g.inputShape());
        CPU.fill(y, Double.NaN);
        CPU.fill(dx, Double.NaN);
        Tensor tw = CPU.fromFloats(w, g.weightShape());
        CPU.conv2dForward(CPU.fromFloats(x, g.inputShape()), tw, CPU.fromFloats(bias, g.cOut()), g, y);
        CPU.conv2dBackwardInput(CPU.fromFloats(dy, g.outputShape()), tw, g, dx);
        Tensor dw = CPU.zeros(g.weightShape());
        CPU.conv2dBackwardWeight(CPU.fromFloats(dy, g.outputShape()), CPU.fromFloats(x, g.inputShape()), g, dw);
        Ref.assertClose(y.toFloats(), ConvRef.forward(x, w, bias, g), 1e-5, what + " forward " + g);
        Ref.assertClose(dx.toFloats(), ConvRef.backwardInput(dy, w, g), 1e-5, what + " input gradient " + g);
        Ref.assertClose(dw.toFloats(), ConvRef.backwardWeight(dy, x, g), 1e-5, what + " weight gradient " + g);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void forwardMatchesDirectConvolution(ConvGeometry g) {
        float[] x = Ref.random(11, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(12, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
        float[] bias = Ref.random(13, g.cOut());
        for (boolean withBias : new boolean[] {false, true}) {
            Tensor y = CPU.zeros(g.outputShape());
            CPU.fill(y, Double.NaN); // the forward overwrites
            CPU.conv2dForward(CPU.fromFloats(x, g.inputShape()), CPU.fromFloats(w, g.weightShape()),
                    withBias ? CPU.fromFloats(bias, g.cOut()) : null, g, y);
            Ref.assertClose(y.toFloats(), ConvRef.forward(x, w, withBias ? bias : null, g), 1e-5, "forward " + g);
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void backwardInputMatchesDirectConvolution(ConvGeometry g) {
        float[] dy = Ref.random(14, g.n() * g.cOut() * g.outH() * g.outW());
        float[] w = Ref.random(15, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
        Tensor dx = CPU.zeros(g.inputShape());
        CPU.fill(dx, Double.NaN); // overwritten
        CPU.conv2dBackwardInput(CPU.fromFloats(dy, g.outputShape()), CPU.fromFloats(w, g.weightShape()), g, dx);
        Ref.assertClose(dx.toFloats(), ConvRef.backwardInput(dy, w, g), 1e-5, "backward input " + g);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void backwardWeightAccumulates(ConvGeometry g) {
        float[] dy = Ref.random(16, g.n() * g.cOut() * g.outH() * g.outW());
        float[] x = Ref.random(17, g.n() * g.cIn() * g.h() * g.w());
        float[] dw0 = Ref.random(18, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
        Tensor dw = CPU.fromFloats(dw0, g.weightShape());
        CPU.conv2dBackwardWeight(CPU.fromFloats(dy, g.outputShape()), CPU.fromFloats(x, g.inputShape()), g, dw);
        double[] expected = ConvRef.backwardWeight(dy, x, g);
        for (int i = 0; i < expected.length; i++) expected[i] += dw0[i];
        Ref.assertClose(dw.toFloats(), expected, 1e-5, "backward weight " + g);
    }

    @Test
    void bitIdenticalForOneAndTwoThreads() {
        ConvGeometry[] gs = {
            new ConvGeometry(8, 16, 32, 33, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // split-K weight gradient
            new ConvGeometry(3, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(1, 16, 14, 14, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1),
            new ConvGeometry(2, 32, 10, 10, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvGeometry(3, 40, 14, 14, 72, 1, 1, 2, 2, 0, 0, 1, 1, 1)    // strided 1x1: subsampled first
        };
        for (ConvGeometry g : gs) {
            float[] x = Ref.random(21, g.n() * g.cIn() * g.h() * g.w());
            float[] w = Ref.random(22, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
            float[] dy = Ref.random(23, g.n() * g.cOut() * g.outH() * g.outW());
            float[][][] out = new float[2][][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Tensor tx = CPU.fromFloats(x, g.inputShape()), tw = CPU.fromFloats(w, g.weightShape());
                Tensor ty = CPU.zeros(g.outputShape()), tdx = CPU.zeros(g.inputShape()), tdw = CPU.zeros(g.weightShape());
                CPU.conv2dForward(tx, tw, null, g, ty);
                CPU.conv2dBackwardInput(CPU.fromFloats(dy, g.outputShape()), tw, g, tdx);
                CPU.conv2dBackwardWeight(CPU.fromFloats(dy, g.outputShape()), tx, g, tdw);
                out[t - 1] = new float[][] {ty.toFloats(), tdx.toFloats(), tdw.toFloats()};
            }
            for (int i = 0; i < 3; i++) assertThat(out[1][i]).as("output %d of %s", i, g).isEqualTo(out[0][i]);
        }
    }
}
