package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;

/**
 * Element-wise kernels, reductions and optimizer updates against float64 loops. Lengths are odd and
 * larger than one parallel chunk (32768) so vector bodies, scalar tails and chunk edges are all hit.
 * Element-wise results are one or two float32 roundings away from the exact value: 1e-6 normwise.
 */
class ElementwiseTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final int LEN = 70_001;

    private static Tensor t(float[] v) {
        return CPU.fromFloats(v, v.length);
    }

    @Test
    void addMulScaleAxpy() {
        float[] a = Ref.random(61, LEN), b = Ref.random(62, LEN);
        double[] add = new double[LEN], mul = new double[LEN], sc = new double[LEN], ax = new double[LEN];
        for (int i = 0; i < LEN; i++) {
            add[i] = (double) a[i] + b[i];
            mul[i] = (double) a[i] * b[i];
            sc[i] = -1.5 * a[i];
            ax[i] = b[i] + 0.25 * a[i];
        }
        Tensor o = CPU.zeros(LEN);
        CPU.add(t(a), t(b), o);
        Ref.assertClose(o.toFloats(), add, 1e-6, "add");
        CPU.mul(t(a), t(b), o);
        Ref.assertClose(o.toFloats(), mul, 1e-6, "mul");
        CPU.scale(t(a), -1.5, o);
        Ref.assertClose(o.toFloats(), sc, 1e-6, "scale");
        Tensor y = t(b);
        CPU.axpy(0.25, t(a), y);
        Ref.assertClose(y.toFloats(), ax, 1e-6, "axpy");
    }

    @Test
    void reluAndBackwardFollowTheComparison() {
        float[] x = Ref.random(63, LEN), dy = Ref.random(64, LEN);
        x[5] = Float.NaN;
        x[6] = -0f;
        x[7] = 0f;
        Tensor y = CPU.zeros(LEN), dx = CPU.zeros(LEN);
        CPU.relu(t(x), y);
        CPU.reluBackward(t(dy), y, dx);
        float[] yf = y.toFloats(), dxf = dx.toFloats();
        for (int i = 0; i < LEN; i++) {
            float ey = x[i] > 0f || Float.isNaN(x[i]) ? x[i] : 0f; // torch.relu keeps NaN
            assertThat(Float.floatToIntBits(yf[i])).as("relu %d", i).isEqualTo(Float.floatToIntBits(ey));
            assertThat(dxf[i]).as("relu backward %d", i).isEqualTo(ey > 0f ? dy[i] : 0f);
        }
    }

    @Test
    void channelBiasAndPerChannelSum() {
        int n = 3, c = 4, hw = 37;
        float[] y = Ref.random(65, n * c * hw), bias = Ref.random(66, c);
        double[] expected = new double[y.length], sums = {1, 2, 3, 4};
        for (int i = 0; i < y.length; i++) {
            int ch = (i / hw) % c;
            expected[i] = (double) y[i] + bias[ch];
            sums[ch] += y[i];
        }
        Tensor ty = CPU.fromFloats(y, n, c, hw, 1);
        CPU.addChannelBias(ty, CPU.fromFloats(bias, c));
        Ref.assertClose(ty.toFloats(), expected, 1e-6, "addChannelBias");
        Tensor acc = CPU.fromFloats(new float[] {1, 2, 3, 4}, c);
        CPU.sumPerChannelAccumulate(CPU.fromFloats(y, n, c, hw, 1), acc);
        Ref.assertClose(acc.toFloats(), sums, 1e-6, "sumPerChannelAccumulate");

        float[] y2 = Ref.random(67, n * c);
        double[] e2 = new double[n * c];
        for (int i = 0; i < n * c; i++) e2[i] = (double) y2[i] + bias[i % c];
        Tensor t2 = CPU.fromFloats(y2, n, c);
        CPU.addChannelBias(t2, CPU.fromFloats(bias, c));
        Ref.assertClose(t2.toFloats(), e2, 1e-6, "addChannelBias rank 2");
    }

    @Test
    void reductions() {
        float[] x = Ref.random(68, LEN);
        double s = 0, ss = 0, max = 0;
        for (float v : x) {
            s += v;
            ss += (double) v * v;
            max = Math.max(max, Math.abs(v));
        }
        // host reductions accumulate in float64 (only the order differs from this loop): 1e-12 relative
        assertThat(CPU.sum(t(x))).isCloseTo(s, within(1e-12 * Math.abs(s) + 1e-12));
        assertThat(CPU.sumOfSquares(t(x))).isCloseTo(ss, within(1e-12 * ss));
        assertThat(CPU.maxAbs(t(x))).isEqualTo(max);
        x[LEN - 3] = Float.POSITIVE_INFINITY;
        x[40_000] = Float.NaN;
        assertThat(CPU.countNonFinite(t(x))).isEqualTo(2);
        assertThat(CPU.maxAbs(t(x))).isNaN();
    }

    @Test
    void sgdMatchesTorchRule() {
        float[] p = Ref.random(69, LEN), g = Ref.random(70, LEN), buf = Ref.random(71, LEN);
        double lr = 0.1, mom = 0.9, damp = 0.1, wd = 1e-2;
        double[] ep = new double[LEN], eb = new double[LEN];
        for (int i = 0; i < LEN; i++) {
            double d = g[i] + wd * p[i];
            double b = mom * buf[i] + (1 - damp) * d;
            eb[i] = b;
            ep[i] = p[i] - lr * (d + mom * b); // nesterov
        }
        Tensor tp = t(p), tb = t(buf);
        CPU.sgdUpdate(tp, t(g), tb, lr, mom, damp, true, wd, false);
        Ref.assertClose(tp.toFloats(), ep, 1e-6, "sgd param");
        Ref.assertClose(tb.toFloats(), eb, 1e-6, "sgd buffer");
    }

    @Test
    void adamAndAdamWMatchTorchRule() {
        for (boolean decoupled : new boolean[] {false, true}) {
            float[] p = Ref.random(72, LEN), g = Ref.random(73, LEN), m = Ref.random(74, LEN), v = Ref.random(75, LEN);
            for (int i = 0; i < LEN; i++) v[i] = Math.abs(v[i]);
            double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
            long step = 3;
            double[] ep = new double[LEN];
            for (int i = 0; i < LEN; i++) {
                double pi = p[i], gi = g[i];
                if (decoupled) pi *= 1 - lr * wd;
                else gi += wd * pi;
                double mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;
                double denom = Math.sqrt(vi) / Math.sqrt(1 - Math.pow(b2, step)) + eps;
                ep[i] = pi - lr / (1 - Math.pow(b1, step)) * mi / denom;
            }
            Tensor tp = t(p);
            CPU.adamUpdate(tp, t(g), t(m), t(v), lr, b1, b2, eps, wd, decoupled, step);
            Ref.assertClose(tp.toFloats(), ep, 1e-6, "adam decoupled=" + decoupled);
        }
    }
}
