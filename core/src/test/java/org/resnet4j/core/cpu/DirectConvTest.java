package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Tensor;

/**
 * The direct stride-1 convolution against the float64 plain-loop reference {@link ConvRef}, over kernel
 * sizes 1/3/5 (and non-square), every padding 0..k-1, odd and tiny images (1x1, width 1, widths that are not
 * multiples of the vector length), channel counts that are not multiples of the 4-channel tile, N = 1 and
 * N larger than the thread count. Tolerance 1e-5 normwise, as in {@link ConvTest}. The kernels are called
 * directly; the dispatch test checks that {@link Conv#directBackward} picks them exactly for the small
 * stride-1 cases, and the bit-identity tests run both through {@link CpuBackend} and directly.
 */
class DirectConvTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    static Stream<ConvGeometry> geometries() {
        List<ConvGeometry> gs = new ArrayList<>();
        for (int k : new int[] {1, 3, 5}) {
            for (int pad = 0; pad < k; pad++) {
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                gs.add(new ConvGeometry(3, 5, 7 + k, 5 + k, 6, k, k, 1, 1, pad, pad, 1, 1, 1));
            }
        }
        gs.add(new ConvGeometry(1, 3, 1, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1));        // 1x1 image
        gs.add(new ConvGeometry(2, 2, 9, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1));        // width 1
        gs.add(new ConvGeometry(1, 7, 13, 27, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1));      // row spans several tiles
        gs.add(new ConvGeometry(5, 4, 6, 11, 4, 3, 5, 1, 1, 2, 4, 1, 1, 1));       // non-square kernel, pad k-1
        gs.add(new ConvGeometry(2, 3, 10, 12, 7, 1, 3, 1, 1, 0, 1, 1, 1, 1));      // 1x3
        gs.add(new ConvGeometry(1, 70, 9, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1));      // several input-channel chunks
        gs.add(new ConvGeometry(17, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1));     // ResNet-20 stage 3 size, N > threads
        gs.add(new ConvGeometry(2, 8, 40, 40, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1));     // several row bands per image
        return gs.stream();
    }

    @Test
    void dispatchTakesTheDirectPathExactlyForSmallStrideOneSingleGroup() {
        assertThat(Simd.DIRECT).as("vector module present in tests").isNotNull();
        geometries().filter(g -> !g.isPointwise()).forEach(g -> {
            assertThat(DirectConv.applies(g)).as("%s", g).isTrue();
            boolean small = Math.min(g.cIn(), g.cOut()) >= 8 && Math.max(g.cIn(), g.cOut()) <= 16;
            assertThat(Conv.directBackward(Simd.KERNELS, g)).as("%s", g).isSameAs(small ? Simd.DIRECT : null);
        });
        ConvGeometry[] gemmOnly = {
            new ConvGeometry(2, 4, 9, 9, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1),    // pointwise: GEMM on x itself
            new ConvGeometry(2, 4, 9, 9, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1),    // stride 2
            new ConvGeometry(2, 4, 9, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2, 1),    // dilation 2
            new ConvGeometry(2, 4, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2),    // groups
            new ConvGeometry(2, 4, 9, 9, 4, 3, 3, 1, 1, 3, 1, 1, 1, 1),    // padding > k-1
        };
        for (ConvGeometry g : gemmOnly) {
            assertThat(DirectConv.applies(g)).as("%s", g).isFalse();
            assertThat(Conv.directBackward(Simd.KERNELS, g)).as("%s", g).isNull();
        }
        ConvGeometry small = new ConvGeometry(2, 16, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(Conv.directBackward(Simd.KERNELS, small)).isSameAs(Simd.DIRECT);
        assertThat(Conv.directBackward(Simd.KERNELS, new ConvGeometry(2, 16, 9, 9, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1)))
                .as("more than 16 output channels: GEMM").isNull();
        assertThat(Conv.directBackward(Simd.KERNELS, new ConvGeometry(2, 17, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1)))
                .as("more than 16 input channels: GEMM").isNull();
        assertThat(Conv.directBackward(Simd.KERNELS, new ConvGeometry(2, 3, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1)))
                .as("fewer than 8 input channels: GEMM").isNull();
        assertThat(Conv.directBackward(Simd.KERNELS, new ConvGeometry(2, 8, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1)))
                .as("8 channels: direct").isSameAs(Simd.DIRECT);
        assertThat(Conv.directBackward(new Kernels(), small)).as("scalar kernels keep the GEMM path").isNull();
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void forwardMatchesReference(ConvGeometry g) {
        float[] x = Ref.random(41, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(42, g.cOut() * g.cIn() * g.kH() * g.kW());
        float[] bias = Ref.random(43, g.cOut());
        for (float[] b : new float[][] {null, bias}) {
            float[] y = new float[g.n() * g.cOut() * g.outH() * g.outW()];
            java.util.Arrays.fill(y, Float.NaN); // overwritten
            Simd.DIRECT.forward(x, w, b, g, y);
            Ref.assertClose(y, ConvRef.forward(x, w, b, g), 1e-5, "forward " + g);
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void backwardInputMatchesReference(ConvGeometry g) {
        float[] dy = Ref.random(44, g.n() * g.cOut() * g.outH() * g.outW());
        float[] w = Ref.random(45, g.cOut() * g.cIn() * g.kH() * g.kW());
        float[] dx = new float[g.n() * g.cIn() * g.h() * g.w()];
        java.util.Arrays.fill(dx, Float.NaN); // overwritten
        Simd.DIRECT.backwardInput(dy, w, g, dx);
        Ref.assertClose(dx, ConvRef.backwardInput(dy, w, g), 1e-5, "backward input " + g);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void backwardWeightAccumulatesReference(ConvGeometry g) {
        float[] dy = Ref.random(46, g.n() * g.cOut() * g.outH() * g.outW());
        float[] x = Ref.random(47, g.n() * g.cIn() * g.h() * g.w());
        float[] dw0 = Ref.random(48, g.cOut() * g.cIn() * g.kH() * g.kW());
        float[] dw = dw0.clone();
        Simd.DIRECT.backwardWeight(dy, x, g, dw);
        double[] expected = ConvRef.backwardWeight(dy, x, g);
        for (int i = 0; i < expected.length; i++) expected[i] += dw0[i];
        Ref.assertClose(dw, expected, 1e-5, "backward weight " + g);
    }

    @Test
    void backendResultsAreBitIdenticalForOneAndTwoThreads() {
        ConvGeometry[] gs = {
            new ConvGeometry(1, 16, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // N = 1: row bands split the work
            new ConvGeometry(3, 9, 9, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // channels not multiples of the tiles
            new ConvGeometry(5, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(2, 10, 12, 10, 8, 5, 5, 1, 1, 2, 2, 1, 1, 1)
        };
        for (ConvGeometry g : gs) {
            assertThat(Conv.directBackward(Simd.KERNELS, g)).isNotNull();
            float[] x = Ref.random(51, g.n() * g.cIn() * g.h() * g.w());
            float[] w = Ref.random(52, g.cOut() * g.cIn() * g.kH() * g.kW());
            float[] dy = Ref.random(53, g.n() * g.cOut() * g.outH() * g.outW());
            float[][][] out = new float[2][][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Tensor tx = CPU.fromFloats(x, g.inputShape()), tw = CPU.fromFloats(w, g.weightShape());
                Tensor tdx = CPU.zeros(g.inputShape()), tdw = CPU.zeros(g.weightShape());
                CPU.conv2dBackwardInput(CPU.fromFloats(dy, g.outputShape()), tw, g, tdx);
                CPU.conv2dBackwardWeight(CPU.fromFloats(dy, g.outputShape()), tx, g, tdw);
                out[t - 1] = new float[][] {tdx.toFloats(), tdw.toFloats()};
                Ref.assertClose(out[t - 1][0], ConvRef.backwardInput(dy, w, g), 1e-5, "backend backward input " + g);
                Ref.assertClose(out[t - 1][1], ConvRef.backwardWeight(dy, x, g), 1e-5, "backend backward weight " + g);
            }
            for (int i = 0; i < 2; i++) assertThat(out[1][i]).as("output %d of %s", i, g).isEqualTo(out[0][i]);
        }
    }

    @Test
    void directKernelsAreBitIdenticalForOneAndTwoThreads() {
        ConvGeometry[] gs = {
            new ConvGeometry(1, 70, 9, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // input-channel chunks, N = 1
            new ConvGeometry(3, 32, 10, 10, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(2, 8, 40, 40, 12, 3, 5, 1, 1, 1, 2, 1, 1, 1),   // several row bands
            new ConvGeometry(2, 3, 12, 10, 2, 5, 5, 1, 1, 2, 2, 1, 1, 1)     // one output-channel block: split over ic
        };
        for (ConvGeometry g : gs) {
            float[] x = Ref.random(61, g.n() * g.cIn() * g.h() * g.w());
            float[] w = Ref.random(62, g.cOut() * g.cIn() * g.kH() * g.kW());
            float[] dy = Ref.random(63, g.n() * g.cOut() * g.outH() * g.outW());
            float[][][] out = new float[2][][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                float[] y = new float[dy.length], dx = new float[x.length], dw = new float[w.length];
                Simd.DIRECT.forward(x, w, null, g, y);
                Simd.DIRECT.backwardInput(dy, w, g, dx);
                Simd.DIRECT.backwardWeight(dy, x, g, dw);
                out[t - 1] = new float[][] {y, dx, dw};
            }
            for (int i = 0; i < 3; i++) assertThat(out[1][i]).as("output %d of %s", i, g).isEqualTo(out[0][i]);
        }
    }
}
