package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.resnet4j.ops.nn.Ref.assertClose;
import static org.resnet4j.ops.nn.Ref.fd;
import static org.resnet4j.ops.nn.Ref.randomFloats;
import static org.resnet4j.ops.nn.Ref.toDouble;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;

/**
 * Every layer's forward against an independent float64 loop reference, and its backward (input and
 * parameter gradients) against central finite differences of that reference, on small shapes.
 *
 * <p>Tolerances: the layer runs in float32, the reference in float64. Each output is a sum of at most
 * ~100 products of O(1) values, so float32 rounding leaves errors of a few 1e-6 absolute; the finite
 * differences are accurate to ~1e-9. ATOL 3e-5 with RTOL 1e-4 states that with a margin of ~5x.
 */
class LayerGradientTest {
    static final double ATOL = 3e-5, RTOL = 1e-4;
    static final CpuBackend CPU = CpuBackend.get();

    static Tensor t(float[] v, int... shape) {
        return CPU.fromFloats(v, shape);
    }

    /** Runs forward and backward of m on x and checks y, dx against ref and finite differences of ref. */
    static float[] checkForwardAndDx(String what, Module m, float[] xf, int[] shape, double[] x, Supplier<double[]> ref,
                                     double[][] dyOut) {
        Tensor y = m.forward(t(xf, shape));
        double[] expected = ref.get();
        assertClose(what + " forward", y.toFloats(), expected, ATOL, RTOL);
        float[] dyf = randomFloats(99, expected.length);
        dyOut[0] = toDouble(dyf);
        Tensor dx = m.backward(t(dyf, y.shape()));
        assertThat(dx.shape()).isEqualTo(shape);
        assertClose(what + " dx", dx.toFloats(), fd(x, ref, dyOut[0]), ATOL, RTOL);
        return y.toFloats();
    }

    void checkConv(int n, int c, int h, int w, int o, int[] k, int s, int p, int d, int groups, boolean bias) {
        RandomState.manualSeed(1);
        Conv2d conv = new Conv2d(c, o, k, new int[] {s}, new int[] {p}, new int[] {d}, groups, bias);
        int[] shape = {n, c, h, w};
        float[] xf = randomFloats(2, n * c * h * w);
        double[] x = toDouble(xf), wt = toDouble(conv.weight().data().toFloats());
        double[] b = bias ? toDouble(conv.bias().data().toFloats()) : null;
        Supplier<double[]> ref = () -> Ref.conv2d(x, wt, b, n, c, h, w, o, k[0], k[1], s, p, d, groups);
        double[][] dy = new double[1][];
        checkForwardAndDx(conv.describe(), conv, xf, shape, x, ref, dy);
        assertClose(conv.describe() + " dweight", conv.weight().grad().toFloats(), fd(wt, ref, dy[0]), ATOL, RTOL);
        if (bias) assertClose(conv.describe() + " dbias", conv.bias().grad().toFloats(), fd(b, ref, dy[0]), ATOL, RTOL);
    }

    @Test
    void conv2dPaddedWithBias() {
        checkConv(2, 3, 6, 6, 4, new int[] {3, 3}, 1, 1, 1, 1, true);
    }

    @Test
    void conv2dStridedDilated() {
        checkConv(2, 2, 7, 7, 3, new int[] {3, 3}, 2, 2, 2, 1, false);
    }

    @Test
    void conv2dGroupedRectangularKernel() {
        checkConv(1, 4, 5, 6, 6, new int[] {2, 3}, 1, 1, 1, 2, true);
    }

    @Test
    void conv2dPointwise() {
        checkConv(2, 3, 4, 4, 5, new int[] {1, 1}, 1, 0, 1, 1, false);
    }

    @Test
    void linear() {
        RandomState.manualSeed(3);
        Linear lin = new Linear(5, 4, true);
        float[] xf = randomFloats(4, 15);
        double[] x = toDouble(xf), wt = toDouble(lin.weight().data().toFloats()), b = toDouble(lin.bias().data().toFloats());
        Supplier<double[]> ref = () -> Ref.linear(x, wt, b, 3, 5, 4);
        double[][] dy = new double[1][];
        checkForwardAndDx("Linear", lin, xf, new int[] {3, 5}, x, ref, dy);
        assertClose("Linear dweight", lin.weight().grad().toFloats(), fd(wt, ref, dy[0]), ATOL, RTOL);
        assertClose("Linear dbias", lin.bias().grad().toFloats(), fd(b, ref, dy[0]), ATOL, RTOL);
    }

    @Test
    void relu() {
        float[] xf = randomFloats(5, 2 * 3 * 4);
        double[] x = toDouble(xf);
        Supplier<double[]> ref = () -> {
            double[] y = new double[x.length];
            for (int i = 0; i < y.length; i++) y[i] = Math.max(0, x[i]);
            return y;
        };
        checkForwardAndDx("ReLU", new ReLU(), xf, new int[] {2, 3, 4}, x, ref, new double[1][]);
    }

    @Test
    void maxPool2d() {
        float[] xf = randomFloats(6, 2 * 2 * 7 * 7);
        double[] x = toDouble(xf);
        checkForwardAndDx("MaxPool2d(3, 2, 1)", new MaxPool2d(3, 2, 1), xf, new int[] {2, 2, 7, 7}, x,
                () -> Ref.maxPool(x, 2, 2, 7, 7, 3, 2, 1, 1, false), new double[1][]);
        checkForwardAndDx("MaxPool2d(2, 2, 0, dilation 2, ceil)", new MaxPool2d(2, 2, 0, 2, true), xf, new int[] {2, 2, 7, 7}, x,
                () -> Ref.maxPool(x, 2, 2, 7, 7, 2, 2, 0, 2, true), new double[1][]);
    }

    @Test
    void avgPool2d() {
        float[] xf = randomFloats(7, 2 * 2 * 6 * 5);
        double[] x = toDouble(xf);
        int[] shape = {2, 2, 6, 5};
        checkForwardAndDx("AvgPool2d(2)", new AvgPool2d(2), xf, shape, x,
                () -> Ref.avgPool(x, 2, 2, 6, 5, 2, 2, 0, false, true, 0), new double[1][]);
        checkForwardAndDx("AvgPool2d(3, 2, 1, ceil, exclude pad)", new AvgPool2d(3, 2, 1, true, false, 0), xf, shape, x,
                () -> Ref.avgPool(x, 2, 2, 6, 5, 3, 2, 1, true, false, 0), new double[1][]);
        checkForwardAndDx("AvgPool2d(3, 2, 1, ceil, include pad)", new AvgPool2d(3, 2, 1, true, true, 0), xf, shape, x,
                () -> Ref.avgPool(x, 2, 2, 6, 5, 3, 2, 1, true, true, 0), new double[1][]);
        checkForwardAndDx("AvgPool2d(3, 1, 1, divisor 5)", new AvgPool2d(3, 1, 1, false, true, 5), xf, shape, x,
                () -> Ref.avgPool(x, 2, 2, 6, 5, 3, 1, 1, false, true, 5), new double[1][]);
    }

    @Test
    void adaptiveAvgPool2d() {
        float[] xf = randomFloats(8, 2 * 3 * 5 * 7);
        double[] x = toDouble(xf);
        int[] shape = {2, 3, 5, 7};
        checkForwardAndDx("AdaptiveAvgPool2d(3, 2)", new AdaptiveAvgPool2d(3, 2), xf, shape, x,
                () -> Ref.adaptiveAvgPool(x, 2, 3, 5, 7, 3, 2), new double[1][]);
        checkForwardAndDx("AdaptiveAvgPool2d(1)", new AdaptiveAvgPool2d(1), xf, shape, x,
                () -> Ref.adaptiveAvgPool(x, 2, 3, 5, 7, 1, 1), new double[1][]);
    }

    @Test
    void batchNormTrainMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        CPU.copy(CPU.fromFloats(new float[] {0.5f, 1.5f, -2f}, 3), bn.weight().data());
        CPU.copy(CPU.fromFloats(new float[] {0.1f, -0.3f, 0.7f}, 3), bn.bias().data());
        float[] xf = randomFloats(9, 2 * 3 * 3 * 4);
        for (int i = 0; i < xf.length; i++) xf[i] = 2 * xf[i] + 1; // mean 1, std 2: normalization matters
        double[] x = toDouble(xf), g = toDouble(bn.weight().data().toFloats()), b = toDouble(bn.bias().data().toFloats());
        Supplier<double[]> ref = () -> Ref.batchNormTrain(x, g, b, 2, 3, 12, 1e-5);
        double[][] dy = new double[1][];
        checkForwardAndDx("BatchNorm2d train", bn, xf, new int[] {2, 3, 3, 4}, x, ref, dy);
        assertClose("BatchNorm2d dweight", bn.weight().grad().toFloats(), fd(g, ref, dy[0]), ATOL, RTOL);
        assertClose("BatchNorm2d dbias", bn.bias().grad().toFloats(), fd(b, ref, dy[0]), ATOL, RTOL);
    }

    @Test
    void batchNormNotAffine() {
        BatchNorm2d bn = new BatchNorm2d(2, 1e-3, 0.1, false, true);
        assertThat(bn.namedParameters()).isEmpty();
        float[] xf = randomFloats(10, 3 * 2 * 2 * 2);
        double[] x = toDouble(xf);
        checkForwardAndDx("BatchNorm2d not affine", bn, xf, new int[] {3, 2, 2, 2}, x,
                () -> Ref.batchNormTrain(x, null, null, 3, 2, 4, 1e-3), new double[1][]);
    }

    @Test
    void batchNormEvalMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        CPU.copy(CPU.fromFloats(new float[] {0.2f, -0.4f, 1.1f}, 3), bn.runningMean().data());
        CPU.copy(CPU.fromFloats(new float[] {0.5f, 2.0f, 1.3f}, 3), bn.runningVar().data());
        CPU.copy(CPU.fromFloats(new float[] {0.5f, 1.5f, -2f}, 3), bn.weight().data());
        CPU.copy(CPU.fromFloats(new float[] {0.1f, -0.3f, 0.7f}, 3), bn.bias().data());
        bn.eval();
        float[] xf = randomFloats(11, 2 * 3 * 2 * 2);
        double[] x = toDouble(xf), g = toDouble(bn.weight().data().toFloats()), b = toDouble(bn.bias().data().toFloats());
        double[] mean = {0.2f, -0.4f, 1.1f}, var = {0.5f, 2.0f, 1.3f};
        Supplier<double[]> ref = () -> Ref.batchNormEval(x, mean, var, g, b, 2, 3, 4, 1e-5);
        double[][] dy = new double[1][];
        checkForwardAndDx("BatchNorm2d eval", bn, xf, new int[] {2, 3, 2, 2}, x, ref, dy);
        assertClose("BatchNorm2d eval dweight", bn.weight().grad().toFloats(), fd(g, ref, dy[0]), ATOL, RTOL);
        assertClose("BatchNorm2d eval dbias", bn.bias().grad().toFloats(), fd(b, ref, dy[0]), ATOL, RTOL);
        assertThat(bn.numBatchesTracked().get()).isZero();
    }

    @Test
    void flattenIsAViewBothWays() {
        float[] xf = randomFloats(12, 2 * 3 * 2 * 2);
        Flatten f = new Flatten();
        Tensor y = f.forward(t(xf, 2, 3, 2, 2));
        assertThat(y.shape()).containsExactly(2, 12);
        assertThat(y.toFloats()).containsExactly(xf);
        float[] dyf = randomFloats(13, 24);
        Tensor dx = f.backward(t(dyf, 2, 12));
        assertThat(dx.shape()).containsExactly(2, 3, 2, 2);
        assertThat(dx.toFloats()).containsExactly(dyf);
    }

    @Test
    void identityPassesThrough() {
        Tensor x = t(randomFloats(14, 6), 2, 3);
        Identity id = new Identity();
        assertThat(id.forward(x)).isSameAs(x);
        assertThat(id.backward(x)).isSameAs(x);
    }

    @Test
    void softmaxRowsMatchTheFormula() {
        float[] zf = {1f, 2f, 3f, -1f, 0f, 1000f};
        float[] p = Softmax.probabilities(t(zf, 2, 3)).toFloats();
        double s0 = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertClose("softmax", p, new double[] {Math.exp(1) / s0, Math.exp(2) / s0, Math.exp(3) / s0, 0, 0, 1}, 1e-7, 1e-6);
        assertThat(Softmax.argmax(t(zf, 2, 3))).containsExactly(2, 2);
    }
}
