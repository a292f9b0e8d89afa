package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.core.cpu.CpuBackend;

/** Batch-norm kernels vs the CPU baseline (which reduces in float64): 1e-5 forward, 1e-4 gradients. */
class BatchNormKernelTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    static int[] shape(int n, int c, int h, int w) {
        return h == 0 ? new int[] {n, c} : new int[] {n, c, h, w};
    }

    static double[] reference(float[] x, int[] s, float[] gamma, float[] beta) {
        int n = s[0], c = s[1], hw = s.length == 4 ? s[2] * s[3] : 1;
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, ss = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < hw; j++) sum += x[(i * c + ch) * hw + j];
            double mu = sum / (n * hw);
            for (int i = 0; i < n; i++) for (int j = 0; j < hw; j++) ss += Math.pow(x[(i * c + ch) * hw + j] - mu, 2);
            double is = 1 / Math.sqrt(ss / (n * hw) + 1e-5);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hw; j++) {
                    int k = (i * c + ch) * hw + j;
                    y[k] = (x[k] - mu) * is * (gamma == null ? 1 : gamma[ch]) + (beta == null ? 0 : beta[ch]);
                }
        }
        return y;
    }

    // h == 0 means a rank-2 (n, c) input (BatchNorm after Linear)
    @ParameterizedTest(name = "({0},{1},{2},{3}) affine={4}")
    @CsvSource({"3,5,7,7,true", "1,3,1,1,true", "3,4,9,5,false", "8,6,0,0,true", "2,3,33,31,true", "1,2,2,2,false"})
    void trainForwardAndBackward(int n, int c, int h, int w, boolean affine) {
        int[] s = shape(n, c, h, w);
        Pair x = Pair.random(cl, 11, s), dy = Pair.random(cl, 12, s);
        // shift the input so that the mean is far from zero, as after a ReLU
        float[] xs = x.cpu().toFloats();
        for (int i = 0; i < xs.length; i++) xs[i] = xs[i] * 2 + 3;
        x = Pair.of(cl, xs, s);
        Pair gamma = affine ? Pair.random(cl, 13, c) : null, beta = affine ? Pair.random(cl, 14, c) : null;
        Pair y = Pair.zeros(cl, s), mean = Pair.zeros(cl, c), var = Pair.zeros(cl, c), inv = Pair.zeros(cl, c);
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.batchNormTrainForward(Pair.on(b, x), Pair.on(b, gamma), Pair.on(b, beta), 1e-5, Pair.on(b, y),
                    Pair.on(b, mean), Pair.on(b, var), Pair.on(b, inv));
        }
        // y is held to a float64 evaluation of the formula: the CPU baseline folds the mean into a shift,
        // which loses ~1e-5 when the variance is tiny (a single element per channel: invstd = 1/sqrt(eps))
        Compare.assertClose("bn train forward y vs float64", y.cl().toFloats(),
                reference(xs, s, gamma == null ? null : gamma.cpu().toFloats(), beta == null ? null : beta.cpu().toFloats()), 1e-5);
        mean.assertClose("bn batch mean", 1e-5);
        var.assertClose("bn batch var", 1e-5);
        inv.assertClose("bn batch invstd", 1e-5);

        Pair dx = Pair.random(cl, 15, s);
        Pair dg = affine ? Pair.random(cl, 16, c) : null, db = affine ? Pair.random(cl, 17, c) : null;
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.batchNormTrainBackward(Pair.on(b, dy), Pair.on(b, x), Pair.on(b, gamma), Pair.on(b, mean), Pair.on(b, inv),
                    Pair.on(b, dx), Pair.on(b, dg), Pair.on(b, db));
        }
        if (n * (s.length == 4 ? h * w : 1) == 1) {
            // one value per channel: xhat = 0 and dx = invstd * (dy - sum(dy)) = 0 exactly, so a relative
            // error has no scale; hold dx to float32 rounding of the terms it cancels (invstd * |dy|)
            float[] got = dx.cl().toFloats(), g = dy.cpu().toFloats(), is = inv.cpu().toFloats(), ga = gamma == null ? null : gamma.cpu().toFloats();
            for (int i = 0; i < got.length; i++) {
                int ch = i % c;
                double scale = Math.abs(g[i]) * is[ch] * (ga == null ? 1 : Math.abs(ga[ch]));
                assertThat((double) Math.abs(got[i])).as("bn train backward dx[%d] with one value per channel", i).isLessThanOrEqualTo(1e-5 * scale);
            }
        } else {
            dx.assertClose("bn train backward dx", 1e-4);
        }
        if (affine) {
            dg.assertClose("bn dgamma (accumulated)", 1e-4);
            db.assertClose("bn dbeta (accumulated)", 1e-4);
        }
    }

    /**
     * Few channels with many elements each: every channel's reduction is spread over several
     * work-groups (forced here; a GPU does so for layers narrower than its compute units), with the
     * same tolerances as the one-work-group kernels.
     */
    @ParameterizedTest(name = "({0},{1},{2},{3}) affine={4}")
    @CsvSource({"4,3,64,64,true", "2,2,128,100,false", "3,5,61,47,true"})
    void trainForwardAndBackwardSharedOverWorkGroups(int n, int c, int h, int w, boolean affine) {
        OpenClTestSupport.withWorkGroupTarget(cl, 64, () -> {
            assertThat(cl.bnShares(n, c, h * w)).as("work-groups per channel").isGreaterThan(1);
            trainForwardAndBackward(n, c, h, w, affine);
            reductionsAreDeterministic(n, c, h, w);
        });
    }

    @org.junit.jupiter.api.Test
    void onlyNarrowLayersWithManyElementsShareChannels() {
        OpenClTestSupport.withWorkGroupTarget(cl, 64, () -> {
            assertThat(cl.bnShares(128, 64, 1024)).as("as many channels as the target").isEqualTo(1);
            assertThat(cl.bnShares(1, 3, 2 * OpenClBackend.BN_MIN_PER_SHARE - 1)).as("too few elements").isEqualTo(1);
            assertThat(cl.bnShares(128, 16, 1024)).as("16 channels, 131072 elements").isEqualTo(4);
            assertThat(cl.bnShares(2, 1, 4 * OpenClBackend.BN_MIN_PER_SHARE)).as("shares at least BN_MIN_PER_SHARE").isEqualTo(8);
        });
    }

    @ParameterizedTest(name = "({0},{1},{2},{3}) affine={4}")
    @CsvSource({"3,5,7,7,true", "2,3,1,1,false", "4,6,0,0,true"})
    void evalForwardAndBackward(int n, int c, int h, int w, boolean affine) {
        int[] s = shape(n, c, h, w);
        Pair x = Pair.random(cl, 21, s), dy = Pair.random(cl, 22, s), runMean = Pair.random(cl, 23, c);
        float[] v = GemmTest.random(c, 24);
        for (int i = 0; i < c; i++) v[i] = Math.abs(v[i]) + 0.1f;
        Pair runVar = Pair.of(cl, v, c);
        Pair gamma = affine ? Pair.random(cl, 25, c) : null, beta = affine ? Pair.random(cl, 26, c) : null;
        Pair y = Pair.zeros(cl, s), dx = Pair.zeros(cl, s);
        Pair dg = affine ? Pair.random(cl, 27, c) : null, db = affine ? Pair.random(cl, 28, c) : null;
        for (var b : new org.resnet4j.core.Backend[] {CpuBackend.get(), cl}) {
            b.batchNormEvalForward(Pair.on(b, x), Pair.on(b, runMean), Pair.on(b, runVar), Pair.on(b, gamma), Pair.on(b, beta),
                    1e-5, Pair.on(b, y));
            b.batchNormEvalBackward(Pair.on(b, dy), Pair.on(b, x), Pair.on(b, runMean), Pair.on(b, runVar), Pair.on(b, gamma),
                    1e-5, Pair.on(b, dx), Pair.on(b, dg), Pair.on(b, db));
        }
        y.assertClose("bn eval forward", 1e-5);
        dx.assertClose("bn eval backward dx", 1e-4);
        if (affine) {
            dg.assertClose("bn eval dgamma", 1e-4);
            db.assertClose("bn eval dbeta", 1e-4);
        }
    }

    @ParameterizedTest(name = "({0},{1},{2},{3})")
    @CsvSource({"3,5,7,7", "1,3,1,1", "4,6,0,0"})
    void sumPerChannelAccumulates(int n, int c, int h, int w) {
        int[] s = shape(n, c, h, w);
        Pair x = Pair.random(cl, 31, s), acc = Pair.random(cl, 32, c);
        CpuBackend.get().sumPerChannelAccumulate(x.cpu(), acc.cpu());
        cl.sumPerChannelAccumulate(x.cl(), acc.cl());
        acc.assertClose("sumPerChannelAccumulate", 1e-5);
    }

    @ParameterizedTest(name = "({0},{1},{2},{3})")
    @CsvSource({"3,5,17,13", "2,4,64,64"})
    void reductionsAreDeterministic(int n, int c, int h, int w) {
        int[] s = shape(n, c, h, w);
        Pair x = Pair.random(cl, 33, s);
        float[] first = null;
        for (int rep = 0; rep < 3; rep++) {
            var y = cl.zeros(s);
            var mean = cl.zeros(c);
            cl.batchNormTrainForward(x.cl(), null, null, 1e-5, y, mean, cl.zeros(c), cl.zeros(c));
            float[] now = y.toFloats();
            if (first == null) first = now;
            else assertThat(Arrays.equals(first, now)).as("bit-identical batch-norm output on repeat " + rep).isTrue();
        }
    }
}
