package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvEpilogue;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Tensor;

/**
 * A convolution with its eval batch norm, residual sum and ReLU fused into the pass that stores its output
 * ({@link CpuBackend#conv2dForwardFused}) gives the bits of the layers run one after another, on every path
 * (im2col with its tiles, pointwise, strided, grouped, Winograd, the scalar kernels), for any thread count,
 * NaN included.
 */
class ConvEpilogueTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.concat(ConvTest.geometries(), Stream.of(
                new ConvGeometry(2, 64, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // Winograd (auto)
                new ConvGeometry(2, 64, 14, 14, 256, 1, 1, 1, 1, 0, 0, 1, 1, 1)));  // pointwise, rows past MC
    }

    /** The eval batch norm's statistics: a wide spread of means and variances, and gamma of both signs. */
    record Stats(Tensor mean, Tensor var, Tensor gamma, Tensor beta) {
        static Stats random(int c) {
            float[] var = Ref.random(23, c);
            for (int i = 0; i < c; i++) var[i] = 0.05f + 2 * Math.abs(var[i]);
            return new Stats(CPU.fromFloats(Ref.random(21, c), c), CPU.fromFloats(var, c), CPU.fromFloats(Ref.random(24, c), c),
                    CPU.fromFloats(Ref.random(25, c), c));
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void fusedEqualsTheLayersOneByOne(ConvGeometry g) {
        float[] xs = Ref.random(11, g.n() * g.cIn() * g.h() * g.w());
        xs[xs.length / 3] = Float.NaN;                                 // NaN flows through the ReLU, as torch.relu's does
        Tensor x = CPU.fromFloats(xs, g.inputShape());
        Tensor w = CPU.fromFloats(Ref.random(12, g.cOut() * g.cInPerGroup() * g.kH() * g.kW()), g.weightShape());
        Tensor bias = CPU.fromFloats(Ref.random(13, g.cOut()), g.cOut());
        Tensor residual = CPU.fromFloats(Ref.random(14, (int) numel(g.outputShape())), g.outputShape());
        Stats s = Stats.random(g.cOut());
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int variant = 0; variant < 16; variant++) {
                boolean withBias = (variant & 1) != 0, bn = (variant & 2) != 0, sum = (variant & 4) != 0, relu = (variant & 8) != 0;
                Tensor b = withBias ? bias : null, r = sum ? residual : null;
                ConvEpilogue e = bn ? new ConvEpilogue(s.mean, s.var, s.gamma, s.beta, 1e-5, r, relu)
                        : new ConvEpilogue(null, null, null, null, 0, r, relu);
                Tensor expected = CPU.zeros(g.outputShape());
                CPU.conv2dForward(x, w, b, g, expected);
                if (bn) CPU.batchNormEvalForward(expected, s.mean, s.var, s.gamma, s.beta, 1e-5, expected);
                if (sum) CPU.add(expected, residual, expected);
                if (relu) CPU.relu(expected, expected);
                Tensor y = CPU.zeros(g.outputShape());
                CPU.fill(y, Double.NaN);                                     // overwritten
                CPU.conv2dForwardFused(x, w, b, g, e, y);
                assertSameBits(y.toFloats(), expected.toFloats(), g + " bias " + withBias + " bn " + bn + " sum " + sum
                        + " relu " + relu + ", " + threads + " threads");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.resnet4j.core.cpu.WinogradTest#geometries")
    void winogradAndScalarKernelsToo(ConvGeometry g) {
        float[] x = Ref.random(31, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(32, g.cOut() * g.cIn() * 9), bias = Ref.random(33, g.cOut());
        float[] residual = Ref.random(34, (int) numel(g.outputShape()));
        float[] scale = Ref.random(35, g.cOut()), shift = Ref.random(36, g.cOut());
        for (Kernels kr : new Kernels[] {Simd.KERNELS, new Kernels()}) {
            String with = " " + g + " with " + kr.getClass().getSimpleName();
            // Winograd adds the bias in its transform; im2col passes it to the epilogue
            checkPath("Winograd" + with, scale, shift, residual, g, y -> Winograd.forward(kr, x, w, bias, g, y),
                    y -> Winograd.forward(kr, x, w, bias, g, y, new OutputEpilogue(null, scale, shift, residual, true)));
            checkPath("im2col" + with, scale, shift, residual, g, y -> Conv.forwardIm2col(kr, x, w, bias, g, y),
                    y -> Conv.forwardIm2col(kr, x, w, null, g, y, new OutputEpilogue(bias, scale, shift, residual, true)));
        }
    }

    /** The plain forward finished element by element in Java, against the fused forward: the same bits. */
    private static void checkPath(String what, float[] scale, float[] shift, float[] residual, ConvGeometry g,
                                  java.util.function.Consumer<float[]> plain, java.util.function.Consumer<float[]> fused) {
        float[] expected = new float[residual.length];
        plain.accept(expected);
        finishOneByOne(expected, scale, shift, residual, g);
        float[] y = new float[residual.length];
        fused.accept(y);
        assertSameBits(y, expected, what);
    }

    /** y = relu(fma(y, scale[c], shift[c]) + residual), element by element in plain Java. */
    private static void finishOneByOne(float[] y, float[] scale, float[] shift, float[] residual, ConvGeometry g) {
        int ohw = g.outH() * g.outW();
        for (int i = 0; i < y.length; i++) {
            int c = (i / ohw) % g.cOut();
            float v = Math.fma(y[i], scale[c], shift[c]) + residual[i];
            y[i] = v > 0 ? v : 0f;
        }
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    static void assertSameBits(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", the layers one by one give " + expected[i]);
            }
        }
    }
}
