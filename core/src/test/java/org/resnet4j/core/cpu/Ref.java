package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.fail;

import java.util.SplittableRandom;

/** Test helpers: random data and the normwise comparison against float64 references. */
final class Ref {
    private Ref() {}

    static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    /** Normwise relative error ||a - b|| / ||b|| (b nonzero), failing with the worst element. */
    static void assertClose(float[] actual, double[] expected, double tol, String what) {
        if (actual.length != expected.length) fail(what + ": length " + actual.length + " != " + expected.length);
        double num = 0, den = 0, worst = -1;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            double d = actual[i] - expected[i];
            if (Double.isNaN(d)) {
                fail(what + ": NaN at " + i + " (actual " + actual[i] + ", expected " + expected[i] + ")");
            }
            num += d * d;
            den += expected[i] * expected[i];
            if (Math.abs(d) > worst) {
                worst = Math.abs(d);
                at = i;
            }
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        if (rel > tol) {
            fail(String.format("%s: normwise relative error %.3g > %.1g; worst element %d: actual %s expected %s",
                    what, rel, tol, at, actual[at], expected[at]));
        }
    }

    /** C = alpha op(A) op(B) + beta C in double, C read only when beta != 0. */
    static double[] gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, float[] a, int offA, int lda,
                         float[] b, int offB, int ldb, double beta, float[] c, int offC, int ldc) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) out[i] = c[i];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    double bv = tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    s += av * bv;
                }
                int idx = offC + i * ldc + j;
                out[idx] = alpha * s + (beta == 0 ? 0 : beta * c[idx]);
            }
        }
        return out;
    }
}
