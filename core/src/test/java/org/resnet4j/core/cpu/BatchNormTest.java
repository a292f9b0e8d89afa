package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Tensor;

/**
 * Batch norm against the formulas in float64. Tolerance 1e-5 normwise: statistics are summed in
 * float32 blocks of at most 512 then in float64, and each output is a few float32 operations, so the
 * error is a small multiple of 2^-24 relative to the data; a wrong formula or index gives O(1).
 */
class BatchNormTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final int DEFAULT_THREADS = Parallel.threads();
    private static final int N = 3, C = 5, H = 7, W = 9;
    private static final double EPS = 1e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    /** x with a per-channel offset of 3*c so the two-pass variance is exercised. */
    private static float[] input(long seed) {
        float[] x = Ref.random(seed, N * C * H * W);
        for (int i = 0; i < x.length; i++) x[i] += 3 * ((i / (H * W)) % C);
        return x;
    }

    private static double[][] stats(float[] x) {
        double[] mean = new double[C], var = new double[C];
        int hw = H * W, m = N * hw;
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int n = 0; n < N; n++) for (int j = 0; j < hw; j++) s += x[(n * C + c) * hw + j];
            mean[c] = s / m;
            double ss = 0;
            for (int n = 0; n < N; n++) for (int j = 0; j < hw; j++) {
                double d = x[(n * C + c) * hw + j] - mean[c];
                ss += d * d;
            }
            var[c] = ss / m;
        }
        return new double[][] {mean, var};
    }

    @Test
    void trainForwardAndBackwardMatchFormulas() {
        float[] x = input(41), dy = Ref.random(42, N * C * H * W), gamma = Ref.random(43, C), beta = Ref.random(44, C);
        int hw = H * W, m = N * hw;
        double[][] st = stats(x);
        double[] yRef = new double[x.length], dxRef = new double[x.length], dgRef = new double[C], dbRef = new double[C];
        for (int c = 0; c < C; c++) {
            double is = 1 / Math.sqrt(st[1][c] + EPS), sdy = 0, sdyx = 0;
            for (int n = 0; n < N; n++) for (int j = 0; j < hw; j++) {
                int i = (n * C + c) * hw + j;
                double xhat = (x[i] - st[0][c]) * is;
                yRef[i] = xhat * gamma[c] + beta[c];
                sdy += dy[i];
                sdyx += dy[i] * xhat;
            }
            dgRef[c] = 0.5 + sdyx; // accumulates onto 0.5
            dbRef[c] = -0.25 + sdy;
            for (int n = 0; n < N; n++) for (int j = 0; j < hw; j++) {
                int i = (n * C + c) * hw + j;
                double xhat = (x[i] - st[0][c]) * is;
                dxRef[i] = gamma[c] * is / m * (m * dy[i] - sdy - xhat * sdyx);
            }
        }
        Tensor tx = CPU.fromFloats(x, N, C, H, W), y = CPU.zeros(N, C, H, W);
        Tensor mean = CPU.zeros(C), var = CPU.zeros(C), inv = CPU.zeros(C), g = CPU.fromFloats(gamma, C);
        CPU.batchNormTrainForward(tx, g, CPU.fromFloats(beta, C), EPS, y, mean, var, inv);
        Ref.assertClose(y.toFloats(), yRef, 1e-5, "bn forward y");
        Ref.assertClose(mean.toFloats(), st[0], 1e-6, "bn batch mean");
        Ref.assertClose(var.toFloats(), st[1], 1e-5, "bn batch var");

        Tensor dx = CPU.zeros(N, C, H, W), dg = CPU.zeros(C), db = CPU.zeros(C);
        CPU.fill(dg, 0.5);
        CPU.fill(db, -0.25);
        CPU.batchNormTrainBackward(CPU.fromFloats(dy, N, C, H, W), tx, g, mean, inv, dx, dg, db);
        Ref.assertClose(dx.toFloats(), dxRef, 1e-5, "bn backward dx");
        Ref.assertClose(dg.toFloats(), dgRef, 1e-5, "bn backward dgamma");
        Ref.assertClose(db.toFloats(), dbRef, 1e-5, "bn backward dbeta");
    }

    @Test
    void evalForwardAndBackwardMatchFormulas() {
        float[] x = input(45), dy = Ref.random(46, N * C * H * W), gamma = Ref.random(47, C), beta = Ref.random(48, C);
        float[] rm = Ref.random(49, C), rv = Ref.random(50, C);
        for (int c = 0; c < C; c++) rv[c] = Math.abs(rv[c]) + 0.1f;
        int hw = H * W;
        double[] yRef = new double[x.length], dxRef = new double[x.length], dgRef = new double[C], dbRef = new double[C];
        for (int c = 0; c < C; c++) {
            double is = 1 / Math.sqrt(rv[c] + EPS);
            for (int n = 0; n < N; n++) for (int j = 0; j < hw; j++) {
                int i = (n * C + c) * hw + j;
                double xhat = (x[i] - rm[c]) * is;
                yRef[i] = xhat * gamma[c] + beta[c];
                dxRef[i] = dy[i] * gamma[c] * is;
                dgRef[c] += dy[i] * xhat;
                dbRef[c] += dy[i];
            }
        }
        Tensor tx = CPU.fromFloats(x, N, C, H, W), y = CPU.zeros(N, C, H, W), g = CPU.fromFloats(gamma, C);
        Tensor trm = CPU.fromFloats(rm, C), trv = CPU.fromFloats(rv, C);
        CPU.batchNormEvalForward(tx, trm, trv, g, CPU.fromFloats(beta, C), EPS, y);
        Ref.assertClose(y.toFloats(), yRef, 1e-5, "bn eval y");
        Tensor dx = CPU.zeros(N, C, H, W), dg = CPU.zeros(C), db = CPU.zeros(C);
        CPU.batchNormEvalBackward(CPU.fromFloats(dy, N, C, H, W), tx, trm, trv, g, EPS, dx, dg, db);
        Ref.assertClose(dx.toFloats(), dxRef, 1e-5, "bn eval dx");
        Ref.assertClose(dg.toFloats(), dgRef, 1e-5, "bn eval dgamma");
        Ref.assertClose(db.toFloats(), dbRef, 1e-5, "bn eval dbeta");
    }

    @Test
    void notAffineMeansGammaOneBetaZero() {
        float[] x = input(51);
        Tensor tx = CPU.fromFloats(x, N, C, H, W), y1 = CPU.zeros(N, C, H, W), y2 = CPU.zeros(N, C, H, W);
        Tensor ones = CPU.zeros(C), zeros = CPU.zeros(C);
        CPU.fill(ones, 1);
        CPU.batchNormTrainForward(tx, null, null, EPS, y1, CPU.zeros(C), CPU.zeros(C), CPU.zeros(C));
        CPU.batchNormTrainForward(tx, ones, zeros, EPS, y2, CPU.zeros(C), CPU.zeros(C), CPU.zeros(C));
        assertThat(y1.toFloats()).isEqualTo(y2.toFloats());
    }

    @Test
    void bitIdenticalForOneAndTwoThreads() {
        int n = 4, c = 6, h = 20, w = 20;
        float[] x = Ref.random(52, n * c * h * w), dy = Ref.random(53, n * c * h * w), gamma = Ref.random(54, c);
        float[][][] out = new float[2][][];
        for (int t = 1; t <= 2; t++) {
            Parallel.setThreads(t);
            Tensor tx = CPU.fromFloats(x, n, c, h, w), y = CPU.zeros(n, c, h, w), g = CPU.fromFloats(gamma, c);
            Tensor mean = CPU.zeros(c), var = CPU.zeros(c), inv = CPU.zeros(c);
            CPU.batchNormTrainForward(tx, g, CPU.zeros(c), EPS, y, mean, var, inv);
            Tensor dx = CPU.zeros(n, c, h, w), dg = CPU.zeros(c), db = CPU.zeros(c);
            CPU.batchNormTrainBackward(CPU.fromFloats(dy, n, c, h, w), tx, g, mean, inv, dx, dg, db);
            out[t - 1] = new float[][] {y.toFloats(), mean.toFloats(), var.toFloats(), dx.toFloats(), dg.toFloats(), db.toFloats()};
        }
        for (int i = 0; i < out[0].length; i++) assertThat(out[1][i]).as("output %d", i).isEqualTo(out[0][i]);
    }

    /** The residual sum and the ReLU applied in the last pass give the bits of the three one after another, NaN included. */
    @Test
    void trainForwardFusedWithSumAndReluEqualsTheOpsOneByOne() {
        float[] xs = input(41);
        float[] rs = Ref.random(42, xs.length);
        rs[7] = Float.NaN;
        Tensor x = CPU.fromFloats(xs, N, C, H, W), residual = CPU.fromFloats(rs, N, C, H, W);
        Tensor gamma = CPU.fromFloats(Ref.random(43, C), C), beta = CPU.fromFloats(Ref.random(44, C), C);
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (int variant = 0; variant < 4; variant++) {
                boolean sum = (variant & 1) != 0, relu = (variant & 2) != 0;
                Tensor expected = CPU.zeros(N, C, H, W);
                CPU.batchNormTrainForward(x, gamma, beta, EPS, expected, CPU.zeros(C), CPU.zeros(C), CPU.zeros(C));
                if (sum) CPU.add(expected, residual, expected);
                if (relu) CPU.relu(expected, expected);
                Tensor y = CPU.zeros(N, C, H, W), mean = CPU.zeros(C), var = CPU.zeros(C), inv = CPU.zeros(C);
                CPU.batchNormTrainForwardFused(x, gamma, beta, EPS, y, mean, var, inv, sum ? residual : null, relu);
                ConvEpilogueTest.assertSameBits(y.toFloats(), expected.toFloats(), "sum " + sum + " relu " + relu + ", " + threads + " threads");
                double[][] st = stats(xs);
                for (int c = 0; c < C; c++) assertThat((double) mean.toFloats()[c]).isCloseTo(st[0][c], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }
}
