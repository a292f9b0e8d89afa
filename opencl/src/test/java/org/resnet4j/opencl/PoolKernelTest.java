package org.resnet4j.opencl;

import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Pooling kernels vs the CPU baseline. Max pooling selects exactly the same elements, so it must
 * match exactly (tolerance 0); averages sum a few terms (1e-5 / 1e-4).
 */
class PoolKernelTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    // n, c, h, w, kH, kW, sH, sW, pH, pW, dilH, dilW, ceil, countIncludePad, divisorOverride
    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of(new PoolGeometry(3, 2, 9, 9, 3, 3, 2, 2, 1, 1, 1, 1, false, true, 0)),   // ResNet stem pool
                Arguments.of(new PoolGeometry(1, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, false, true, 0)),
                Arguments.of(new PoolGeometry(3, 2, 7, 6, 3, 2, 1, 2, 1, 1, 1, 1, true, false, 0)),   // ceil, exclude pad
                Arguments.of(new PoolGeometry(2, 1, 11, 11, 3, 3, 2, 2, 1, 1, 1, 1, true, true, 0)),  // ceil, include pad
                Arguments.of(new PoolGeometry(1, 2, 5, 5, 3, 3, 3, 3, 1, 1, 1, 1, false, true, 5)),   // divisor override
                Arguments.of(new PoolGeometry(3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, false, true, 0)));  // spatial 1
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void maxPool(PoolGeometry g) {
        runMax(g);
    }

    @Test
    void maxPoolDilatedWithTies() {
        PoolGeometry g = new PoolGeometry(2, 2, 10, 9, 3, 3, 1, 2, 1, 1, 2, 2, false, true, 0);
        float[] x = GemmTest.random(2 * 2 * 10 * 9, 40);
        for (int i = 0; i < x.length; i += 3) x[i] = 0.5f; // ties: the first maximum in scan order must win
        Pair px = Pair.of(cl, x, g.inputShape());
        Pair y = Pair.zeros(cl, g.outputShape()), dy = Pair.random(cl, 41, g.outputShape()), dx = Pair.random(cl, 42, g.inputShape());
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.maxPool2dForward(Pair.on(b, px), g, Pair.on(b, y));
            b.maxPool2dBackward(Pair.on(b, dy), Pair.on(b, px), g, Pair.on(b, dx));
        }
        y.assertClose("max pool forward", 0);
        dx.assertClose("max pool backward", 1e-6);
    }

    private void runMax(PoolGeometry g) {
        Pair x = Pair.random(cl, 43, g.inputShape());
        Pair y = Pair.zeros(cl, g.outputShape()), dy = Pair.random(cl, 44, g.outputShape()), dx = Pair.random(cl, 45, g.inputShape());
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.maxPool2dForward(Pair.on(b, x), g, Pair.on(b, y));
            b.maxPool2dBackward(Pair.on(b, dy), Pair.on(b, x), g, Pair.on(b, dx));
        }
        y.assertClose("max pool forward", 0);
        dx.assertClose("max pool backward", 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void avgPool(PoolGeometry g) {
        Pair x = Pair.random(cl, 46, g.inputShape());
        Pair y = Pair.zeros(cl, g.outputShape()), dy = Pair.random(cl, 47, g.outputShape()), dx = Pair.random(cl, 48, g.inputShape());
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.avgPool2dForward(Pair.on(b, x), g, Pair.on(b, y));
            b.avgPool2dBackward(Pair.on(b, dy), g, Pair.on(b, dx));
        }
        y.assertClose("avg pool forward", 1e-5);
        dx.assertClose("avg pool backward", 1e-4);
    }

    @ParameterizedTest(name = "({0},{1},{2},{3}) -> {4}x{5}")
    @CsvSource({"3,4,7,7,1,1", "2,3,5,7,3,2", "1,2,6,6,4,4", "2,2,1,1,1,1", "1,1,3,3,5,5"})
    void adaptiveAvgPool(int n, int c, int h, int w, int oh, int ow) {
        Pair x = Pair.random(cl, 49, n, c, h, w);
        Pair y = Pair.zeros(cl, n, c, oh, ow), dy = Pair.random(cl, 50, n, c, oh, ow), dx = Pair.random(cl, 51, n, c, h, w);
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.adaptiveAvgPool2dForward(Pair.on(b, x), Pair.on(b, y));
            b.adaptiveAvgPool2dBackward(Pair.on(b, dy), Pair.on(b, dx));
        }
        y.assertClose("adaptive avg forward", 1e-5);
        dx.assertClose("adaptive avg backward", 1e-4);
    }
}
